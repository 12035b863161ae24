import CollectorSummary

/// What the page shows besides the summary: the filter it was asked with (for its links and headings) and, for the
/// per-version tables, today's numbers of the most common versions (`VersionDay`, each from the summary's
/// `lastDayByVersion`; empty: no such tables), and whether to link the CSVs.
public struct DashboardView: Sendable, Equatable {
    public var filter: SummaryFilter
    public var versions: [VersionDay]
    /// Whether each table and chart links its numbers as CSV (`SummaryCSV`); a page served where the CSV routes are
    /// not leaves them out.
    public var csvLinks: Bool

    public init(filter: SummaryFilter = .all, versions: [VersionDay] = [], csvLinks: Bool = true) {
        self.filter = filter
        self.versions = versions
        self.csvLinks = csvLinks
    }
}
