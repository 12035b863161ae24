import CollectorSummary
@testable import CollectorDashboard
import Testing

/// Three days of an install base with facts and counters: TLS on for 2, 3, then 5 of 8 installs; an edition mix;
/// cluster sizes; backups run every day, restores only on the first.
private func fleet(enumValue: String = "enterprise", key: String = "tlsEnabled") -> Summary {
    let d0 = UTCDay("2026-11-29")!
    var days = (0..<3).map { DaySummary(date: d0.adding(days: $0), activeInstalls: 8, byProductVersion: ["1.0": 3, "2.0": 5]) }
    for (i, on) in [2, 3, 5].enumerated() {
        days[i].facts[key] = .boolean(installs: 8, isTrue: on)
        days[i].counters["backupsRun"] = CounterSummary(increments: 100 * (i + 1), installs: 4 + i, p50: 12, p95: 40.25)
    }
    days[0].counters["restores"] = CounterSummary(increments: 3, installs: 1, p50: 3, p95: 3)
    days[2].facts["edition"] = .enumeration(installs: 8, values: ["oss": 6, enumValue: 2])
    days[2].facts["clusterNodes"] = .number(installs: 7, zero: 1, p5: 0.5, p50: 3, p95: 1234.5678)
    return Summary(activeInstalls: 8, days: days, clusters: ClusterSummary(), products: ["acme-db"])
}

private func section(_ html: String, _ id: String) -> String {
    guard let start = html.range(of: "<section class=\"part\" id=\"\(id)\"") else { return "" }
    let rest = html[start.lowerBound...]
    return String(rest[..<(rest.range(of: "</section>")?.upperBound ?? rest.endIndex)])
}

@Suite("Dashboard page: features and usage")
struct DashboardFeaturesTests {
    @Test func featuresGiveEachBooleansShareEnumsMixAndNumbersPercentilesAsText() {
        let html = Dashboard.render(fleet())
        let features = section(html, "features")
        #expect(features.contains("<h2 id=\"features-title\">Features</h2>"))
        // Today's share on, the counts, and a line over the days with each day's numbers.
        #expect(features.contains(#"<tr id="boolean-tlsEnabled"><td class="key">tlsEnabled</td><td class="share">62.5%</td><td>5</td><td>8</td>"#))
        #expect(features.contains(#"<svg class="spark" id="svg-boolean-tlsEnabled""#))
        #expect(features.contains("<title>2026-11-29: 25.0% on (2 of 8)</title>"))
        #expect(features.contains("<title>2026-12-01: 62.5% on (5 of 8)</title>"))
        // The enum's mix as bars with counts and shares.
        #expect(features.contains(#"id="chart-enum-edition""#))
        #expect(features.contains("<title>oss: 6 (75.0%)</title>"))
        #expect(features.contains("<title>enterprise: 2 (25.0%)</title>"))
        // The number's percentiles.
        #expect(features.contains(#"<tr id="number-clusterNodes"><td class="key">clusterNodes</td><td>7</td><td>1</td><td>0.5</td><td>3</td><td>1,234.57</td></tr>"#))
        #expect(!html.contains("features-empty"))
    }

    @Test func usageGivesEachCounterOverTheDaysAndTheShareUsingItToday() {
        let html = Dashboard.render(fleet())
        let usage = section(html, "usage")
        // Today: 300 increments by 6 of the 8 active installs; the range's total; the most used first.
        #expect(usage.contains(#"<tr id="counter-backupsRun"><td class="key">backupsRun</td><td>300</td><td>6</td><td class="share">75.0%</td><td>12</td><td>40.25</td><td>600</td></tr>"#))
        // A counter not used today is still listed (0 today) after it.
        #expect(usage.contains(#"<tr id="counter-restores"><td class="key">restores</td><td>0</td><td>0</td><td class="share">0.0%</td><td>0</td><td>0</td><td>3</td></tr>"#))
        #expect(usage.range(of: "counter-backupsRun")!.lowerBound < usage.range(of: "counter-restores")!.lowerBound)
        // One chart per counter, each day's numbers in its tooltip.
        #expect(usage.contains(#"id="svg-counter-backupsRun""#) && usage.contains(#"id="svg-counter-restores""#))
        #expect(usage.contains("<title>2026-11-30: 200 increments by 5 installs (62.5% of active)</title>"))
        #expect(usage.contains("On 2026-12-01: <b>300</b> increments by <b>6</b> installs, 75.0% of the active installs; per install p50 12, p95 40.25."))
    }

