/// What the product's facts file says about the counters its schema declares: running totals, read at report time and
/// never sent as they are (a total would tell what was counted before telemetry was on). `CounterRules` turns them
/// into the increments of `data.counters`.
public struct CounterReading: Sendable, Equatable {
    /// The counters the schema declares (at most `FactsSchema.maxCounters`, in byte order), with or without a value
    /// in the file: a declared counter keeps its baseline while the file lacks it, an undeclared one is forgotten.
    public var declared: [String]
    /// The valid running total of each declared counter the file holds: an integer from 0 to 2^53-1.
    public var totals: [String: Int]

    public init(declared: [String], totals: [String: Int] = [:]) {
        self.declared = declared
        self.totals = totals
    }

    /// The largest total a counter may hold: 2^53-1, the largest integer every JSON reader takes exactly.
    public static let maxTotal = 9_007_199_254_740_991
}
