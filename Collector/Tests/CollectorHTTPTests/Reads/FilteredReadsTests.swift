import Foundation
import CollectorSummary
import ReportValidation
import CollectorConfiguration
@testable import CollectorHTTP
import CollectorStore
import Hummingbird
import HummingbirdTesting
import NIOCore
import Testing

/// `?product=` and `?version=`: part of every cache key, in a lane of their own, unknown names answered with zeros
/// without asking the store; on the page, the picker, the per-version tables; in /metrics, the product split.
@Suite struct FilteredReadsTests {
    static let now = IngestRoutesTests.now
    static let acme = SummaryFilter(product: "acme-db")

    func model(_ store: FixtureStore, maxFilteredKeys: Int = ReadModel.defaultMaxFilteredKeys, clock: ManualClock = ManualClock()) -> ReadModel {
        ReadModel(store: store, timeToLive: .seconds(10), maxFilteredKeys: maxFilteredKeys, now: { Self.now }, clock: clock.function)
    }

    @Test func theFilterIsPartOfTheKey() async throws {
        let store = FixtureStore(), clock = ManualClock()
        let m = model(store, clock: clock)
        #expect(try await m.summary(days: 7).activeInstalls == 10)
        #expect(try await m.summary(days: 7, filter: Self.acme).activeInstalls == 7)
        #expect(try await m.summary(days: 7, filter: SummaryFilter(product: "beta-tool")).activeInstalls == 2)
        #expect(try await m.summary(days: 7, filter: SummaryFilter(version: "1.0")).activeInstalls == 4)
        // Each asked once within ReadCacheSec=, however often it is read.
        for _ in 0..<5 { _ = try await m.summary(days: 7, filter: Self.acme) }
        #expect(store.count(Self.acme) == 1)
        #expect(store.count(.all) == 1)
        // The rendered answers too: another filter is another answer.
        let a = try await m.rendered(days: 7, filter: Self.acme, form: "x") { s in Array("\(s.activeInstalls)".utf8) }
        let b = try await m.rendered(days: 7, filter: .all, form: "x") { s in Array("\(s.activeInstalls)".utf8) }
        #expect((String(decoding: a, as: UTF8.self), String(decoding: b, as: UTF8.self)) == ("7", "10"))
        clock.advance(by: .seconds(10))
        _ = try await m.summary(days: 7, filter: Self.acme)
        #expect(store.count(Self.acme) == 2)
    }

    @Test func aNameNothingReportedIsZerosWithoutAskingTheStore() async throws {
        let store = FixtureStore()
        let m = model(store)
        for i in 0..<200 {
            let s = try await m.summary(days: 7, filter: SummaryFilter(product: "random-\(i)"))
            #expect(s.activeInstalls == 0 && s.days.count == 7)
            // The picker still lists the real products.
            #expect(s.products == ["acme-db", "beta-tool"])
            _ = try await m.summary(days: 7, filter: SummaryFilter(product: "acme-db", version: "0.0.\(i)"))
        }
        #expect(store.filters == [.all])
        #expect(await m.filteredKeys == 0)
    }

    @Test func aNameAnUnfilteredSummaryShowedGoesToTheStoreWithoutThatSummaryFirst() async throws {
        let store = FixtureStore(), clock = ManualClock()
        let m = model(store, clock: clock)
        // Before any unfiltered summary: the filter is checked against the range's own.
        let v1 = SummaryFilter(product: "acme-db", version: "1.0")
        #expect(try await m.summary(days: 7, filter: v1).activeInstalls == 4)
        #expect(store.filters == [.all, v1])
        // Later (the unfiltered answer expired), a name seen before is asked of the store alone: the page's links.
        clock.advance(by: .seconds(11))
        let v2 = SummaryFilter(product: "beta-tool", version: "2.0")
        _ = try await m.summary(days: 7, filter: v2)
        _ = try await m.summary(days: 30, filter: v1)
        #expect(store.filters == [.all, v1, v2, v1])
        // A name never shown is still checked first, and answered with zeros without a store query of its own.
        let nope = SummaryFilter(product: "acme-db", version: "9.9")
        #expect(try await m.summary(days: 7, filter: nope).activeInstalls == 0)
        #expect(store.filters == [.all, v1, v2, v1, .all])
        // A seen name answers what the store answers, which for a range without it is the zeros of the check.
        #expect(try await m.summary(days: 7, filter: SummaryFilter(version: "unknown")).products == ["acme-db", "beta-tool"])
    }

    @Test func seenLabelsStayBounded() {
        var seen = SeenLabels(maxLabels: 6)
        var s = Summary.empty(days: 2, lastDay: UTCDay("2026-12-01")!)
        s.products = ["a", "b"]
        s.days[0].byProductVersion = ["1.0": 1]
        s.days[1].byProductVersion = ["2.0": 1, "unknown": 1]
        seen.learn(from: s)
        #expect(seen.covers(SummaryFilter(product: "a", version: "1.0")))
        #expect(seen.covers(SummaryFilter(version: "unknown")))
        #expect(!seen.covers(SummaryFilter(product: "c")))
        #expect(!seen.covers(SummaryFilter(product: "a", version: "3.0")))
        // Past the bound it keeps only what the summary at hand shows.
        s.products = ["c"]
        s.days[0].byProductVersion = ["3.0": 1]
        s.days[1].byProductVersion = ["4.0": 1]
        seen.learn(from: s)
        #expect(seen.products.count + seen.versions.count == 3)
        #expect(seen.covers(SummaryFilter(product: "c", version: "4.0")))
        #expect(!seen.covers(SummaryFilter(product: "a")))
    }

