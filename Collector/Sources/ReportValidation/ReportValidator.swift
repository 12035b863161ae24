#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import CollectorSummary
import TelemetryWire

/// Checks a body against `report-v1` and turns it into a `ValidatedReport`. Pure and Sendable: one per process.
public struct ReportValidator: Sendable {
    /// The report schema nests 4 levels; anything much deeper is not a report.
    public static let maxDepth = 16
    let schema: SchemaValidator

    /// With the embedded `schema/report-v1.schema.json` (or another schema's text, for tests).
    public init(schemaText: String = ReportSchema.json) throws(SchemaError) {
        schema = try SchemaValidator(schemaText: schemaText)
    }

    public func validate(_ body: [UInt8]) -> Result<ValidatedReport, ReportRejection> {
        guard String(validating: body, as: UTF8.self) != nil else {
            return .failure(ReportRejection(reason: "the body is not UTF-8 text"))
        }
        let document: JSONValue
        do { document = try JSONValue.parse(body, maxDepth: ReportValidator.maxDepth) } catch {
            return .failure(ReportRejection(reason: "the body is \(error)"))
        }
        guard case .object(let top) = document else {
            return .failure(ReportRejection(reason: "the body is JSON but not an object; a report is one JSON object"))
        }
        // A newer agent's report: say so plainly rather than "must be 1".
        if let v = top["schemaVersion"]?.number, v > Double(Report.currentSchemaVersion) {
            return .failure(ReportRejection(reason: "schemaVersion \(JSONValue.format(v)) is newer than this collector understands (\(Report.currentSchemaVersion)); upgrade telemetry-collector"))
        }
        if let found = document.firstControlOrFormat() {
            return .failure(ReportRejection(reason: "the report does not match report-v1", violations: [found.violation]))
        }
        let violations = schema.validate(document)
        guard violations.isEmpty else {
            return .failure(ReportRejection(reason: "the report does not match report-v1", violations: violations))
        }
        // What is kept is the document as validated, in minimal form, never the bytes as sent: whitespace padding
        // costs the sender nothing once gzipped and would cost the store its full size.
        let minimal = document.minimalJSON
        // The daemon's own model reads what the schema let through (timestamps as the daemon writes them), built from
        // the parsed document (`Report.init(document:)`), as JSONDecoder would from `minimal`. The schema's pattern
        // lets "2026-13-45T99:99:99Z" through; the model's date reading does not.
        let report: Report
        do { report = try Report(document: document) } catch {
            // A timestamp that does not read is the reason given, whichever field failed first.
            if top["timestamp"]?.string.flatMap(DocumentRead.timestamp) == nil {
                return .failure(ReportRejection(reason: "the report does not match report-v1",
                                                violations: [SchemaViolation(path: "/timestamp", message: "not a date and time that exists")]))
            }
            return .failure(ReportRejection(reason: "the report does not match report-v1: \(error)"))
        }
        var facts: [String: ReportedFact]?
        var counters: [String: Int] = [:]
        var presented: String?
        if case .forget(let f) = report.data {
            // The schema allows only 64 lower-case hex digits; the key goes no further than this hash.
            guard let hash = ErasureHash.ofKey(hex: f.erasureKey) else {
                return .failure(ReportRejection(reason: "the report does not match report-v1",
                                                violations: [SchemaViolation(path: "/data/erasureKey", message: "not 64 hex digits")]))
            }
            presented = hash
        }
        if case .diagnostics(let d) = report.data {
            facts = d.facts.map(ReportValidator.facts)
            for (name, n) in d.counters ?? [:] {
                if let label = ReservedLabels.label(name) { counters[label] = n }
            }
        }
        return .success(ValidatedReport(messageId: report.messageId, type: report.type, timestamp: report.timestamp,
                                        instanceId: report.instanceId, clusterId: report.clusterId,
                                        breakdown: ReportValidator.breakdown(report),
                                        product: ReservedLabels.label(report.product?.name),
                                        facts: facts, counters: counters,
                                        // A forget report is never stored: its minimal form (which holds the key) is dropped.
                                        json: presented == nil ? minimal : "",
                                        erasureKeyHash: report.erasureKeyHash, presentedKeyHash: presented))
    }

    /// The labels a report is counted under; a report's own `unknown` or `other` quoted (`ReservedLabels`).
    static func breakdown(_ report: Report) -> BreakdownValues {
        var f = BreakdownValues(productVersion: ReservedLabels.label(report.product?.version))
        if case .diagnostics(let d) = report.data {
            f.os = ReservedLabels.label(Buckets.os(id: d.os.id, versionId: d.os.versionId))
            f.arch = ReservedLabels.label(d.os.arch)
            f.virtualization = ReservedLabels.label(d.virtualization)
            f.container = ReservedLabels.label(d.container)
            f.cores = Buckets.cores(d.cpu.logicalCores)
            f.memory = Buckets.memory(d.memory.totalBytes.map { Int64(clamping: $0) })
        }
        return f
    }

    /// The facts typed by their JSON kind, keys and enum values as labels (`unknown`, `other` quoted).
    static func facts(_ sent: [String: FactValue]) -> [String: ReportedFact] {
        var out: [String: ReportedFact] = [:]
        for (key, value) in sent {
            guard let label = ReservedLabels.label(key) else { continue }
            switch value {
            case .bool(let b): out[label] = .boolean(b)
            case .integer(let i): out[label] = .number(Double(i))
            case .number(let d): out[label] = .number(d)
            case .string(let s): out[label] = .enumeration(ReservedLabels.label(s) ?? s)
            }
        }
        return out
    }
}
