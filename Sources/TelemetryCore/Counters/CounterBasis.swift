/// What a diagnostics report's counters are computed from.
public enum CounterBasis: Sendable, Equatable {
    /// `data.counters` is null and nothing moves: `export`, a dry run without baselines to show, a ledger that is busy
    /// (a `telemetryd send` holds it) or cannot be read. The next report with counters carries the increase.
    case withheld
    /// Increments since these baselines; nil when there are none yet (every total is a first one).
    case since(CounterBaselines?)
}