    @Test func manyRealFiltersStayWithinTheirLaneAndNeverPushOutTheUnfilteredAnswer() async throws {
        // 100 products, each reporting.
        let store = FixtureStore { days, last, filter in
            var s = Summary.empty(days: days, lastDay: last)
            s.products = (0..<100).map { "p\($0)" }
            s.days[days - 1].activeInstalls = filter.isAll ? 100 : 1
            s.activeInstalls = s.days[days - 1].activeInstalls
            return s
        }
        let m = model(store, maxFilteredKeys: 8)
        _ = try await m.summary(days: 30)
        for i in 0..<100 { _ = try await m.summary(days: 30, filter: SummaryFilter(product: "p\(i)")) }
        #expect(await m.filteredKeys <= 8)
        #expect(try await m.summary(days: 30).activeInstalls == 100)
        #expect(store.count(.all) == 1)
    }

    // MARK: - Routes

    func routes(_ store: FixtureStore, _ body: @Sendable (any TestClientProtocol) async throws -> Void) async throws {
        let settings = IngestSettingsBox(IngestSettings(tokens: .open, maxBodyBytes: 64 * 1024))
        let ingest = Ingest(store: store, validator: try ReportValidator(), settings: settings, now: { Self.now })
        let reads = Reads(model: model(store), health: HealthCheck(store: store, availability: ingest.availability), access: ReadAccess())
        let app = Application(router: CollectorRoutes.router(ingest: ingest, metrics: CollectorMetrics(), reads: reads, now: { Self.now }))
        try await app.test(.router) { client in try await body(client) }
    }

    func get(_ client: any TestClientProtocol, _ uri: String) async throws -> (HTTPResponse.Status, String) {
        let r = try await client.execute(uri: uri, method: .get)
        return (r.status, String(buffer: r.body))
    }

    @Test func theAPIAndThePageTakeTheFilterAndRefuseBadValues() async throws {
        try await routes(FixtureStore()) { client in
            let (status, body) = try await get(client, "/api/v1/summary?days=2&product=acme-db")
            #expect(status == .ok)
            let s = try JSONDecoder().decode(Summary.self, from: Data(body.utf8))
            #expect(s.activeInstalls == 7 && s.days.count == 2 && s.products == ["acme-db", "beta-tool"])
            // Percent-encoded values arrive decoded.
            let v = try await get(client, "/api/v1/summary?days=2&version=%32.0")
            #expect(try JSONDecoder().decode(Summary.self, from: Data(v.1.utf8)).activeInstalls == 5)
            #expect(try await get(client, "/api/v1/summary?product=nope").1.contains(#""activeInstalls":0"#))
            for bad in ["product=acme%20db", "product=%3Cscript%3E", "version=1%E2%80%8B", "version=1%00", "version=" + String(repeating: "v", count: 67)] {
                let api = try await get(client, "/api/v1/summary?" + bad)
                #expect(api.0 == .badRequest, "\(bad)")
                #expect(api.1.contains(#""reason""#))
                #expect(try await get(client, "/?" + bad).0 == .badRequest, "\(bad)")
            }
        }
    }

    @Test func thePageOffersTheProductsAndPerVersionTables() async throws {
        let store = FixtureStore()
        try await routes(store) { client in
            let (status, page) = try await get(client, "/?days=3")
            #expect(status == .ok)
            // The picker: all products (current), then each product.
            #expect(page.contains(#"<a class="chip on" id="product-all" href="?days=3" aria-current="page">all products</a>"#))
            #expect(page.contains(#"<a class="chip" href="?days=3&amp;product=acme-db">acme-db</a>"#))
            // Features and usage, and both per version (1.0 and 2.0, newest first), with links narrowing to a version.
            #expect(page.contains(#"id="table-booleans""#) && page.contains(#"id="table-counters""#))
            #expect(page.contains(#"<th><a href="?days=3&amp;version=2.0">2.0</a></th><th><a href="?days=3&amp;version=1.0">1.0</a></th>"#))
            #expect(page.contains(#"<tr><td class="key">tlsEnabled</td><td title="5 of 5 installs">100.0%</td><td title="1 of 4 installs">25.0%</td></tr>"#))
            #expect(page.contains(#"<td title="4 of 5 active installs; 1,224 increments">4 <span class="share">80.0%</span></td>"#))
            // The versions' tables come from the summary's own last day: the page asked the store for nothing else.
            #expect(store.filters == [.all])

            let (_, narrowed) = try await get(client, "/?days=3&product=acme-db&version=2.0")
            #expect(narrowed.contains("<title>telemetry-collector: 5 active installs of acme-db 2.0</title>"))
            #expect(narrowed.contains(#"<a class="chip on" href="?days=3&amp;product=acme-db" aria-current="page">acme-db</a>"#))
            #expect(narrowed.contains(#"<a id="version-all" href="?days=3&amp;product=acme-db">all versions</a>"#))
            #expect(narrowed.contains(#"href="api/v1/summary?days=3&amp;product=acme-db&amp;version=2.0""#))
            // Narrowed to a version: no per-version tables.
            #expect(!narrowed.contains("table-booleans-by-version"))
        }
    }

    @Test func metricsSplitActiveInstallsByProduct() async throws {
        try await routes(FixtureStore()) { client in
            let m = try PrometheusText(try await get(client, "/metrics").1)
            #expect(m.series("telemetry_active_installs") == [
                ["product": "acme-db", "product_version": "1.0"]: 4,
                ["product": "acme-db", "product_version": "2.0"]: 3,
                ["product": "beta-tool", "product_version": "2.0"]: 2,
                ["product": "unknown", "product_version": "unknown"]: 1,
            ])
            #expect(m.series("telemetry_fact_installs")[["fact": "tlsEnabled", "value": "true"]] == 6)
        }
    }
}
