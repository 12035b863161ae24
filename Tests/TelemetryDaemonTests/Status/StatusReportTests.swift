#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import TelemetryCore
import TelemetryWire
import ConfigGrammar
import Testing
@testable import TelemetryDaemon

/// `telemetryd status` on fixtures: what it decides (daemon or files, enabled or by what) and how it says it.
@Suite struct StatusReportTests {
    static let dropin = ConfigLocation(file: "/etc/telemetryd/telemetry.conf.d/50-cli.conf", line: 2)
    static let main = "/etc/telemetryd/telemetry.conf"
    static let t0 = Date(timeIntervalSince1970: 1_795_500_000)  // 2026-11-23T...

    static func loaded(_ edit: (inout TelemetryConfig) -> Void = { _ in }, enableOrigin: SettingOrigin = .builtinDefault,
                       origins: [String: ConfigLocation] = [:]) -> LoadedConfig {
        var c = TelemetryConfig()
        edit(&c)
        return LoadedConfig(config: c, enableOrigin: enableOrigin, files: [main], origins: origins)
    }

    static func inputs(daemon: DaemonRecord? = nil, files: LoadedConfig = loaded(), environment: [String: String] = [:],
                       delivery: DeliveryState = DeliveryState(), pending: Int = 0) -> StatusInputs {
        StatusInputs(liveDaemon: daemon, filesAlone: files, loaded: files, callerEnvironment: environment,
                     delivery: delivery, pendingReports: pending, sentLogDirectory: "/var/lib/telemetryd/sent",
                     stateDirectory: "/var/lib/telemetryd")
    }

    static func record(enabled: Bool, setBy: String) -> DaemonRecord {
        DaemonRecord(enabled: .init(enabled, setBy: setBy), dryRun: true,
                     endpoint: .init("https://collector.example/v1", setBy: "\(main):4"),
                     configFiles: [main, "/run/telemetryd/telemetry.conf.d/10.conf"], reloadError: "/etc/x.conf:3: bad",
                     pid: 4242, processStart: 7, startedAt: t0, decidedAt: t0.addingTimeInterval(60))
    }

    static func line(_ report: StatusReport, _ key: String) -> String? {
        report.lines.first { $0.hasPrefix(key + ": ") }.map { String($0.dropFirst(key.count + 2)) }
    }

    @Test func noDaemonTellsWhatTheFilesAloneDecide() {
        let r = StatusReport(Self.inputs())
        #expect(r.enabled && r.disabledBy == nil)
        #expect(r.decisionSource == "files" && r.daemon == nil)
        #expect(r.decidedBy == "built-in default")
        #expect(r.endpoint == TelemetryConfig.defaultEndpoint && r.endpointFrom == "built-in default")
        #expect(r.configFiles == [Self.main])
        #expect(Self.line(r, "Telemetry") == "enabled")
        #expect(Self.line(r, "Daemon")?.hasPrefix("not running; this is what the configuration files alone decide") == true)
        #expect(Self.line(r, "Reload") == nil && Self.line(r, "Dry run") == nil)
    }

    @Test func disabledByAFileNamesFileAndLineAndHasNothingDueOrQueued() {
        var state = DeliveryState()
        state.nextDue["keepalive"] = Self.t0
        let files = Self.loaded({ $0.enable = false }, enableOrigin: .file(Self.dropin))
        let r = StatusReport(Self.inputs(files: files, delivery: state, pending: 3))
        #expect(!r.enabled && r.disabledBy == Self.dropin.description)
        #expect(Self.line(r, "Telemetry") == "disabled by \(Self.dropin)")
        #expect(r.next.isEmpty && r.queued == 0)
        #expect(Self.line(r, "Next keepalive") == "-" && Self.line(r, "Queued") == "0")
    }

    @Test func enabledShowsDueTimesAndTheSpool() {
        var state = DeliveryState()
        state.nextDue["keepalive"] = Self.t0
        let r = StatusReport(Self.inputs(delivery: state, pending: 3))
        #expect(Self.line(r, "Next keepalive") == StatusReport.rfc3339(Self.t0))
        #expect(Self.line(r, "Next diagnostics") == "-")
        #expect(Self.line(r, "Queued") == "3")
    }