    @Test func perVersionTablesWhenTheVersionsAreGiven() {
        var v1 = DaySummary(date: UTCDay("2026-12-01")!, activeInstalls: 3)
        v1.facts["tlsEnabled"] = .boolean(installs: 3, isTrue: 0)
        v1.counters["backupsRun"] = CounterSummary(increments: 5, installs: 1)
        var v2 = DaySummary(date: UTCDay("2026-12-01")!, activeInstalls: 5)
        v2.facts["tlsEnabled"] = .boolean(installs: 5, isTrue: 5)
        v2.counters["backupsRun"] = CounterSummary(increments: 295, installs: 5)
        let view = DashboardView(filter: SummaryFilter(product: "acme-db"),
                                 versions: [VersionDay(version: "2.0", day: v2), VersionDay(version: "1.0", day: v1)])
        let html = Dashboard.render(fleet(), view: view)
        #expect(html.contains(#"<th><a href="?days=3&amp;product=acme-db&amp;version=2.0">2.0</a></th>"#))
        #expect(html.contains(#"<tr><td class="key">tlsEnabled</td><td title="5 of 5 installs">100.0%</td><td title="0 of 3 installs">0.0%</td></tr>"#))
        // Counters per version: installs using it; one absent in a version is a dash, not a zero it did not report.
        #expect(html.contains(#"<tr><td class="key">backupsRun</td><td title="5 of 5 active installs; 295 increments">5 <span class="share">100.0%</span></td><td title="1 of 3 active installs; 5 increments">1 <span class="share">33.3%</span></td></tr>"#))
        #expect(html.contains(#"<tr><td class="key">restores</td><td class="none">–</td><td class="none">–</td></tr>"#))
        // Without them (or with one version) no such tables.
        #expect(!Dashboard.render(fleet()).contains("by-version"))
    }

    @Test func emptyStatesWhenNoProductDeclaresFactsOrCounters() {
        let html = Dashboard.render(Summary.empty(days: 30, lastDay: UTCDay("2026-12-01")!))
        #expect(html.contains(#"<p class="note" id="features-empty">No install reported product facts in these days."#))
        #expect(html.contains(#"<p class="note" id="usage-empty">No install reported product counters in these days."#))
        #expect(!html.contains("table-booleans") && !html.contains("table-counters"))
        let narrowed = Dashboard.render(Summary.empty(days: 1, lastDay: UTCDay("2026-12-01")!), view: DashboardView(filter: SummaryFilter(product: "acme-db")))
        #expect(narrowed.contains("No install of acme-db reported product facts"))
    }

    @Test(arguments: [
        "<script>alert(1)</script>",
        "\"><svg onload=alert(1)>",
        "x' onmouseover='y",
        "a&b</title><b>bold</b>",
    ])
    func hostileKeysAndValuesStayText(_ hostile: String) {
        // report-v1 refuses such keys; the page must not rely on it.
        let html = Dashboard.render(fleet(enumValue: hostile, key: hostile))
        #expect(!html.contains(hostile))
        #expect(!html.contains("<script") && !html.contains("<svg onload") && !html.contains("<b>bold</b>"))
        #expect(html.contains(HTML.escape(BarChart.shortLabel(hostile))))
        // Ids made of a key hold no markup, quote or space.
        let anchor = Dashboard.anchor(hostile)
        #expect(anchor.allSatisfy { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" })
        #expect(html.contains("id=\"boolean-\(anchor)\""))
    }

    @Test func longKeysAndValuesAreCutOrWrappedNotStretched() {
        let key = "a_rather_long_fact_key_with_underscores_" + String(repeating: "x", count: 24)
        let value = String(repeating: "long-enum-value-", count: 4)
        let html = Dashboard.render(fleet(enumValue: value, key: key))
        #expect(key.count == 64)
        // Whole in the table (where CSS wraps it anywhere), cut in a chart's label with the whole in its tooltip.
        #expect(html.contains("<td class=\"key\">\(key)</td>"))
        #expect(html.contains(">\(BarChart.shortLabel(value))</text>"))
        #expect(html.contains("<title>\(value): 2 (25.0%)</title>"))
        #expect(Dashboard.style.contains("td.key{max-width:34ch;overflow-wrap:anywhere"))
    }

