import ReportValidation
import Testing

/// The collector's own JSON parser (JSONValue.parse): RFC 8259 exactly, with its depth limit.
@Suite struct JSONParserTests {
    func parse(_ s: String, depth: Int = 16) throws -> JSONValue { try JSONValue.parse(Array(s.utf8), maxDepth: depth) }

    @Test func valuesOfEveryKind() throws {
        let v = try parse(#" { "a" : [1, -2, 0, 1.5, -0.25e2, 1E3, true, false, null, "x"], "b": {}, "c": [] } "#)
        #expect(v == .object([
            "a": .array([.integer(1), .integer(-2), .integer(0), .double(1.5), .double(-25), .double(1000),
                         .bool(true), .bool(false), .null, .string("x")]),
            "b": .object([:]), "c": .array([]),
        ]))
        #expect(try parse("9223372036854775807") == .integer(Int64.max))
        #expect(try parse("9223372036854775808") == .double(9223372036854775808))   // past Int64: a Double
        #expect(try parse("-0") == .integer(0))
        #expect(try parse(#"{"k": 1, "k": 2}"#) == .object(["k": .integer(2)]))      // the last of duplicates
    }

    @Test func stringEscapesAndUnicode() throws {
        #expect(try parse(#""a\"b\\c\/d\b\f\n\r\t""#) == .string("a\"b\\c/d\u{08}\u{0C}\n\r\t"))
        #expect(try parse(#""\u00e9\u20AC""#) == .string("é€"))
        #expect(try parse(#""\ud83d\ude00""#) == .string("😀"))
        #expect(try parse("\"grüße 😀\"") == .string("grüße 😀"))
        #expect(try parse(#""""#) == .string(""))
    }

    @Test(arguments: [
        "", " ", "{", "[1,]", "{\"a\":1,}", "[01]", "[1.]", "[.5]", "[1e]", "[-]", "[+1]", "nan", "[Infinity]",
        "'x'", "{a:1}", "{\"a\" 1}", "[1 2]", "\"abc", "\"\\x\"", "\"\\u12\"", "\"\\ud83d\"", "\"\\ude00\"",
        "\"\\ud83d\\u0041\"", "\"a\u{01}b\"", "tru", "nul", "[true false]", "1 2", "{} x", "[1]]",
    ])
    func refusesWhatIsNotJSON(_ text: String) {
        #expect(throws: JSONParseError.self, "\(text.debugDescription)") { try parse(text) }
    }

    @Test func errorsSayWhereAndTheDepthLimitHolds() throws {
        do {
            _ = try parse(#"{"a": [1, 2,, 3]}"#)
            Issue.record("parsed")
        } catch {
            #expect("\(error)" == "not valid JSON: unexpected character at byte 12")
        }
        let deep = String(repeating: "[", count: 17) + String(repeating: "]", count: 17)
        #expect(throws: JSONParseError("nested deeper than 16 levels")) { try parse(deep) }
        let ok = String(repeating: "[", count: 16) + String(repeating: "]", count: 16)
        #expect(try parse(ok) != .null)
        // A million open brackets stop at the limit, not in a stack overflow.
        let hostile = String(repeating: "[", count: 1_000_000)
        #expect(throws: JSONParseError("nested deeper than 16 levels")) { try parse(hostile) }
    }
}
