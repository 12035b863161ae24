#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import TelemetryCore
import CollectorSummary

/// A report that passed `report-v1` validation: what a ReportStore is given. It holds only the report's own
/// fields (never anything about the connection it came over, such as the client's address).
public struct ValidatedReport: Sendable, Equatable {
    public var messageId: String
    public var type: ReportType
    /// The report's own `timestamp` (when the agent built it).
    public var timestamp: Date
    public var instanceId: String
    public var clusterId: String
    /// The attributes the breakdowns count, as this report carries them.
    public var facts: ReportFacts
    /// The report re-serialized in minimal form (`JSONValue.minimalJSON`), never the bytes as sent: kept as the
    /// raw report until pruned.
    public var json: String

    public init(messageId: String, type: ReportType, timestamp: Date, instanceId: String, clusterId: String,
                facts: ReportFacts, json: String) {
        self.messageId = messageId
        self.type = type
        self.timestamp = timestamp
        self.instanceId = instanceId
        self.clusterId = clusterId
        self.facts = facts
        self.json = json
    }
}

/// The breakdown attributes one report carries; nil = this report does not tell (a keep-alive carries no OS,
/// a report without `product` no version, a `null` field nothing). Labels are final: buckets already applied.
public struct ReportFacts: Sendable, Equatable {
    public var productVersion: String?
    public var os: String?
    public var arch: String?
    public var virtualization: String?
    public var container: String?
    public var cores: String?
    public var memory: String?

    public init(productVersion: String? = nil, os: String? = nil, arch: String? = nil, virtualization: String? = nil,
                container: String? = nil, cores: String? = nil, memory: String? = nil) {
        self.productVersion = productVersion
        self.os = os
        self.arch = arch
        self.virtualization = virtualization
        self.container = container
        self.cores = cores
        self.memory = memory
    }

    public subscript(dimension: Dimension) -> String? {
        switch dimension {
        case .productVersion: return productVersion
        case .os: return os
        case .arch: return arch
        case .virtualization: return virtualization
        case .container: return container
        case .cores: return cores
        case .memory: return memory
        }
    }
}
