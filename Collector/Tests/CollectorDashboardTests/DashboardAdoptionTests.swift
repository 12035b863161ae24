import CollectorSummary
@testable import CollectorDashboard
import Testing

/// The established headline and toggle, Version adoption, Lifecycle and Retention, and the CSV links.
@Suite("Dashboard page: adoption, lifecycle, retention")
struct DashboardAdoptionTests {
    static let d0 = UTCDay("2026-11-28")!

    /// Four days; versions 1.0 then 2.0 (and a hostile one), lifecycle numbers and two cohorts.
    static func fleet() -> Summary {
        var days = (0..<4).map { DaySummary(date: d0.adding(days: $0)) }
        days[0].byProductVersion = ["1.0": 10]
        days[1].byProductVersion = ["1.0": 8, "2.0": 2]
        days[2] = DaySummary(date: d0.adding(days: 2))   // nobody reported
        days[3].byProductVersion = ["1.0": 3, "2.0": 6, "<b>x</b>": 1]
        for i in days.indices { days[i].activeInstalls = days[i].byProductVersion.values.reduce(0, +) }
        days[3].establishedInstalls = 7
        var s = Summary(activeInstalls: 10, days: days, clusters: ClusterSummary(), products: ["acme-db"], establishedInstalls: 7)
        s.adoption = VersionAdoption(versions: [
            .init(version: "<b>x</b>", firstSeen: d0.adding(days: 3), installs: 1, share: 0.1, daysTo10: 0),
            .init(version: "2.0", firstSeen: d0.adding(days: 1), installs: 6, share: 0.6, daysTo10: 0, daysTo50: 2),
            .init(version: "1.0", firstSeen: d0, installs: 3, share: 0.3, daysTo10: 0, daysTo50: 0, daysTo90: 0),
        ], cutoffs: ["50": "2.0", "75": "1.0", "90": "1.0", "95": "1.0"])
        s.lifecycle = [LifecycleDay(date: d0, new: 10), LifecycleDay(date: d0.adding(days: 1), new: 1, returning: 9, lost: 0),
                       LifecycleDay(date: d0.adding(days: 3), new: 2, returning: 0, resurrected: 8, lost: 3)]
        s.retention = [RetentionCohort(week: "2026-W47", installs: 10, active: ["1": 0.95, "2": 0.3]),
                       RetentionCohort(week: "2026-W48", installs: 4, active: [:])]
        return s
    }

    @Test func theHeadlineShowsActiveAndEstablishedSideBySide() {
        let html = Dashboard.render(Self.fleet())
        #expect(html.contains(#"<div class="tile" id="tile-active"><div class="k">Active installs</div><div class="v">10</div>"#))
        #expect(html.contains(#"<div class="tile" id="tile-established"><div class="k">Established installs</div><div class="v">7</div>"#))
        #expect(html.contains("70.0%"))
        // The per-day table has the established count.
        #expect(html.contains("<tr><td>2026-12-01</td><td>10</td><td>0</td><td>0</td><td>7</td></tr>"))
    }

    @Test func theToggleKeepsTheOtherChoicesAndEveryLinkKeepsIt() {
        let all = Dashboard.render(Self.fleet(), view: DashboardView(filter: SummaryFilter(product: "acme-db")))
        #expect(all.contains(#"<a class="chip on" id="installs-active" href="?days=4&amp;product=acme-db" aria-current="page">all active</a>"#))
        #expect(all.contains(#"<a class="chip" id="installs-established" href="?days=4&amp;product=acme-db&amp;established=1">established only</a>"#))
        let only = Dashboard.render(Self.fleet(), view: DashboardView(filter: SummaryFilter(product: "acme-db", established: true)))
        #expect(only.contains(#"<a class="chip on" id="installs-established" href="?days=4&amp;product=acme-db&amp;established=1" aria-current="page">"#))
        #expect(only.contains("<title>telemetry-collector: 10 active installs of acme-db (established)</title>"))
        // The product picker, the versions and the CSV links keep established=1.
        #expect(only.contains(#"id="product-all" href="?days=4&amp;established=1""#))
        #expect(only.contains(#"href="?days=4&amp;product=acme-db&amp;version=2.0&amp;established=1""#))
        #expect(only.contains(#"href="api/v1/summary.csv?days=4&amp;product=acme-db&amp;established=1""#))
    }

