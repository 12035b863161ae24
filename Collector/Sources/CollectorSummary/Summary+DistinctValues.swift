/// `MaxDistinctValues=`: the most values a breakdown shows per day, on the page, in the API and in /metrics.
/// Labels come from reports, so without a cap anyone could make a breakdown (and the Prometheus series) as
/// large as they like; the largest values are kept and the rest counted as `other`.
extension Summary {
    public static let defaultMaxDistinctValues = 100

    /// Every breakdown of every day with at most `max` values of its own (`unknown` and `other` not counted):
    /// the largest kept, ties broken by the label's bytes, the rest added to `other`. Totals do not change.
    /// Cluster sizes are numbers, not labels, and stay as they are.
    public func cappingDistinctValues(_ max: Int) -> Summary {
        var s = self
        for i in s.days.indices {
            for dimension in Dimension.allCases {
                let path = dimension.summaryKeyPath
                s.days[i][keyPath: path] = Summary.cap(s.days[i][keyPath: path], max: max)
            }
        }
        return s
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
