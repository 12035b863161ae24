/// One product fact's counts over a set of installs (one product version's installs on one day, or several such sets
/// merged), each install counted once by the value it carried. Mergeable: stores cache it per day and product version
/// and add up the groups a filter selects; `summary` turns it into the API's `FactSummary`.
///
/// Facts are typed by each install's report, so one key can reach the collector as a boolean from some installs and
/// a number from others (two product versions disagreeing): all three are counted, and the day shows the kind most
/// installs sent (ties: boolean, then number, then enum); installs that sent another kind are not in its `installs`.
public struct FactTotals: Sendable, Equatable {
    public var trueCount = 0
    public var falseCount = 0
    /// Enum value → installs.
    public var values: [String: Int] = [:]
    public var numbers = NumberHistogram()

    public init(trueCount: Int = 0, falseCount: Int = 0, values: [String: Int] = [:], numbers: NumberHistogram = NumberHistogram()) {
        self.trueCount = trueCount
        self.falseCount = falseCount
        self.values = values
        self.numbers = numbers
    }

    /// Installs that carried the fact, whatever its kind.
    public var installs: Int { trueCount + falseCount + values.values.reduce(0, +) + numbers.count }

    public mutating func merge(_ other: FactTotals) {
        trueCount += other.trueCount
        falseCount += other.falseCount
        for (v, n) in other.values { values[v, default: 0] += n }
        numbers.merge(other.numbers)
    }

    /// The fact as the day shows it; nil when no install carried it.
    public var summary: FactSummary? {
        let booleans = trueCount + falseCount, enums = values.values.reduce(0, +), nums = numbers.count
        guard booleans + enums + nums > 0 else { return nil }
        if booleans >= nums, booleans >= enums { return .boolean(installs: booleans, isTrue: trueCount) }
        if nums >= enums {
            let p = numbers.percentiles([5, 50, 95]).map { $0 ?? 0 }
            return .number(installs: nums, zero: numbers.zeros, p5: p[0], p50: p[1], p95: p[2])
        }
        return .enumeration(installs: enums, values: values)
    }
}

extension FactTotals: Codable {
    private enum Key: String, CodingKey { case `true`, `false`, values, numbers }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: Key.self)
        self.init(trueCount: try c.decodeIfPresent(Int.self, forKey: .true) ?? 0,
                  falseCount: try c.decodeIfPresent(Int.self, forKey: .false) ?? 0,
                  values: try c.decodeIfPresent([String: Int].self, forKey: .values) ?? [:],
                  numbers: try c.decodeIfPresent(NumberHistogram.self, forKey: .numbers) ?? NumberHistogram())
    }

    /// Only what is there: a day's cache row holds many facts of mostly one kind each.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: Key.self)
        if trueCount > 0 { try c.encode(trueCount, forKey: .true) }
        if falseCount > 0 { try c.encode(falseCount, forKey: .false) }
        if !values.isEmpty { try c.encode(values, forKey: .values) }
        if !numbers.isEmpty { try c.encode(numbers, forKey: .numbers) }
    }
}
