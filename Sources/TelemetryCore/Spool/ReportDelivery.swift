import Logging
import TelemetryWire

/// What the daemon loop needs from delivery. The loop owns scheduling and the watchdog; delivery owns the spool,
/// the transport and retries, and runs its own worker (`run()`) beside the loop.
public protocol ReportDelivery: Sendable {
    /// The delivery worker: attempts and retries until cancelled.
    func run() async
    /// Hands over a freshly built report: spooled before its first attempt (or only logged on dry run). True once
    /// the report is durable in the spool (the counter baselines it moves may then stop tracking it); false when it
    /// was only logged, dropped or kept in memory.
    @discardableResult
    func submit(_ report: Report) async -> Bool
    /// Opt-out: deletes the spool (but `forget` reports, delivered while disabled) and abandons anything in flight.
    func purge() async
    /// A new configuration (endpoint, proxy, CA, timeouts, spool bound) applies from the next attempt.
    func reconfigure(_ loaded: LoadedConfig) async
    func queuedCount() async -> Int
    func collectorUnreachable() async -> Bool
    /// False when an attempt has been in flight far beyond its timeout: the loop then stops pinging the watchdog.
    /// Synchronous and nonisolated: the idle daemon's only question on its watchdog wake, answered without a hop to
    /// the delivery's actor.
    var isHealthy: Bool { get }
    var proxyInUse: Bool { get }
    func shutdown() async
    /// How many times a confirmed `forget` report made delivery delete the local state (identity, spool, schedule):
    /// when it grows, the daemon loads a fresh identity before its next report.
    func erasureCount() async -> Int
}

extension ReportDelivery {
    /// A delivery that never erases (test doubles).
    public func erasureCount() async -> Int { 0 }
}
