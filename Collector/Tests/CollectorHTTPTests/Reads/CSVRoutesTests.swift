import Foundation
import CollectorSummary
import ReportValidation
import CollectorConfiguration
import CollectorDashboard
import CollectorHTTP
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import Testing

/// `established=1` on every read and the CSV routes: validated, part of the cache key, the same read token rules.
@Suite struct CSVRoutesTests {
    static let now = IngestRoutesTests.now

    /// 10 active installs, 6 of them established; an established summary counts the 6 only.
    @Sendable static func fleet(days: Int, lastDay: UTCDay, filter: SummaryFilter) -> Summary {
        var s = Summary.empty(days: days, lastDay: lastDay)
        s.products = ["acme-db"]
        let n = filter.established ? 6 : 10
        s.days[days - 1].activeInstalls = n
        s.days[days - 1].establishedInstalls = 6
        s.days[days - 1].byProductVersion = ["=1+1": n]
        s.activeInstalls = n
        s.establishedInstalls = 6
        s.lifecycle = [LifecycleDay(date: lastDay, new: 1, returning: 7, resurrected: 2, lost: 0)]
        return s
    }

    func routes(_ store: FixtureStore, tokens: [String] = [],
                _ body: @Sendable (any TestClientProtocol) async throws -> Void) async throws {
        let settings = IngestSettingsBox(IngestSettings(tokens: .open, maxBodyBytes: 64 * 1024))
        let ingest = Ingest(store: store, validator: try ReportValidator(), settings: settings, now: { Self.now })
        let reads = Reads(model: ReadModel(store: store, timeToLive: .seconds(10), now: { Self.now }),
                          health: HealthCheck(store: store, availability: ingest.availability),
                          access: ReadAccess(BearerTokens(tokens: tokens)))
        let app = Application(router: CollectorRoutes.router(ingest: ingest, metrics: CollectorMetrics(), reads: reads, now: { Self.now }))
        try await app.test(.router) { client in try await body(client) }
    }

    @Test func everyCSVIsServedAsCSVWithItsHeader() async throws {
        try await routes(FixtureStore(answer: Self.fleet)) { client in
            for table in SummaryCSV.Table.allCases {
                let r = try await client.execute(uri: "/\(table.path)?days=2", method: .get)
                #expect(r.status == .ok, "\(table)")
                #expect(r.headers[.contentType] == "text/csv; charset=utf-8")
                #expect(r.headers[.contentDisposition] == "attachment; filename=\"\(table.rawValue)-2d.csv\"")
                #expect(r.headers[HTTPField.Name("X-Content-Type-Options")!] == "nosniff")
                #expect(String(buffer: r.body).hasPrefix(table.columns.joined(separator: ",") + "\r\n"))
            }
            let days = String(buffer: try await client.execute(uri: "/api/v1/summary.csv?days=2", method: .get).body)
            #expect(days.hasSuffix("\r\n2026-12-01,10,6,0,0,7,2\r\n"))
            // A label from a report is guarded against formulas.
            let versions = String(buffer: try await client.execute(uri: "/api/v1/versions.csv?days=1", method: .get).body)
            #expect(versions == "date,version,installs,share\r\n2026-12-01,'=1+1,10,1\r\n")
        }
    }

    @Test func establishedIsPartOfTheKeyOnEveryRead() async throws {
        let store = FixtureStore(answer: Self.fleet)
        try await routes(store) { client in
            let csv = String(buffer: try await client.execute(uri: "/api/v1/summary.csv?days=1&established=1", method: .get).body)
            #expect(csv.hasSuffix("2026-12-01,6,6,0,0,7,2\r\n"))
            let json = try JSONDecoder().decode(Summary.self, from: Data(buffer: try await client.execute(uri: "/api/v1/summary?days=1&established=1", method: .get).body))
            #expect(json.activeInstalls == 6)
            let all = try JSONDecoder().decode(Summary.self, from: Data(buffer: try await client.execute(uri: "/api/v1/summary?days=1", method: .get).body))
            #expect(all.activeInstalls == 10 && all.establishedInstalls == 6)
            let page = String(buffer: try await client.execute(uri: "/?days=1&established=1", method: .get).body)
            #expect(page.contains("<title>telemetry-collector: 6 active installs (established)</title>"))
            // One summary per key, however many forms were read; established=0 is the unfiltered answer.
            _ = try await client.execute(uri: "/api/v1/summary.csv?days=1&established=0", method: .get)
            #expect(store.count(SummaryFilter(established: true)) == 1)
            #expect(store.count(.all) == 1)
            for bad in ["true", "2", "%201"] {
                for path in ["/", "/api/v1/summary", "/api/v1/summary.csv", "/api/v1/adoption.csv"] {
                    #expect(try await client.execute(uri: "\(path)?established=\(bad)", method: .get).status == .badRequest, "\(path) \(bad)")
                }
            }
        }
    }

    @Test func theCSVsNeedAReadTokenLikeTheJSON() async throws {
        try await routes(FixtureStore(answer: Self.fleet), tokens: ["reader"]) { client in
            for table in SummaryCSV.Table.allCases {
                #expect(try await client.execute(uri: "/\(table.path)", method: .get).status == .unauthorized)
                let ok = try await client.execute(uri: "/\(table.path)", method: .get, headers: [.authorization: "Bearer reader"])
                #expect(ok.status == .ok)
            }
        }
    }

    @Test func metricsHaveTheEstablishedAndLifecycleGauges() async throws {
        try await routes(FixtureStore(answer: Self.fleet)) { client in
            let m = try PrometheusText(String(buffer: try await client.execute(uri: "/metrics", method: .get).body))
            #expect(m.series("telemetry_established_installs") == [[:]: 6])
            #expect(m.series("telemetry_returning_installs") == [[:]: 7])
            #expect(m.series("telemetry_resurrected_installs") == [[:]: 2])
        }
    }
}
