/// Turns the grouped counts a store's queries return into a `Summary`, so every store shares one meaning of
/// the range, of `unknown` and of the top-level numbers and only its SQL differs.
public struct SummaryAssembler: Sendable {
    /// Installs not seen for this many days are lost (counted on the day they were last seen).
    public static let lostAfterDays = 7

    public let firstDay: UTCDay
    public let lastDay: UTCDay
    private var days: [DaySummary]
    private var clusters = ClusterSummary()
    /// Per day (same index as `days`): facts and counters, kept mergeable until `build()`.
    private var facts: [[String: FactTotals]]
    private var counters: [[String: CounterTotals]]
    private var products = Set<String>()

    /// `days` ≥ 1 days ending with `lastDay`.
    public init(days: Int, lastDay: UTCDay) {
        let n = max(days, 1)
        self.lastDay = lastDay
        self.firstDay = lastDay.adding(days: -(n - 1))
        self.days = (0..<n).map { DaySummary(date: lastDay.adding(days: -(n - 1) + $0)) }
        self.facts = Array(repeating: [:], count: n)
        self.counters = Array(repeating: [:], count: n)
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

    /// A day's counts: active installs, every breakdown, facts and counters.
    public mutating func add(_ totals: DayTotals, day: UTCDay) {
        guard let i = index(day) else { return }
        days[i].activeInstalls += totals.active
        for dim in Dimension.allCases {
            for (label, n) in totals.by[dim.column] ?? [:] { days[i][keyPath: dim.summaryKeyPath][label, default: 0] += n }
        }
        for (key, f) in totals.facts { facts[i][key, default: FactTotals()].merge(f) }
        for (name, c) in totals.counters { counters[i][name, default: CounterTotals()].merge(c) }
    }

    /// Products that reported in the range (whatever the filter): `Summary.products`.
    public mutating func addProducts<S: Sequence>(_ names: S) where S.Element == String {
        products.formUnion(names)
    }

    /// `clusters` clusters of `size` installs on `lastDay` (sizes below 2 are not clusters and are ignored).
    public mutating func addClusters(size: Int, clusters n: Int) {
        guard size >= 2 else { return }
        clusters.count += n
        clusters.installs += size * n
        clusters.bySize[String(size), default: 0] += n
    }

    public func build() -> Summary {
        var out = days
        for i in out.indices {
            out[i].facts = facts[i].compactMapValues(\.summary)
            out[i].counters = counters[i].filter { $0.value.sums.count > 0 || $0.value.increments > 0 }.mapValues(\.summary)
        }
        return Summary(activeInstalls: out.last?.activeInstalls ?? 0, days: out, clusters: clusters,
                       products: products.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) })
    }
}
