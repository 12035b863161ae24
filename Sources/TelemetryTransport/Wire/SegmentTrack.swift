import TelemetryCore

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import TelemetryWire

/// `Format=segment`: a report as one Segment HTTP Tracking API `track` call (also taken by RudderStack and Jitsu):
/// `type` "track", `event` "Instance Active" (keep-alive) or "Diagnostics", `anonymousId` the instance ID,
/// `messageId` and `timestamp` (ISO 8601, UTC) of the report, `properties` the cluster ID, the product block when
/// present and every field of the report's `data`, `context.library` the agent. Pure: bytes in, bytes out.
public enum SegmentTrack {
    public struct EncodingError: Error, CustomStringConvertible {
        public var description: String
    }

    /// The track event of a report type; nil for `forget`: Segment's API has no erasure by key, so a forget report
    /// never goes out in this format (`telemetryd forget` refuses it, the engine drops one spooled before a change).
    public static func event(for type: ReportType) -> String? {
        switch type {
        case .keepalive: "Instance Active"
        case .diagnostics: "Diagnostics"
        case .forget: nil
        }
    }

    /// The track call for the report JSON `body` (the spooled bytes of `Format=telemetryd`).
    public static func body(fromReport body: [UInt8]) throws -> [UInt8] {
        let decoded: JSONValue
        do { decoded = try JSONDecoder().decode(JSONValue.self, from: Data(body)) } catch {
            throw EncodingError(description: "the report is not JSON (\(error))")
        }
        guard let report = decoded.object else { throw EncodingError(description: "the report is not a JSON object") }
        func string(_ key: String) throws -> String {
            guard let s = report[key]?.string else { throw EncodingError(description: "the report has no \(key) string") }
            return s
        }
        guard let type = ReportType(rawValue: try string("type")) else { throw EncodingError(description: "unknown report type") }
        guard let event = event(for: type) else {
            throw EncodingError(description: "Format=segment has no call for a \(type.rawValue) report")
        }
        var properties: [String: JSONValue] = ["clusterId": .string(try string("clusterId"))]
        if let product = report["product"], product != .null { properties["product"] = product }
        for (key, value) in report["data"]?.object ?? [:] where properties[key] == nil { properties[key] = value }
        let agent = report["agent"]?.object ?? [:]
        let library: [String: JSONValue] = [
            "name": agent["name"] ?? .string("telemetryd"),
            "version": agent["version"] ?? .string(AgentInfo.version),
        ]
        let call: [String: JSONValue] = [
            "type": .string("track"),
            "event": .string(event),
            "anonymousId": .string(try string("instanceId")),
            "messageId": .string(try string("messageId")),
            "timestamp": .string(try string("timestamp")),
            "properties": .object(properties),
            "context": .object(["library": .object(library)]),
        ]
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return Array(try encoder.encode(JSONValue.object(call)))
    }

    /// The bytes POSTed for `format`: the report itself, or its track call.
    public static func wireBody(_ reportBody: [UInt8], format: ReportFormat) throws -> [UInt8] {
        switch format {
        case .telemetryd: reportBody
        case .segment: try body(fromReport: reportBody)
        }
    }
}
