#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import CollectorStore
import ReportValidation

/// `telemetry-collector import`, without files or a terminal: one input's reports validated and stored, counted on the
/// day they were built (their timestamp). A rejected report is named (NAME:LINE) through `warn` and skipped; a store
/// failure ends the import, naming the lines it was storing.
///
/// A pipeline with bounded memory, whatever the input's size: the input is read a chunk at a time and cut into lines
/// (`ImportSplitter`); parts of `linesPerPart` lines are validated on up to `validators` tasks at once (every core);
/// their results are put back in file order (`ImportReorder`) and stored `batchSize` reports per
/// `ReportStore.insert(batch:)` (one transaction), one batch at a time while the next parts are validated. Reports thus
/// reach the store in file order, so each install's rollups (its first day, the last report of a day) come out as if
/// the file were stored one report after another.
public struct ReportImporter: Sendable {
    /// Reports per transaction. Enough that the commit (PostgreSQL's WAL flush, SQLite's WAL append) and the round trips
    /// around it cost little per report; few enough that a transaction holds its locks (the rollup rows of its days,
    /// SQLite's write lock) for a fraction of a second, so a collector serving agents beside the import keeps answering,
    /// and that the reports waiting for it stay a few megabytes. A batch is full or the input ended: an import has its
    /// input at hand, so it never waits for more reports to fill one (a live ingest would batch by time).
    public static let batchSize = 256
    /// Lines validated by one task: enough to make a task's cost small beside the validation.
    public static let linesPerPart = 64

    public let store: any ReportStore
    public let validator: ReportValidator
    public let maxBodyBytes: Int
    public let batchSize: Int
    /// Validation tasks at once: the machine's cores.
    public let validators: Int
    /// One line for the operator (stderr), ending in a newline.
    public let warn: @Sendable (String) -> Void

    public init(store: any ReportStore, validator: ReportValidator, maxBodyBytes: Int, batchSize: Int = ReportImporter.batchSize,
                validators: Int = ProcessInfo.processInfo.activeProcessorCount, warn: @escaping @Sendable (String) -> Void) {
        self.store = store
        self.validator = validator
        self.maxBodyBytes = maxBodyBytes
        self.batchSize = max(1, batchSize)
        self.validators = max(1, validators)
        self.warn = warn
    }

    /// A whole input at hand.
    public func store(_ name: String, _ bytes: [UInt8]) async throws -> ImportTally {
        var given = false
        return try await store(name) {
            defer { given = true }
            return given ? nil : bytes
        }
    }

    /// An input read a chunk at a time by `read` (nil at its end), called again only once the reports of the chunk
    /// before are on their way.
    public func store(_ name: String, reading read: () async throws -> [UInt8]?) async throws -> ImportTally {
        var tally = ImportTally()
        var splitter = ImportSplitter(maxBodyBytes: maxBodyBytes)
        var reorder = ImportReorder<[Checked]>()
        var unsent: [ImportSplitter.Piece] = [], unsentStart = 0
        var pending: [Checked] = [], pendingStart = 0
        var ended = false, storing = false
        var handedOut = 0
        let validator = self.validator, maxBodyBytes = self.maxBodyBytes, store = self.store, warn = self.warn
        // At most this many parts handed out and not yet back in order (validating, or waiting for an earlier one).
        let maxOut = validators * 2
        try await withThrowingTaskGroup(of: Done.self) { group in
            while true {
                let queued = pending.count - pendingStart
                let drained = ended && unsent.count == unsentStart && handedOut == reorder.next
                if !storing, queued >= batchSize || (drained && queued > 0) {
                    let batch = Array(pending[pendingStart..<pendingStart + min(batchSize, queued)])
                    pendingStart += batch.count
                    if pendingStart > 4 * batchSize {
                        pending.removeFirst(pendingStart)
                        pendingStart = 0
                    }
                    storing = true
                    group.addTask { .stored(try await Self.store(batch, name: name, in: store, warn: warn)) }
                    continue
                }
                if handedOut - reorder.next < maxOut, queued < 2 * batchSize {
                    if unsent.count == unsentStart, !ended {
                        unsent.removeAll(keepingCapacity: true)
                        unsentStart = 0
                        if let chunk = try await read() {
                            unsent = splitter.feed(chunk)
                        } else {
                            unsent = splitter.finish()
                            ended = true
                        }
                        continue
                    }
                    if unsent.count > unsentStart {
                        let part = Array(unsent[unsentStart..<min(unsent.count, unsentStart + Self.linesPerPart)])
                        unsentStart += part.count
                        let number = handedOut
                        handedOut += 1
                        group.addTask { .validated(number, part.map { Self.check($0, validator, maxBodyBytes) }) }
                        continue
                    }
                }
                if drained, queued == 0, !storing { break }
                guard let done = try await group.next() else { break }
                switch done {
                case .validated(let number, let checked):
                    for part in reorder.add(number, checked) {
                        for c in part {
                            if case .rejected(let line, let why) = c {
                                warn("\(name):\(line): \(why)\n")
                                tally.rejected += 1
                            } else {
                                pending.append(c)
                            }
                        }
                    }
                case .stored(let stored):
                    storing = false
                    tally.add(stored)
                }
            }
        }
        return tally
    }

