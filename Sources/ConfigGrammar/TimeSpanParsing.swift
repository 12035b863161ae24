// systemd time spans: a port of systemd's parse_time() / format_timespan() (src/basic/time-util.c).
//
// Grammar (as systemd 252): optional whitespace, then one or more "<number>[.<fraction>][ ]<unit>"
// items, e.g. "6h", "1h 30min", "1h30min", "1.5h", "2 hours". A number without unit is seconds.
// Units and values are systemd's: us/usec/µs/μs (micro sign, Greek mu), ms/msec, s/sec/second(s), m/min/minute(s),
// h/hr/hour(s), d/day(s), w/week(s), M/month(s) (30.44 days), y/year(s) (365.25 days).
// "infinity" alone is USEC_INFINITY. Negative values, garbage and overflow are rejected.

extension TimeSpan {
    /// systemd's `USEC_INFINITY`.
    public static let infinity = TimeSpan(microseconds: .max)
    public static let zero = TimeSpan(microseconds: 0)
    public var isInfinity: Bool { microseconds == .max }

    public enum ParseError: Error, Sendable, Equatable {
        /// Not a time span at all ("", "soon", "12.34.56", "5.").
        case invalid
        /// A minus sign ("-5s", "-0").
        case negative
        /// Does not fit in 64-bit microseconds.
        case overflow
    }

    static let usecPerSec: UInt64 = 1_000_000
    static let usecPerMinute: UInt64 = 60 * usecPerSec
    static let usecPerHour: UInt64 = 60 * usecPerMinute
    static let usecPerDay: UInt64 = 24 * usecPerHour
    static let usecPerWeek: UInt64 = 7 * usecPerDay
    static let usecPerMonth: UInt64 = 2_629_800 * usecPerSec   // 30.44 days
    static let usecPerYear: UInt64 = 31_557_600 * usecPerSec   // 365.25 days

    /// Suffixes in systemd's match order (longest alternatives first where prefixes collide).
    private static let parseUnits: [(suffix: [UInt8], usec: UInt64)] = [
        ("seconds", usecPerSec), ("second", usecPerSec), ("sec", usecPerSec), ("s", usecPerSec),
        ("minutes", usecPerMinute), ("minute", usecPerMinute), ("min", usecPerMinute),
        ("months", usecPerMonth), ("month", usecPerMonth), ("M", usecPerMonth),
        ("msec", 1000), ("ms", 1000), ("m", usecPerMinute),
        ("hours", usecPerHour), ("hour", usecPerHour), ("hr", usecPerHour), ("h", usecPerHour),
        ("days", usecPerDay), ("day", usecPerDay), ("d", usecPerDay),
        ("weeks", usecPerWeek), ("week", usecPerWeek), ("w", usecPerWeek),
        ("years", usecPerYear), ("year", usecPerYear), ("y", usecPerYear),
        // The micro sign (U+00B5) and the Greek small mu (U+03BC) look alike; systemd accepts both.
        ("usec", 1), ("us", 1), ("\u{00B5}s", 1), ("\u{03BC}s", 1),
    ].map { (Array($0.0.utf8), $0.1) }

    private static let formatUnits: [(suffix: String, usec: UInt64)] = [
        ("y", usecPerYear), ("month", usecPerMonth), ("w", usecPerWeek), ("d", usecPerDay),
        ("h", usecPerHour), ("min", usecPerMinute), ("s", usecPerSec), ("ms", 1000), ("us", 1),
    ]

    /// Parses a systemd time span; a bare number is seconds.
    public init(parsing text: String) throws(ParseError) {
        self.init(microseconds: try TimeSpan.parseMicroseconds(Array(text.utf8)))
    }

    // systemd's WHITESPACE set, used by skip_leading_chars() and strspn().
    private static func isWS(_ c: UInt8) -> Bool { c == 0x20 || c == 0x09 || c == 0x0A || c == 0x0D }
    // isspace() in the C locale, used by strtoll().
    private static func isCSpace(_ c: UInt8) -> Bool { isWS(c) || c == 0x0B || c == 0x0C }
    private static func isDigit(_ c: UInt8) -> Bool { c >= 0x30 && c <= 0x39 }

    private static func hasPrefix(_ b: [UInt8], at i: Int, _ p: [UInt8]) -> Bool {
        guard b.count - i >= p.count else { return false }
        for k in 0..<p.count where b[i + k] != p[k] { return false }
        return true
    }

