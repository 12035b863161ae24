import Foundation
import CollectorSummary
import ReportValidation
import CollectorConfiguration
import CollectorHTTP
import CollectorSQLite
import CollectorStore
import CollectorStoreConformance
import Hummingbird
import HummingbirdTesting
import NIOCore
import Testing

/// Labels are labels: MaxDistinctValues= on every read, a value the database refuses answered 400 (never an
/// outage), and what the store is given is the report in minimal form.
@Suite struct LabelRoutesTests {
    static let now = IngestRoutesTests.now

    static func report(_ n: Int, product: String) -> String {
        let hex = String(n, radix: 16)
        let pad = String(repeating: "0", count: 12 - hex.count) + hex
        return IngestRoutesTests.report(message: "aaaaaaaa-0000-4000-8000-\(pad)", instance: "11111111-0000-4000-8000-\(pad)", product: product)
    }

    func routes(store: any ReportStore, maxDistinctValues: Int = 100,
                _ body: @Sendable (any TestClientProtocol, Ingest, CollectorMetrics) async throws -> Void) async throws {
        let settings = IngestSettingsBox(IngestSettings(tokens: BearerTokens(tokens: []), maxBodyBytes: 64 * 1024, maxDistinctValues: maxDistinctValues))
        let ingest = Ingest(store: store, validator: try ReportValidator(), settings: settings, now: { Self.now })
        let metrics = CollectorMetrics()
        let app = Application(router: CollectorRoutes.router(ingest: ingest, metrics: metrics, now: { Self.now }))
        try await app.test(.router) { client in try await body(client, ingest, metrics) }
        await store.close()
    }

    func post(_ client: any TestClientProtocol, _ text: String) async throws -> TestResponse {
        try await client.execute(uri: "/v1/reports", method: .post, headers: IngestRoutesTests.json, body: ByteBuffer(string: text))
    }

    @Test func everyReadShowsAtMostMaxDistinctValuesAndAReloadAppliesAtOnce() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let store = try await SQLiteReportStore.open(path: dir.path + "/reports.db")
        try await store.migrate()
        try await routes(store: store, maxDistinctValues: 3) { client, ingest, _ in
            // 7 versions, version i sent by i + 1 installs: 28 installs.
            var n = 0
            for v in 0..<7 {
                for _ in 0...v {
                    n += 1
                    #expect(try await post(client, Self.report(n, product: "1.0.\(v)")).status == .accepted)
                }
            }
            let api = try JSONDecoder().decode(Summary.self, from: Data(buffer: try await client.execute(uri: "/api/v1/summary?days=1", method: .get).body))
            #expect(api.days.last?.byProductVersion == ["1.0.6": 7, "1.0.5": 6, "1.0.4": 5, "other": 10])
            let m = String(buffer: try await client.execute(uri: "/metrics", method: .get).body)
            let series = m.split(separator: "\n").filter { $0.hasPrefix("telemetry_active_installs{") }
            #expect(series.count == 4)
            #expect(m.contains(#",product_version="other"} 10"#))
            let page = String(buffer: try await client.execute(uri: "/?days=1", method: .get).body)
            #expect(page.contains("1.0.6") && !page.contains("1.0.0"))
            #expect(page.contains("other versions"))

            ingest.settings.replace(with: IngestSettings(tokens: BearerTokens(tokens: []), maxBodyBytes: 64 * 1024, maxDistinctValues: 10))
            let all = try JSONDecoder().decode(Summary.self, from: Data(buffer: try await client.execute(uri: "/api/v1/summary?days=1", method: .get).body))
            #expect(all.days.last?.byProductVersion.count == 7)
        }
    }

    @Test func reservedVersionsAreCountedApart() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let store = try await SQLiteReportStore.open(path: dir.path + "/reports.db")
        try await store.migrate()
        try await routes(store: store) { client, _, _ in
            for (n, v) in ["unknown", "other", "4.2.1"].enumerated() {
                #expect(try await post(client, Self.report(n + 1, product: v)).status == .accepted)
            }
            // And one install without a version: the collector's own unknown.
            #expect(try await post(client, IngestRoutesTests.report(message: "aaaaaaaa-0000-4000-8000-0000000000ff", instance: "11111111-0000-4000-8000-0000000000ff", product: nil)).status == .accepted)
            let s = try JSONDecoder().decode(Summary.self, from: Data(buffer: try await client.execute(uri: "/api/v1/summary?days=1", method: .get).body))
            #expect(s.days.last?.byProductVersion == ["\"unknown\"": 1, "\"other\"": 1, "4.2.1": 1, "unknown": 1])
        }
    }

    @Test func aValueTheDatabaseRefusesIs400AndNoOutage() async throws {
        try await routes(store: RefusingStore()) { client, ingest, metrics in
            for _ in 0..<3 {
                let r = try await post(client, IngestRoutesTests.report())
                #expect(r.status == .badRequest)
                #expect(r.headers[.retryAfter] == nil)
                let reason = try JSONDecoder().decode(ReportRejection.self, from: Data(buffer: r.body))
                #expect(reason.reason.contains("SQLSTATE 22021"))
            }
            #expect(ingest.availability.isAvailable)
            let text = String(decoding: metrics.render(summary: nil), as: UTF8.self)
            #expect(text.contains(#"telemetry_reports_total{result="invalid"} 3"#))
            #expect(text.contains(#"telemetry_reports_total{result="unavailable"} 0"#))
        }
    }

    @Test func theStoreIsGivenTheMinimalForm() async throws {
        let store = CapturingStore()
        try await routes(store: store) { client, _, _ in
            let compact = IngestRoutesTests.report()
            // Whitespace after every structural character (outside strings: a timestamp holds colons too).
            var padded = "", inString = false, escaped = false
            for c in compact {
                padded.append(c)
                if inString {
                    if escaped { escaped = false } else if c == "\\" { escaped = true } else if c == "\"" { inString = false }
                } else if c == "\"" {
                    inString = true
                } else if ",:{[".contains(c) {
                    padded += "  \n\t "
                }
            }
            padded += String(repeating: " ", count: 10_000)
            let r = try await post(client, padded)
            #expect(r.status == .accepted)
        }
        let kept = try #require(await store.reports.first)
        #expect(kept.json == (try JSONValue.parse(Array(IngestRoutesTests.report().utf8), maxDepth: 16)).minimalJSON)
        #expect(kept.json.utf8.count <= IngestRoutesTests.report().utf8.count)
        #expect(!kept.json.contains(" "))
    }
}