    /// One line, validated: a report to store (with its line) or why not.
    enum Checked: Sendable {
        case report(line: Int, ValidatedReport)
        case rejected(line: Int, String)
    }

    enum Done: Sendable {
        case validated(Int, [Checked])
        case stored(ImportTally)
    }

    static func check(_ piece: ImportSplitter.Piece, _ validator: ReportValidator, _ maxBodyBytes: Int) -> Checked {
        switch piece {
        case .tooLarge(let line, _):
            return .rejected(line: line, "larger than \(maxBodyBytes) bytes (MaxBodyBytes=), skipped")
        case .body(let line, let body) where body.count > maxBodyBytes:
            return .rejected(line: line, "larger than \(maxBodyBytes) bytes (MaxBodyBytes=), skipped")
        case .body(let line, let body):
            switch validator.validate(body) {
            case .success(let report): return .report(line: line, report)
            case .failure(let rejection): return .rejected(line: line, "\(rejection)")
            }
        }
    }

    /// Stores `batch` in order: runs of reports as one `insert(batch:)` each, a forget report (carried over from an
    /// air-gapped host by `telemetryd export`) as `forget`, erasing as over HTTP, between them.
    static func store(_ batch: [Checked], name: String, in store: any ReportStore,
                      warn: @Sendable (String) -> Void) async throws -> ImportTally {
        var tally = ImportTally()
        var run: [(line: Int, report: ValidatedReport)] = []
        func flush() async throws {
            guard !run.isEmpty else { return }
            defer { run = [] }
            let outcomes: [Result<InsertOutcome, StoreError>]
            do {
                outcomes = try await store.insert(batch: run.map { ReportToStore($0.report, receivedAt: $0.report.timestamp) })
            } catch {
                let lines = run.count == 1 ? "\(run[0].line)" : "\(run[0].line)-\(run[run.count - 1].line)"
                throw ImportStoreFailure(description: "\(name):\(lines): \(error)")
            }
            for (item, outcome) in zip(run, outcomes) {
                switch outcome {
                case .success(.new): tally.new += 1
                case .success(.duplicate): tally.duplicate += 1
                case .success(.erased): tally.erased += 1
                case .failure(let why):
                    warn("\(name):\(item.line): \(why)\n")
                    tally.rejected += 1
                }
            }
        }
        for case .report(let line, let report) in batch {
            guard report.type == .forget, let presented = report.presentedKeyHash else {
                run.append((line, report))
                continue
            }
            try await flush()
            do {
                switch try await store.forget(instanceId: report.instanceId, erasureKeyHash: presented) {
                case .erased, .alreadyErased: tally.erased += 1
                case .refused(let why):
                    warn("\(name):\(line): \(why)\n")
                    tally.rejected += 1
                }
            } catch {
                throw ImportStoreFailure(description: "\(name):\(line): \(error)")
            }
        }
        try await flush()
        return tally
    }
}

/// A store failure during an import: which reports (NAME:LINE, or NAME:FIRST-LAST for a batch) and what the store said.
public struct ImportStoreFailure: Error, Sendable, CustomStringConvertible {
    public var description: String
    public init(description: String) { self.description = description }
}
