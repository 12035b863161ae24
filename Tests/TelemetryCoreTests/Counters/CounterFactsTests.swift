import Foundation
import Testing
import TestSupport
@testable import TelemetryCore
import TelemetryWire

/// `{"type": "counter"}` in the facts schema, through the facts rules: totals kept apart, never sent as facts.
@Suite("Counters: declared in the facts schema, read from the facts file", .removesTemporaryDirectories)
struct CounterFactsTests {
    static let schema = try! FactsSchema.parse(Array(#"{"facts": {"flows": {"type": "counter"}, "nodes": {"type": "integer"}, "runs": {"type": "counter", "description": "jobs run"}}}"#.utf8))

    @Test func aDeclaredCounterIsATotalNotAFact() {
        let o = FactsRules.evaluate(Array(#"{"flows": 18234, "nodes": 3, "runs": 0}"#.utf8), schema: Self.schema)
        #expect(o.status == .ok)
        #expect(o.facts == ["nodes": .integer(3)], "a running total would tell what was counted before telemetry was on")
        #expect(o.counters == CounterReading(declared: ["flows", "runs"], totals: ["flows": 18234, "runs": 0]))
        #expect(o.dropped.isEmpty)
    }

    @Test func anUndeclaredNumberStaysAFact() {
        let o = FactsRules.evaluate(Array(#"{"flows": 18234}"#.utf8), schema: nil)
        #expect(o.facts == ["flows": .integer(18234)])
        #expect(o.counters == nil, "counters need a schema")
    }

    @Test func aSchemaWithoutCountersDeclaresNone() throws {
        let schema = try FactsSchema.parse(Array(#"{"facts": {"nodes": {"type": "integer"}}}"#.utf8))
        let o = FactsRules.evaluate(Array(#"{"nodes": 3}"#.utf8), schema: schema)
        #expect(o.counters == CounterReading(declared: []))
        #expect(o.facts == ["nodes": .integer(3)])
    }

    @Test(arguments: [
        (#"-1"#, false), (#"1.5"#, false), (#""12""#, false), (#"true"#, false), (#"null"#, false), (#"[1]"#, false),
        (#"9007199254740992"#, false), (#"1e300"#, false),
        (#"9007199254740991"#, true), (#"12.0"#, true), (#"0"#, true),
    ])
    func aCounterIsAWholeNumberFrom0To2p53(_ value: String, _ accepted: Bool) {
        let o = FactsRules.evaluate(Array(#"{"flows": \#(value)}"#.utf8), schema: Self.schema)
        #expect((o.counters?.totals["flows"] != nil) == accepted, "\(value)")
        #expect(o.dropped.map(\.key) == (accepted ? [] : ["flows"]), "\(value)")
        #expect(o.facts?["flows"] == nil, "never a fact")
        if !accepted { #expect(o.dropped.first?.reason.contains(value) == false, "the value is never logged") }
    }

    @Test func sixtyFourCountersCountTheSixtyFifthIsDropped() throws {
        let names = (0..<65).map { String(format: "c%02d", $0) }
        let schema = try FactsSchema.parse(Array(("{\"facts\": {" + names.map { "\"\($0)\": {\"type\": \"counter\"}" }.joined(separator: ",") + "}}").utf8))
        #expect(schema.counters == Array(names.prefix(64)), "the first 64 in byte order")
        let file = "{" + names.map { "\"\($0)\": 1" }.joined(separator: ",") + "}"
        let o = FactsRules.evaluate(Array(file.utf8), schema: schema)
        #expect(o.counters?.totals.count == 64)
        #expect(o.dropped == [DroppedFact(key: "c64", reason: "more than 64 counters")])
        // The counters do not take places of the 64 facts.
        #expect(o.facts == [:])
    }

    @Test(arguments: [
        #"{"facts": {"c": {"type": "counter", "minimum": 0}}}"#,
        #"{"facts": {"c": {"type": "counter", "enum": ["a"]}}}"#,
        #"{"facts": {"c": {"type": "counters"}}}"#,
    ])
    func aCounterTakesNoOtherKeyword(_ text: String) {
        #expect(throws: FactsSchema.Invalid.self) { try FactsSchema.parse(Array(text.utf8)) }
    }

    @Test func theBuilderCarriesIncrementsFromTheBasis() throws {
        let dir = try TemporaryDirectories.make("counter-facts")
        try AtomicFile.write(Array(#"{"flows": 150, "nodes": 3}"#.utf8), to: dir + "/facts.json", mode: 0o644)
        try AtomicFile.write(Array(#"{"facts": {"flows": {"type": "counter"}, "nodes": {"type": "integer"}}}"#.utf8), to: dir + "/schema.json", mode: 0o644)
        var product = ProductSettings()
        product.name = "acme-db"
        product.factsFile = dir + "/facts.json"
        product.factsSchema = dir + "/schema.json"
        let builder = ReportBuilder(probe: HostProbe(root: "/"), identity: testIdentity(), features: testFeatures(),
                                    product: product, notices: ReportNotices())
        let now = Date()
        let since = now.addingTimeInterval(-600)
        let built = builder.build(.diagnostics, counting: .since(CounterBaselines(since: since, totals: ["flows": 100])), now: now)
        guard case .diagnostics(let d) = built.report.data else { Issue.record("not diagnostics"); return }
        #expect(d.counters == ["flows": 50])
        #expect(d.countersSinceSec == 600 || d.countersSinceSec == 599)
        #expect(d.facts == ["nodes": .integer(3)])
        #expect(built.counters?.next?.totals == ["flows": 150])
        let withheld = builder.build(.diagnostics, counting: .withheld, now: now)
        guard case .diagnostics(let w) = withheld.report.data else { return }
        #expect(w.counters == nil && w.countersSinceSec == nil && withheld.counters == nil)
        let keepalive = builder.build(.keepalive, counting: .since(nil), now: now)
        #expect(keepalive.counters == nil && keepalive.facts == nil)
    }
}
