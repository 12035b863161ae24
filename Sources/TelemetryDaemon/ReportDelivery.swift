import Logging
import TelemetryCore

/// What the daemon loop needs from delivery. The loop owns scheduling and the watchdog; delivery owns the spool,
/// the transport and retries, and runs its own worker (`run()`) beside the loop.
public protocol ReportDelivery: Sendable {
    /// The delivery worker: attempts and retries until cancelled.
    func run() async
    /// Hands over a freshly built report: spooled before its first attempt (or only logged on dry run).
    func submit(_ report: Report) async
    /// Opt-out: deletes the spool and abandons anything in flight.
    func purge() async
    /// A new configuration (endpoint, proxy, CA, timeouts, spool bound) applies from the next attempt.
    func reconfigure(_ loaded: LoadedConfig) async
    func queuedCount() async -> Int
    func collectorUnreachable() async -> Bool
    /// False when an attempt has been in flight far beyond its timeout: the loop then stops pinging the watchdog.
    func isHealthy() async -> Bool
    var proxyInUse: Bool { get }
    func shutdown() async
}

/// Delivery that only logs what it would send (used until the transport is wired, and for tests of the loop).
public actor LoggingDelivery: ReportDelivery {
    let logger: Logger
    public private(set) var submitted: [Report] = []

    public init(logger: Logger) { self.logger = logger }

    public func run() async {
        while !Task.isCancelled {
            try? await Task.sleep(for: .seconds(3600))
        }
    }

    public func submit(_ report: Report) async {
        submitted.append(report)
        logger.info("Would send \(report.type.rawValue) report \(report.messageId)",
                    metadata: Events.report(.dryRun, report: report, result: "dry-run"))
    }

    public func purge() async { submitted.removeAll() }
    public func reconfigure(_ loaded: LoadedConfig) async {}
    public func queuedCount() async -> Int { 0 }
    public func collectorUnreachable() async -> Bool { false }
    public func isHealthy() async -> Bool { true }
    public nonisolated var proxyInUse: Bool { false }
    public func shutdown() async {}
}
