import Foundation
import CollectorSummary
import ReportValidation
import CollectorConfiguration
import CollectorHTTP
import CollectorSQLite
import CollectorStore
import CollectorStoreConformance
import CompressNIO
import Hummingbird
import HummingbirdTesting
import NIOCore
import Testing

/// Every answer of the HTTP face, through Hummingbird's router test client (no sockets) on a real SQLite store.
@Suite struct IngestRoutesTests {
    static let now = Date(timeIntervalSince1970: 1_796_104_800)   // 2026-12-01T06:00:00Z

    static func report(message: String = "3f2c1a9e-8d3b-4c7a-9e21-5b6f0d8c3a17", instance: String = "11111111-2222-4333-8444-555555555555",
                       product: String? = "4.2.1") -> String {
        let productJSON = product.map { #","product":{"name":"acme-db","version":"\#($0)"}"# } ?? ""
        return #"{"schemaVersion":1,"messageId":"\#(message)","type":"keepalive","timestamp":"2026-12-01T05:59:00Z","instanceId":"\#(instance)","clusterId":"cccccccc-2222-4333-8444-555555555555","agent":{"name":"telemetryd","version":"0.1.0"}\#(productJSON),"data":{"uptimeSec":100,"agentUptimeSec":60}}"#
    }

    /// Runs `body` against the routes on a fresh store (or `store`), with `settings`.
    func withRoutes(tokens: [String] = [], maxBodyBytes: Int = 64 * 1024, store given: (any ReportStore)? = nil,
                    _ body: @Sendable (any TestClientProtocol, CollectorMetrics) async throws -> Void) async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let store: any ReportStore
        if let given { store = given } else {
            store = try await SQLiteReportStore.open(path: dir.path + "/reports.db")
            try await store.migrate()
        }
        let settings = IngestSettingsBox(IngestSettings(tokens: BearerTokens(tokens: tokens), maxBodyBytes: maxBodyBytes))
        let ingest = Ingest(store: store, validator: try ReportValidator(), settings: settings, now: { Self.now })
        let metrics = CollectorMetrics()
        let app = Application(router: CollectorRoutes.router(ingest: ingest, metrics: metrics, now: { Self.now }))
        try await app.test(.router) { client in try await body(client, metrics) }
        await store.close()
    }

    static let json: HTTPFields = [.contentType: "application/json"]

    func post(_ client: any TestClientProtocol, _ body: ByteBuffer, headers: HTTPFields = json) async throws -> TestResponse {
        try await client.execute(uri: "/v1/reports", method: .post, headers: headers, body: body)
    }

    static func gzip(_ s: String) throws -> ByteBuffer {
        var b = ByteBuffer(string: s)
        return try b.compress(with: .gzip())
    }

    @Test func newThenDuplicate() async throws {
        try await withRoutes { client, metrics in
            let first = try await post(client, ByteBuffer(string: Self.report()))
            #expect(first.status == .accepted)
            #expect(String(buffer: first.body) == #"{"duplicate":false}"#)
            let again = try await post(client, ByteBuffer(string: Self.report()))
            #expect(again.status == .ok)
            #expect(String(buffer: again.body) == #"{"duplicate":true}"#)
            let text = String(decoding: metrics.render(summary: nil), as: UTF8.self)
            #expect(text.contains(#"telemetry_reports_total{result="new"} 1"#))
            #expect(text.contains(#"telemetry_reports_total{result="duplicate"} 1"#))
        }
    }

    @Test func gzipBodyIsAccepted() async throws {
        try await withRoutes { client, _ in
            var h = Self.json
            h[.contentEncoding] = "gzip"
            let r1 = try await post(client, Self.gzip(Self.report()), headers: h)
            #expect(r1.status == .accepted)
        }
    }

    @Test func tokens() async throws {
        try await withRoutes(tokens: ["s3cret", "other"]) { client, _ in
            let none = try await post(client, ByteBuffer(string: Self.report()))
            #expect(none.status == .unauthorized)
            #expect(none.headers[.wwwAuthenticate] == "Bearer")
            var h = Self.json
            h[.authorization] = "Bearer wrong"
            let r2 = try await post(client, ByteBuffer(string: Self.report()), headers: h)
            #expect(r2.status == .unauthorized)
            h[.authorization] = "Bearer other"
            let r3 = try await post(client, ByteBuffer(string: Self.report()), headers: h)
            #expect(r3.status == .accepted)
        }
    }

    @Test func notJSON() async throws {
        try await withRoutes { client, _ in
            let r4 = try await post(client, ByteBuffer(string: Self.report()), headers: [.contentType: "text/plain"])
            #expect(r4.status == .unsupportedMediaType)
            let r5 = try await post(client, ByteBuffer(string: Self.report()), headers: [:])
            #expect(r5.status == .unsupportedMediaType)
            var h = Self.json
            h[.contentEncoding] = "br"
            let r6 = try await post(client, ByteBuffer(string: Self.report()), headers: h)
            #expect(r6.status == .unsupportedMediaType)
            let r7 = try await post(client, ByteBuffer(string: Self.report()), headers: [.contentType: "Application/JSON; charset=utf-8"])
            #expect(r7.status == .accepted)
        }
    }

