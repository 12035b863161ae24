// The answers of the collector: what `GET /api/v1/summary`, `telemetry-collector summary --json`, the
// dashboard and `/metrics` all show. Every ReportStore computes exactly this value (Collector/README.md,
// "The ReportStore contract"); the JSON form is the API's.

/// `GET /api/v1/summary?days=N`.
public struct Summary: Codable, Sendable, Equatable {
    /// Active installs on the last day of `days` (the day `asOf` falls on).
    public var activeInstalls: Int
    /// One entry per UTC day, oldest first, every day of the range present (zeros when nothing arrived).
    public var days: [DaySummary]
    /// Clusters among the installs active on the last day.
    public var clusters: ClusterSummary
    /// Every product name that reported in the range (whatever the filter), `unknown` among them when some installs
    /// name none, sorted by bytes: the page's product picker.
    public var products: [String]
    /// Established installs on the last day: those whose first report is at least 24 h older than their last report
    /// of that day (an ephemeral container or CI run never is).
    public var establishedInstalls: Int
    /// How fast each product version spread, and the "P % run V or newer" cut-offs on the last day.
    public var adoption: VersionAdoption
    /// New, returning, resurrected and lost installs per day of the range, oldest first.
    public var lifecycle: [LifecycleDay]
    /// Weekly cohorts by first report, oldest first, and the share of each still active weeks later.
    public var retention: [RetentionCohort]
    /// The last day per product version label (`byProductVersion`'s), counted over the same installs as the summary
    /// (the filter's; every product's installs of that version merged): the page's per-version tables, from the counts
    /// the summary made anyway. Not part of the JSON (the API answers one filter; `?version=` narrows it); empty when the
    /// store did not count the last day (a summary of the past from the day cache) or in a summary built by hand.
    public var lastDayByVersion: [String: DaySummary] = [:]

    /// The JSON form's fields: every one but `lastDayByVersion`.
    private enum CodingKeys: String, CodingKey {
        case activeInstalls, days, clusters, products, establishedInstalls, adoption, lifecycle, retention
    }

    public init(activeInstalls: Int, days: [DaySummary], clusters: ClusterSummary, products: [String] = [],
                establishedInstalls: Int = 0, adoption: VersionAdoption = VersionAdoption(),
                lifecycle: [LifecycleDay] = [], retention: [RetentionCohort] = []) {
        self.activeInstalls = activeInstalls
        self.days = days
        self.clusters = clusters
        self.products = products
        self.establishedInstalls = establishedInstalls
        self.adoption = adoption
        self.lifecycle = lifecycle
        self.retention = retention
    }

    /// A summary of `days` empty days ending on `lastDay` (what a store without reports answers: every day of the
    /// lifecycle present, with zeros).
    public static func empty(days: Int, lastDay: UTCDay) -> Summary {
        SummaryAssembler(days: days, lastDay: lastDay).build()
    }
}
