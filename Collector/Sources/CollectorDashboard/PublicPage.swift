import CollectorSummary

/// `GET /public` (`PublicMinInstalls=K`): the dashboard of `Summary.publicView(minInstalls: K)`, for anyone. The page is
/// the private one's, with its links to the JSON pointed at the public API (the private API and /metrics need a read
/// token) and a line saying that small groups are counted as `other`. Version links lead back to the whole fleet:
/// the public reads take no filter (a filter to a rare version would tell its installs by the headline alone).
public enum PublicPage {
    public static func render(_ summary: Summary, minInstalls k: Int) -> String {
        let days = summary.days.count
        // No CSV links: the CSV routes need the read token; the public reads have only the JSON.
        var html = Dashboard.render(summary.publicView(minInstalls: k), view: DashboardView(csvLinks: false))
        html = html.replacing("href=\"api/v1/summary?", with: "href=\"api/v1/public/summary?")
        html = html.replacing(">/api/v1/summary?", with: ">/api/v1/public/summary?")
        html = html.replacing("; Prometheus: <a href=\"metrics\">/metrics</a>", with: "")
        let note = "<p class=\"public-note\">Public view: every group of fewer than \(k) installs is counted as <b>other</b>, "
            + "and no figure is computed over fewer than \(k) installs. The same numbers as JSON: "
            + "<a href=\"api/v1/public/summary?days=\(days)\">/api/v1/public/summary?days=\(days)</a>.</p>\n<main>"
        if let main = html.firstRange(of: "<main>") { html.replaceSubrange(main, with: note) }
        return html
    }
}
