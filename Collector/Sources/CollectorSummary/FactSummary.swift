/// One product fact on one UTC day, over the installs active that day (each once, by the facts of its last
/// diagnostics report that day, else its last known facts). The JSON form is the API's:
/// `{"kind": "boolean", "installs": N, "true": T}`, `{"kind": "enum", "installs": N, "values": {"oss": 40}}`,
/// `{"kind": "number", "installs": N, "zero": Z, "p5": …, "p50": …, "p95": …}`.
public enum FactSummary: Sendable, Equatable {
    /// `installs` carried the fact, `isTrue` of them with `true`.
    case boolean(installs: Int, isTrue: Int)
    /// Installs per value (at most `MaxDistinctValues=` values, the rest `other`).
    case enumeration(installs: Int, values: [String: Int])
    /// `installs` carried a number, `zero` of them 0; percentiles over those installs' values.
    case number(installs: Int, zero: Int, p5: Double, p50: Double, p95: Double)

    public var installs: Int {
        switch self {
        case .boolean(let n, _), .enumeration(let n, _), .number(let n, _, _, _, _): return n
        }
    }

    public var kind: String {
        switch self {
        case .boolean: return "boolean"
        case .enumeration: return "enum"
        case .number: return "number"
        }
    }
}

extension FactSummary: Codable {
    private enum Key: String, CodingKey { case kind, installs, `true`, values, zero, p5, p50, p95 }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: Key.self)
        let installs = try c.decode(Int.self, forKey: .installs)
        switch try c.decode(String.self, forKey: .kind) {
        case "boolean":
            self = .boolean(installs: installs, isTrue: try c.decode(Int.self, forKey: .true))
        case "enum":
            self = .enumeration(installs: installs, values: try c.decode([String: Int].self, forKey: .values))
        case "number":
            self = .number(installs: installs, zero: try c.decode(Int.self, forKey: .zero),
                           p5: try c.decode(Double.self, forKey: .p5), p50: try c.decode(Double.self, forKey: .p50),
                           p95: try c.decode(Double.self, forKey: .p95))
        case let other:
            throw DecodingError.dataCorruptedError(forKey: .kind, in: c, debugDescription: "unknown fact kind \(other)")
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: Key.self)
        try c.encode(kind, forKey: .kind)
        try c.encode(installs, forKey: .installs)
        switch self {
        case .boolean(_, let t):
            try c.encode(t, forKey: .true)
        case .enumeration(_, let values):
            try c.encode(values, forKey: .values)
        case .number(_, let zero, let p5, let p50, let p95):
            try c.encode(zero, forKey: .zero)
            try c.encode(p5, forKey: .p5)
            try c.encode(p50, forKey: .p50)
            try c.encode(p95, forKey: .p95)
        }
    }
}

/// One product counter on one UTC day of arrival: the day's increments, the installs that sent an increment
/// above 0, and percentiles of those installs' daily sums.
public struct CounterSummary: Codable, Sendable, Equatable {
    public var increments: Int
    public var installs: Int
    public var p50: Double
    public var p95: Double

    public init(increments: Int = 0, installs: Int = 0, p50: Double = 0, p95: Double = 0) {
        self.increments = increments
        self.installs = installs
        self.p50 = p50
        self.p95 = p95
    }
}
