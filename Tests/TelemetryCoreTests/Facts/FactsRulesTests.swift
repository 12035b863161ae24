import Foundation
import InMemoryLogging
import Testing
import TestSupport
@testable import TelemetryCore
import ConfigGrammar

/// A facts file (and optionally a schema) on disk, read the way a report reads it.
struct FactsScratch {
    let dir: String
    var file: String { dir + "/facts.json" }
    var schema: String { dir + "/facts.schema.json" }

    init() throws {
        dir = NSTemporaryDirectory() + "facts-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    }
    func remove() { try? FileManager.default.removeItem(atPath: dir) }

    func write(_ text: String, mode: Int = 0o644, to path: String? = nil) throws {
        let p = path ?? file
        try text.write(toFile: p, atomically: false, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: mode], ofItemAtPath: p)
    }

    func settings(schema: Bool = false, maxAge: UInt64 = 2 * 86400) -> ProductSettings {
        var s = ProductSettings()
        s.name = "acme-db"
        s.factsFile = file
        if schema { s.factsSchema = self.schema }
        s.factsMaxAge = TimeSpan(seconds: maxAge)
        return s
    }

    func read(schema: Bool = false, maxAge: UInt64 = 2 * 86400, now: Date = Date()) -> FactsOutcome {
        FactsReader(settings: settings(schema: schema, maxAge: maxAge), defaultSchemaPath: dir + "/no-default-schema.json")
            .read(now: now.timeIntervalSince1970)
    }
}

let exampleSchema = #"{"facts": {"edition": {"type": "string", "enum": ["oss", "enterprise"]}, "clusterNodes": {"type": "integer", "minimum": 0, "maximum": 1000}, "tlsEnabled": {"type": "boolean"}, "ratio": {"type": "number", "minimum": 0, "maximum": 1}}}"#

@Suite("Facts: every rule of the product's facts file")
struct FactsRulesTests {
    @Test func noFactsFileConfiguredIsNone() {
        let outcome = FactsReader(settings: ProductSettings()).read()
        #expect(outcome == .none)
    }

    @Test func missingFileIsMissing() throws {
        let s = try FactsScratch(); defer { s.remove() }
        #expect(s.read().status == .missing)
    }

