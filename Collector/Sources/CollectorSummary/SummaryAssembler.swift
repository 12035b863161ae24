/// Turns the grouped counts a store's queries return into a `Summary`, so every store shares one meaning of
/// the range, of `unknown` and of the top-level numbers and only its SQL differs.
public struct SummaryAssembler: Sendable {
    /// Installs not seen for this many days are lost (counted on the day they were last seen).
    public static let lostAfterDays = 7

    public let firstDay: UTCDay
    public let lastDay: UTCDay
    private var days: [DaySummary]
    private var clusters = ClusterSummary()

    /// `days` ≥ 1 days ending with `lastDay`.
    public init(days: Int, lastDay: UTCDay) {
        let n = max(days, 1)
        self.lastDay = lastDay
        self.firstDay = lastDay.adding(days: -(n - 1))
        self.days = (0..<n).map { DaySummary(date: lastDay.adding(days: -(n - 1) + $0)) }
    }

    /// The last day an install may have been seen on and already count as lost on `lastDay`.
    public var lostCutoff: UTCDay { lastDay.adding(days: -SummaryAssembler.lostAfterDays) }

    private func index(_ day: UTCDay) -> Int? {
        let i = day.daysSinceEpoch - firstDay.daysSinceEpoch
        return days.indices.contains(i) ? i : nil
    }

    public mutating func addActive(day: UTCDay, count: Int) {
        if let i = index(day) { days[i].activeInstalls += count }
    }

    public mutating func addNew(day: UTCDay, count: Int) {
        if let i = index(day) { days[i].newInstalls += count }
    }

    /// Installs last seen on `day` (as of `lastDay`); ignored unless `day` ≤ `lostCutoff`.
    public mutating func addLost(day: UTCDay, count: Int) {
        guard day <= lostCutoff, let i = index(day) else { return }
        days[i].lostInstalls += count
    }

    /// `count` installs active on `day` whose `dimension` was `label` (nil: `unknown`).
    public mutating func add(_ dimension: Dimension, day: UTCDay, label: String?, count: Int) {
        guard let i = index(day) else { return }
        days[i][keyPath: dimension.summaryKeyPath][label ?? Buckets.unknown, default: 0] += count
    }

    /// `clusters` clusters of `size` installs on `lastDay` (sizes below 2 are not clusters and are ignored).
    public mutating func addClusters(size: Int, clusters n: Int) {
        guard size >= 2 else { return }
        clusters.count += n
        clusters.installs += size * n
        clusters.bySize[String(size), default: 0] += n
    }

    public func build() -> Summary {
        Summary(activeInstalls: days.last?.activeInstalls ?? 0, days: days, clusters: clusters)
    }
}