    @Test func runningDaemonsDecisionWinsOverTheFiles() {
        let r = StatusReport(Self.inputs(daemon: Self.record(enabled: false, setBy: "$DO_NOT_TRACK")))
        #expect(!r.enabled && r.disabledBy == "$DO_NOT_TRACK" && r.decisionSource == "daemon")
        #expect(r.daemon == .init(pid: 4242, startedAt: Self.t0, decidedAt: Self.t0.addingTimeInterval(60)))
        #expect(r.endpoint == "https://collector.example/v1" && r.endpointFrom == "\(Self.main):4")
        #expect(r.configFiles.count == 2 && r.dryRun)
        #expect(Self.line(r, "Telemetry") == "disabled by $DO_NOT_TRACK")
        #expect(Self.line(r, "Daemon") == "running, PID 4242, since \(StatusReport.rfc3339(Self.t0)); decided at \(StatusReport.rfc3339(Self.t0.addingTimeInterval(60)))")
        #expect(Self.line(r, "Reload") == "failed, last good configuration kept: /etc/x.conf:3: bad")
        #expect(Self.line(r, "Dry run") != nil)
    }

    @Test func runningDaemonEnabledAlthoughTheFilesDisable() {
        let files = Self.loaded({ $0.enable = false }, enableOrigin: .file(Self.dropin))
        let r = StatusReport(Self.inputs(daemon: Self.record(enabled: true, setBy: "\(Self.main):2"), files: files))
        #expect(r.enabled && r.disabledBy == nil && r.decidedBy == "\(Self.main):2")
    }

    @Test(arguments: [
        (["DO_NOT_TRACK": "1"], ["DO_NOT_TRACK"]),
        (["TELEMETRYD_DISABLE": "yes", "DO_NOT_TRACK": "true"], ["TELEMETRYD_DISABLE", "DO_NOT_TRACK"]),
        (["DO_NOT_TRACK": "0", "TELEMETRYD_DISABLE": ""], []),
    ])
    func callersOptOutVariablesAreNamedAndIgnored(environment: [String: String], ignored: [String]) {
        let r = StatusReport(Self.inputs(environment: environment))
        #expect(r.enabled)
        #expect(r.ignoredCallerVariables == ignored)
        let note = Self.line(r, "Note")
        if ignored.isEmpty {
            #expect(note == nil)
        } else {
            #expect(note == "\(ignored.map { "$" + $0 }.joined(separator: ", ")) in your environment does not reach the service and is not counted here")
        }
    }

    @Test func lastResultsSayWhenTheLastSendWas() {
        var state = DeliveryState()
        state.record(SendRecord(at: Self.t0, result: .sent, httpStatus: 202, messageId: "a"), for: .keepalive)
        state.record(SendRecord(at: Self.t0.addingTimeInterval(10), result: .retrying, messageId: "b",
                                detail: "connection refused"), for: .keepalive)
        state.record(SendRecord(at: Self.t0, result: .rejected, httpStatus: 400, messageId: "c", detail: "HTTP 400"),
                     for: .diagnostics)
        let r = StatusReport(Self.inputs(delivery: state))
        let at = StatusReport.rfc3339
        #expect(Self.line(r, "Last keepalive") == "\(at(Self.t0.addingTimeInterval(10))) retrying (connection refused); last sent \(at(Self.t0))")
        #expect(Self.line(r, "Last diagnostics") == "\(at(Self.t0)) rejected (HTTP 400)")
    }

    @Test func clusterIdFromConfigElseFileElseStored() {
        func cluster(_ edit: @escaping (inout TelemetryConfig) -> Void, fromFile: String?) -> String? {
            var i = Self.inputs(files: Self.loaded(edit))
            i.storedClusterId = "stored"
            i.clusterIdFromFile = fromFile
            return StatusReport(i).clusterId
        }
        #expect(cluster({ $0.clusterID = "conf"; $0.clusterIDFile = "/f" }, fromFile: "file") == "conf")
        #expect(cluster({ $0.clusterIDFile = "/f" }, fromFile: "file") == "file")
        #expect(cluster({ $0.clusterIDFile = "/f" }, fromFile: nil) == "stored")
        #expect(cluster({ _ in }, fromFile: "file") == "stored")
        #expect(Self.line(StatusReport(Self.inputs()), "Cluster ID") == "- (made at the daemon's first start)")
    }

