import Foundation
import ReportValidation
import CollectorSummary
import Testing
import TelemetryWire

/// Reports as the daemon's own model writes them, and bodies that must be refused with a clear reason.
@Suite struct ReportValidatorTests {
    let validator: ReportValidator

    init() throws { validator = try ReportValidator() }

    static let diagnostics = Report(
        messageId: "3f2c1a9e-8d3b-4c7a-9e21-5b6f0d8c3a17", type: .diagnostics, timestamp: Date(timeIntervalSince1970: 1_796_104_800),
        instanceId: "11111111-2222-4333-8444-555555555555", clusterId: "cccccccc-2222-4333-8444-555555555555",
        agent: Agent(version: "0.1.0"),
        data: .diagnostics(DiagnosticsData(
            os: OSInfo(id: "debian", versionId: "12", prettyName: "Debian GNU/Linux 12 (bookworm)", kernel: "6.1.0-28-amd64", arch: "x86_64"),
            cpu: CPUInfo(model: "AMD EPYC", logicalCores: 4, load1: 0.1, load5: 0.2, load15: 0.3),
            memory: MemoryInfo(totalBytes: 8 << 30, availableBytes: 4 << 30, swapTotalBytes: 0, swapFreeBytes: 0),
            uptimeSec: 86_400, virtualization: "kvm", container: "none",
            config: ConfigFeatures(compression: true, proxy: false, dryRun: false, customCA: false))))

    static let keepalive = Report(
        messageId: "4f2c1a9e-8d3b-4c7a-9e21-5b6f0d8c3a17", type: .keepalive, timestamp: Date(timeIntervalSince1970: 1_796_104_800),
        instanceId: "11111111-2222-4333-8444-555555555555", clusterId: "cccccccc-2222-4333-8444-555555555555",
        agent: Agent(version: "0.1.0"), data: .keepalive(KeepAliveData(uptimeSec: nil, agentUptimeSec: 60)))

    func body(_ r: Report) throws -> [UInt8] { Array(try r.jsonData()) }

    /// The daemon's JSON as a mutable tree, to break one thing at a time.
    func tree(_ r: Report) throws -> [String: Any] {
        try #require(JSONSerialization.jsonObject(with: try r.jsonData()) as? [String: Any])
    }

    func bytes(_ object: Any) throws -> [UInt8] { Array(try JSONSerialization.data(withJSONObject: object)) }

    func rejection(_ body: [UInt8]) throws -> ReportRejection {
        switch validator.validate(body) {
        case .success(let r): Issue.record("accepted \(r.messageId)"); return ReportRejection(reason: "")
        case .failure(let f): return f
        }
    }

