import Testing
import Foundation
@testable import TelemetryWire

@Test func keepAliveEncodesNullUptime() throws {
    let r = Report(messageId: "m", type: .keepalive, timestamp: Date(timeIntervalSince1970: 0), instanceId: "i", clusterId: "c",
                   agent: Agent(version: "0.1.0"), data: .keepalive(KeepAliveData(uptimeSec: nil, agentUptimeSec: 3)))
    let s = String(decoding: try r.jsonData(), as: UTF8.self)
    #expect(s.contains("\"uptimeSec\":null"))
    #expect(s.contains("\"timestamp\":\"1970-01-01T00:00:00Z\""))
    let back = try Report.makeDecoder().decode(Report.self, from: try r.jsonData())
    #expect(back == r)
}

@Test func diagnosticsWithProductAndFactsSurviveTheSpoolRoundTrip() throws {
    let data = DiagnosticsData(
        os: OSInfo(id: "debian"), cpu: CPUInfo(logicalCores: 2, hostLogicalCores: 8), memory: MemoryInfo(totalBytes: 1 << 29, hostTotalBytes: 1 << 34),
        uptimeSec: 5, virtualization: "none", container: "docker",
        config: ConfigFeatures(compression: true, proxy: false, dryRun: false, customCA: false),
        facts: ["edition": .string("oss"), "nodes": .integer(3), "ratio": .number(0.5), "tls": .bool(false)], factsStatus: .ok)
    let r = Report(messageId: "m", type: .diagnostics, timestamp: Date(timeIntervalSince1970: 0), instanceId: "i", clusterId: "c",
                   agent: Agent(version: "0.1.0"), product: Product(name: "acme-db", version: nil), data: .diagnostics(data))
    let json = String(decoding: try r.jsonData(), as: UTF8.self)
    #expect(json.contains(#""product":{"name":"acme-db","version":null}"#))
    #expect(json.contains(#""hostTotalBytes":17179869184"#) && json.contains(#""hostLogicalCores":8"#))
    #expect(try Report.makeDecoder().decode(Report.self, from: try r.jsonData()) == r)
    // A report spooled before facts existed still loads.
    let old = json.replacingOccurrences(of: #","facts":{"edition":"oss","nodes":3,"ratio":0.5,"tls":false},"factsStatus":"ok""#, with: "")
    #expect(old != json)
    guard case .diagnostics(let d) = try Report.makeDecoder().decode(Report.self, from: Data(old.utf8)).data else { Issue.record(); return }
    #expect(d.facts == nil && d.factsStatus == .none)
}
