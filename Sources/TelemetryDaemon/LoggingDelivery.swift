import IdleTimer
import Logging
import TelemetryCore

/// Delivery that only logs what it would send (used until the transport is wired, and for tests of the loop).
public actor LoggingDelivery: ReportDelivery {
    let logger: Logger
    public private(set) var submitted: [Report] = []

    public init(logger: Logger) { self.logger = logger }

    public func run() async {
        while !Task.isCancelled {
            await IdleTimer.sleep(for: .seconds(3600))
        }
    }

    public func submit(_ report: Report) async {
        submitted.append(report)
        logger.info("Would send \(report.type.rawValue) report \(report.messageId)",
                    metadata: .report(.dryRun, type: report.type, messageId: report.messageId))
    }

    public func purge() async { submitted.removeAll() }
    public func reconfigure(_ loaded: LoadedConfig) async {}
    public func queuedCount() async -> Int { 0 }
    public func collectorUnreachable() async -> Bool { false }
    public func isHealthy() async -> Bool { true }
    public nonisolated var proxyInUse: Bool { false }
    public func shutdown() async {}
}
