#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import TelemetryWire

/// The rules of product counters (README, "Product counters"), pure: from the stored baselines and the fresh totals
/// to the increments a diagnostics report carries and the baselines it moves to.
///
/// - the first total seen of a counter (a new install, a new counter, after an opt-out forgot the baselines) is a
///   baseline only: the counter is absent from `data.counters`, so nothing counted before telemetry was on leaves;
/// - a total at or above its baseline: the increment is the difference; below it: the product restarted and counts
///   from 0 again, so the increment is the new total;
/// - only counters that grew are listed (`{}` when none did);
/// - a facts file that is not `ok` (stale, invalid, missing) or no schema: counters null and the baselines stay, so
///   the next fresh total carries the whole increase;
/// - a schema that declares no counter: counters null, and any baselines are forgotten;
/// - a declared counter the file lacks (or holds a bad value for) keeps its baseline; a counter no longer declared
///   is forgotten.
public enum CounterRules {
    public static func step(baselines: CounterBaselines?, facts: FactsOutcome, now: Date) -> CounterStep {
        guard facts.status == .ok, let reading = facts.counters else { return .withheld }
        let now = Date(timeIntervalSince1970: now.timeIntervalSince1970.rounded(.down))
        guard !reading.declared.isEmpty else {
            let forget = baselines.map { !$0.totals.isEmpty } ?? false
            return CounterStep(increments: nil, sinceSec: nil, next: forget ? CounterBaselines(since: now, totals: [:]) : nil)
        }
        var increments: [String: Int] = [:]
        var next: [String: Int] = [:]
        for name in reading.declared {
            let last = baselines?.totals[name]
            guard let total = reading.totals[name] else {
                next[name] = last
                continue
            }
            next[name] = total
            guard let last else { continue }
            let grown = total >= last ? total - last : total
            if grown > 0 { increments[name] = grown }
        }
        let sinceSec = baselines.map { max(0, Int(now.timeIntervalSince($0.since).rounded(.down))) } ?? 0
        return CounterStep(increments: increments, sinceSec: sinceSec, next: CounterBaselines(since: now, totals: next))
    }
}