    @Test func adoptionTableAndCutoffs() {
        let html = Dashboard.render(Self.fleet())
        #expect(html.contains(#"<section class="part" id="adoption""#))
        #expect(html.contains(#"<li id="cutoff-50"><b>50%</b> of active installs run <b class="version">2.0</b> or newer</li>"#))
        #expect(html.contains(#"<li id="cutoff-95"><b>95%</b> of active installs run <b class="version">1.0</b> or newer</li>"#))
        #expect(html.contains(#"<tr id="adoption-x-2.0"><td class="key"><a class="version" href="?days=4&amp;version=2.0">2.0</a></td><td>2026-11-29</td><td>6</td><td class="share">60.0%</td><td>0</td><td>2</td><td class="none">not yet</td></tr>"#))
        // Newest first, as the summary orders them; a hostile version is text.
        let rows = html.components(separatedBy: "<tr id=\"adoption-").dropFirst().map { String($0.prefix(12)) }
        #expect(rows.count == 3 && rows[1].hasPrefix("x-2.0") && rows[2].hasPrefix("x-1.0"))
        #expect(!html.contains("<b>x</b>") && html.contains("&lt;b&gt;x&lt;/b&gt;"))
    }

    @Test func versionSharesStackToAHundredPercentAndLeaveEmptyDaysEmpty() {
        let html = Dashboard.render(Self.fleet())
        let svg = section(html, from: "id=\"svg-version-shares\"", to: "</svg>")
        #expect(svg.contains(">100%</text>") && svg.contains(">0%</text>"))
        #expect(svg.contains("2026-12-01: ") && svg.contains("2.0 60.0%") && svg.contains("&lt;b&gt;x&lt;/b&gt; 10.0%"))
        #expect(svg.contains("<title>2026-11-30: no installs</title>"))
        // Two runs of days (the empty day breaks them): 1.0 drawn in both, 2.0 in both, the new one in the last.
        #expect(svg.components(separatedBy: "<title>1.0</title>").count - 1 == 2)
        let legend = section(html, from: "id=\"chart-version-shares\"", to: "</ul>")
        #expect(legend.contains("</span>2.0 <b>60.0%</b></li>") && legend.contains("</span>1.0 <b>30.0%</b></li>"))
    }

    @Test func lifecycleUpAndLostDown() {
        let html = Dashboard.render(Self.fleet())
        let svg = section(html, from: "id=\"svg-lifecycle\"", to: "</svg>")
        #expect(svg.contains("<title>2026-12-01: 2 new, 0 returning, 8 resurrected, 3 lost</title>"))
        // A day the summary has no lifecycle for is zeros.
        #expect(svg.contains("<title>2026-11-30: 0 new, 0 returning, 0 resurrected, 0 lost</title>"))
        // Negative ticks below the line.
        #expect(svg.contains(">-"))
        #expect(svg.contains("fill=\"\(Palette.lost)\"") && svg.contains("fill=\"\(Palette.resurrected)\""))
    }

    @Test func retentionIsColouredByValue() {
        let html = Dashboard.render(Self.fleet())
        #expect(html.contains(#"<tr id="cohort-2026-W47"><td>2026-W47</td><td>10</td><td class="heat heat-9" title="10 of 10 installs">95.0%</td><td class="heat heat-3" title="3 of 10 installs">30.0%</td><td class="none""#))
        #expect(Dashboard.heatBucket(0) == 0 && Dashboard.heatBucket(0.099) == 0 && Dashboard.heatBucket(0.1) == 1
                && Dashboard.heatBucket(1) == 10 && Dashboard.heatBucket(3) == 10 && Dashboard.heatBucket(.nan) == 0)
        // Every bucket has its colour in the style sheet (no inline style needed).
        for i in 0...10 { #expect(Dashboard.style.contains("td.heat-\(i){background:")) }
    }

