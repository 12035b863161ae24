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

private let hash = String(repeating: "ab", count: 32)
private let key = String(repeating: "0f", count: 32)

@Test func erasureKeyHashIsWrittenAndANilOneAsNull() throws {
    var r = Report(messageId: "m", type: .keepalive, timestamp: Date(timeIntervalSince1970: 0), instanceId: "i", clusterId: "c",
                   erasureKeyHash: hash, agent: Agent(version: "0.1.0"), data: .keepalive(KeepAliveData(uptimeSec: 1, agentUptimeSec: 3)))
    #expect(String(decoding: try r.jsonData(), as: UTF8.self).contains(#""erasureKeyHash":"\#(hash)""#))
    #expect(try Report.makeDecoder().decode(Report.self, from: try r.jsonData()) == r)
    r.erasureKeyHash = nil
    #expect(String(decoding: try r.jsonData(), as: UTF8.self).contains(#""erasureKeyHash":null"#))
}

@Test func aReportOfAnAgentBeforeErasureStillLoads() throws {
    let old = #"{"agent":{"name":"telemetryd","version":"0.1.0"},"clusterId":"c","data":{"agentUptimeSec":3,"uptimeSec":1},"instanceId":"i","messageId":"m","schemaVersion":1,"timestamp":"1970-01-01T00:00:00Z","type":"keepalive"}"#
    let r = try Report.makeDecoder().decode(Report.self, from: Data(old.utf8))
    #expect(r.erasureKeyHash == nil)
    #expect(r.type == .keepalive)
}

@Test func forgetReportCarriesTheKeyInDataAndSurvivesTheSpoolRoundTrip() throws {
    let r = Report(messageId: "m", type: .forget, timestamp: Date(timeIntervalSince1970: 0), instanceId: "i", clusterId: "c",
                   erasureKeyHash: hash, agent: Agent(version: "0.1.0"), data: .forget(ForgetData(erasureKey: key)))
    let json = String(decoding: try r.jsonData(), as: UTF8.self)
    #expect(json.contains(#""data":{"erasureKey":"\#(key)"}"#))
    #expect(json.contains(#""type":"forget""#))
    #expect(!json.contains("product"))
    #expect(try Report.makeDecoder().decode(Report.self, from: try r.jsonData()) == r)
    // The type decides how data is read: a forget report without its key is no report.
    let broken = json.replacingOccurrences(of: #""erasureKey":"\#(key)""#, with: "")
    #expect(throws: DecodingError.self) { try Report.makeDecoder().decode(Report.self, from: Data(broken.utf8)) }
}

@Test func onlyKeepAliveAndDiagnosticsAreScheduled() {
    #expect(ReportType.scheduled == [.keepalive, .diagnostics])
    #expect(!ReportType.scheduled.contains(.forget))
    #expect(ReportType(rawValue: "forget") == .forget)
}
