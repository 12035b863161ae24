#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import TelemetryWire

extension FactValue {
    /// The value as a Double, for range checks; nil for booleans and strings.
    var numeric: Double? {
        switch self {
        case .integer(let i): Double(i)
        case .number(let d): d
        case .bool, .string: nil
        }
    }
}

/// A top-level value of the product's facts file before the rules run: anything JSON can hold, with nested
/// values kept opaque (they are always dropped, so their content is never decoded or kept).
enum FactInput: Decodable, Equatable {
    case null
    case bool(Bool)
    case integer(Int64)
    case number(Double)
    case nonFinite
    case string(String)
    case nested

    init(from decoder: any Decoder) throws {
        let c = try decoder.singleValueContainer()
        // Most facts are numbers: try those first (each failed attempt costs a thrown DecodingError).
        if c.decodeNil() { self = .null }
        else if let i = try? c.decode(Int64.self) { self = .integer(i) }
        else if let d = try? c.decode(Double.self) { self = d.isFinite ? .number(d) : .nonFinite }
        else if let b = try? c.decode(Bool.self) { self = .bool(b) }
        else if let s = try? c.decode(String.self) { self = .string(s) }
        else { self = .nested }
    }
}

/// A key left out of `data.facts`, and why. Never the value.
public struct DroppedFact: Sendable, Equatable, CustomStringConvertible {
    public var key: String
    public var reason: String
    public init(key: String, reason: String) { self.key = key; self.reason = reason }
    public var description: String { "\(key): \(reason)" }
}

/// What the facts rules made of the product's file.
public struct FactsOutcome: Sendable, Equatable {
    public var status: FactsStatus
    /// The facts to send; nil unless `status` is `ok`.
    public var facts: [String: FactValue]?
    /// The running totals of the schema's counters; nil unless `status` is `ok` and a schema was read. Counters are
    /// never facts: `CounterRules` turns them into increments.
    public var counters: CounterReading?
    /// Keys left out, sorted by key.
    public var dropped: [DroppedFact]
    /// Why the whole file was refused (`missing`, `stale`, `invalid`), for the log; never file content.
    public var problem: String?

    public init(status: FactsStatus, facts: [String: FactValue]? = nil, counters: CounterReading? = nil,
                dropped: [DroppedFact] = [], problem: String? = nil) {
        self.status = status
        self.facts = facts
        self.counters = counters
        self.dropped = dropped
        self.problem = problem
    }

    public static let none = FactsOutcome(status: .none)
}