    @Test func emptyStates() {
        let html = Dashboard.render(Summary.empty(days: 3, lastDay: Self.d0))
        #expect(html.contains(#"id="adoption-empty""#))
        #expect(html.contains(#"id="retention-empty""#))
        #expect(html.contains("no installs</text>"))
        #expect(html.contains(#"id="svg-lifecycle""#))
        #expect(!html.contains("<script"))
    }

    @Test func everyTableAndChartLinksItsCSVUnlessTheViewSaysNot() {
        let html = Dashboard.render(Self.fleet())
        for t in [SummaryCSV.Table.days, .breakdowns, .versions, .adoption, .cutoffs, .retention, .clusters] {
            #expect(html.contains("<a class=\"csv\" download href=\"\(t.path)?days=4\">CSV</a>"), "\(t)")
        }
        // One under each chart and table: active, new-lost, versions, six breakdowns, clusters, cut-offs, adoption,
        // shares, lifecycle, retention.
        #expect(html.components(separatedBy: "<a class=\"csv\"").count - 1 == 15)
        #expect(!Dashboard.render(Self.fleet(), view: DashboardView(csvLinks: false)).contains("class=\"csv\""))
    }

    @Test func aTenYearPageStaysBounded() {
        // Ten years of days with ten versions, a lifecycle every day and 520 weekly cohorts: the new sections add a
        // bar stack and a tooltip per group of days (at most `maxLifecycleBars`), and at most `maxCohorts` table rows.
        let d0 = UTCDay("2016-12-01")!
        var s = Summary.empty(days: 3660, lastDay: d0.adding(days: 3659))
        for i in s.days.indices {
            s.days[i].byProductVersion = Dictionary(uniqueKeysWithValues: (0..<10).map { ("1.\($0)", 100 + i % 7 + $0) })
            s.days[i].activeInstalls = s.days[i].byProductVersion.values.reduce(0, +)
        }
        s.lifecycle = s.days.map { LifecycleDay(date: $0.date, new: 5, returning: 900, resurrected: 2, lost: 4) }
        s.retention = (0..<520).map { RetentionCohort(week: "W\($0)", installs: 10, active: ["1": 0.5, "2": 0.4]) }
        s.adoption = VersionAdoption(versions: (0..<10).map { .init(version: "1.\($0)", firstSeen: d0) })
        let before = ContinuousClock.now
        let html = Dashboard.render(s)
        let took = ContinuousClock.now - before
        let lifecycle = html.range(of: "id=\"lifecycle\"").map { String(html[$0.lowerBound...]) } ?? ""
        let part = String(lifecycle[..<(lifecycle.range(of: "id=\"features\"")?.lowerBound ?? lifecycle.endIndex)])
        let adoption = html.range(of: "id=\"adoption\"").map { String(html[$0.lowerBound...]) } ?? ""
        let shares = String(adoption[..<(adoption.range(of: "id=\"lifecycle\"")?.lowerBound ?? adoption.endIndex)])
        print("ten-year page: \(html.utf8.count) bytes in \(took); adoption \(shares.utf8.count), lifecycle \(part.utf8.count)")
        #expect(part.components(separatedBy: "<tr id=\"cohort-").count - 1 == Dashboard.maxCohorts)
        // A bar (and tooltip) per group of 21 days, the sums of the group.
        #expect(part.components(separatedBy: "<rect class=\"hover\"").count - 1 == 175)
        #expect(part.contains("<title>\(s.days[3659 - 20].date) to \(s.days[3659].date): 105 new, 18,900 returning, 42 resurrected, 84 lost</title>"))
        #expect(shares.components(separatedBy: "<rect class=\"hover\"").count - 1 == 175)
        #expect(html.utf8.count < 4_000_000)
    }

    func section(_ html: String, from: String, to: String) -> String {
        guard let start = html.range(of: from) else { return "" }
        let rest = html[start.upperBound...]
        return String(rest[..<(rest.range(of: to)?.lowerBound ?? rest.endIndex)])
    }
}
