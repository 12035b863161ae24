import CollectorSummary

/// One product version's last day (`Summary.lastDayByVersion`): a column of the page's per-version
/// tables of features and usage.
public struct VersionDay: Sendable, Equatable {
    /// The version's label as the versions breakdown shows it.
    public var version: String
    public var day: DaySummary

    public init(version: String, day: DaySummary) {
        self.version = version
        self.day = day
    }
}
