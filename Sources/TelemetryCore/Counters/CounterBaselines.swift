#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The totals telemetryd last sent for each counter, and when: what the next increments are measured from. All
/// baselines move together, with each report that carries counters, so one `since` serves them all (a counter first
/// seen in a report gets its baseline at the same moment as the others).
public struct CounterBaselines: Codable, Sendable, Equatable {
    /// The timestamp of the report that last moved the baselines.
    public var since: Date
    /// The running total last sent (or first seen) per counter.
    public var totals: [String: Int]

    public init(since: Date, totals: [String: Int]) {
        self.since = since
        self.totals = totals
    }
}