    static func parseMicroseconds(_ b: [UInt8]) throws(ParseError) -> UInt64 {
        let n = b.count
        var i = 0
        while i < n && isWS(b[i]) { i += 1 }
        if hasPrefix(b, at: i, Array("infinity".utf8)) {
            var j = i + 8
            while j < n && isWS(b[j]) { j += 1 }
            guard j == n else { throw .invalid }
            return .max
        }
        var usec: UInt64 = 0
        var something = false
        while true {
            while i < n && isWS(b[i]) { i += 1 }
            if i == n {
                guard something else { throw .invalid }
                break
            }
            if b[i] == UInt8(ascii: "-") { throw .negative }   // don't allow "-0"

            // strtoll(p, &e, 10)
            var j = i
            while j < n && isCSpace(b[j]) { j += 1 }
            var negative = false
            if j < n && (b[j] == UInt8(ascii: "+") || b[j] == UInt8(ascii: "-")) {
                negative = b[j] == UInt8(ascii: "-")
                j += 1
            }
            let digitsStart = j
            var l: UInt64 = 0
            var tooBig = false
            while j < n && isDigit(b[j]) {
                let (m, o1) = l.multipliedReportingOverflow(by: 10)
                let (s, o2) = m.addingReportingOverflow(UInt64(b[j] - 0x30))
                if o1 || o2 || s > UInt64(Int64.max) { tooBig = true } else { l = s }
                j += 1
            }
            let e = j == digitsStart ? i : j      // no conversion: endptr = nptr
            if tooBig { throw .overflow }         // strtoll: ERANGE
            if negative && l > 0 { throw .negative }

            let hasDot = e < n && b[e] == UInt8(ascii: ".")
            var p: Int
            if hasDot {
                p = e + 1
                while p < n && isDigit(b[p]) { p += 1 }
            } else if e == i {
                throw .invalid
            } else {
                p = e
            }

            var q = p
            while q < n && isWS(b[q]) { q += 1 }
            var multiplier = usecPerSec
            var s = q
            for unit in parseUnits where hasPrefix(b, at: q, unit.suffix) {
                multiplier = unit.usec
                s = q + unit.suffix.count
                break
            }
            // Don't allow "12.34.56", but accept "12.34 .56" or "12.34s.56".
            if s == p && s < n { throw .invalid }

            if l >= UInt64.max / multiplier { throw .overflow }
            var k = l * multiplier
            if k >= UInt64.max - usec { throw .overflow }
            usec += k
            something = true

            if hasDot {
                var m = multiplier / 10
                var d = e + 1
                while d < n && isDigit(b[d]) {
                    k = UInt64(b[d] - 0x30) * m
                    if k >= UInt64.max - usec { throw .overflow }
                    usec += k
                    d += 1
                    m /= 10
                }
                // Don't allow "0.-0", "3.+1", "3. 1", "3.sec" or "3.hoge".
                if d == e + 1 { throw .invalid }
            }
            i = s
        }
        return usec
    }

    /// systemd's `format_timespan(buf, l, t, accuracy)`; parts below `accuracy` are dropped (rounded down).
    public func formatted(accuracy: TimeSpan = TimeSpan(microseconds: 1)) -> String {
        var t = microseconds
        if t == .max { return "infinity" }
        if t == 0 { return "0" }
        let acc = accuracy.microseconds
        var parts: [String] = []
        for unit in TimeSpan.formatUnits {
            if t == 0 { break }
            if t < acc && !parts.isEmpty { break }
            if t < unit.usec { continue }
            let a = t / unit.usec
            var b = t % unit.usec
            var done = false
            // Below a minute, show the rest in dot notation ("1.500000s").
            if t < TimeSpan.usecPerMinute && b > 0 {
                var j = 0
                var cc = unit.usec
                while cc > 1 { j += 1; cc /= 10 }
                cc = acc
                while cc > 1 { b /= 10; j -= 1; cc /= 10 }
                if j > 0 {
                    let frac = String(b)
                    let padded = String(repeating: "0", count: max(0, j - frac.count)) + frac
                    parts.append("\(a).\(padded)\(unit.suffix)")
                    t = 0
                    done = true
                }
            }
            if !done {
                parts.append("\(a)\(unit.suffix)")
                t = b
            }
        }
        return parts.joined(separator: " ")
    }
}