    @Test func tokenIsOnlySaidToBeSetWithWhere() {
        let tokenLine = ConfigLocation(file: Self.main, line: 9)
        let files = Self.loaded({ $0.tokenFile = "/etc/telemetryd/token" }, origins: ["Transport.TokenFile": tokenLine])
        let r = StatusReport(Self.inputs(files: files))
        #expect(r.token == "set (TokenFile= at \(tokenLine))")
        #expect(Self.line(StatusReport(Self.inputs()), "Token") == "none")
    }

    @Test func productNamesTheLinesThatDecidedIt() {
        let name = ConfigLocation(file: Self.main, line: 20), version = ConfigLocation(file: Self.main, line: 21)
        let files = Self.loaded({ $0.product.name = "acme"; $0.product.version = "1.2" },
                                origins: ["Product.Name": name, "Product.Version": version])
        var i = Self.inputs(files: files)
        i.productVersion = "1.2"
        let r = StatusReport(i)
        #expect(r.product == Product(name: "acme", version: "1.2"))
        #expect(Self.line(r, "Product") == "acme 1.2 (Name= at \(name), Version= at \(version))")
        #expect(Self.line(StatusReport(Self.inputs()), "Product") == "none ([Product] Name= not set)")
        let emptied = Self.loaded(origins: ["Product.Name": name])
        #expect(Self.line(StatusReport(Self.inputs(files: emptied)), "Product") == "none (Name= emptied at \(name))")
    }

    @Test func jsonHasEveryKeyWithNullsAndNoCount() throws {
        var i = Self.inputs(daemon: Self.record(enabled: false, setBy: "$DO_NOT_TRACK"), environment: ["DO_NOT_TRACK": "1"])
        i.sentLogCount = 2
        let text = try StatusReport(i).jsonText()
        let doc = try JSONDecoder().decode([String: JSON].self, from: Data(text.utf8))
        #expect(doc["sentLogCount"] == nil)
        #expect(doc["enabled"] == .bool(false))
        #expect(doc["disabledBy"] == .string("$DO_NOT_TRACK"))
        #expect(doc["decisionSource"] == .string("daemon"))
        #expect(doc["ignoredCallerVariables"] == .array([.string("DO_NOT_TRACK")]))
        #expect(doc["instanceId"] == .null && doc["token"] == .null && doc["product"] == .null)
        guard case .object(let daemon) = doc["daemon"] else {
            Issue.record("daemon is not an object: \(text)")
            return
        }
        #expect(daemon["pid"] == .number(4242))
        #expect(daemon["startedAt"] == .string(StatusReport.rfc3339(Self.t0)))
        #expect(Set(doc.keys) == [
            "enabled", "disabledBy", "decidedBy", "decisionSource", "daemon", "ignoredCallerVariables", "dryRun",
            "endpoint", "endpointFrom", "product", "productFrom", "reloadError", "instanceId", "clusterId", "last",
            "next", "queued", "proxy", "format", "token", "sentLog", "stateDirectory", "configFiles",
        ])
    }

    /// Just enough JSON to read the status back (FoundationEssentials has no JSONSerialization).
    indirect enum JSON: Decodable, Equatable {
        case null, bool(Bool), number(Double), string(String), array([JSON]), object([String: JSON])
        init(from decoder: any Decoder) throws {
            let c = try decoder.singleValueContainer()
            if c.decodeNil() { self = .null }
            else if let b = try? c.decode(Bool.self) { self = .bool(b) }
            else if let n = try? c.decode(Double.self) { self = .number(n) }
            else if let s = try? c.decode(String.self) { self = .string(s) }
            else if let a = try? c.decode([JSON].self) { self = .array(a) }
            else { self = .object(try c.decode([String: JSON].self)) }
        }
    }

    @Test func rfc3339DropsFractionsOfASecond() {
        #expect(StatusReport.rfc3339(Date(timeIntervalSince1970: 0.9)) == "1970-01-01T00:00:00Z")
    }
}
