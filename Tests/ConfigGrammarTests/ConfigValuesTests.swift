import Testing
@testable import ConfigGrammar

@Suite("Config: the shared value types")
struct ConfigValuesTests {
    static let booleans: [(String, Bool?)] = [
        ("yes", true), ("YES", true), ("Yes", true), ("y", true), ("true", true), ("TRUE", true), ("t", true),
        ("on", true), ("On", true), ("1", true),
        ("no", false), ("NO", false), ("n", false), ("false", false), ("False", false), ("f", false),
        ("off", false), ("OFF", false), ("0", false),
        ("", nil), ("2", nil), ("yess", nil), ("enable", nil), ("00", nil), ("-1", nil), (" yes", nil), ("ja", nil),
    ]

    @Test("booleans as systemd's parse_boolean", arguments: booleans)
    func boolean(_ input: String, _ expected: Bool?) {
        #expect(ConfigValues.parseBoolean(input) == expected)
    }

    static let intervals: [(String, UInt64?)] = [
        ("1s", 1_000_000), ("6h", 6 * 3_600_000_000), ("1y", 31_557_600_000_000), ("1.5s", 1_500_000),
        ("0", nil), ("500ms", nil), ("infinity", nil), ("1y 1s", nil), ("-1s", nil), ("1000000y", nil), ("6 hourz", nil),
    ]

    @Test("intervals: 1s...1y, no infinity", arguments: intervals)
    func interval(_ input: String, _ expected: UInt64?) {
        #expect((try? ConfigValues.timeSpan(input, minimum: TimeSpan(seconds: 1)).get())?.microseconds == expected)
    }

    @Test func intervalErrorsSayWhatWasExpected() {
        func message(_ s: String) -> String {
            switch ConfigValues.timeSpan(s, minimum: TimeSpan(seconds: 1)) {
            case .success: ""
            case .failure(let e): e.text
            }
        }
        #expect(message("soon") == "expected a time span like 6h, 15min, 1h 30min")
        #expect(message("-5s").contains("negative values are not allowed"))
        #expect(message("infinity").contains("set Enable=no"))
        #expect(message("500ms") == "too short; expected at least 1s")
        #expect(message("2y") == "too long; expected at most 1y")
        #expect(message("1000000y") == "time span too large; expected at most 1y")
    }
}
