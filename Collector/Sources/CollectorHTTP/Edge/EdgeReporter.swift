import CollectorEvents
import CollectorEdge
import Logging
import ServiceLifecycle

/// Puts the edge's refusals in the journal as counts, at most one line a minute and none when nothing happened:
/// a flood must not become a flood of log lines, and no line carries an address.
public struct EdgeReporter: Service {
    let edge: ServerEdge
    let gate: IngestGate
    let logger: Logger
    let interval: Duration

    public init(edge: ServerEdge, gate: IngestGate, logger: Logger, interval: Duration = .seconds(60)) {
        self.edge = edge
        self.gate = gate
        self.logger = logger
        self.interval = interval
    }

    public func run() async throws {
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: interval) }
            report()
        }
    }

    /// One line of what was refused since the last one, if anything was.
    public func report() {
        let (refused, proxyNotice) = gate.drain()
        let closed = edge.drainClosed()
        if proxyNotice {
            logger.warning("more than half of today's reports come from one client network: if the collector is behind a reverse proxy or load balancer, add it to TrustedProxies= so the per-network limits see the real clients",
                           metadata: CollectorEvent.untrustedProxy.metadata)
        }
        if let line = Self.line(refused: refused, closed: closed) {
            logger.notice("\(line)", metadata: CollectorEvent.edgeCounts.metadata)
        }
    }

    /// "in the last minute: 12 reports answered 429 (12 network reports per minute); 3 requests cut off at
    /// RequestTimeoutSec= (408)"; nil when there is nothing to say. Idle closes are routine and not counted here.
    static func line(refused: [IngestLimiter.Refusal: Int], closed: [ConnectionCloseReason: Int]) -> String? {
        var parts: [String] = []
        let limited = refused.values.reduce(0, +)
        if limited > 0 {
            let why = IngestLimiter.Refusal.allCases.compactMap { r in refused[r].map { "\($0) \(r.rawValue)" } }
            parts.append("\(limited) report\(limited == 1 ? "" : "s") answered 429 (\(why.joined(separator: ", ")))")
        }
        if let n = closed[.requestTimeout] { parts.append("\(n) request\(n == 1 ? "" : "s") cut off at RequestTimeoutSec= (408)") }
        if let n = closed[.writeTimeout] { parts.append("\(n) answer\(n == 1 ? "" : "s") not taken within WriteTimeoutSec=") }
        if let n = closed[.evicted] { parts.append("\(n) idle connection\(n == 1 ? "" : "s") closed to make room at MaxConnections=") }
        if let n = closed[.bodyUnread] { parts.append("\(n) connection\(n == 1 ? "" : "s") closed after an answer sent before the body was read") }
        return parts.isEmpty ? nil : "in the last minute: " + parts.joined(separator: "; ")
    }
}
