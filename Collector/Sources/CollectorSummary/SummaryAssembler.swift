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
    /// Per day (same index as `days`): returning and resurrected installs.
    private var returning: [Int]
    private var resurrected: [Int]
    /// Days of the adoption look-back before `firstDay`: active installs and installs per product version.
    private var versionHistory: [UTCDay: (active: Int, byVersion: [String: Int])] = [:]
    /// Cohort week (its Monday) → weeks later (0: the cohort itself) → installs active that week.
    private var cohorts: [UTCDay: [Int: Int]] = [:]
    /// The last day's counts per product version label (products merged), of the installs the filter matches:
    /// `Summary.lastDayByVersion`.
    private var lastDayVersions: [String: DayTotals] = [:]

    /// `days` ≥ 1 days ending with `lastDay`.
    public init(days: Int, lastDay: UTCDay) {
        let n = max(days, 1)
        self.lastDay = lastDay
        self.firstDay = lastDay.adding(days: -(n - 1))
        self.days = (0..<n).map { DaySummary(date: lastDay.adding(days: -(n - 1) + $0)) }
        self.facts = Array(repeating: [:], count: n)
        self.counters = Array(repeating: [:], count: n)
        self.returning = Array(repeating: 0, count: n)
        self.resurrected = Array(repeating: 0, count: n)
    }

    /// How many weeks of cohorts `Summary.retention` holds at most (the last ones of the range).
    public static let maxCohorts = 26

    /// The Monday of the first retention cohort: the ISO week of `firstDay`, or of 25 weeks before `lastDay`'s if later.
    public var retentionFirstWeek: UTCDay {
        max(firstDay.isoWeekStart, lastDay.isoWeekStart.adding(days: -7 * (SummaryAssembler.maxCohorts - 1)))
    }

    /// The first day of the adoption history (`VersionAdoption.lookBackDays` days ending with `lastDay`).
    public var adoptionFirstDay: UTCDay { lastDay.adding(days: -(VersionAdoption.lookBackDays - 1)) }

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
        days[i].establishedInstalls += totals.established
        returning[i] += totals.returning
        resurrected[i] += totals.resurrected
        for dim in Dimension.allCases {
            for (label, n) in totals.by[dim.column] ?? [:] { days[i][keyPath: dim.summaryKeyPath][label, default: 0] += n }
        }
        for (key, f) in totals.facts { facts[i][key, default: FactTotals()].merge(f) }
        for (name, c) in totals.counters { counters[i][name, default: CounterTotals()].merge(c) }
    }

    /// The last day's counts per product and version as the store counted them (`DayGroups.groups`, already narrowed to
    /// `filter` where the store filters in SQL): the groups `filter` matches are kept per version label for
    /// `Summary.lastDayByVersion`, so the page's per-version tables need no summary of their own. Another day is ignored.
    public mutating func addLastDayGroups(_ groups: [ProductVersion: DayTotals], day: UTCDay, filter: SummaryFilter) {
        guard day == lastDay else { return }
        for (group, totals) in groups where filter.matches(group) {
            lastDayVersions[group.version, default: DayTotals()].merge(totals)
        }
    }

    /// `count` installs active on `day` and on the day before (lifecycle: returning).
    public mutating func addReturning(day: UTCDay, count: Int) {
        if let i = index(day) { returning[i] += count }
    }

    /// `count` installs active on `day` whose previous active day was `lostAfterDays + 1` or more days before: they had
    /// been counted lost (lifecycle: resurrected).
    public mutating func addResurrected(day: UTCDay, count: Int) {
        if let i = index(day) { resurrected[i] += count }
    }

    /// A day of the adoption look-back before the range (days of the range come from the day counts themselves).
    public mutating func addVersionDay(_ day: UTCDay, active: Int, byVersion: [String: Int]) {
        guard day >= adoptionFirstDay, day < firstDay else { return }
        versionHistory[day, default: (0, [:])].active += active
        for (v, n) in byVersion { versionHistory[day, default: (0, [:])].byVersion[v, default: 0] += n }
    }

    /// `count` installs of the cohort whose first report fell in the ISO week starting `week` were active in the week
    /// `weeksLater` after it (0: the cohort's size). Weeks of other cohorts, or other distances, are ignored.
    public mutating func addCohort(week: UTCDay, weeksLater: Int, count: Int) {
        guard week >= retentionFirstWeek, week <= lastDay, weeksLater == 0 || RetentionCohort.weeksLater.contains(weeksLater) else { return }
        cohorts[week, default: [:]][weeksLater, default: 0] += count
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
        let lifecycle = out.indices.map {
            LifecycleDay(date: out[$0].date, new: out[$0].newInstalls, returning: returning[$0], resurrected: resurrected[$0],
                         lost: out[$0].lostInstalls)
        }
        var history = versionHistory.sorted { $0.key < $1.key }.map { (date: $0.key, active: $0.value.active, byVersion: $0.value.byVersion) }
        history += out.filter { $0.date >= adoptionFirstDay }.map { (date: $0.date, active: $0.activeInstalls, byVersion: $0.byProductVersion) }
        let retention = cohorts.sorted { $0.key < $1.key }.compactMap { week, counts -> RetentionCohort? in
            guard let n = counts[0], n > 0 else { return nil }
            var active: [String: Double] = [:]
            // A later week that has begun by the last day has its share (so far); one that has not is absent.
            for k in RetentionCohort.weeksLater where week.adding(days: 7 * k) <= lastDay {
                active[String(k)] = Double(counts[k] ?? 0) / Double(n)
            }
            return RetentionCohort(week: week.isoWeek, installs: n, active: active)
        }
        var summary = Summary(activeInstalls: out.last?.activeInstalls ?? 0, days: out, clusters: clusters,
                              products: products.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) },
                              establishedInstalls: out.last?.establishedInstalls ?? 0,
                              adoption: VersionAdoption(days: history, listedFrom: firstDay), lifecycle: lifecycle, retention: retention)
        summary.lastDayByVersion = lastDayVersions.mapValues { SummaryAssembler.day($0, date: lastDay) }
        return summary
    }

    /// One day's counts as the summary shows them (breakdowns, facts, counters; no lifecycle).
    static func day(_ totals: DayTotals, date: UTCDay) -> DaySummary {
        var one = SummaryAssembler(days: 1, lastDay: date)
        one.add(totals, day: date)
        return one.build().days[0]
    }
}
