/// `MaxDistinctValues=`: the most values a breakdown shows per day, on the page, in the API and in /metrics.
/// Labels come from reports, so without a cap anyone could make a breakdown (and the Prometheus series) as
/// large as they like; the largest values are kept and the rest counted as `other`.
extension Summary {
    public static let defaultMaxDistinctValues = 100

    /// Every breakdown of every day (and of each version's last day, `lastDayByVersion`) with at most `max` values of its
    /// own (`unknown` and `other` not counted):
    /// the largest kept, ties broken by the label's bytes, the rest added to `other`. Totals do not change. The adoption
    /// table keeps at most `max` versions (`capVersions`).
    /// Cluster sizes are numbers, not labels, and stay as they are. Facts and counters are labels too: at most `max`
    /// fact keys (`capFacts`), values per enum, and counters (`capCounters`) a day.
    public func cappingDistinctValues(_ max: Int) -> Summary {
        var s = self
        s.days = days.map { Summary.capping($0, max: max) }
        s.lastDayByVersion = lastDayByVersion.mapValues { Summary.capping($0, max: max) }
        s.adoption.versions = Summary.capVersions(s.adoption.versions, max: max)
        return s
    }

    /// One day with every breakdown, its facts and its counters capped at `max` values.
    static func capping(_ day: DaySummary, max: Int) -> DaySummary {
        var d = day
        for dimension in Dimension.allCases {
            let path = dimension.summaryKeyPath
            d[keyPath: path] = Summary.cap(d[keyPath: path], max: max)
        }
        d.facts = Summary.capFacts(d.facts, max: max)
        d.counters = Summary.capCounters(d.counters, max: max)
        return d
    }

    /// At most `max` versions in the adoption table: those with the most installs on the last day (ties: the newer),
    /// still newest first. A version has no sum to fold into `other` (first seen, days to a share), so the rest are
    /// left out; the cut-offs, four labels at most, stay as they are.
    public static func capVersions(_ versions: [VersionAdoption.Version], max: Int) -> [VersionAdoption.Version] {
        guard versions.count > Swift.max(max, 0) else { return versions }
        let kept = Set(versions.enumerated()
            .sorted { $0.element.installs != $1.element.installs ? $0.element.installs > $1.element.installs : $0.offset < $1.offset }
            .prefix(Swift.max(max, 0)).map(\.element.version))
        return versions.filter { kept.contains($0.version) }
    }

    /// At most `max` facts: those carried by the most installs, ties broken by the key's bytes. A fact has no sum to
    /// fold into `other`, so the rest are left out. Each enum keeps at most `max` values, the rest counted as `other`.
    public static func capFacts(_ facts: [String: FactSummary], max: Int) -> [String: FactSummary] {
        let ranked = facts.sorted { $0.value.installs != $1.value.installs ? $0.value.installs > $1.value.installs : $0.key.utf8.lexicographicallyPrecedes($1.key.utf8) }
        var out: [String: FactSummary] = [:]
        for (key, fact) in ranked.prefix(Swift.max(max, 0)) {
            if case .enumeration(let installs, let values) = fact {
                out[key] = .enumeration(installs: installs, values: cap(values, max: max))
            } else {
                out[key] = fact
            }
        }
        return out
    }

    /// At most `max` counters besides `other`: those that the most installs used (then the most increments, then by
    /// the name's bytes). The rest are summed under `other`: its `increments` are their total, its `installs` the most
    /// installs any of them had (installs using one of them: at least that many; one install may use several, so the
    /// installs do not add up), and it has no percentiles (0): daily sums of different counters are not comparable.
    public static func capCounters(_ counters: [String: CounterSummary], max: Int) -> [String: CounterSummary] {
        let own = counters.filter { $0.key != Buckets.other }
        guard own.count > Swift.max(max, 0) else { return counters }
        let ranked = own.sorted {
            if $0.value.installs != $1.value.installs { return $0.value.installs > $1.value.installs }
            if $0.value.increments != $1.value.increments { return $0.value.increments > $1.value.increments }
            return $0.key.utf8.lexicographicallyPrecedes($1.key.utf8)
        }
        var out: [String: CounterSummary] = [:]
        for (name, c) in ranked.prefix(Swift.max(max, 0)) { out[name] = c }
        var other = counters[Buckets.other].map { CounterSummary(increments: $0.increments, installs: $0.installs) } ?? CounterSummary()
        for (_, c) in ranked.dropFirst(Swift.max(max, 0)) {
            other.increments = CounterTotals.adding(other.increments, c.increments)
            other.installs = Swift.max(other.installs, c.installs)
        }
        out[Buckets.other] = other
        return out
    }

    /// One breakdown with at most `max` (≥ 0) values besides `unknown` and `other`.
    public static func cap(_ counts: [String: Int], max: Int) -> [String: Int] {
        let own: Set<String> = [Buckets.unknown, Buckets.other]
        let values = counts.filter { !own.contains($0.key) }
        guard values.count > Swift.max(max, 0) else { return counts }
        let ranked = values.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key.utf8.lexicographicallyPrecedes($1.key.utf8) }
        var out: [String: Int] = [:]
        for (label, n) in ranked.prefix(Swift.max(max, 0)) { out[label] = n }
        let folded = ranked.dropFirst(Swift.max(max, 0)).reduce(0) { $0 + $1.value }
        out[Buckets.other] = (counts[Buckets.other] ?? 0) + folded
        if let unknown = counts[Buckets.unknown] { out[Buckets.unknown] = unknown }
        return out
    }
}
