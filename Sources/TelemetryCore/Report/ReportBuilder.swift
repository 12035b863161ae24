#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Systemd
import TelemetryWire
import ConfigGrammar

extension ConfigFeatures {
    /// Which features are on, never their values.
    public init(config: TelemetryConfig, proxyInUse: Bool) {
        self.init(compression: config.compress, proxy: proxyInUse, dryRun: config.dryRun, customCA: config.caFile != nil)
    }
}

/// Builds reports from the probes, the identity and the configuration. Pure apart from reading the probes and the
/// product's files (`VersionFile=`, `ClusterIDFile=`, `FactsFile=`), which are read at every report.
public struct ReportBuilder: Sendable {
    public var probe: HostProbe
    public var identity: Identity
    public var features: ConfigFeatures
    /// CLOCK_MONOTONIC microseconds when the agent started, for `agentUptimeSec`.
    public var agentStartMicroseconds: UInt64
    /// `[Product]`; no `product` block without a name.
    public var product: ProductSettings
    /// `ClusterIDFile=`; used when `ClusterID=` did not set the cluster ID.
    public var clusterIDFile: String?
    /// The default `FactsSchema=` (tests point it elsewhere).
    public var defaultFactsSchema: String
    /// Problems with the product's files are logged once per change, through these.
    public var notices: ReportNotices

    public init(probe: HostProbe, identity: Identity, features: ConfigFeatures, agentStartMicroseconds: UInt64 = Monotonic.nowMicroseconds(),
                product: ProductSettings = ProductSettings(), clusterIDFile: String? = nil,
                defaultFactsSchema: String = ProductSettings.defaultFactsSchema, notices: ReportNotices = .shared) {
        self.probe = probe
        self.identity = identity
        self.features = features
        self.agentStartMicroseconds = agentStartMicroseconds
        self.product = product
        self.clusterIDFile = clusterIDFile
        self.defaultFactsSchema = defaultFactsSchema
        self.notices = notices
    }

    /// The builder for a configuration: its product, cluster identity file and feature flags.
    public init(config: TelemetryConfig, probe: HostProbe, identity: Identity, proxyInUse: Bool,
                agentStartMicroseconds: UInt64 = Monotonic.nowMicroseconds(), notices: ReportNotices = .shared) {
        self.init(probe: probe, identity: identity, features: ConfigFeatures(config: config, proxyInUse: proxyInUse),
                  agentStartMicroseconds: agentStartMicroseconds, product: config.product, clusterIDFile: config.clusterIDFile,
                  notices: notices)
    }

    public func build(
        _ type: ReportType,
        now: Date = Date(),
        messageId: String = UUID().uuidString.lowercased(),
        monotonicNowMicroseconds: UInt64 = Monotonic.nowMicroseconds()
    ) -> Report {
        buildWithFacts(type, now: now, messageId: messageId, monotonicNowMicroseconds: monotonicNowMicroseconds).report
    }

    /// A diagnostics report with `data.counters` measured from `basis`, the facts outcome and what the counters do
    /// (`CounterTransaction` moves the baselines; `show` only prints). Keep-alives and `.withheld` carry none.
    public func build(
        _ type: ReportType,
        counting basis: CounterBasis,
        now: Date = Date(),
        messageId: String = UUID().uuidString.lowercased(),
        monotonicNowMicroseconds: UInt64 = Monotonic.nowMicroseconds()
    ) -> BuiltReport {
        let (report, facts) = buildWithFacts(type, now: now, messageId: messageId, monotonicNowMicroseconds: monotonicNowMicroseconds)
        guard let facts, case .since(let baselines) = basis else { return BuiltReport(report: report, facts: facts, counters: nil) }
        let step = CounterRules.step(baselines: baselines, facts: facts, now: report.timestamp)
        return BuiltReport(report: report.carrying(step), facts: facts, counters: step)
    }

