/// What one diagnostics report does with the counters: the increments it carries and the baselines it moves to once
/// it is durable (spooled, or accepted by the collector for `telemetryd send`).
public struct CounterStep: Sendable, Equatable {
    /// `data.counters`: each counter that grew, by how much; `{}` when none grew; nil (null) when the facts file is
    /// not ok or declares no counter.
    public var increments: [String: Int]?
    /// `data.countersSinceSec`: the seconds the increments cover (0 when there were no baselines yet); nil with
    /// `increments`.
    public var sinceSec: Int?
    /// The baselines after this report; nil when they stay as they are.
    public var next: CounterBaselines?

    public init(increments: [String: Int]?, sinceSec: Int?, next: CounterBaselines?) {
        self.increments = increments
        self.sinceSec = sinceSec
        self.next = next
    }

    /// Counters null, baselines unchanged.
    public static let withheld = CounterStep(increments: nil, sinceSec: nil, next: nil)
}
