#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The kinds of report of the contract (README, "Reports"). Not `CaseIterable` on purpose: `forget` is never
/// scheduled, shown or exported like the other two, so code that means "every report the schedule builds" says
/// `scheduled`.
public enum ReportType: String, Codable, Sendable, Hashable {
    case keepalive
    case diagnostics
    /// The request to erase this install (`telemetryd forget`), carrying the erasure key; sent once, never scheduled.
    case forget

    /// The types the daemon builds on its schedule, in the order it builds them.
    public static let scheduled: [ReportType] = [.keepalive, .diagnostics]
}

/// The report envelope, version 1. Its JSON form is `schema/report-v1.schema.json`.
public struct Report: Codable, Sendable, Equatable {
    public static let currentSchemaVersion = 1

    public var schemaVersion: Int
    /// Stable across retries so a collector can drop duplicates. Lower-case UUID.
    public var messageId: String
    public var type: ReportType
    /// UTC, whole seconds, RFC 3339 (`2026-11-23T06:00:00Z`).
    public var timestamp: Date
    public var instanceId: String
    public var clusterId: String
    /// SHA-256 (lower-case hex) of the install's `erasure-key`: the collector pins it at the install's first report and
    /// erases the install only for a `forget` report whose key hashes to it. Nil (written as null) only in reports
    /// of agents before erasure, read back from their JSON.
    public var erasureKeyHash: String?
    public var agent: Agent
    /// The vendor's product (`[Product] Name=`); absent from the JSON when not configured.
    public var product: Product?
    public var data: ReportData

    public init(
        messageId: String, type: ReportType, timestamp: Date, instanceId: String, clusterId: String,
        erasureKeyHash: String? = nil, agent: Agent, product: Product? = nil, data: ReportData
    ) {
        self.schemaVersion = Report.currentSchemaVersion
        self.messageId = messageId
        self.type = type
        self.timestamp = timestamp
        self.instanceId = instanceId
        self.clusterId = clusterId
        self.erasureKeyHash = erasureKeyHash
        self.agent = agent
        self.product = product
        self.data = data
    }

    private enum CodingKeys: String, CodingKey {
        case schemaVersion, messageId, type, timestamp, instanceId, clusterId, erasureKeyHash, agent, product, data
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        schemaVersion = try c.decode(Int.self, forKey: .schemaVersion)
        messageId = try c.decode(String.self, forKey: .messageId)
        type = try c.decode(ReportType.self, forKey: .type)
        timestamp = try c.decode(Date.self, forKey: .timestamp)
        instanceId = try c.decode(String.self, forKey: .instanceId)
        clusterId = try c.decode(String.self, forKey: .clusterId)
        erasureKeyHash = try c.decodeIfPresent(String.self, forKey: .erasureKeyHash)
        agent = try c.decode(Agent.self, forKey: .agent)
        product = try c.decodeIfPresent(Product.self, forKey: .product)
        switch type {
        case .keepalive: data = .keepalive(try c.decode(KeepAliveData.self, forKey: .data))
        case .diagnostics: data = .diagnostics(try c.decode(DiagnosticsData.self, forKey: .data))
        case .forget: data = .forget(try c.decode(ForgetData.self, forKey: .data))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(schemaVersion, forKey: .schemaVersion)
        try c.encode(messageId, forKey: .messageId)
        try c.encode(type, forKey: .type)
        try c.encode(timestamp, forKey: .timestamp)
        try c.encode(instanceId, forKey: .instanceId)
        try c.encode(clusterId, forKey: .clusterId)
        try c.encode(erasureKeyHash, forKey: .erasureKeyHash)  // null, not absent, when unknown
        try c.encode(agent, forKey: .agent)
        try c.encodeIfPresent(product, forKey: .product)
        switch data {
        case .keepalive(let d): try c.encode(d, forKey: .data)
        case .diagnostics(let d): try c.encode(d, forKey: .data)
        case .forget(let d): try c.encode(d, forKey: .data)
        }
    }
}

public struct Agent: Codable, Sendable, Equatable {
    public var name: String
    public var version: String
    public init(name: String = "telemetryd", version: String) {
        self.name = name
        self.version = version
    }
}

/// The vendor's product an install reports for. `version` is null when `VersionFile=` cannot be read.
public struct Product: Codable, Sendable, Equatable {
    public var name: String
    public var version: String?
    public init(name: String, version: String?) {
        self.name = name
        self.version = version
    }