    @Test func tooLargePlainAndAfterGunzip() async throws {
        try await withRoutes(maxBodyBytes: 16 * 1024) { client, _ in
            let big = ByteBuffer(string: Self.report().replacingOccurrences(of: "\"uptimeSec\":100", with: "\"uptimeSec\":100" + String(repeating: " ", count: 20_000)))
            let r8 = try await post(client, big)
            #expect(r8.status == .contentTooLarge)
            // The route's own answer (the body stopped at 16 KiB + 1), not the one after reading it whole.
            #expect(String(buffer: r8.body) == #"{"reason":"the report is larger than 16384 bytes (MaxBodyBytes=)","violations":[]}"#)
            // A gzip bomb: 10 MB of spaces in about 10 KB; refused once 16 KiB are out, not after 10 MB.
            var h = Self.json
            h[.contentEncoding] = "gzip"
            let bomb = try Self.gzip(String(repeating: " ", count: 10 << 20))
            #expect(bomb.readableBytes < 16 * 1024)
            let r = try await post(client, bomb, headers: h)
            #expect(r.status == .contentTooLarge)
            #expect(String(buffer: r.body).contains("compressed or not"))
        }
    }

    @Test func badGzipAndBadReports() async throws {
        try await withRoutes { client, metrics in
            var h = Self.json
            h[.contentEncoding] = "gzip"
            let bad = try await post(client, ByteBuffer(string: Self.report()), headers: h)
            #expect(bad.status == .badRequest)
            #expect(String(buffer: bad.body).contains("not valid gzip"))
            let wrong = try await post(client, ByteBuffer(string: Self.report().replacingOccurrences(of: "\"agentUptimeSec\":60", with: "\"agentUptimeSec\":\"60\"")))
            #expect(wrong.status == .badRequest)
            let reason = try JSONDecoder().decode(ReportRejection.self, from: Data(buffer: wrong.body))
            #expect(reason.violations == [SchemaViolation(path: "/data/agentUptimeSec", message: "expected integer, got string")])
            let deep = try await post(client, ByteBuffer(string: String(repeating: "[", count: 5000)))
            #expect(deep.status == .badRequest)
            #expect(String(decoding: metrics.render(summary: nil), as: UTF8.self).contains(#"telemetry_reports_total{result="invalid"} 3"#))
        }
    }

    @Test func unavailableDatabaseIs503WithRetryAfter() async throws {
        try await withRoutes(store: UnavailableStore()) { client, _ in
            let r = try await post(client, ByteBuffer(string: Self.report()))
            #expect(r.status == .serviceUnavailable)
            #expect(r.headers[.retryAfter] == String(Ingest.retryAfterSeconds))
            let r9 = try await client.execute(uri: "/healthz", method: .get)
            #expect(r9.status == .serviceUnavailable)
            #expect(String(buffer: r9.body) == "unavailable")
            let r10 = try await client.execute(uri: "/api/v1/summary", method: .get)
            #expect(r10.status == .serviceUnavailable)
            let metrics = try await client.execute(uri: "/metrics", method: .get)
            #expect(String(buffer: metrics.body).contains("telemetry_database_up 0"))
        }
    }

    @Test func answers() async throws {
        try await withRoutes { client, _ in
            _ = try await post(client, ByteBuffer(string: Self.report()))
            _ = try await post(client, ByteBuffer(string: Self.report(message: "4f2c1a9e-8d3b-4c7a-9e21-5b6f0d8c3a17", instance: "21111111-2222-4333-8444-555555555555", product: "4.3.0")))
            let r = try await client.execute(uri: "/api/v1/summary?days=3", method: .get)
            #expect(r.status == .ok)
            let s = try JSONDecoder().decode(Summary.self, from: Data(buffer: r.body))
            #expect(s.activeInstalls == 2)
            #expect(s.days.map(\.date.description) == ["2026-11-29", "2026-11-30", "2026-12-01"])
            #expect(s.days.last?.byProductVersion == ["4.2.1": 1, "4.3.0": 1])
            #expect(s.clusters.count == 1)
            let r11 = try await client.execute(uri: "/api/v1/summary?days=0", method: .get)
            #expect(r11.status == .badRequest)
            let r12 = try await client.execute(uri: "/api/v1/summary?days=x", method: .get)
            #expect(r12.status == .badRequest)
            let m = String(buffer: try await client.execute(uri: "/metrics", method: .get).body)
            // Under product "acme-db" once the store filters by product, "unknown" before: the version is the same.
            #expect(m.contains(#",product_version="4.3.0"} 1"#))
            #expect(m.contains(#"telemetry_clusters{size="2"} 1"#))
            #expect(m.contains("telemetry_database_up 1"))
            let h = try await client.execute(uri: "/healthz", method: .get)
            #expect(h.status == .ok)
            #expect(String(buffer: h.body) == "ok")
            let page = try await client.execute(uri: "/", method: .get)
            #expect(page.status == .ok)
            #expect(page.headers[.contentType] == "text/html; charset=utf-8")
        }
    }
}

/// A store whose database never answers.
struct UnavailableStore: ReportStore {
    let kind = "sqlite"
    func migrate() async throws { throw StoreError.unavailable("test: down") }
    func insert(_ report: ValidatedReport, receivedAt: Date) async throws -> InsertOutcome { throw StoreError.unavailable("test: down") }
    func knowsInstall(_ instanceId: String) async throws -> Bool { throw StoreError.unavailable("test: down") }
    func forget(instanceId: String, erasureKeyHash: String) async throws -> ForgetOutcome { throw StoreError.unavailable("test: down") }
    func summary(days: Int, asOf: Date, filter: SummaryFilter) async throws -> Summary { throw StoreError.unavailable("test: down") }
    func prune(before: Date) async throws -> Int { throw StoreError.unavailable("test: down") }
    func health() async -> StoreHealth { StoreHealth(available: false, detail: "test: down") }
    func close() async {}
}
