import Foundation
import TelemetryCore
import Testing
@testable import TelemetryTransport

/// Format=segment: a report becomes one Segment HTTP Tracking API `track` call.
@Suite struct SegmentTrackTests {
    @Test func segmentTrackCallCarriesEveryFieldOfTheSpec() throws {
        let report = makeReport(.diagnostics)
        var doc = try JSONSerialization.jsonObject(with: report.jsonData()) as! [String: Any]
        doc["product"] = ["name": "acme-db", "version": "4.2.1"]   // read generically, whatever the model adds
        let body = Array(try JSONSerialization.data(withJSONObject: doc))
        let call = try JSONSerialization.jsonObject(with: Data(try SegmentTrack.body(fromReport: body))) as! [String: Any]
        #expect(Set(call.keys) == ["type", "event", "anonymousId", "messageId", "timestamp", "properties", "context"])
        #expect(call["type"] as? String == "track")
        #expect(call["event"] as? String == "Diagnostics")
        #expect(call["anonymousId"] as? String == report.instanceId)
        #expect(call["messageId"] as? String == report.messageId)
        let ts = try #require(call["timestamp"] as? String)
        #expect(ts.wholeMatch(of: /\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z/) != nil, "ISO 8601 UTC: \(ts)")
        let props = try #require(call["properties"] as? [String: Any])
        #expect(props["clusterId"] as? String == report.clusterId)
        #expect((props["product"] as? [String: String]) == ["name": "acme-db", "version": "4.2.1"])
        #expect((props["cpu"] as? [String: Any])?["logicalCores"] as? Int == 2)
        #expect(props["virtualization"] as? String == "none")
        let library = try #require((call["context"] as? [String: Any])?["library"] as? [String: String])
        #expect(library == ["name": "telemetryd", "version": AgentInfo.version])
        let keepalive = try JSONSerialization.jsonObject(with: Data(try SegmentTrack.body(fromReport: Array(makeReport().jsonData())))) as! [String: Any]
        #expect(keepalive["event"] as? String == "Instance Active")
        #expect((keepalive["properties"] as? [String: Any])?["product"] == nil, "no product block: no product property")
        #expect((keepalive["properties"] as? [String: Any])?["agentUptimeSec"] as? Int == 3)
        #expect(try SegmentTrack.wireBody(body, format: .telemetryd) == body)
    }

    @Test func segmentCarriesCountersInProperties() throws {
        let report = makeReport(.diagnostics).carrying(CounterStep(increments: ["flowsExecuted": 412], sinceSec: 21600, next: nil))
        let call = try JSONSerialization.jsonObject(with: Data(try SegmentTrack.body(fromReport: Array(report.jsonData())))) as! [String: Any]
        let props = try #require(call["properties"] as? [String: Any])
        #expect(props["counters"] as? [String: Int] == ["flowsExecuted": 412])
        #expect(props["countersSinceSec"] as? Int == 21600)
        let withheld = try JSONSerialization.jsonObject(with: Data(try SegmentTrack.body(fromReport: Array(makeReport(.diagnostics).jsonData())))) as! [String: Any]
        #expect((withheld["properties"] as? [String: Any])?["counters"] is NSNull, "null, as in the report")
    }
}
