#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import ReportValidation

/// Single inserts group-committed through a store's `insert(batch:)`, as `GroupCommit` decides: concurrent reports of
/// the ingest share one transaction, and each report's answer is given only after its batch committed, so a 202 still
/// means stored. A quiet collector commits each report at once, alone, as a plain `insert` would.
///
/// Why: one transaction per report costs one commit per report (a WAL append and, on PostgreSQL, a round trip and a
/// wait for the WAL flush); on a patch day the collector's rate is bound by commits rather than by work. Batched, the
/// commits are shared, on SQLite the rollup trigger is compiled once per batch instead of once per report, and on
/// PostgreSQL a batch is one statement, one round trip.
public actor GroupCommitter {
    private typealias Answer = Result<InsertOutcome, StoreError>
    private struct Pending: Sendable {
        var item: ReportToStore
        var answer: CheckedContinuation<Answer, any Error>
    }

    public nonisolated let store: any ReportStore
    private var machine: GroupCommit<Pending>
    /// Reports waiting for a batch slot, batches committed and reports in them (for tests and diagnostics).
    public var waiting: Int { machine.waitingCount }
    public private(set) var batches = 0
    public private(set) var reports = 0
    public private(set) var largestBatch = 0

    /// `maxConcurrentBatches`: 1 for a single writer (SQLite), a few for PostgreSQL (each batch holds one pool
    /// connection while it commits).
    public init(store: any ReportStore, maxBatch: Int = 256, maxConcurrentBatches: Int) {
        self.store = store
        machine = GroupCommit(maxBatch: maxBatch, maxConcurrentBatches: maxConcurrentBatches)
    }

    /// The batch width the collector uses for a store: SQLite has one writer; PostgreSQL commits a few batches at once.
    public static func concurrentBatches(for store: any ReportStore) -> Int {
        store.kind == "sqlite" ? 1 : 4
    }

    /// As `ReportStore.insert`: the report's outcome once its batch committed; `StoreError.rejected` when the
    /// database refused a value of this report (the others of the batch are stored); the batch's failure otherwise.
    public func insert(_ report: ValidatedReport, receivedAt: Date) async throws -> InsertOutcome {
        let answer: Answer = try await withCheckedThrowingContinuation { continuation in
            if let batch = machine.submit(Pending(item: ReportToStore(report, receivedAt: receivedAt), answer: continuation)) {
                commit(batch)
            }
        }
        return try answer.get()
    }

    private func commit(_ batch: [Pending]) {
        batches += 1
        reports += batch.count
        largestBatch = max(largestBatch, batch.count)
        let store = self.store
        Task {
            do {
                let answers = try await store.insert(batch: batch.map(\.item))
                for (pending, answer) in zip(batch, answers) { pending.answer.resume(returning: answer) }
                // A store that answered fewer than it was given broke its contract: never leave an insert hanging.
                for pending in batch.dropFirst(answers.count) {
                    pending.answer.resume(throwing: StoreError.unavailable("the store answered \(answers.count) of \(batch.count) reports of a batch"))
                }
            } catch {
                for pending in batch { pending.answer.resume(throwing: error) }
            }
            self.finished()  // the task runs on this actor
        }
    }

    private func finished() {
        if let next = machine.finished() { commit(next) }
    }
}
