import Foundation
import CollectorSummary
import ReportValidation
import CollectorConfiguration
import CollectorHTTP
import CollectorSQLite
import CollectorStore
import CollectorStoreConformance
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import Testing

/// `GET /public` and `GET /api/v1/public/summary`: off by default, open to anyone when on, small cells folded.
@Suite struct PublicRoutesTests {
    typealias R = IngestRoutesTests

    func withPublic(minInstalls: Int, _ body: @Sendable (any TestClientProtocol) async throws -> Void) async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let store = try await SQLiteReportStore.open(path: dir.path + "/reports.db")
        try await store.migrate()
        let settings = IngestSettingsBox(IngestSettings(tokens: .open, maxBodyBytes: 64 * 1024, publicMinInstalls: minInstalls))
        let ingest = Ingest(store: store, validator: try ReportValidator(), settings: settings, now: { R.now })
        let reads = Reads(model: ReadModel(store: store, timeToLive: .seconds(10), now: { R.now }),
                          health: HealthCheck(store: store, availability: ingest.availability),
                          access: ReadAccess(BearerTokens(tokens: ["reader"])))
        let app = Application(router: CollectorRoutes.router(ingest: ingest, metrics: CollectorMetrics(), reads: reads, now: { R.now }))
        try await app.test(.router) { client in
            // Three installs on 4.2.1, one on 9.9.9-secret.
            for n in 1...4 {
                let r = try await R().post(client, ByteBuffer(string: R.report(
                    message: "4f2c1a9e-8d3b-4c7a-9e21-5b6f0d8c3a1\(n)", instance: "\(n)1111111-2222-4333-8444-555555555555",
                    product: n == 4 ? "9.9.9-secret" : "4.2.1")))
                #expect(r.status == .accepted)
            }
            try await body(client)
        }
        await store.close()
    }

    func get(_ client: any TestClientProtocol, _ uri: String, token: String? = nil) async throws -> TestResponse {
        var h: HTTPFields = [:]
        if let token { h[.authorization] = "Bearer \(token)" }
        return try await client.execute(uri: uri, method: .get, headers: h)
    }

    @Test func offByDefault() async throws {
        try await withPublic(minInstalls: 0) { client in
            for uri in ["/public", "/api/v1/public/summary"] {
                let anyone = try await get(client, uri), reader = try await get(client, uri, token: "reader")
                #expect(anyone.status == .notFound, "\(uri)")
                #expect(reader.status == .notFound, "\(uri)")
            }
        }
    }

    @Test func openToAnyoneWithSmallCellsFolded() async throws {
        try await withPublic(minInstalls: 2) { client in
            let api = try await get(client, "/api/v1/public/summary?days=1&version=9.9.9-secret")
            #expect(api.status == .ok)
            let s = try JSONDecoder().decode(Summary.self, from: Data(buffer: api.body))
            #expect(s.activeInstalls == 4, "a filter is ignored: always the whole fleet")
            #expect(s.days.last?.byProductVersion == ["4.2.1": 3, "other": 1])
            #expect(s.products == [])
            let page = try await get(client, "/public")
            #expect(page.status == .ok)
            let html = String(buffer: page.body)
            #expect(html.contains("4.2.1") && !html.contains("9.9.9-secret"))
            #expect(html.contains("api/v1/public/summary") && !html.contains("href=\"api/v1/summary"))
            #expect(page.headers[.contentSecurityPolicy] != nil)
            // The private reads still need the token, and show the small cell.
            #expect(try await get(client, "/").status == .unauthorized)
            #expect(String(buffer: try await get(client, "/", token: "reader").body).contains("9.9.9-secret"))
        }
    }
}