    private enum CodingKeys: String, CodingKey { case name, version }
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(name, forKey: .name)
        try c.encode(version, forKey: .version)  // null, not absent, when unknown
    }
}

public enum ReportData: Sendable, Equatable {
    case keepalive(KeepAliveData)
    case diagnostics(DiagnosticsData)
    case forget(ForgetData)
}

public struct KeepAliveData: Codable, Sendable, Equatable {
    /// Seconds since the host booted (`sysinfo(2)`); null when unavailable.
    public var uptimeSec: Int?
    /// Seconds since this daemon started.
    public var agentUptimeSec: Int

    public init(uptimeSec: Int?, agentUptimeSec: Int) {
        self.uptimeSec = uptimeSec
        self.agentUptimeSec = agentUptimeSec
    }

    private enum CodingKeys: String, CodingKey { case uptimeSec, agentUptimeSec }
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(uptimeSec, forKey: .uptimeSec)  // null, not absent, when unknown
        try c.encode(agentUptimeSec, forKey: .agentUptimeSec)
    }
}

public struct OSInfo: Codable, Sendable, Equatable {
    public var id: String?
    public var versionId: String?
    public var prettyName: String?
    public var kernel: String?
    public var arch: String?

    public init(id: String? = nil, versionId: String? = nil, prettyName: String? = nil, kernel: String? = nil, arch: String? = nil) {
        self.id = id
        self.versionId = versionId
        self.prettyName = prettyName
        self.kernel = kernel
        self.arch = arch
    }

    public func encode(to encoder: any Encoder) throws { try NullWritingEncoding.encode(self, to: encoder) }
}

public struct CPUInfo: Codable, Sendable, Equatable {
    public var model: String?
    public var logicalCores: Int?
    public var load1: Double?
    public var load5: Double?
    public var load15: Double?
    /// The host's logical CPUs; `logicalCores` is what this container (or process) may use.
    public var hostLogicalCores: Int?

    public init(model: String? = nil, logicalCores: Int? = nil, load1: Double? = nil, load5: Double? = nil, load15: Double? = nil,
                hostLogicalCores: Int? = nil) {
        self.model = model
        self.logicalCores = logicalCores
        self.load1 = load1
        self.load5 = load5
        self.load15 = load15
        self.hostLogicalCores = hostLogicalCores
    }

    public func encode(to encoder: any Encoder) throws { try NullWritingEncoding.encode(self, to: encoder) }
}

public struct MemoryInfo: Codable, Sendable, Equatable {
    public var totalBytes: UInt64?
    public var availableBytes: UInt64?
    public var swapTotalBytes: UInt64?
    public var swapFreeBytes: UInt64?
    /// The host's memory; `totalBytes` is what this container may use.
    public var hostTotalBytes: UInt64?

    public init(totalBytes: UInt64? = nil, availableBytes: UInt64? = nil, swapTotalBytes: UInt64? = nil, swapFreeBytes: UInt64? = nil,
                hostTotalBytes: UInt64? = nil) {
        self.totalBytes = totalBytes
        self.availableBytes = availableBytes
        self.swapTotalBytes = swapTotalBytes
        self.swapFreeBytes = swapFreeBytes
        self.hostTotalBytes = hostTotalBytes
    }

    public func encode(to encoder: any Encoder) throws { try NullWritingEncoding.encode(self, to: encoder) }
}

