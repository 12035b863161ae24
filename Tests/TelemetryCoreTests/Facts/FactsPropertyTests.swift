import Foundation
import Testing
import TestSupport
@testable import TelemetryCore

/// Random JSON thrown at the facts rules: whatever the product writes, no string the schema does not declare reaches
/// a report, and every sent value is a boolean, a finite number or a declared enum value.
@Suite("Facts: property test with random JSON")
struct FactsPropertyTests {
    /// The suite's seeded generator (ProbeFuzzTests.swift), so a failure can be replayed from its seed.
    typealias Rng = SplitMix64

    /// Strings a careless product might put in its facts.
    static let sensitive = [
        "db7.corp.example.com", "planted-hostname-7f3a", "/home/alice/.ssh/id_rsa", "/var/lib/acme/data",
        "alice@example.com", "10.66.77.88", "fe80::1ff:fe23:4567:890a", "02:42:ac:11:00:02",
        "C:\\Users\\alice", "PLANTED_ENV_SECRET_91b2", "oss ", "OSS", "enterprise\u{0}", "\u{1b}[31mred",
    ]
    static let schema = try! FactsSchema.parse(Array(#"{"facts": {"edition": {"type": "string", "enum": ["oss", "enterprise"]}, "tier": {"type": "string", "enum": ["free", "pro"]}, "nodes": {"type": "integer", "minimum": 0}, "on": {"type": "boolean"}}}"#.utf8))
    static let declared: Set<String> = ["oss", "enterprise", "free", "pro"]

    static func randomKey(_ r: inout Rng) -> String {
        let pool = ["edition", "tier", "nodes", "on", "hostname", "path", "email", "ip", "a", "Z", "_x", "k-1", "ünï", "x\u{0}y", "", "longkey" + String(repeating: "q", count: 70)]
        if Int.random(in: 0..<4, using: &r) == 0 { return "k\(Int.random(in: 0..<100_000, using: &r))" }
        return pool.randomElement(using: &r)!
    }

    static func randomString(_ r: inout Rng) -> String {
        switch Int.random(in: 0..<6, using: &r) {
        case 0: return sensitive.randomElement(using: &r)!
        case 1: return ["oss", "enterprise", "free", "pro"].randomElement(using: &r)!
        case 2: return String((0..<Int.random(in: 0..<20, using: &r)).map { _ in Character(Unicode.Scalar(UInt8.random(in: 0...0x7f, using: &r))) })
        case 3: return String(repeating: "x", count: Int.random(in: 60...70, using: &r))
        default: return "host-\(Int.random(in: 0..<1000, using: &r)).example"
        }
    }

    /// JSON text: valid values mostly, and some spellings JSON does not allow.
    static func randomValue(_ r: inout Rng, depth: Int) -> String {
        switch Int.random(in: 0..<14, using: &r) {
        case 0: return Bool.random(using: &r) ? "true" : "false"
        case 1: return String(Int64.random(in: .min ... .max, using: &r))
        case 2: return ["1e400", "-1e400", "1e308", "123456789012345678901234567890", "0.1", "-0", "4.9e-324"].randomElement(using: &r)!
        case 3: return ["NaN", "Infinity", "-Infinity", "nan", "inf", "0x1F", "+1", ".5", "01"].randomElement(using: &r)!
        case 4: return "null"
        case 5, 6, 7: return jsonString(randomString(&r))
        case 8 where depth < 40:
            return "{" + (0..<Int.random(in: 0..<3, using: &r)).map { _ in jsonString(randomKey(&r)) + ": " + randomValue(&r, depth: depth + 1) }.joined(separator: ",") + "}"
        case 9 where depth < 40:
            return "[" + (0..<Int.random(in: 0..<3, using: &r)).map { _ in randomValue(&r, depth: depth + 1) }.joined(separator: ",") + "]"
        case 10: return String(repeating: "[", count: 600) + String(repeating: "]", count: 600)
        case 11: return "\"\\u0000\\u001f\\ud800\""
        default: return String(Double.random(in: -1e6...1e6, using: &r))
        }
    }

    static func jsonString(_ s: String) -> String {
        var out = "\""
        for u in s.unicodeScalars {
            switch u {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case _ where u.value < 0x20: out += String(format: "\\u%04x", u.value)
            default: out.unicodeScalars.append(u)
            }
        }
        return out + "\""
    }

    static func randomDocument(_ r: inout Rng) -> String {
        switch Int.random(in: 0..<20, using: &r) {
        case 0: return randomValue(&r, depth: 0)                     // not an object
        case 1 where Int.random(in: 0..<10, using: &r) == 0:   // 10,000 keys, now and then (slow in debug builds)
            return "{" + (0..<10_000).map { "\"k\($0)\": \($0)" }.joined(separator: ",") + "}"
        case 2: return "{\"a\": 1" // truncated
        default:
            let n = Int.random(in: 0..<30, using: &r)
            return "{" + (0..<n).map { _ in jsonString(randomKey(&r)) + ": " + randomValue(&r, depth: 0) }.joined(separator: ", ") + "}"
        }
    }

    /// Every string anywhere in the sent facts (keys are checked by the key rule; values here).
    static func check(_ outcome: FactsOutcome, schema: FactsSchema?, document: String) {
        if outcome.status != .ok { #expect(outcome.facts == nil); return }
        let facts = outcome.facts ?? [:]
        #expect(facts.count <= FactsRules.maxKeys)
        for (key, value) in facts {
            #expect(FactsRules.isValidKey(key), "bad key \(key) in \(document.prefix(200))")
            switch value {
            case .string(let s):
                #expect(schema != nil && declared.contains(s), "undeclared string \(s) sent from \(document.prefix(200))")
                #expect(schema?.facts[key]?.enumValues?.contains(s) == true)
            case .number(let d): #expect(d.isFinite)
            case .integer, .bool: break
            }
        }
        let json = (try? String(decoding: JSONEncoder().encode(facts), as: UTF8.self)) ?? ""
        for secret in sensitive where !declared.contains(secret) {
            #expect(!json.contains(secret), "\(secret) reached the facts")
        }
        for d in outcome.dropped {
            for secret in sensitive { #expect(!d.description.contains(secret), "a dropped-key line carries \(secret)") }
        }
    }

    @Test(arguments: [UInt64(1), 2, 3, 4])
    func randomJSONNeverSendsAnUndeclaredString(seed: UInt64) {
        var r = Rng(seed: seed)
        for _ in 0..<120 {
            let doc = Self.randomDocument(&r)
            let bytes = Array(doc.utf8)
            // Without the size cap too, so 10,000 keys and deep nesting reach the key and value rules.
            for cap in [FactsRules.maxFileSize, Int.max] {
                Self.check(FactsRules.evaluate(bytes, schema: Self.schema, sizeCap: cap), schema: Self.schema, document: doc)
                Self.check(FactsRules.evaluate(bytes, schema: nil, sizeCap: cap), schema: nil, document: doc)
            }
        }
    }

    @Test func tenThousandKeysKeepTheFirst64() {
        let doc = "{" + (0..<10_000).map { "\"k\($0)\": \($0)" }.joined(separator: ",") + "}"
        let o = FactsRules.evaluate(Array(doc.utf8), schema: nil, sizeCap: .max)
        #expect(o.facts?.count == 64)
        #expect(o.dropped.count == 10_000 - 64)
        #expect(FactsRules.evaluate(Array(doc.utf8), schema: nil).status == .invalid, "over 16 KiB in a file")
    }
}
