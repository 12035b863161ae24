import CollectorSummary
@testable import CollectorDashboard
import Testing

/// The collector's own `other` (what MaxDistinctValues= folded) on the page: part of the "other" row and band,
/// never ranked as a value; a report's quoted `"other"` is a value like any other.
@Suite("Dashboard page: other")
struct DashboardOtherTests {
    @Test func foldedVersionsJoinTheOtherBand() {
        var d = DaySummary(date: UTCDay("2026-12-01")!)
        d.byProductVersion = ["1.0.0": 50, "2.0.0": 40, "other": 500, "\"other\"": 3, "unknown": 2]
        d.activeInstalls = 595
        let series = Dashboard.versionSeries([d])
        #expect(series.map(\.key) == ["unknown", "other", "\"other\"", "1.0.0", "2.0.0"])
        #expect(series.first { $0.key == "other" }?.values == [500])
        let page = Dashboard.render(Summary(activeInstalls: 595, days: [d], clusters: ClusterSummary()))
        #expect(page.contains("other versions <b>500</b>"))
        #expect(page.contains("&quot;other&quot; <b>3</b>"))
    }

    @Test func aBreakdownsOtherRowSumsBoth() {
        var counts = ["other": 100, "unknown": 1]
        for i in 0..<(Dashboard.maxRows + 2) { counts["v\(i)"] = 10 + i }
        let rows = Dashboard.rows(counts, order: nil)
        #expect(rows.count == Dashboard.maxRows + 2)
        #expect(rows.filter { $0.label == "other" }.map(\.count) == [100 + 10 + 11])
        #expect(rows.last?.label == "unknown")
        // Only the collector's own other: still one row.
        #expect(Dashboard.rows(["a": 1, "other": 5], order: nil).map(\.label) == ["a", "other"])
    }
}