    @Test func manyProductsGetAFormAndAFewGetLinks() {
        var s = fleet()
        s.products = ["acme-db", "beta-tool"]
        let few = Dashboard.render(s)
        #expect(few.contains(#"<nav class="filters" id="filters""#))
        #expect(few.contains(#"<a class="chip" href="?days=3&amp;product=beta-tool">beta-tool</a>"#))
        s.products = (0..<20).map { "product-\($0)" }
        let many = Dashboard.render(s, view: DashboardView(filter: SummaryFilter(product: "product-3")))
        #expect(many.contains(#"<form method="get" id="product-form"><input type="hidden" name="days" value="3">"#))
        #expect(many.contains(#"<option value="product-3" selected>product-3</option>"#))
        // Names come from reports: the list is bounded too, the one picked always offered.
        s.products = (0..<1000).map { "p\($0)" }
        let huge = Dashboard.render(s, view: DashboardView(filter: SummaryFilter(product: "p999")))
        #expect(huge.components(separatedBy: "<option ").count - 1 == Dashboard.maxProductOptions + 2)
        #expect(huge.contains(#"<option value="p999" selected>"#) && huge.contains("800 more products"))
        // One product and no filter: no product to pick; the established toggle is always there.
        s.products = ["acme-db"]
        #expect(!Dashboard.render(s).contains("id=\"pick-product\""))
        #expect(Dashboard.render(s).contains("id=\"pick-installs\""))
    }

    @Test func longRangesAreGroupedSoThePageStaysSmall() {
        // Ten years, 100 booleans and 100 counters: each sparkline at most 60 points, each counter chart 120 bars.
        let d0 = UTCDay("2016-12-01")!
        var days = (0..<3660).map { DaySummary(date: d0.adding(days: $0), activeInstalls: 10) }
        for i in days.indices {
            for k in 0..<100 {
                days[i].facts["b\(k)"] = .boolean(installs: 10, isTrue: (i + k) % 11)
                days[i].counters["c\(k)"] = CounterSummary(increments: 1, installs: 1)
            }
        }
        let html = Dashboard.render(Summary(activeInstalls: 10, days: days, clusters: ClusterSummary()))
        let spark = html.range(of: #"id="svg-boolean-b0""#).map { String(html[$0.lowerBound...]) } ?? ""
        let one = String(spark[..<(spark.range(of: "</svg>")?.lowerBound ?? spark.endIndex)])
        #expect(one.components(separatedBy: "<rect class=\"hover\"").count - 1 == 60)
        // 61 days a point, the last ending today.
        #expect(one.contains("<title>\(days[3660 - 61].date) to \(days[3659].date): "))
        let chart = html.range(of: #"id="svg-counter-c0""#).map { String(html[$0.lowerBound...]) } ?? ""
        let bars = String(chart[..<(chart.range(of: "</svg>")?.lowerBound ?? chart.endIndex)])
        #expect(bars.components(separatedBy: "<rect class=\"bar\"").count - 1 == 119)
        // 31 days a bar: 31 increments of 1.
        #expect(bars.contains("<title>\(days[3660 - 31].date) to \(days[3659].date): 31 increments; at most 1 installs a day</title>"))
        #expect(html.contains("increments per 31 days"))
        #expect(html.utf8.count < 4_000_000)
    }

    @Test func dayBuckets() {
        #expect(DayBuckets(days: 30, max: 60).ranges == (0..<30).map { $0..<($0 + 1) })
        #expect(DayBuckets(days: 7, max: 3).ranges == [0..<1, 1..<4, 4..<7])
        #expect(DayBuckets(days: 3660, max: 120).ranges.count == 119)
        #expect(DayBuckets(days: 3660, max: 120).ranges.last == 3629..<3660)
        #expect(DayBuckets(days: 1, max: 60).size == 1)
    }

    @Test func helpers() {
        #expect(Format.number(0) == "0")
        #expect(Format.number(3) == "3")
        #expect(Format.number(-12_345) == "-12,345")
        #expect(Format.number(1234.5678) == "1,234.57")
        #expect(Format.number(2.5) == "2.5")
        #expect(Format.number(0.5) == "0.5")
        #expect(Format.number(0.00123456) == "0.00123")
        #expect(Format.number(0.9999) == "1")
        #expect(Format.number(.nan) == "n/a")
        #expect(PageLink.encode("4.2.1-rc_1~") == "4.2.1-rc_1~")
        #expect(PageLink.encode("1.0 beta&x=<y>\"ü") == "1.0%20beta%26x%3D%3Cy%3E%22%C3%BC")
        #expect(PageLink.query(days: 7, filter: SummaryFilter(product: "a+b", version: "\"other\"")) == "?days=7&product=a%2Bb&version=%22other%22")
        #expect(Dashboard.topVersions(["1.0": 3, "2.0": 5, "10.0": 1, "other": 50, "unknown": 9, "0.9": 0]) == ["10.0", "2.0", "1.0"])
        var many: [String: Int] = [:]
        for i in 0..<9 { many["1.\(i)"] = i + 1 }
        #expect(Dashboard.topVersions(many) == ["1.8", "1.7", "1.6", "1.5", "1.4"])
    }
}