/// Which features are switched on; never their values (no endpoint, proxy or CA path).
public struct ConfigFeatures: Codable, Sendable, Equatable {
    public var compression: Bool
    public var proxy: Bool
    public var dryRun: Bool
    public var customCA: Bool

    public init(compression: Bool, proxy: Bool, dryRun: Bool, customCA: Bool) {
        self.compression = compression
        self.proxy = proxy
        self.dryRun = dryRun
        self.customCA = customCA
    }
}

public struct DiagnosticsData: Codable, Sendable, Equatable {
    public var os: OSInfo
    public var cpu: CPUInfo
    public var memory: MemoryInfo
    public var uptimeSec: Int?
    /// As `systemd-detect-virt --vm` says it: `none`, `kvm`, `qemu`, `vmware`, `microsoft`, `xen`, …
    public var virtualization: String?
    /// As `systemd-detect-virt --container` says it: `none`, `docker`, `podman`, `lxc`, `systemd-nspawn`, …
    public var container: String?
    public var config: ConfigFeatures
    /// The product's facts (`FactsFile=`); null unless `factsStatus` is `ok`.
    public var facts: [String: FactValue]?
    public var factsStatus: FactsStatus
    /// How much each declared counter grew since the totals last sent; null when the facts file was not ok or
    /// declares no counter.
    public var counters: [String: Int]?
    /// The seconds `counters` covers; null when `counters` is.
    public var countersSinceSec: Int?

    public init(os: OSInfo, cpu: CPUInfo, memory: MemoryInfo, uptimeSec: Int?, virtualization: String?, container: String?, config: ConfigFeatures,
                facts: [String: FactValue]? = nil, factsStatus: FactsStatus = .none,
                counters: [String: Int]? = nil, countersSinceSec: Int? = nil) {
        self.os = os
        self.cpu = cpu
        self.memory = memory
        self.uptimeSec = uptimeSec
        self.virtualization = virtualization
        self.container = container
        self.config = config
        self.facts = facts
        self.factsStatus = factsStatus
        self.counters = counters
        self.countersSinceSec = countersSinceSec
    }

    private enum CodingKeys: String, CodingKey {
        case os, cpu, memory, uptimeSec, virtualization, container, config, facts, factsStatus, counters, countersSinceSec
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        os = try c.decode(OSInfo.self, forKey: .os)
        cpu = try c.decode(CPUInfo.self, forKey: .cpu)
        memory = try c.decode(MemoryInfo.self, forKey: .memory)
        uptimeSec = try c.decodeIfPresent(Int.self, forKey: .uptimeSec)
        virtualization = try c.decodeIfPresent(String.self, forKey: .virtualization)
        container = try c.decodeIfPresent(String.self, forKey: .container)
        config = try c.decode(ConfigFeatures.self, forKey: .config)
        facts = try c.decodeIfPresent([String: FactValue].self, forKey: .facts)
        factsStatus = try c.decodeIfPresent(FactsStatus.self, forKey: .factsStatus) ?? .none
        counters = try c.decodeIfPresent([String: Int].self, forKey: .counters)
        countersSinceSec = try c.decodeIfPresent(Int.self, forKey: .countersSinceSec)
    }

    public func encode(to encoder: any Encoder) throws { try NullWritingEncoding.encode(self, to: encoder) }
}

extension Report {
    /// The one JSON form used by `show`, the spool and the wire: sorted keys, RFC 3339 seconds.
    public static func makeEncoder(pretty: Bool = false) -> JSONEncoder {
        let e = JSONEncoder()
        e.outputFormatting = pretty ? [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes] : [.sortedKeys, .withoutEscapingSlashes]
        e.dateEncodingStrategy = .iso8601
        return e
    }

    public static func makeDecoder() -> JSONDecoder {
        let d = JSONDecoder()
        d.dateDecodingStrategy = .iso8601
        return d
    }

    public func jsonData(pretty: Bool = false) throws -> Data {
        try Report.makeEncoder(pretty: pretty).encode(self)
    }
}
