import TelemetryWire

extension Report {
    /// The report with `data.counters` and `data.countersSinceSec` set from `step` (a keep-alive is returned as it is).
    public func carrying(_ step: CounterStep) -> Report {
        guard case .diagnostics(var d) = data else { return self }
        var r = self
        d.counters = step.increments
        d.countersSinceSec = step.increments == nil ? nil : step.sinceSec
        r.data = .diagnostics(d)
        return r
    }

    /// `data.counters` of a diagnostics report; nil for a keep-alive or null counters.
    public var counterIncrements: [String: Int]? {
        guard case .diagnostics(let d) = data else { return nil }
        return d.counters
    }
}