    @Test func theExampleIsSentWithASchema() throws {
        let s = try FactsScratch(); defer { s.remove() }
        try s.write(#"{"edition": "oss", "clusterNodes": 3, "tlsEnabled": true, "ratio": 0.25}"#)
        try s.write(exampleSchema, to: s.schema)
        let o = s.read(schema: true)
        #expect(o.status == .ok)
        #expect(o.facts == ["edition": .string("oss"), "clusterNodes": .integer(3), "tlsEnabled": .bool(true), "ratio": .number(0.25)])
        #expect(o.dropped.isEmpty)
    }

    @Test func sizeCap() throws {
        let s = try FactsScratch(); defer { s.remove() }
        let padding = String(repeating: " ", count: FactsRules.maxFileSize)
        try s.write(#"{"a": true}"# + padding)
        let o = s.read()
        #expect(o.status == .invalid)
        #expect(o.facts == nil)
        try s.write(#"{"a": true}"# + String(repeating: " ", count: FactsRules.maxFileSize - 11))
        #expect(s.read().status == .ok, "exactly 16 KiB is allowed")
    }

    @Test func writableByOthersIsRefused() throws {
        let s = try FactsScratch(); defer { s.remove() }
        try s.write(#"{"a": true}"#, mode: 0o666)
        #expect(s.read().status == .invalid)
        try s.write(#"{"a": true}"#, mode: 0o664)
        #expect(s.read().status == .ok, "group-writable is the product's business")
    }

    @Test func notARegularFileIsRefused() throws {
        let s = try FactsScratch(); defer { s.remove() }
        try FileManager.default.createDirectory(atPath: s.file, withIntermediateDirectories: true)
        #expect(s.read().status == .invalid)
        try FileManager.default.removeItem(atPath: s.file)
        try s.write(#"{"a": true}"#, to: s.dir + "/real.json")
        try FileManager.default.createSymbolicLink(atPath: s.file, withDestinationPath: s.dir + "/real.json")
        #expect(s.read().status == .invalid, "a symbolic link is not the product's regular file")
    }

    @Test func staleness() throws {
        let s = try FactsScratch(); defer { s.remove() }
        try s.write(#"{"a": true}"#)
        #expect(s.read(maxAge: 60, now: Date().addingTimeInterval(30)).status == .ok)
        let stale = s.read(maxAge: 60, now: Date().addingTimeInterval(120))
        #expect(stale.status == .stale)
        #expect(stale.facts == nil)
    }

    @Test func notJSONOrNotAnObjectIsInvalid() throws {
        let s = try FactsScratch(); defer { s.remove() }
        for text in ["", "{", "[1, 2]", "\"text\"", "42", "null", #"{"a": NaN}"#, #"{"a": 1} trailing"#, "{'a': 1}"] {
            try s.write(text)
            let o = s.read()
            #expect(o.status == .invalid, "\(text)")
            #expect(o.facts == nil)
        }
    }

    @Test func keyPatternAndCount() throws {
        let s = try FactsScratch(); defer { s.remove() }
        var keys = (0..<70).map { "k\($0)" }
        keys += ["Upper", "1digit", "_under", "has-dash", "has.dot", "ünicode", "a" + String(repeating: "b", count: 64), ""]
        let body = keys.map { "\"\($0)\": 1" }.joined(separator: ", ")
        try s.write("{\(body)}")
        let o = s.read()
        #expect(o.status == .ok)
        let facts = try #require(o.facts)
        #expect(facts.count == FactsRules.maxKeys)
        #expect(facts.keys.allSatisfy { FactsRules.isValidKey($0) })
        #expect(o.dropped.filter { $0.reason.contains("more than 64") }.count == 6)
        #expect(o.dropped.filter { $0.reason.contains("does not match") }.count == 8)
        #expect(FactsRules.isValidKey("a" + String(repeating: "b", count: 63)))
        #expect(!FactsRules.isValidKey("a" + String(repeating: "b", count: 64)))
    }

    @Test func noNestingNoNull() throws {
        let s = try FactsScratch(); defer { s.remove() }
        try s.write(#"{"flat": true, "obj": {"x": 1}, "arr": [1, 2], "nothing": null}"#)
        let o = s.read()
        #expect(o.facts == ["flat": .bool(true)])
        #expect(Set(o.dropped.map(\.key)) == ["obj", "arr", "nothing"])
    }

    @Test func booleansAndFiniteNumbersAlwaysStringsNeverWithoutSchema() throws {
        let s = try FactsScratch(); defer { s.remove() }
        try s.write(#"{"on": false, "count": -3, "big": 1e300, "frac": 0.5, "edition": "oss", "huge": 1e400}"#)
        let o = s.read()
        if o.status == .ok {
            #expect(o.facts?["on"] == .bool(false))
            #expect(o.facts?["count"] == .integer(-3))
            #expect(o.facts?["big"] == .number(1e300))
            #expect(o.facts?["frac"] == .number(0.5))
            #expect(o.facts?["edition"] == nil)
            #expect(o.facts?["huge"] == nil, "1e400 is not a finite number")
            #expect(o.dropped.contains { $0.key == "edition" && $0.reason.contains("string") })
        } else {
            // A JSON parser may refuse 1e400 outright: then nothing at all is sent.
            #expect(o.status == .invalid && o.facts == nil)
        }
    }

    @Test func stringsOnlyFromADeclaredEnum() throws {
        let s = try FactsScratch(); defer { s.remove() }
        try s.write(exampleSchema, to: s.schema)
        try s.write(#"{"edition": "community"}"#)
        let o = s.read(schema: true)
        #expect(o.facts == [:])
        #expect(o.dropped == [DroppedFact(key: "edition", reason: "not one of the values the schema's enum lists")])
    }

    @Test func schemaTypesRangesAndUndeclaredKeys() throws {
        let s = try FactsScratch(); defer { s.remove() }
        try s.write(exampleSchema, to: s.schema)
        try s.write(#"{"clusterNodes": -1, "tlsEnabled": "yes", "ratio": 2, "undeclared": true, "edition": "enterprise"}"#)
        let o = s.read(schema: true)
        #expect(o.facts == ["edition": .string("enterprise")])
        let reasons = Dictionary(uniqueKeysWithValues: o.dropped.map { ($0.key, $0.reason) })
        #expect(reasons["clusterNodes"] == "below the schema's minimum")
        #expect(reasons["ratio"] == "above the schema's maximum")
        #expect(reasons["tlsEnabled"] == "not of the schema's type boolean")
        #expect(reasons["undeclared"] == "not declared in the facts schema")
        try s.write(#"{"clusterNodes": 2.5}"#)
        #expect(s.read(schema: true).dropped.first?.reason == "not of the schema's type integer")
        try s.write(#"{"clusterNodes": 2.0}"#)
        #expect(s.read(schema: true).facts == ["clusterNodes": .integer(2)])
    }

    @Test func theDefaultSchemaIsUsedWhenItExists() throws {
        let s = try FactsScratch(); defer { s.remove() }
        try s.write(exampleSchema, to: s.schema)
        try s.write(#"{"edition": "oss"}"#)
        var settings = s.settings()
        settings.factsSchema = nil
        #expect(FactsReader(settings: settings, defaultSchemaPath: s.schema).read().facts == ["edition": .string("oss")])
        #expect(FactsReader(settings: settings, defaultSchemaPath: s.dir + "/absent.json").read().facts == [:])
    }

    @Test func aBadSchemaSendsNoFacts() throws {
        let s = try FactsScratch(); defer { s.remove() }
        try s.write(#"{"a": true}"#)
        for bad in [#"{"facts": {"edition": {"type": "string"}}}"#,
                    #"{"facts": {"e": {"type": "string", "enum": [\#((0..<33).map { "\"v\($0)\"" }.joined(separator: ","))]}}}"#,
                    #"{"facts": {"e": {"type": "string", "enum": ["\#(String(repeating: "x", count: 65))"]}}}"#,
                    #"{"facts": {"e": {"type": "object"}}}"#,
                    #"{"facts": {"e": {"type": "integer", "pattern": "x"}}}"#,
                    #"{"facts": {"Bad-Key": {"type": "boolean"}}}"#,
                    "not json"] {
            try s.write(bad, to: s.schema)
            let o = s.read(schema: true)
            #expect(o.status == .invalid, "\(bad)")
            #expect(o.facts == nil)
        }
        // A configured schema that does not exist is a problem too, not "no schema".
        try FileManager.default.removeItem(atPath: s.schema)
        #expect(s.read(schema: true).status == .invalid)
    }

    @Test func droppedKeysAreLoggedOncePerChangeWithoutValues() throws {
        let s = try FactsScratch(); defer { s.remove() }
        let log = InMemoryLogHandler.everything()
        var builder = ReportBuilder(probe: HostProbe(root: "/", logger: log.logger), identity: testIdentity(), features: testFeatures(),
                                    product: s.settings(), defaultFactsSchema: s.dir + "/none.json", notices: ReportNotices())
        builder.product.factsFile = s.file
        try s.write(#"{"secretHost": "db7.corp.example", "ok": true}"#)
        for _ in 0..<3 { _ = builder.build(.diagnostics) }
        #expect(log.warnings.count == 1)
        #expect(log.warnings.first?.contains("secretHost") == true)
        #expect(log.warnings.allSatisfy { !$0.contains("db7.corp.example") })
        try s.write(#"{"secretHost": "db7.corp.example", "other": [1], "ok": true}"#)
        _ = builder.build(.diagnostics)
        _ = builder.build(.diagnostics)
        #expect(log.warnings.count == 2, "a change is logged again, once")
        _ = builder.build(.keepalive)
        #expect(log.warnings.count == 2, "keep-alives do not read facts")
    }

    @Test func reportCarriesFactsAndStatus() throws {
        let s = try FactsScratch(); defer { s.remove() }
        try s.write(#"{"tlsEnabled": true}"#)
        let builder = ReportBuilder(probe: HostProbe(root: "/"), identity: testIdentity(), features: testFeatures(),
                                    product: s.settings(), notices: ReportNotices())
        let json = String(decoding: try builder.build(.diagnostics).jsonData(), as: UTF8.self)
        #expect(json.contains(#""facts":{"tlsEnabled":true}"#))
        #expect(json.contains(#""factsStatus":"ok""#))
        let none = ReportBuilder(probe: HostProbe(root: "/"), identity: testIdentity(), features: testFeatures())
        let noneJSON = String(decoding: try none.build(.diagnostics).jsonData(), as: UTF8.self)
        #expect(noneJSON.contains(#""facts":null"#) && noneJSON.contains(#""factsStatus":"none""#))
    }
}
