@testable import ReportValidation
import Testing

/// The byte walk answers as `Regex` does for the patterns it takes, and leaves the others to it.
@Suite struct AnchoredClassPatternTests {
    /// The report schema's patterns, and shapes around them.
    static let patterns = [
        "^[a-z][A-Za-z0-9_]{0,63}$",
        "^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$",
        "^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z$",
        "^[0-9a-f]{64}$",
        "^[a-z0-9-]+$",
        "^a?b*c+d{2,}[xy]{1,3}$",
        "^[a-c]*[b-d]*c$",
        "^$",
    ]

    @Test func everySchemaPatternTakesTheFastPath() {
        for p in AnchoredClassPatternTests.patterns {
            #expect(AnchoredClassPattern(p) != nil, "\(p)")
        }
    }

    @Test func otherShapesAreLeftToRegex() {
        for p in ["[a-z]+", "^[a-z]+", "^a|b$", "^(ab)+$", "^.+$", "^[^a]$", "^\\d+$", "^a+?$", "^[a-]$x", "^[-a]$",
                  "^a{2$", "^a{3,2}$", "^a**$"] {
            #expect(AnchoredClassPattern(p) == nil, "\(p)")
        }
        // Text that is not printable ASCII: Regex decides.
        let p = AnchoredClassPattern("^[a-z]+$")
        #expect(p?.matches("caf\u{E9}") == nil)
        #expect(p?.matches("ab\n") == nil)
        #expect(p?.matches("ab") == true)
    }

    @Test func theWalkAndRegexAgree() throws {
        // Texts near each pattern: the alphabet of its classes and literals and a few bytes outside, of lengths
        // around its bounds; a fixed generator, so a failure repeats.
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        let alphabet = Array("abcdxyzAZ019f_-:TZ ~".utf8)
        var checked = 0
        var matched = 0
        for p in AnchoredClassPatternTests.patterns {
            let fast = try #require(AnchoredClassPattern(p))
            let regex = try Regex(p)
            var samples = ["", "a", "d0c9c7de-4f33-4c2a-9a40-6b1f5b0e3a11", "2026-12-07T20:29:34Z", "ab", "aaaaaaaaaa",
                           "abccdd", "abccddxyx", "abccddxyxy", String(repeating: "f", count: 64),
                           String(repeating: "a", count: 64), "acmE-db", "clusterNodes", "c"]
            for _ in 0..<400 {
                let n = Int(next() % 70)
                samples.append(String(decoding: (0..<n).map { _ in alphabet[Int(next() % UInt64(alphabet.count))] }, as: UTF8.self))
            }
            for text in samples {
                let expected = (try? regex.firstMatch(in: text)) != nil
                #expect(fast.matches(text) == expected, "\(p) on \"\(text)\"")
                checked += 1
                if expected { matched += 1 }
            }
        }
        // Both answers were seen often enough for the agreement to mean something.
        #expect(checked > 3_000 && matched > 10)
    }
}
