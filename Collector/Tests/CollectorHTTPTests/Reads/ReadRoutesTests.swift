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

/// The GET routes: tokens of ReadTokenFile=, answers from the read model, /healthz, headers.
@Suite struct ReadRoutesTests {
    typealias R = IngestRoutesTests

    func withReads(readTokens: [String] = [], store given: (any ReportStore)? = nil,
                   _ body: @Sendable (any TestClientProtocol, ManualClock) async throws -> Void) async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let store: any ReportStore
        if let given { store = given } else {
            store = try await SQLiteReportStore.open(path: dir.path + "/reports.db")
            try await store.migrate()
        }
        let clock = ManualClock()
        let settings = IngestSettingsBox(IngestSettings(tokens: .open, maxBodyBytes: 64 * 1024))
        let ingest = Ingest(store: store, validator: try ReportValidator(), settings: settings, now: { R.now })
        let reads = Reads(model: ReadModel(store: store, timeToLive: .seconds(10), now: { R.now }, clock: clock.function),
                          health: HealthCheck(store: store, availability: ingest.availability, clock: clock.function),
                          access: ReadAccess(BearerTokens(tokens: readTokens)))
        let app = Application(router: CollectorRoutes.router(ingest: ingest, metrics: CollectorMetrics(), reads: reads, now: { R.now }))
        try await app.test(.router) { client in try await body(client, clock) }
        await store.close()
    }

    func get(_ client: any TestClientProtocol, _ uri: String, token: String? = nil) async throws -> TestResponse {
        var h: HTTPFields = [:]
        if let token { h[.authorization] = "Bearer \(token)" }
        return try await client.execute(uri: uri, method: .get, headers: h)
    }

    func active(_ r: TestResponse) throws -> Int {
        try JSONDecoder().decode(Summary.self, from: Data(buffer: r.body)).activeInstalls
    }

    @Test func answersComeFromMemoryForReadCacheSec() async throws {
        try await withReads { client, clock in
            _ = try await R().post(client, ByteBuffer(string: R.report()))
            #expect(try active(try await get(client, "/api/v1/summary?days=3")) == 1)
            _ = try await R().post(client, ByteBuffer(string: R.report(message: "4f2c1a9e-8d3b-4c7a-9e21-5b6f0d8c3a17", instance: "21111111-2222-4333-8444-555555555555")))
            // Within ReadCacheSec= the same answer; another days= is its own answer.
            #expect(try active(try await get(client, "/api/v1/summary?days=3")) == 1)
            #expect(try active(try await get(client, "/api/v1/summary?days=4")) == 2)
            clock.advance(by: .seconds(10))
            #expect(try active(try await get(client, "/api/v1/summary?days=3")) == 2)
        }
    }

    @Test func readTokensGuardTheReadsButNotHealthzNorIngest() async throws {
        try await withReads(readTokens: ["reader"]) { client, _ in
            for uri in ["/", "/api/v1/summary", "/metrics"] {
                let none = try await get(client, uri)
                #expect(none.status == .unauthorized, "\(uri)")
                #expect(none.headers[.wwwAuthenticate] == "Bearer", "\(uri)")
                #expect(try await get(client, uri, token: "wrong").status == .unauthorized, "\(uri)")
                #expect(try await get(client, uri, token: "reader").status == .ok, "\(uri)")
            }
            #expect(try await get(client, "/healthz").status == .ok)
            // Ingest has its own TokenFile= (open here): a read token is not needed to post.
            #expect(try await R().post(client, ByteBuffer(string: R.report())).status == .accepted)
        }
    }

    @Test func healthzSaysOkOrUnavailableAndNothingElse() async throws {
        try await withReads { client, _ in
            let ok = try await get(client, "/healthz")
            #expect(ok.status == .ok)
            #expect(String(buffer: ok.body) == "ok")
            #expect(ok.headers[.contentType] == "text/plain; charset=utf-8")
        }
        try await withReads(store: UnavailableStore()) { client, _ in
            let down = try await get(client, "/healthz")
            #expect(down.status == .serviceUnavailable)
            #expect(String(buffer: down.body) == "unavailable")
        }
    }

    @Test func securityHeaders() async throws {
        try await withReads { client, _ in
            let page = try await get(client, "/")
            #expect(page.status == .ok)
            #expect(page.headers[HTTPField.Name("Content-Security-Policy")!] == SecurityHeaders.contentSecurityPolicy)
            #expect(page.headers[HTTPField.Name("X-Content-Type-Options")!] == "nosniff")
            #expect(page.headers[HTTPField.Name("X-Frame-Options")!] == "DENY")
            #expect(page.headers[HTTPField.Name("Referrer-Policy")!] == "no-referrer")
            for uri in ["/api/v1/summary", "/metrics", "/healthz", "/api/v1/summary?days=0"] {
                #expect(try await get(client, uri).headers[HTTPField.Name("X-Content-Type-Options")!] == "nosniff", "\(uri)")
            }
        }
    }
}
