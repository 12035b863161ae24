/// One UTC day's counts as a summary needs them, over some set of installs (one product version's, or several merged):
/// active installs, how many of them were established that day, per rollup column label → installs (`unknown` for no value), and the product facts and counters.
/// Both stores keep closed days in this form (`day_cache`, as JSON, per product and version: `DayGroups`) so a summary
/// over a hundred days reads a hundred small rows instead of counting every install of every day again.
public struct DayTotals: Sendable, Equatable {
    public var active = 0
    /// Of `active`, the installs established that day (first report at least 24 h before their last of the day).
    public var established = 0
    /// Of `active`, the installs active the day before too, and those whose previous active day was
    /// `SummaryAssembler.lostAfterDays + 1` or more days before (counted lost, then back): the lifecycle.
    public var returning = 0
    public var resurrected = 0
    /// Keyed by `Dimension.column`, then by label.
    public var by: [String: [String: Int]] = [:]
    /// Fact key → its counts.
    public var facts: [String: FactTotals] = [:]
    /// Counter name → its counts.
    public var counters: [String: CounterTotals] = [:]

    public init(active: Int = 0, established: Int = 0, returning: Int = 0, resurrected: Int = 0, by: [String: [String: Int]] = [:], facts: [String: FactTotals] = [:],
                counters: [String: CounterTotals] = [:]) {
        self.active = active
        self.established = established
        self.returning = returning
        self.resurrected = resurrected
        self.by = by
        self.facts = facts
        self.counters = counters
    }

    /// Counts `n` installs of `dimension` with `label` (nil: `unknown`).
    public mutating func add(_ dimension: Dimension, label: String?, count n: Int) {
        by[dimension.column, default: [:]][label ?? Buckets.unknown, default: 0] += n
    }

    /// Adds another set of installs' counts (another product version of the same day).
    public mutating func merge(_ other: DayTotals) {
        active += other.active
        established += other.established
        returning += other.returning
        resurrected += other.resurrected
        for (column, counts) in other.by {
            for (label, n) in counts { by[column, default: [:]][label, default: 0] += n }
        }
        for (key, f) in other.facts { facts[key, default: FactTotals()].merge(f) }
        for (name, c) in other.counters { counters[name, default: CounterTotals()].merge(c) }
    }

    /// Adds these counts to `day` of the summary being assembled.
    public func apply(to assembler: inout SummaryAssembler, day: UTCDay) {
        assembler.add(self, day: day)
    }
}

extension DayTotals: Codable {
    private enum Key: String, CodingKey { case active, established, returning, resurrected, by, facts, counters }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: Key.self)
        // `established` and the lifecycle are required: a row written before they were counted is unreadable, so its
        // day is counted again.
        self.init(active: try c.decode(Int.self, forKey: .active), established: try c.decode(Int.self, forKey: .established),
                  returning: try c.decode(Int.self, forKey: .returning), resurrected: try c.decode(Int.self, forKey: .resurrected),
                  by: try c.decode([String: [String: Int]].self, forKey: .by),
                  facts: try c.decodeIfPresent([String: FactTotals].self, forKey: .facts) ?? [:],
                  counters: try c.decodeIfPresent([String: CounterTotals].self, forKey: .counters) ?? [:])
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: Key.self)
        try c.encode(active, forKey: .active)
        try c.encode(established, forKey: .established)
        try c.encode(returning, forKey: .returning)
        try c.encode(resurrected, forKey: .resurrected)
        try c.encode(by, forKey: .by)
        if !facts.isEmpty { try c.encode(facts, forKey: .facts) }
        if !counters.isEmpty { try c.encode(counters, forKey: .counters) }
    }
}