/// A database that answers and refuses every report's values (as PostgreSQL refuses NUL).
struct RefusingStore: ReportStore {
    let kind = "postgresql"
    func migrate() async throws {}
    func insert(_ report: ValidatedReport, receivedAt: Date) async throws -> InsertOutcome {
        throw StoreError.rejected(#"invalid byte sequence for encoding "UTF8": 0x00 (SQLSTATE 22021)"#)
    }
    func knowsInstall(_ instanceId: String) async throws -> Bool { false }
    func forget(instanceId: String, erasureKeyHash: String) async throws -> ForgetOutcome { .refused(.noPinnedKey) }
    func summary(days: Int, asOf: Date, filter: SummaryFilter) async throws -> Summary { Summary.empty(days: days, lastDay: UTCDay(asOf)) }
    func prune(before: Date) async throws -> Int { 0 }
    func health() async -> StoreHealth { StoreHealth(available: true, detail: "ok") }
    func close() async {}
}

/// Keeps what it is given.
actor CapturingStore: ReportStore {
    nonisolated let kind = "sqlite"
    var reports: [ValidatedReport] = []
    func migrate() async throws {}
    func insert(_ report: ValidatedReport, receivedAt: Date) async throws -> InsertOutcome {
        reports.append(report)
        return .new
    }
    func knowsInstall(_ instanceId: String) async throws -> Bool { reports.contains { $0.instanceId == instanceId } }
    func forget(instanceId: String, erasureKeyHash: String) async throws -> ForgetOutcome { .refused(.noPinnedKey) }
    func summary(days: Int, asOf: Date, filter: SummaryFilter) async throws -> Summary { Summary.empty(days: days, lastDay: UTCDay(asOf)) }
    func prune(before: Date) async throws -> Int { 0 }
    func health() async -> StoreHealth { StoreHealth(available: true, detail: "ok") }
    func close() async {}
}
