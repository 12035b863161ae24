import CollectorStore
import ReportValidation

/// `telemetry-collector import`, without files or a terminal: one input's reports validated and stored, counted
/// on the day they were built (their timestamp), up to `window` inserts at a time (`ImportWindow`). A rejected
/// report is named (NAME:LINE) through `warn` and skipped; a store failure ends the import, naming the report it
/// was storing.
public struct ReportImporter: Sendable {
    /// How many inserts are in flight at once: PostgreSQL commits them together (one WAL flush for many), and
    /// SQLite's single writer runs one while the next reports are being validated.
    public static let window = 16

    public let store: any ReportStore
    public let validator: ReportValidator
    public let maxBodyBytes: Int
    public let window: Int
    /// One line for the operator (stderr), ending in a newline.
    public let warn: @Sendable (String) -> Void

    public init(store: any ReportStore, validator: ReportValidator, maxBodyBytes: Int, window: Int = ReportImporter.window,
                warn: @escaping @Sendable (String) -> Void) {
        self.store = store
        self.validator = validator
        self.maxBodyBytes = maxBodyBytes
        self.window = window
        self.warn = warn
    }

    public func store(_ name: String, _ bytes: [UInt8]) async throws -> ImportTally {
        var tally = ImportTally()
        var slots = ImportWindow(capacity: window)
        let store = self.store, warn = self.warn
        // outcome nil: the database refused a value of the report (said through `warn`, counted as rejected).
        try await withThrowingTaskGroup(of: (instance: String, outcome: InsertOutcome?).self) { group in
            func count(_ done: (instance: String, outcome: InsertOutcome?)) {
                switch done.outcome {
                case .new: tally.new += 1
                case .duplicate: tally.duplicate += 1
                case .erased: tally.erased += 1
                case nil: tally.rejected += 1
                }
                slots.ended(done.instance)
            }
            for (line, body) in ImportSplitter.reports(in: bytes) {
                if body.count > maxBodyBytes {
                    warn("\(name):\(line): larger than \(maxBodyBytes) bytes (MaxBodyBytes=), skipped\n")
                    tally.rejected += 1
                    continue
                }
                switch validator.validate(body) {
                case .failure(let rejection):
                    warn("\(name):\(line): \(rejection)\n")
                    tally.rejected += 1
                case .success(let report):
                    while !slots.mayStart(report.instanceId), let done = try await group.next() {
                        count(done)
                    }
                    let place = "\(name):\(line)"
                    group.addTask {
                        do {
                            // A forget report carried over from an air-gapped host (`telemetryd export`) erases as over HTTP.
                            if report.type == .forget, let presented = report.presentedKeyHash {
                                switch try await store.forget(instanceId: report.instanceId, erasureKeyHash: presented) {
                                case .erased, .alreadyErased: return (report.instanceId, .erased)
                                case .refused(let why):
                                    warn("\(place): \(why)\n")
                                    return (report.instanceId, nil)
                                }
                            }
                            return (report.instanceId, try await store.insert(report, receivedAt: report.timestamp))
                        } catch StoreError.rejected(let why) {
                            warn("\(place): the database refused a value of the report: \(why)\n")
                            return (report.instanceId, nil)
                        } catch {
                            throw ImportStoreFailure(description: "\(place): \(error)")
                        }
                    }
                    slots.started(report.instanceId)
                }
            }
            for try await done in group { count(done) }
        }
        return tally
    }
}

/// A store failure during an import: which report (NAME:LINE) and what the store said.
public struct ImportStoreFailure: Error, Sendable, CustomStringConvertible {
    public var description: String
    public init(description: String) { self.description = description }
}
