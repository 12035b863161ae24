import CollectorService
import CollectorStore
import CollectorSummary
import Foundation
import ReportValidation
import Testing
import TelemetryWire

@Suite struct ReportImporterTests {
    /// Records what it is given and how many inserts overlap; each insert yields a while so they can.
    actor RecordingStore: ReportStore {
        nonisolated let kind = "recording"
        var stored: [ValidatedReport] = []
        var seen: Set<String> = []
        var inFlight: [String: Int] = [:]
        var total = 0
        var maxTotal = 0
        var sameInstanceOverlaps = 0
        /// The size of each `insert(batch:)`, in order.
        var batches: [Int] = []
        let refuse: Set<String>
        let fail: Set<String>

        init(refuse: Set<String> = [], fail: Set<String> = []) {
            self.refuse = refuse
            self.fail = fail
        }

        func insert(_ report: ValidatedReport, receivedAt: Date) async throws -> InsertOutcome {
            if fail.contains(report.messageId) { throw StoreError.unavailable("disk full") }
            if refuse.contains(report.messageId) { throw StoreError.rejected("a NUL byte") }
            if inFlight[report.instanceId, default: 0] > 0 { sameInstanceOverlaps += 1 }
            inFlight[report.instanceId, default: 0] += 1
            total += 1
            maxTotal = max(maxTotal, total)
            for _ in 0..<5 { await Task.yield() }
            inFlight[report.instanceId, default: 0] -= 1
            total -= 1
            guard seen.insert(report.messageId).inserted else { return .duplicate }
            stored.append(report)
            return .new
        }

        func insert(batch: [ReportToStore]) async throws -> [Result<InsertOutcome, StoreError>] {
            batches.append(batch.count)
            return try await insertOneByOne(batch)
        }

        func migrate() async throws {}
        func knowsInstall(_ instanceId: String) async throws -> Bool { false }
        /// Erases for the key of bytes 0x00…0x1f (`ReportImporterTests.key`), refuses any other.
        func forget(instanceId: String, erasureKeyHash: String) async throws -> ForgetOutcome {
            erasureKeyHash == ReportImporterTests.keyHash ? .erased(reports: 1) : .refused(.wrongKey)
        }
        func summary(days: Int, asOf: Date, filter: SummaryFilter) async throws -> Summary { .empty(days: days, lastDay: UTCDay(asOf)) }
        func prune(before: Date) async throws -> Int { 0 }
        func health() async -> StoreHealth { StoreHealth(available: true, detail: "ok") }
        func close() async {}
    }

    /// What `warn` was given, in order.
    final class Lines: @unchecked Sendable {
        private let lock = NSLock()
        private var lines: [String] = []
        func append(_ s: String) { lock.withLock { lines.append(s) } }
        var all: [String] { lock.withLock { lines } }
    }

    static func uuid(_ n: Int, _ prefix: String) -> String {
        let hex = String(n, radix: 16)
        return "\(prefix)-0000-4000-8000-" + String(repeating: "0", count: 12 - hex.count) + hex
    }

    /// One JSON line per report: `(instance, message)`, timestamps one second apart in file order.
    static func lines(_ reports: [(instance: Int, message: Int)]) throws -> [UInt8] {
        var out: [UInt8] = []
        for (i, r) in reports.enumerated() {
            let report = Report(messageId: uuid(r.message, "aaaaaaaa"), type: .keepalive,
                                timestamp: Date(timeIntervalSince1970: 1_796_083_200 + Double(i)),
                                instanceId: uuid(r.instance, "11111111"), clusterId: uuid(r.instance, "cccccccc"),
                                agent: Agent(version: "0.1.0"), data: .keepalive(KeepAliveData(uptimeSec: nil, agentUptimeSec: 60)))
            out += Array(try report.jsonData()) + [0x0A]
        }
        return out
    }

    func importer(_ store: RecordingStore, batchSize: Int = ReportImporter.batchSize, validators: Int = 2,
                  maxBodyBytes: Int = 64 * 1024, warnings: Lines) throws -> ReportImporter {
        ReportImporter(store: store, validator: try ReportValidator(), maxBodyBytes: maxBodyBytes, batchSize: batchSize,
                       validators: validators, warn: { warnings.append($0) })
    }

