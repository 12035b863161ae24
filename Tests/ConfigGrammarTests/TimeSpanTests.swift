import Testing
import TestSupport
@testable import ConfigGrammar

@Suite("Config: systemd time spans")
struct ConfigTimeSpanTests {
    static let s: UInt64 = 1_000_000
    static let min: UInt64 = 60 * s
    static let h: UInt64 = 60 * min
    static let d: UInt64 = 24 * h

    // Values as systemd's parse_sec() gives them (test-time-util.c and time-util.c's unit table).
    static let valid: [(String, UInt64)] = [
        ("0", 0), ("30", 30 * s), ("5s", 5 * s), ("30s", 30 * s), (" 5s ", 5 * s),
        ("1us", 1), ("23usec", 23), ("23μs", 23), ("5ms", 5000), ("5msec", 5000),
        ("1sec", s), ("1second", s), ("2seconds", 2 * s),
        ("5m", 5 * min), ("15min", 15 * min), ("1minute", min), ("2minutes", 2 * min),
        ("6h", 6 * h), ("1hr", h), ("1hour", h), ("2hours", 2 * h), ("2 hours", 2 * h), ("6 hours", 6 * h),
        ("1d", d), ("1day", d), ("3days", 3 * d),
        ("1w", 7 * d), ("1week", 7 * d), ("3weeks", 21 * d),
        ("1M", 2_629_800 * s), ("1month", 2_629_800 * s), ("2months", 2 * 2_629_800 * s),
        ("1y", 31_557_600 * s), ("1year", 31_557_600 * s), ("2years", 2 * 31_557_600 * s),
        ("1h 30min", 90 * min), ("1h30min", 90 * min), ("1h  30min", 90 * min), ("5s500ms", 5_500_000),
        ("1.5h", 90 * min), ("5.5s", 5_500_000), ("2.5", 2_500_000), (".7", 700_000), (" .22s ", 220_000),
        ("0.5y", 31_557_600 * s / 2), ("5.5s 0.5ms", 5_500_500), ("1.5us", 1),
        ("+5s", 5 * s), ("10min", 10 * min), ("1d 1h 1min 1s", d + h + min + s),
        ("9223372036854775807us", UInt64(Int64.max)),
        ("infinity", UInt64.max), ("  infinity  ", UInt64.max),
        // Microseconds with the micro sign (U+00B5) and the Greek mu (U+03BC): systemd 252 reads both
        // (`systemd-analyze timespan` gives these values).
        ("5\u{00B5}s", 5), ("5\u{03BC}s", 5), ("1.5\u{00B5}s", 1), ("2 \u{00B5}s", 2),
        ("1s 5\u{00B5}s", 1_000_005), ("7 \u{03BC}s 3ms", 3007),
    ]

    @Test("accepts systemd time spans", arguments: valid)
    func parses(_ input: String, _ expected: UInt64) throws {
        #expect(try TimeSpan(parsing: input).microseconds == expected)
    }

    static let invalid: [(String, TimeSpan.ParseError)] = [
        ("", .invalid), ("   ", .invalid), ("soon", .invalid), ("5x", .invalid), ("5 hourz", .invalid),
        ("5mins", .invalid), ("5.", .invalid), ("3.sec", .invalid), ("3. 1", .invalid), ("12.34.56", .invalid),
        (".", .invalid), ("1h garbage", .invalid), ("infinityx", .invalid), ("infinity 5s", .invalid),
        ("5s infinity", .invalid), ("0x10", .invalid), ("1,5h", .invalid), ("+-5", .invalid),
        ("-5s", .negative), ("-0", .negative), ("5s -1s", .negative), (" -1", .negative),
        ("9223372036854775808", .overflow), ("99999999999999999999999999s", .overflow),
        ("1000000y", .overflow), ("5000000000000w", .overflow), ("18446744073709551615us", .overflow),
    ]

    @Test("rejects negatives, garbage and overflow", arguments: invalid)
    func rejects(_ input: String, _ expected: TimeSpan.ParseError) {
        #expect(throws: expected) { try TimeSpan(parsing: input) }
    }

    // As systemd's format_timespan(…, accuracy = 1us).
    static let formatCases: [(UInt64, String)] = [
        (0, "0"), (1, "1us"), (1000, "1ms"), (1500, "1.500ms"), (1_500_000, "1.500000s"),
        (30 * s, "30s"), (90 * s, "1min 30s"), (10 * min, "10min"), (6 * h, "6h"), (5 * h + 59 * min, "5h 59min"),
        (90 * min, "1h 30min"), (d + h, "1d 1h"), (14 * d, "2w"), (2_629_800 * s, "1month"),
        (31_557_600 * s, "1y"), (61_500_000, "1min 1.500000s"), (UInt64.max, "infinity"),
    ]

    @Test("formats like format_timespan", arguments: formatCases)
    func formats(_ usec: UInt64, _ expected: String) {
        #expect(TimeSpan(microseconds: usec).description == expected)
    }

    @Test func formatsWithAccuracy() {
        #expect(TimeSpan(microseconds: 1_500_000).formatted(accuracy: TimeSpan(microseconds: 1000)) == "1.500s")
        #expect(TimeSpan(microseconds: 1_500_000).formatted(accuracy: TimeSpan(seconds: 1)) == "1s")
        #expect(TimeSpan(microseconds: 6 * Self.h + 1).formatted(accuracy: TimeSpan(seconds: 1)) == "6h")
    }

    @Test func formattedValuesParseBack() throws {
        var rng = SplitMix64(seed: 0x7157)
        for i in 0..<3000 {
            // Mix small, round and huge values.
            let usec: UInt64 = switch i % 3 {
            case 0: rng.next() % 1_000_000_000
            case 1: (rng.next() % 100_000) * Self.s
            default: rng.next() % (UInt64.max - 1)
            }
            let text = TimeSpan(microseconds: usec).description
            #expect(try TimeSpan(parsing: text).microseconds == usec, "\(usec) formatted as \(text)")
        }
    }

    @Test func secondsInitSaturates() {
        #expect(TimeSpan(seconds: 30).microseconds == 30_000_000)
        #expect(TimeSpan(seconds: .max) == .infinity)
        #expect(TimeSpan(seconds: 90).duration == .seconds(90))
    }
}
