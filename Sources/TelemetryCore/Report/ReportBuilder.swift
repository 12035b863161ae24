#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Systemd

public enum AgentInfo {
    public static let name = "telemetryd"
    public static let version = "0.1.0"
    public static var userAgent: String { "\(name)/\(version)" }
}

extension ConfigFeatures {
    /// Which features are on, never their values.
    public init(config: TelemetryConfig, proxyInUse: Bool) {
        self.init(compression: config.compress, proxy: proxyInUse, dryRun: config.dryRun, customCA: config.caFile != nil)
    }
}

/// Builds reports from the probes, the identity and the configuration. Pure apart from reading the probes.
public struct ReportBuilder: Sendable {
    public var probe: HostProbe
    public var identity: Identity
    public var features: ConfigFeatures
    /// CLOCK_MONOTONIC microseconds when the agent started, for `agentUptimeSec`.
    public var agentStartMicroseconds: UInt64

    public init(probe: HostProbe, identity: Identity, features: ConfigFeatures, agentStartMicroseconds: UInt64 = Monotonic.nowMicroseconds()) {
        self.probe = probe
        self.identity = identity
        self.features = features
        self.agentStartMicroseconds = agentStartMicroseconds
    }

    public func build(
        _ type: ReportType,
        now: Date = Date(),
        messageId: String = UUID().uuidString.lowercased(),
        monotonicNowMicroseconds: UInt64 = Monotonic.nowMicroseconds()
    ) -> Report {
        let data: ReportData
        switch type {
        case .keepalive:
            let agentUptime = monotonicNowMicroseconds >= agentStartMicroseconds
                ? Int((monotonicNowMicroseconds - agentStartMicroseconds) / 1_000_000) : 0
            data = .keepalive(KeepAliveData(uptimeSec: probe.uptimeSec(), agentUptimeSec: agentUptime))
        case .diagnostics:
            data = .diagnostics(DiagnosticsData(
                os: probe.osInfo(),
                cpu: probe.cpuInfo(),
                memory: probe.memoryInfo(),
                uptimeSec: probe.uptimeSec(),
                virtualization: probe.virtualization(),
                container: probe.container(),
                config: features
            ))
        }
        return Report(
            messageId: messageId,
            type: type,
            timestamp: Date(timeIntervalSince1970: now.timeIntervalSince1970.rounded(.down)),
            instanceId: identity.instanceId,
            clusterId: identity.clusterId,
            agent: Agent(name: AgentInfo.name, version: AgentInfo.version),
            data: data
        )
    }
}
