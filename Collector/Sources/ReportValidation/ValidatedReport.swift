#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import CollectorSummary
import TelemetryWire

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
    public var breakdown: BreakdownValues
    /// `product.name` as a label (`ReservedLabels`); nil when the report names no product.
    public var product: String?
    /// `data.facts` of a diagnostics report, keys and enum values as labels; nil when the report does not tell (a
    /// keep-alive, or `facts` null because the facts file was missing, stale or invalid), so the install's last known
    /// facts stand. An empty object is an answer: the product has no facts now.
    public var facts: [String: ReportedFact]?
    /// `data.counters` of a diagnostics report: counter name (a label) → increment since the totals last sent.
    public var counters: [String: Int]
    /// The report re-serialized in minimal form (`JSONValue.minimalJSON`), never the bytes as sent: kept as the
    /// raw report until pruned.
    public var json: String
    /// `erasureKeyHash` as the report carries it (nil from agents before erasure): the store pins the first one an
    /// install sends.
    public var erasureKeyHash: String?
    /// A `forget` report only: SHA-256 of the erasure key it carries (`ErasureHash.ofKey`), never the key itself.
    public var presentedKeyHash: String?

    public init(messageId: String, type: ReportType, timestamp: Date, instanceId: String, clusterId: String,
                breakdown: BreakdownValues, product: String? = nil, facts: [String: ReportedFact]? = nil,
                counters: [String: Int] = [:], json: String, erasureKeyHash: String? = nil, presentedKeyHash: String? = nil) {
        self.messageId = messageId
        self.type = type
        self.timestamp = timestamp
        self.instanceId = instanceId
        self.clusterId = clusterId
        self.breakdown = breakdown
        self.product = product
        self.facts = facts
        self.counters = counters
        self.json = json
        self.erasureKeyHash = erasureKeyHash
        self.presentedKeyHash = presentedKeyHash
    }
}