    static let key = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"
    static let keyHash = "630dcd2966c4336691125448bbb25b4ff412a49c732db2c8abc1b8581bd710dd"

    /// A forget report carried from an air-gapped host (`telemetryd export`) erases as over HTTP; it is never stored.
    @Test func aForgetReportInAFileErasesAndAWrongKeyIsRejected() async throws {
        var out: [UInt8] = []
        for (message, key) in [(1, Self.key), (2, String(repeating: "ee", count: 32))] {
            let report = Report(messageId: Self.uuid(message, "aaaaaaaa"), type: .forget, timestamp: Date(timeIntervalSince1970: 1_796_083_200),
                                instanceId: Self.uuid(1, "11111111"), clusterId: Self.uuid(1, "cccccccc"), erasureKeyHash: Self.keyHash,
                                agent: Agent(version: "0.1.0"), data: .forget(ForgetData(erasureKey: key)))
            out += Array(try report.jsonData()) + [0x0A]
        }
        let store = RecordingStore()
        let warnings = Lines()
        let tally = try await importer(store, warnings: warnings).store("forget.jsonl", out)
        #expect(tally == ImportTally(new: 0, duplicate: 0, rejected: 1, erased: 1))
        #expect(tally.description == "0 new, 0 duplicate, 1 rejected, 1 of erased installs")
        #expect(await store.stored.isEmpty)
        #expect(warnings.all.count == 1 && warnings.all.first?.hasPrefix("forget.jsonl:2: the erasure key does not match") == true)
    }

    @Test func reportsAreStoredInFileOrderWhateverTheChunksAndBatches() async throws {
        // Three installs, interleaved; install 1 sends four reports; read 7 bytes at a time (lines cut anywhere),
        // validated two parts at a time, stored three reports a batch.
        let plan = [(1, 1), (2, 2), (1, 3), (3, 4), (1, 5), (2, 6), (1, 7), (3, 8)].map { (instance: $0.0, message: $0.1) }
        let bytes = try Self.lines(plan)
        var offset = 0
        let store = RecordingStore()
        let warnings = Lines()
        let tally = try await importer(store, batchSize: 3, validators: 2, warnings: warnings).store("reports.jsonl") {
            guard offset < bytes.count else { return nil }
            defer { offset += 7 }
            return Array(bytes[offset..<min(bytes.count, offset + 7)])
        }
        #expect(tally == ImportTally(new: 8, duplicate: 0, rejected: 0))
        #expect(warnings.all.isEmpty)
        #expect(await store.sameInstanceOverlaps == 0)
        #expect(await store.stored.map(\.messageId) == plan.map { Self.uuid($0.message, "aaaaaaaa") })
        #expect(await store.batches == [3, 3, 2])
    }

    @Test func theInputIsReadOnlyAsFastAsItIsStored() async throws {
        // A line a chunk: however long the input, the importer holds a bounded number of reports it read but did not store.
        let bytes = try Self.lines((1...1500).map { (instance: $0 % 7, message: $0) })
        let lines = bytes.split(separator: 0x0A).map { Array($0) + [0x0A] }
        var next = 0, mostAhead = 0
        let store = RecordingStore()
        let tally = try await importer(store, batchSize: 16, validators: 2, warnings: Lines()).store("big.jsonl") {
            guard next < lines.count else { return nil }
            mostAhead = max(mostAhead, next - (await store.stored.count))
            defer { next += 1 }
            return lines[next]
        }
        #expect(tally.new == 1500)
        // Two batches waiting, one being stored, and four parts of 64 lines handed out: 2·16 + 16 + 4·64 = 304, plus a part.
        #expect(mostAhead <= 304 + ReportImporter.linesPerPart)
        #expect(mostAhead > 0)
    }

