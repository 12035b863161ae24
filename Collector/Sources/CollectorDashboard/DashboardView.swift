import CollectorSummary

/// What the page shows besides the summary: the filter it was asked with (for its links and headings) and, for the
/// per-version tables, today's numbers of the most common versions (`VersionDay`, each from a summary filtered to
/// that version; empty: no such tables).
public struct DashboardView: Sendable, Equatable {
    public var filter: SummaryFilter
    public var versions: [VersionDay]

    public init(filter: SummaryFilter = .all, versions: [VersionDay] = []) {
        self.filter = filter
        self.versions = versions
    }
}
