import Testing
import Foundation
@testable import TelemetryCore

@Test func keepAliveEncodesNullUptime() throws {
    let r = Report(messageId: "m", type: .keepalive, timestamp: Date(timeIntervalSince1970: 0), instanceId: "i", clusterId: "c",
                   agent: Agent(version: "0.1.0"), data: .keepalive(KeepAliveData(uptimeSec: nil, agentUptimeSec: 3)))
    let s = String(decoding: try r.jsonData(), as: UTF8.self)
    #expect(s.contains("\"uptimeSec\":null"))
    #expect(s.contains("\"timestamp\":\"1970-01-01T00:00:00Z\""))
    let back = try Report.makeDecoder().decode(Report.self, from: try r.jsonData())
    #expect(back == r)
}
