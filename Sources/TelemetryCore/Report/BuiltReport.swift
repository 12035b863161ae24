import TelemetryWire

/// A freshly built report with what went into it: the facts outcome (diagnostics) for `show`, and the counter step
/// whose baselines `CounterTransaction` moves once the report is durable.
public struct BuiltReport: Sendable, Equatable {
    public var report: Report
    /// What the facts rules made of the product's file; nil for a keep-alive.
    public var facts: FactsOutcome?
    /// The increments carried and the baselines they move to; nil when counters were withheld or for a keep-alive.
    public var counters: CounterStep?

    public init(report: Report, facts: FactsOutcome?, counters: CounterStep?) {
        self.report = report
        self.facts = facts
        self.counters = counters
    }
}