    /// The report and, for diagnostics, what the facts rules made of the product's file (for `show`). Counters null.
    public func buildWithFacts(
        _ type: ReportType,
        now: Date = Date(),
        messageId: String = UUID().uuidString.lowercased(),
        monotonicNowMicroseconds: UInt64 = Monotonic.nowMicroseconds()
    ) -> (report: Report, facts: FactsOutcome?) {
        let data: ReportData
        var factsOutcome: FactsOutcome?
        switch type {
        case .keepalive:
            let agentUptime = monotonicNowMicroseconds >= agentStartMicroseconds
                ? Int((monotonicNowMicroseconds - agentStartMicroseconds) / 1_000_000) : 0
            data = .keepalive(KeepAliveData(uptimeSec: probe.uptimeSec(), agentUptimeSec: agentUptime))
        case .diagnostics:
            let container = probe.container()
            let limits = container.map { $0 != "none" } == true ? probe.cgroupLimits() : nil
            let facts = readFacts(now: now)
            factsOutcome = facts
            data = .diagnostics(DiagnosticsData(
                os: probe.osInfo().cutToLimits(),
                cpu: probe.cpuInfo(limits: limits).cutToLimits(),
                memory: probe.memoryInfo(limits: limits),
                uptimeSec: probe.uptimeSec(),
                virtualization: TextLimit.cutLabel(probe.virtualization()),
                container: TextLimit.cutLabel(container),
                config: features,
                facts: facts.facts,
                factsStatus: facts.status
            ))
        case .forget:
            // The one report that carries the key itself (`telemetryd forget`), and nothing the erasure does not need.
            data = .forget(ForgetData(erasureKey: identity.erasureKey.hex))
        }
        let report = Report(
            messageId: messageId,
            type: type,
            timestamp: Date(timeIntervalSince1970: now.timeIntervalSince1970.rounded(.down)),
            instanceId: identity.instanceId,
            clusterId: clusterId(),
            erasureKeyHash: identity.erasureKey.hashHex,
            agent: Agent(name: AgentInfo.name, version: TextLimit.sendable(AgentInfo.version, limit: TextLimit.label)),
            product: type == .forget ? nil : productBlock(),
            data: data
        )
        return (report, factsOutcome)
    }

    /// `ClusterID=` > `ClusterIDFile=` > the generated ID. An unreadable file falls back to the generated ID, with a
    /// warning once per change.
    func clusterId() -> String {
        guard !identity.clusterIdFromConfig, let path = clusterIDFile else { return identity.clusterId }
        switch ProductProbe.clusterID(file: path) {
        case .value(let id):
            _ = notices.changed("ClusterIDFile", to: "")
            return id
        case .unavailable(let why):
            if notices.changed("ClusterIDFile", to: why) {
                probe.logger.warning("ClusterIDFile=\(path): \(why); sending the generated cluster ID until it can be read",
                                     metadata: TelemetryEvent.productFileProblem.metadata)
            }
            return identity.clusterId
        }
    }

    func productBlock() -> Product? {
        guard let name = product.name else { return nil }
        let (version, problem) = ProductProbe.version(product)
        if notices.changed("VersionFile", to: problem ?? "") {
            probe.logger.warning("\(problem ?? "")", metadata: TelemetryEvent.productFileProblem.metadata)
        }
        return Product(name: TextLimit.sendable(name, limit: ConfigValues.productNameLimit), version: version)
    }

    func readFacts(now: Date) -> FactsOutcome {
        let outcome = FactsReader(settings: product, defaultSchemaPath: defaultFactsSchema).read(now: now.timeIntervalSince1970)
        let signature = outcome.status == .ok
            ? outcome.dropped.map(\.description).joined(separator: "; ")
            : "\(outcome.status.rawValue): \(outcome.problem ?? "")"
        if outcome.status != .none, notices.changed("FactsFile", to: signature) {
            if outcome.status == .ok {
                probe.logger.warning("FactsFile=\(product.factsFile ?? ""): dropped \(outcome.dropped.count) fact\(outcome.dropped.count == 1 ? "" : "s"): \(signature)",
                                     metadata: TelemetryEvent.factsDropped.metadata)
            } else {
                probe.logger.warning("Facts not sent (factsStatus \(outcome.status.rawValue)): \(outcome.problem ?? "")",
                                     metadata: TelemetryEvent.factsDropped.metadata)
            }
        }
        return outcome
    }
}
