import CollectorSummary
import Foundation
@testable import CollectorDashboard
import Testing

/// Three days; on the last one 3 installs: two versions (one hostile), debian and a hostile OS name, a cluster of 2.
private func sample(version: String = "4.2.1", os: String = "debian 12") -> Summary {
    let d0 = UTCDay("2026-11-29")!
    var days = (0..<3).map { DaySummary(date: d0.adding(days: $0)) }
    days[0].activeInstalls = 1; days[0].newInstalls = 1
    days[0].byProductVersion = ["4.2.0": 1]
    days[1].activeInstalls = 2; days[1].newInstalls = 1
    days[1].byProductVersion = ["4.2.0": 1, version: 1]
    days[2].activeInstalls = 1234; days[2].newInstalls = 1231; days[2].lostInstalls = 0
    days[2].byProductVersion = ["4.2.0": 4, version: 1229, "unknown": 1]
    days[2].byOS = [os: 1200, "ubuntu 24.04": 33, "unknown": 1]
    days[2].byArch = ["x86_64": 1000, "aarch64": 234]
    days[2].byCores = ["3-4": 4, "1": 1000, "129+": 230]
    days[2].byMemory = ["512GiB+": 1, "<2GiB": 1233]
    return Summary(activeInstalls: 1234, days: days, clusters: ClusterSummary(count: 1, installs: 2, bySize: ["2": 1]))
}

@Suite("Dashboard page")
struct DashboardTests {
    @Test func everyChartIsOnThePageWithItsNumbersAsText() {
        let html = Dashboard.render(sample())
        for id in ["chart-active", "chart-new-lost", "chart-versions", "chart-os", "chart-arch", "chart-virtualization",
                   "chart-container", "chart-cores", "chart-memory", "chart-clusters"] {
            #expect(html.contains("id=\"\(id)\""), "missing \(id)")
        }
        // The ten charts, the versions' shares and the lifecycle.
        #expect(html.components(separatedBy: "<svg ").count - 1 == 12)
        #expect(html.contains("<title>telemetry-collector: 1,234 active installs</title>"))
        #expect(html.contains("<div class=\"tile\" id=\"tile-active\"><div class=\"k\">Active installs</div><div class=\"v\">1,234</div>"))
        // The per-day table and the tooltips carry every day's numbers.
        #expect(html.contains("<tr><td>2026-12-01</td><td>1,234</td><td>1,231</td><td>0</td><td>0</td></tr>"))
        #expect(html.contains("<title>2026-11-30: 2 active</title>"))
        #expect(html.contains("<title>debian 12: 1,200 (97.2%)</title>"))
        // A breakdown lists its bucket labels in bucket order, unknown last.
        let cores = html.range(of: "id=\"svg-cores\"").map { String(html[$0.upperBound...]) } ?? ""
        let one = cores.range(of: ">1</text>"), three = cores.range(of: ">3-4</text>"), many = cores.range(of: ">129+</text>")
        #expect(one != nil && three != nil && many != nil)
        if let one, let three, let many { #expect(one.lowerBound < three.lowerBound && three.lowerBound < many.lowerBound) }
        #expect(!html.contains("<script"))
    }

    @Test(arguments: [
        "<script>alert(1)</script>",
        "\"><svg onload=alert(1)>",
        "4.2.1' onmouseover='x",
        "a&b</title><b>bold</b>",
    ])
    func valuesFromReportsAreEscapedEverywhere(_ hostile: String) {
        let html = Dashboard.render(sample(version: hostile, os: hostile))
        #expect(!html.contains(hostile))
        #expect(!html.contains("<script"))
        #expect(!html.contains("<svg onload"))
        #expect(!html.contains("<b>bold</b>"))
        #expect(html.contains(HTML.escape(hostile)))
    }

    @Test func anEmptyCollectorStillRendersEveryCard() {
        let html = Dashboard.render(Summary.empty(days: 30, lastDay: UTCDay("2026-12-01")!))
        #expect(html.contains("id=\"chart-versions\""))
        #expect(html.contains("no installs"))
        #expect(html.contains("no clusters"))
        #expect(html.contains("(30 days)"))
        let one = Dashboard.render(Summary.empty(days: 1, lastDay: UTCDay("2026-12-01")!))
        #expect(one.contains("(1 day)"))
    }

    @Test func manyVersionsKeepTheMostCommonAndSumTheRest() {
        let day = UTCDay("2026-12-01")!
        var d = DaySummary(date: day)
        for i in 0..<12 { d.byProductVersion["1.\(i).0"] = 100 - i }
        d.activeInstalls = d.byProductVersion.values.reduce(0, +)
        let series = Dashboard.versionSeries([d])
        #expect(series.count == Dashboard.maxVersions + 1)
        #expect(series.first?.key == "other")
        #expect(series.first?.values == [(100 - 8) + (100 - 9) + (100 - 10) + (100 - 11)])
        #expect(series.dropFirst().map(\.key) == (0..<8).map { "1.\($0).0" })
    }

    @Test func helpers() {
        #expect(HTML.escape("<a href=\"x\">'&'</a>") == "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;")
        #expect(HTML.escape("nul\u{0}bell\u{7}") == "nul\u{FFFD}bell\u{FFFD}")
        #expect(Format.count(0) == "0")
        #expect(Format.count(999) == "999")
        #expect(Format.count(1000) == "1,000")
        #expect(Format.count(1234567) == "1,234,567")
        #expect(Format.count(-12345) == "-12,345")
        #expect(Format.percent(1, of: 3) == "33.3%")
        #expect(Format.percent(0, of: 0) == "0%")
        #expect(Format.coord(12.04) == "12")
        #expect(Format.coord(12.25) == "12.3")
        #expect(Format.coord(-0.5) == "-0.5")
        #expect(ChartScale(maximum: 7512) == ChartScale(max: 8000, step: 2000))
        #expect(ChartScale(maximum: 0) == ChartScale(max: 1, step: 1))
        #expect(ChartScale(maximum: 3).ticks == [0, 1, 2, 3])
        #expect(ChartScale(maximum: 11) == ChartScale(max: 15, step: 5))
        #expect(DayLabels.short(UTCDay("2026-12-01")!) == "Dec 1")
        #expect(DayLabels.indices(days: 90).last == 89)
        #expect(DayLabels.indices(days: 1) == [0])
        let sorted = ["4.10.0", "4.2.0", "4.2.0-rc1", "4.9.2", "10.0", "beta"].sorted(by: VersionOrder.less)
        #expect(sorted == ["beta", "4.2.0-rc1", "4.2.0", "4.9.2", "4.10.0", "10.0"])
    }
}
