#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// One value of `data.facts` as it is sent: a boolean, a finite number, or a string the schema lists in an `enum`.
public enum FactValue: Sendable, Equatable, Codable {
    case bool(Bool)
    case integer(Int64)
    case number(Double)
    case string(String)

    public init(from decoder: any Decoder) throws {
        let c = try decoder.singleValueContainer()
        if let b = try? c.decode(Bool.self) { self = .bool(b) }
        else if let i = try? c.decode(Int64.self) { self = .integer(i) }
        else if let d = try? c.decode(Double.self), d.isFinite { self = .number(d) }
        else { self = .string(try c.decode(String.self)) }
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        switch self {
        case .bool(let b): try c.encode(b)
        case .integer(let i): try c.encode(i)
        case .number(let d): try c.encode(d)
        case .string(let s): try c.encode(s)
        }
    }
}

/// `factsStatus` of a diagnostics report.
public enum FactsStatus: String, Sendable, Codable, CaseIterable {
    /// Facts were read (some keys may have been dropped).
    case ok
    /// No `FactsFile=` is configured.
    case none
    /// `FactsFile=` does not exist (yet).
    case missing
    /// The file is older than `FactsMaxAgeSec=`.
    case stale
    /// Not a regular file, too large, writable by others, not a JSON object, or the schema is unusable.
    case invalid
}
