import Foundation
@testable import ReportValidation
import Testing

/// Each hand-written matcher against the `Regex` of its pattern, over valid strings, their one-character mutations
/// and random strings of the characters the pattern names and some it does not (line endings, combining marks,
/// non-ASCII digits and letters).
@Suite struct KnownPatternTests {
    static let valid: [KnownPattern: [String]] = [
        .uuid: ["3f2c1a9e-8d3b-4c7a-9e21-5b6f0d8c3a17", "00000000-0000-0000-0000-000000000000"],
        .timestamp: ["2026-12-07T10:00:00Z", "9999-99-99T99:99:99Z"],
        .lowerHex64: [String(repeating: "0f", count: 32), String(repeating: "a", count: 64)],
        .agentVersion: ["0.1.0", "12.345.6789", "1.2.3-rc.1", "1.2.3+build.5", "1.2.3-", "1.2.3--", "1.2.3-a-b.c"],
        .productName: ["acme-db", "A", "a.b_c+d-e", String(repeating: "x", count: 64)],
        .detectVirt: ["kvm", "none", "systemd-nspawn", "-", "0"],
        .factName: ["edition", "a", "flowsExecuted_2", "a" + String(repeating: "Z", count: 63)],
    ]

    static let alphabet: [String] = ["0", "1", "9", "a", "f", "g", "z", "A", "F", "Z", "T", "-", "+", ".", "_", ":", " ",
                                     "\n", "\r\n", "\r", "\u{301}", "é", "ｆ", "٣", "𝄞", "\u{200B}", "/", "$", "^"]

    static func inputs(_ k: KnownPattern, rng: inout SplitMix) -> [String] {
        var out: [String] = ["", "\n"]
        for v in valid[k] ?? [] {
            let chars = Array(v)
            out += [v, v + "\n", v + "\r\n", "\n" + v, v + "x", "x" + v, String(v.dropLast()), v + v, v + "\u{301}", v.uppercased()]
            for i in 0..<chars.count {
                for c in alphabet.shuffledPrefix(6, rng: &rng) {
                    var replaced = chars; replaced[i] = Character(c); out.append(String(replaced))
                    var inserted = chars; inserted.insert(contentsOf: Array(c), at: i); out.append(String(inserted))
                }
                var removed = chars; removed.remove(at: i); out.append(String(removed))
            }
        }
        for _ in 0..<3000 {
            let length = rng.next(70)
            out.append((0..<length).map { _ in alphabet[rng.next(alphabet.count)] }.joined())
        }
        return out
    }

    @Test(arguments: KnownPattern.allCases)
    func theMatcherAnswersAsItsRegex(_ k: KnownPattern) throws {
        let regex = try Regex(k.pattern)
        var rng = SplitMix(seed: 42)
        var matched = 0, total = 0
        for s in Self.inputs(k, rng: &rng) {
            let expected = (try? regex.firstMatch(in: s)) != nil
            #expect(k.matches(s) == expected, "\(k) \(s.debugDescription)")
            if expected { matched += 1 }
            total += 1
        }
        // Both answers in numbers: the valid strings and some mutations match, most random strings do not.
        #expect(matched >= (Self.valid[k]?.count ?? 0))
        #expect(total - matched > 1000)
    }

    @Test func everyPatternOfTheShippedSchemaIsMatchedByHand() throws {
        let schema = try JSONValue.parse(Array(ReportSchema.json.utf8), maxDepth: 64)
        var patterns: Set<String> = []
        func collect(_ v: JSONValue) {
            switch v {
            case .object(let o):
                if let p = o["pattern"]?.string { patterns.insert(p) }
                o.values.forEach(collect)
            case .array(let a): a.forEach(collect)
            default: break
            }
        }
        collect(schema)
        #expect(patterns.count == KnownPattern.allCases.count)
        for p in patterns { #expect(KnownPattern(pattern: p) != nil, "\(p) is matched by Regex, not by hand") }
    }
}

extension Array {
    func shuffledPrefix(_ n: Int, rng: inout SplitMix) -> [Element] {
        var copy = self
        for i in 0..<Swift.min(n, count) { copy.swapAt(i, i + rng.next(count - i)) }
        return Array(copy.prefix(n))
    }
}
