/// A mergeable histogram of numbers (a number fact's values, a counter's per-install daily sums), from which the
/// percentiles of a day are read. Stores keep it, not the values: a closed day's counts per product and version are
/// cached once and merged for any filter, and two histograms merge by adding their buckets.
///
/// Each value falls into a bucket named by an integer *code* (`code(of:)`):
/// - an integer from −1023 to 1023 is its own bucket (code = the value): exact, as most facts and counters are;
/// - any other finite value goes to a logarithmic bucket: |x| = m · 2^e with m in [0.5, 1), the octave e cut into 64
///   equal steps of m. The bucket's value is its middle, within 0.8 % of every value in it (1/256 of m ≥ 0.5).
///   Code: ±(1,000,000 + (e + 1100) · 64 + step), the sign of the value.
///
/// Percentiles are nearest-rank: the p-th percentile of n values is the value at rank ⌈p/100 · n⌉ (at least 1) in
/// ascending order, so it is always one of the values (or its bucket's value): exact while every value is an integer
/// in −1023…1023, within 0.8 % otherwise.
public struct NumberHistogram: Sendable, Equatable {
    /// Integers with a magnitude up to this are their own bucket.
    public static let exactLimit = 1023
    /// Steps per octave of the logarithmic buckets.
    static let steps = 64
    static let logarithmicBase = 1_000_000
    static let exponentOffset = 1100

    /// Code → number of values in that bucket (never 0).
    public private(set) var buckets: [Int: Int] = [:]
    /// Number of values.
    public private(set) var count = 0

    public init() {}

    public init(buckets: [Int: Int]) {
        for (code, n) in buckets { add(code: code, count: n) }
    }

    public var isEmpty: Bool { count == 0 }
    /// Values that were exactly 0.
    public var zeros: Int { buckets[0] ?? 0 }

    public mutating func add(_ value: Double, count n: Int = 1) {
        add(code: NumberHistogram.code(of: value), count: n)
    }

    public mutating func add(code: Int, count n: Int) {
        guard n > 0 else { return }
        buckets[code, default: 0] += n
        count += n
    }

    public mutating func merge(_ other: NumberHistogram) {
        for (code, n) in other.buckets { add(code: code, count: n) }
    }

    /// The nearest-rank `p`-th percentile (0 < p ≤ 100); nil when empty.
    public func percentile(_ p: Double) -> Double? {
        percentiles([p])[0]
    }

    /// Several nearest-rank percentiles from one pass over the sorted buckets (a day's summary asks for three).
    public func percentiles(_ ps: [Double]) -> [Double?] {
        guard count > 0 else { return ps.map { _ in nil } }
        let ranks = ps.map { max(1, min(count, Int(($0 / 100 * Double(count)).rounded(.up)))) }
        var out = [Double?](repeating: nil, count: ps.count)
        var seen = 0
        for (value, n) in sortedValues() {
            seen += n
            for (i, rank) in ranks.enumerated() where out[i] == nil && seen >= rank { out[i] = value }
            if !out.contains(where: { $0 == nil }) { break }
        }
        return out
    }

    /// (bucket value, count) in ascending order of value.
    func sortedValues() -> [(Double, Int)] {
        buckets.map { (NumberHistogram.value(ofCode: $0.key), $0.value) }.sorted { $0.0 < $1.0 }
    }

    /// The bucket of a finite value (a non-finite one, never sent, is put with 0).
    public static func code(of value: Double) -> Int {
        guard value.isFinite else { return 0 }
        if value == value.rounded(.towardZero), abs(value) <= Double(exactLimit) { return Int(value) }
        let magnitude = abs(value)
        let e = Int(magnitude.exponent) + 1          // magnitude = m · 2^e, m in [0.5, 1)
        let m = magnitude.significand / 2            // significand is in [1, 2)
        let step = min(steps - 1, Int(((m - 0.5) * 128).rounded(.down)))
        let code = logarithmicBase + (e + exponentOffset) * steps + step
        return value < 0 ? -code : code
    }