    @Test func anImportedReportCarriesItsProductFactsAndCountersToTheStore() async throws {
        let report = Report(messageId: Self.uuid(1, "aaaaaaaa"), type: .diagnostics, timestamp: Date(timeIntervalSince1970: 1_796_083_200),
                            instanceId: Self.uuid(1, "11111111"), clusterId: Self.uuid(1, "cccccccc"), agent: Agent(version: "0.1.0"),
                            product: Product(name: "acme", version: "4.2.1"),
                            data: .diagnostics(DiagnosticsData(
                                os: OSInfo(id: "debian", versionId: "12", prettyName: nil, kernel: nil, arch: "x86_64"),
                                cpu: CPUInfo(model: nil, logicalCores: 2, load1: nil, load5: nil, load15: nil),
                                memory: MemoryInfo(totalBytes: nil, availableBytes: nil, swapTotalBytes: nil, swapFreeBytes: nil),
                                uptimeSec: nil, virtualization: "none", container: "none",
                                config: ConfigFeatures(compression: true, proxy: false, dryRun: false, customCA: false),
                                facts: ["edition": .string("oss"), "nodes": .integer(3)], factsStatus: .ok,
                                counters: ["flowsExecuted": 12], countersSinceSec: 3600)))
        let store = RecordingStore()
        let tally = try await importer(store, warnings: Lines()).store("in", Array(try report.jsonData()))
        #expect(tally == ImportTally(new: 1, duplicate: 0, rejected: 0))
        let stored = try #require(await store.stored.first)
        #expect(stored.product == "acme")
        #expect(stored.facts == ["edition": .enumeration("oss"), "nodes": .number(3)])
        #expect(stored.counters == ["flowsExecuted": 12])
    }

    @Test func rejectedReportsAreNamedByLineAndCounted() async throws {
        var bytes = try Self.lines([(instance: 1, message: 1)])
        bytes += Array("{\"not\":\"a report\"}\n".utf8)
        bytes += try Self.lines([(instance: 1, message: 1)])   // the same report again: a duplicate
        let store = RecordingStore(refuse: [])
        let warnings = Lines()
        let tally = try await importer(store, warnings: warnings).store("in.jsonl", bytes)
        #expect(tally == ImportTally(new: 1, duplicate: 1, rejected: 1))
        #expect(warnings.all.count == 1)
        #expect(warnings.all.first?.hasPrefix("in.jsonl:2: ") == true)
    }

    @Test func aTooLargeReportAndOneTheDatabaseRefusesAreRejectedNotFatal() async throws {
        let bytes = try Self.lines([(instance: 1, message: 1), (instance: 2, message: 2)])
        let refused = Self.uuid(2, "aaaaaaaa")
        let warnings = Lines()
        let tally = try await importer(RecordingStore(refuse: [refused]), warnings: warnings).store("in", bytes)
        #expect(tally == ImportTally(new: 1, duplicate: 0, rejected: 1))
        #expect(warnings.all == ["in:2: the database refused a value of the report: a NUL byte\n"])

        let small = Lines()
        let none = try await importer(RecordingStore(), maxBodyBytes: 10, warnings: small).store("in", bytes)
        #expect(none == ImportTally(new: 0, duplicate: 0, rejected: 2))
        #expect(small.all.first == "in:1: larger than 10 bytes (MaxBodyBytes=), skipped\n")
    }

    @Test func aStoreFailureEndsTheImportNamingTheReport() async throws {
        let bytes = try Self.lines([(instance: 1, message: 1), (instance: 2, message: 2)])
        let failing = RecordingStore(fail: [Self.uuid(2, "aaaaaaaa")])
        let warnings = Lines()
        await #expect(throws: ImportStoreFailure.self) { try await importer(failing, warnings: warnings).store("in", bytes) }
        // Both reports were in the batch being stored: either may have been (importing again would say which).
        do { _ = try await importer(failing, warnings: warnings).store("in", bytes) } catch {
            #expect("\(error)" == "in:1-2: database unavailable: disk full")
        }
        do { _ = try await importer(failing, batchSize: 1, warnings: warnings).store("in", bytes) } catch {
            #expect("\(error)" == "in:2: database unavailable: disk full")
        }
    }
}
