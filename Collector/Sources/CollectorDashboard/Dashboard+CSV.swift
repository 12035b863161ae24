import CollectorSummary

extension Dashboard {
    /// The "CSV" link under a table or chart: the same days and filters as the page, relative like the page's other
    /// links (so it works under any path a reverse proxy gives the page). Nothing when the view has no CSV links.
    static func csvLink(_ table: SummaryCSV.Table, _ summary: Summary, _ view: DashboardView) -> String {
        guard view.csvLinks else { return "" }
        let href = table.path + PageLink.query(days: summary.days.count, filter: view.filter)
        return "<p class=\"csv\"><a class=\"csv\" download href=\"\(HTML.escape(href))\">CSV</a> <span>\(table.rawValue).csv</span></p>"
    }
}
