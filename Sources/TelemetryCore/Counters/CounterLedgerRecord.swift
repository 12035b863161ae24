import TelemetryWire

/// The content of `counters.json`: the baselines, and the reports whose increments they already count but that are
/// not yet known to be durable elsewhere (see `CounterTransaction` for why both live in one file).
public struct CounterLedgerRecord: Codable, Sendable, Equatable {
    /// nil until the first report with counters (and again after an opt-out).
    public var baselines: CounterBaselines?
    /// Reports carrying increments that `baselines` already counts, each to be spooled (again) unless the spool has
    /// it. Sending one twice is harmless: the collector drops a known `messageId`.
    public var pending: [Report]

    public init(baselines: CounterBaselines? = nil, pending: [Report] = []) {
        self.baselines = baselines
        self.pending = pending
    }

    private enum CodingKeys: String, CodingKey { case baselines, pending }

    /// Tolerant of missing keys, so a later version may add some.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        baselines = try c.decodeIfPresent(CounterBaselines.self, forKey: .baselines)
        pending = try c.decodeIfPresent([Report].self, forKey: .pending) ?? []
    }
}