    @Test func daemonsDiagnosticsReportIsAcceptedWithItsFacts() throws {
        let r = try validator.validate(body(Self.diagnostics)).get()
        #expect(r.messageId == Self.diagnostics.messageId)
        #expect(r.type == .diagnostics)
        #expect(r.timestamp == Self.diagnostics.timestamp)
        #expect(r.breakdown == BreakdownValues(productVersion: nil, os: "debian 12", arch: "x86_64", virtualization: "kvm",
                                       container: "none", cores: "3-4", memory: "8-16GiB"))
        #expect(r.json == String(decoding: try Self.diagnostics.jsonData(), as: UTF8.self))
    }

    @Test func keepAliveWithProductCarriesOnlyTheVersion() throws {
        var t = try tree(Self.keepalive)
        t["product"] = ["name": "acme-db", "version": "4.2.1"]
        let r = try validator.validate(bytes(t)).get()
        #expect(r.breakdown == BreakdownValues(productVersion: "4.2.1"))
    }

    @Test func extendedDiagnosticsFieldsAreAccepted() throws {
        var t = try tree(Self.diagnostics)
        var data = try #require(t["data"] as? [String: Any])
        data["facts"] = ["edition": "oss", "clusterNodes": 3, "tlsEnabled": true]
        data["factsStatus"] = "ok"
        var memory = try #require(data["memory"] as? [String: Any]); memory["hostTotalBytes"] = 16 << 30; data["memory"] = memory
        var cpu = try #require(data["cpu"] as? [String: Any]); cpu["hostLogicalCores"] = 16; data["cpu"] = cpu
        t["data"] = data
        #expect(throws: Never.self) { try validator.validate(bytes(t)).get() }
    }

    @Test func productFactsAndCountersAreCarriedAsLabels() throws {
        var t = try tree(Self.diagnostics)
        t["product"] = ["name": "Other", "version": "4.2.1"]
        var data = try #require(t["data"] as? [String: Any])
        data["facts"] = ["edition": "oss", "clusterNodes": 3, "ratio": 0.25, "tlsEnabled": true, "other": "Unknown"]
        data["factsStatus"] = "ok"
        data["counters"] = ["flowsExecuted": 412, "unknown": 1, "idle": 0]
        data["countersSinceSec"] = 3600
        t["data"] = data
        let r = try validator.validate(bytes(t)).get()
        // A report's own "other" and "unknown" (product, fact key, enum value, counter) are quoted.
        #expect(r.product == #""Other""#)
        #expect(r.facts == ["edition": .enumeration("oss"), "clusterNodes": .number(3), "ratio": .number(0.25),
                            "tlsEnabled": .boolean(true), #""other""#: .enumeration(#""Unknown""#)])
        #expect(r.counters == ["flowsExecuted": 412, #""unknown""#: 1, "idle": 0])
        // What the stores keep: numbers as their bucket codes, only the increments above 0.
        #expect(r.factsRollupJSON == #"{"\"other\"":"\"Unknown\"","clusterNodes":3,"edition":"oss","ratio":\#(NumberHistogram.code(of: 0.25)),"tlsEnabled":true}"#)
        #expect(r.countersRollupJSON == #"{"\"unknown\"":1,"flowsExecuted":412}"#)
    }

    @Test func withoutFactsAReportDoesNotTell() throws {
        // The daemon's diagnostics report with facts null (no FactsFile=), and a keep-alive: nil, not empty.
        let d = try validator.validate(body(Self.diagnostics)).get()
        #expect(d.facts == nil)
        #expect(d.factsRollupJSON == nil)
        #expect(d.counters.isEmpty && d.countersRollupJSON == nil)
        #expect(d.product == nil)
        var t = try tree(Self.keepalive)
        t["product"] = ["name": "acme-db", "version": "4.2.1"]
        let k = try validator.validate(bytes(t)).get()
        #expect(k.facts == nil && k.counters.isEmpty)
        #expect(k.product == "acme-db")
        // An empty object is an answer: no facts now.
        var e = try tree(Self.diagnostics)
        var data = try #require(e["data"] as? [String: Any])
        data["facts"] = [String: Any]()
        data["factsStatus"] = "ok"
        e["data"] = data
        #expect(try validator.validate(bytes(e)).get().factsRollupJSON == "{}")
    }

    @Test func wrongTypeNamesThePath() throws {
        var t = try tree(Self.diagnostics)
        var data = try #require(t["data"] as? [String: Any])
        var cpu = try #require(data["cpu"] as? [String: Any]); cpu["logicalCores"] = "four"; data["cpu"] = cpu
        t["data"] = data
        let r = try rejection(bytes(t))
        #expect(r.violations.contains(SchemaViolation(path: "/data/cpu/logicalCores", message: "expected integer or null, got string")))
    }

    @Test func unknownAndMissingFieldsAreNamed() throws {
        var t = try tree(Self.keepalive)
        t["hostname"] = "db1.example.com"
        t.removeValue(forKey: "instanceId")
        let r = try rejection(bytes(t))
        #expect(r.violations.contains(SchemaViolation(path: "/hostname", message: "unknown property \"hostname\"")))
        #expect(r.violations.contains(SchemaViolation(path: "", message: "missing required property \"instanceId\"")))
    }

    @Test func futureSchemaVersionSaysUpgrade() throws {
        var t = try tree(Self.keepalive)
        t["schemaVersion"] = 2
        let r = try rejection(bytes(t))
        #expect(r.reason.contains("schemaVersion 2 is newer"))
        #expect(r.reason.contains("upgrade telemetry-collector"))
    }

    @Test func impossibleTimestampIsRefused() throws {
        var t = try tree(Self.keepalive)
        t["timestamp"] = "2026-13-45T99:99:99Z"   // matches the pattern, is no date
        let r = try rejection(bytes(t))
        #expect(r.violations == [SchemaViolation(path: "/timestamp", message: "not a date and time that exists")])
    }

    @Test(arguments: [
        ("[1, 2]", "not an object"),
        ("\"report\"", "not an object"),
        ("{\"schemaVersion\": 1,", "not valid JSON"),
        ("", "not valid JSON"),
        ("{\"a\": NaN}", "not valid JSON"),
    ])
    func notAReport(_ text: String, _ expected: String) throws {
        #expect(try rejection(Array(text.utf8)).reason.contains(expected))
    }

    @Test func deepNestingIsRefusedBeforeParsing() throws {
        let deep = String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000)
        #expect(try rejection(Array(deep.utf8)).reason.contains("nested deeper than \(ReportValidator.maxDepth) levels"))
        // Brackets inside strings are text, not nesting.
        var t = try tree(Self.keepalive)
        t["agent"] = ["name": "telemetryd", "version": "0.1.0+" + String(repeating: "[", count: 40)]
        #expect(try !rejection(bytes(t)).reason.contains("nested"))
    }

    @Test func notUTF8IsRefused() throws {
        #expect(try rejection([0x7B, 0xFF, 0xFE, 0x7D]).reason.contains("UTF-8"))
    }

    @Test func hostileStringsAreClippedInMessages() throws {
        var t = try tree(Self.keepalive)
        t[String(repeating: "x", count: 5000) + "\n\"evil"] = 1
        let r = try rejection(bytes(t))
        let text = r.description
        #expect(text.count < 400)
        #expect(!text.contains("\n"))
    }

    @Test func overlongTextIsRefused() throws {
        var t = try tree(Self.diagnostics)
        var data = try #require(t["data"] as? [String: Any])
        var os = try #require(data["os"] as? [String: Any]); os["prettyName"] = String(repeating: "a", count: 257); data["os"] = os
        t["data"] = data
        #expect(try rejection(bytes(t)).violations.first?.path == "/data/os/prettyName")
    }

    @Test func factsOutsideTheirRulesAreRefused() throws {
        var t = try tree(Self.diagnostics)
        var data = try #require(t["data"] as? [String: Any])
        data["facts"] = ["Bad-Key": true, "nested": ["a": 1]]
        t["data"] = data
        let paths = Set(try rejection(bytes(t)).violations.map(\.path))
        #expect(paths == ["/data/facts/Bad-Key", "/data/facts/nested"])
    }

    // MARK: erasure

    static let hash = "630dcd2966c4336691125448bbb25b4ff412a49c732db2c8abc1b8581bd710dd"
    static let key = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"

    static let forget = Report(
        messageId: "5f2c1a9e-8d3b-4c7a-9e21-5b6f0d8c3a17", type: .forget, timestamp: Date(timeIntervalSince1970: 1_796_104_800),
        instanceId: "11111111-2222-4333-8444-555555555555", clusterId: "cccccccc-2222-4333-8444-555555555555",
        erasureKeyHash: hash, agent: Agent(version: "0.1.0"), data: .forget(ForgetData(erasureKey: key)))

    let schema: SchemaValidator = {
        do { return try SchemaValidator(schemaText: ReportSchema.json) } catch { preconditionFailure("\(error)") }
    }()

    func violations(_ object: Any) throws -> [SchemaViolation] {
        schema.validate(try JSONValue.parse(try bytes(object), maxDepth: ReportValidator.maxDepth))
    }

    @Test func theErasureKeyHashIsAcceptedAndOptionalForOlderAgents() throws {
        var t = try tree(Self.keepalive)
        t["erasureKeyHash"] = Self.hash
        let r = try validator.validate(bytes(t)).get()
        #expect(r.json.contains(Self.hash))
        t.removeValue(forKey: "erasureKeyHash")
        #expect(throws: Never.self) { try validator.validate(bytes(t)).get() }
        t["erasureKeyHash"] = NSNull()
        #expect(throws: Never.self) { try validator.validate(bytes(t)).get() }
    }

    @Test(arguments: [String(repeating: "A", count: 64), String(repeating: "a", count: 63), "sha256:" + String(repeating: "a", count: 57)])
    func anErasureKeyHashThatIsNot64LowerCaseHexIsRefused(_ hash: String) throws {
        var t = try tree(Self.keepalive)
        t["erasureKeyHash"] = hash
        #expect(try rejection(bytes(t)).violations.map(\.path) == ["/erasureKeyHash"])
    }

    @Test func theDaemonsForgetReportMatchesTheSchema() throws {
        #expect(try violations(tree(Self.forget)) == [])
    }

    @Test func aForgetReportNeedsTheHashAndExactlyAWellFormedKey() throws {
        var noHash = try tree(Self.forget)
        noHash.removeValue(forKey: "erasureKeyHash")
        #expect(try violations(noHash).contains(SchemaViolation(path: "", message: "missing required property \"erasureKeyHash\"")))
        var nullHash = try tree(Self.forget)
        nullHash["erasureKeyHash"] = NSNull()
        #expect(try violations(nullHash).map(\.path).contains("/erasureKeyHash"))
        var extra = try tree(Self.forget)
        extra["data"] = ["erasureKey": Self.key, "hostname": "db1"]
        #expect(try violations(extra).map(\.path) == ["/data/hostname"])
        var shortKey = try tree(Self.forget)
        shortKey["data"] = ["erasureKey": String(Self.key.dropLast())]
        #expect(try violations(shortKey).map(\.path) == ["/data/erasureKey"])
        var keepaliveData = try tree(Self.forget)
        keepaliveData["data"] = ["uptimeSec": 1, "agentUptimeSec": 2]
        #expect(try !violations(keepaliveData).isEmpty)
    }

    /// A forget report goes to the store as the hash of its key: the key itself is kept nowhere, not even in `json`.
    @Test func aForgetReportCarriesOnlyTheHashOfItsKey() throws {
        let r = try validator.validate(body(Self.forget)).get()
        #expect(r.type == .forget)
        #expect(r.presentedKeyHash == Self.hash)
        #expect(r.erasureKeyHash == Self.hash)
        #expect(!r.json.contains(Self.key))
        let keepalive = try validator.validate(body(Self.keepalive)).get()
        #expect(keepalive.presentedKeyHash == nil)
    }
}
