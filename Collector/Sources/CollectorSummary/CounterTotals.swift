/// One product counter's counts over a set of installs on one UTC day of arrival: the sum of the increments and a
/// histogram of the per-install daily sums (installs whose sum is above 0 only). Mergeable like `FactTotals`.
public struct CounterTotals: Sendable, Equatable, Codable {
    /// The day's increments, added up (saturating: a sum beyond `Int.max` stays there).
    public var increments = 0
    /// Per-install daily sums above 0.
    public var sums = NumberHistogram()

    public init(increments: Int = 0, sums: NumberHistogram = NumberHistogram()) {
        self.increments = increments
        self.sums = sums
    }

    /// `installs` installs whose daily sums fall in bucket `code`, adding up to `increments`.
    public mutating func add(code: Int, installs: Int, increments n: Int) {
        sums.add(code: code, count: installs)
        increments = CounterTotals.adding(increments, n)
    }

    public mutating func merge(_ other: CounterTotals) {
        increments = CounterTotals.adding(increments, other.increments)
        sums.merge(other.sums)
    }

    public var summary: CounterSummary {
        let p = sums.percentiles([50, 95]).map { $0 ?? 0 }
        return CounterSummary(increments: increments, installs: sums.count, p50: p[0], p95: p[1])
    }

    static func adding(_ a: Int, _ b: Int) -> Int {
        let (sum, overflow) = a.addingReportingOverflow(b)
        return overflow ? (b > 0 ? .max : .min) : sum
    }
}
