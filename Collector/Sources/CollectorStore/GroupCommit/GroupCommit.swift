/// When to commit which inserts together (group commit), as a pure state machine: the first insert while fewer than
/// `maxConcurrentBatches` batches are being committed goes at once, alone, so a quiet collector adds no wait; inserts
/// that arrive while every batch slot is busy wait, and the next batch to finish takes up to `maxBatch` of them into
/// one transaction. Under load batches grow by themselves to what the database takes per commit, with no timer: the
/// wait of an insert is at most the commits ahead of it.
///
/// SQLite has one writer, so one batch at a time; PostgreSQL commits several at once (one per pool connection in use).
/// The machine only decides; `GroupCommitStore` runs the commits and answers each insert.
public struct GroupCommit<Item: Sendable>: Sendable {
    public enum State: Sendable {
        /// No batch being committed.
        case idle
        /// `batches` batches being committed (1 ... maxConcurrentBatches) and the inserts waiting for a slot.
        case committing(batches: Int, waiting: [Item])
    }

    public private(set) var state: State = .idle
    public let maxBatch: Int
    public let maxConcurrentBatches: Int

    public init(maxBatch: Int, maxConcurrentBatches: Int) {
        self.maxBatch = max(1, maxBatch)
        self.maxConcurrentBatches = max(1, maxConcurrentBatches)
    }

    /// An insert arrives: the batch to commit now (this insert alone, when a slot is free), or nil (it waits).
    public mutating func submit(_ item: Item) -> [Item]? {
        switch state {
        case .idle:
            state = .committing(batches: 1, waiting: [])
            return [item]
        case .committing(let batches, var waiting):
            if batches < maxConcurrentBatches, waiting.isEmpty {
                state = .committing(batches: batches + 1, waiting: [])
                return [item]
            }
            state = .idle  // drop the array's second reference before appending (no copy)
            waiting.append(item)
            state = .committing(batches: batches, waiting: waiting)
            return nil
        }
    }

    /// A batch was committed (or failed): the next batch to commit, oldest first, up to `maxBatch` of the waiting
    /// inserts; nil when none wait (the slot is free).
    public mutating func finished() -> [Item]? {
        guard case .committing(let batches, var waiting) = state else {
            preconditionFailure("GroupCommit.finished() without a batch being committed")
        }
        guard !waiting.isEmpty else {
            state = batches > 1 ? .committing(batches: batches - 1, waiting: []) : .idle
            return nil
        }
        state = .idle
        let next = Array(waiting.prefix(maxBatch))
        waiting.removeFirst(next.count)
        state = .committing(batches: batches, waiting: waiting)
        return next
    }

    /// Inserts waiting for a batch slot.
    public var waitingCount: Int {
        if case .committing(_, let waiting) = state { return waiting.count }
        return 0
    }
}