    /// The value a bucket stands for: the integer itself, or the middle of a logarithmic bucket.
    public static func value(ofCode code: Int) -> Double {
        guard abs(code) >= logarithmicBase else { return Double(code) }
        let c = abs(code) - logarithmicBase
        let e = c / steps - exponentOffset, step = c % steps
        let m = 0.5 + (Double(step) + 0.5) / 128
        return Double(sign: code < 0 ? .minus : .plus, exponent: e, significand: m)
    }

    /// The same code as `code(of:)` for a non-negative integer SQL expression `n` up to 2^53 (every integer a Double holds
    /// exactly; the stores keep a counter's per-install sum below that), as portable SQL (CASE, integer division):
    /// stores bucket the per-install sums of a counter in the database, so only buckets travel. Larger values (up to
    /// 2^63) still get a bucket, the one of n's own octave.
    public static func sqlCode(ofNonNegativeInteger n: String) -> String {
        var sql = "CASE WHEN \(n) <= \(exactLimit) THEN \(n)"
        // 2^k ≤ n < 2^(k+1): e = k + 1 and step = (n − 2^k) · 64 / 2^k = (n − 2^k) / 2^(k − 6).
        for k in 10...62 {
            let low = Int64(1) << k
            let upper = k == 62 ? "" : " WHEN \(n) < \(Int64(1) << (k + 1))"
            let code = logarithmicBase + (k + 1 + exponentOffset) * steps
            sql += (k == 62 ? " ELSE" : upper + " THEN") + " \(code) + (\(n) - \(low)) / \(low >> 6)"
        }
        return sql + " END"
    }
}

extension NumberHistogram: Codable {
    /// The buckets as one JSON string, `"code:count,code:count"` in code order (`"3:2,1000512:1"`), parsed by hand:
    /// a day-cache row holds a histogram per number fact and counter, and a summary decodes one row per closed day.
    /// As a JSON object (`{"3":2}`, the form of the first day-cache rows, still read) JSONDecoder spent more than half
    /// of a summary's time turning its keys into integers (profiled over 100 days of a fleet with six facts).
    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let text = try? container.decode(String.self) {
            guard let buckets = Self.buckets(parsing: text) else {
                throw DecodingError.dataCorruptedError(in: container, debugDescription: "not code:count pairs: \(text.prefix(80))")
            }
            self.init(buckets: buckets)
        } else {
            self.init(buckets: try container.decode([Int: Int].self))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(compactText)
    }

    /// `"code:count,…"` in code order; `""` when empty.
    var compactText: String {
        buckets.keys.sorted().map { "\($0):\(buckets[$0] ?? 0)" }.joined(separator: ",")
    }

    /// The buckets of `compactText`; nil unless it is comma-separated `code:count` pairs of integers, counts above 0.
    static func buckets(parsing text: String) -> [Int: Int]? {
        var buckets: [Int: Int] = [:]
        var code = 0, number = 0, negative = false, digits = 0, sawCode = false
        func end() -> Bool {
            guard digits > 0 else { return false }
            let value = negative ? -number : number
            if sawCode {
                guard value > 0 else { return false }
                buckets[code, default: 0] += value
            } else {
                code = value
            }
            number = 0; negative = false; digits = 0
            return true
        }
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"):
                guard digits < 18 else { return nil }
                number = number * 10 + Int(byte - UInt8(ascii: "0"))
                digits += 1
            case UInt8(ascii: "-") where digits == 0 && !negative && !sawCode:
                negative = true
            case UInt8(ascii: ":") where !sawCode:
                guard end() else { return nil }
                sawCode = true
            case UInt8(ascii: ",") where sawCode:
                guard end() else { return nil }
                sawCode = false
            default:
                return nil
            }
        }
        if text.isEmpty { return [:] }
        guard sawCode, end() else { return nil }
        return buckets
    }
}
