#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import TelemetryWire

/// The vendor's declaration of allowed facts (`FactsSchema=`, by default `/usr/lib/telemetryd/facts.schema.json`):
///
///     {"facts": {"edition": {"type": "string", "enum": ["oss", "enterprise"]},
///                "clusterNodes": {"type": "integer", "minimum": 0},
///                "flowsExecuted": {"type": "counter"}}}
///
/// A `counter` is a running total the product keeps (README, "Product counters"): never sent as a fact, only as the
/// increments of `data.counters`. At most `maxCounters` of them count (the first in byte order); the rest are dropped.
///
/// Only the keywords below are understood; an unknown keyword or type makes the schema unusable (better no facts than
/// facts checked against rules the vendor did not mean).
public struct FactsSchema: Sendable, Equatable {
    public enum Kind: String, Sendable, Equatable, Decodable {
        case boolean, integer, number, string, counter
    }

    public struct Declaration: Sendable, Equatable {
        public var type: Kind
        public var enumValues: [String]?
        public var minimum: Double?
        public var maximum: Double?
    }

    public static let maxEnumValues = 32
    public static let maxEnumValueLength = TextLimit.factValue
    /// At most this many counters are counted (report-v1's `data.counters` has at most 64 keys).
    public static let maxCounters = 64

    public var facts: [String: Declaration]

    /// The declared counters that count: the first `maxCounters` names in byte order (so the choice depends on the
    /// schema alone, never on what the product wrote).
    public let counters: [String]

    public init(facts: [String: Declaration]) {
        self.facts = facts
        counters = Array(facts.filter { $0.value.type == .counter }.keys
            .sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }.prefix(Self.maxCounters))
    }

    public struct Invalid: Error, Sendable, Equatable, CustomStringConvertible {
        public var description: String
    }

    private struct File: Decodable {
        var facts: [String: Entry]
        private enum CodingKeys: String, CodingKey { case facts }
    }

    private struct Entry: Decodable {
        var type: Kind
        var `enum`: [String]?
        var minimum: Double?
        var maximum: Double?
        private enum CodingKeys: String, CodingKey, CaseIterable { case type, `enum`, minimum, maximum, description }
        init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: AnyKey.self)
            for key in c.allKeys where CodingKeys(rawValue: key.stringValue) == nil {
                throw Invalid(description: "unknown keyword \"\(key.stringValue)\" (known: type, enum, minimum, maximum, description)")
            }
            let k = try decoder.container(keyedBy: CodingKeys.self)
            type = try k.decode(Kind.self, forKey: .type)
            self.enum = try k.decodeIfPresent([String].self, forKey: .enum)
            minimum = try k.decodeIfPresent(Double.self, forKey: .minimum)
            maximum = try k.decodeIfPresent(Double.self, forKey: .maximum)
        }
    }

    private struct AnyKey: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }

    /// Parses and checks a schema file's bytes; the error says what to fix.
    public static func parse(_ bytes: [UInt8]) throws(Invalid) -> FactsSchema {
        let file: File
        do {
            file = try JSONDecoder().decode(File.self, from: Data(bytes))
        } catch let invalid as Invalid {
            throw invalid
        } catch {
            throw Invalid(description: "not a facts schema: expected {\"facts\": {\"key\": {\"type\": \"boolean|integer|number|string|counter\", …}}}")
        }
        var out: [String: Declaration] = [:]
        for (key, e) in file.facts {
            guard FactsRules.isValidKey(key) else { throw Invalid(description: "key \"\(key)\" does not match \(FactsRules.keyPattern)") }
            if let values = e.enum {
                guard e.type == .string else { throw Invalid(description: "\(key): enum is only allowed with type string") }
                guard values.count <= maxEnumValues, values.allSatisfy({ !$0.isEmpty && $0.unicodeScalars.count <= maxEnumValueLength }) else {
                    throw Invalid(description: "\(key): enum allows at most \(maxEnumValues) values of 1 to \(maxEnumValueLength) characters")
                }
                // A value is sent as it is listed (cutting it would no longer match the file's); the collector
                // refuses control and format characters, so a schema listing one is unusable.
                guard !values.contains(where: TextLimit.hasControlOrFormat) else {
                    throw Invalid(description: "\(key): an enum value holds a control or format character (such as a zero-width space or a bidi override)")
                }
            } else if e.type == .string {
                throw Invalid(description: "\(key): a string fact needs an enum of its allowed values")
            }
            if (e.minimum != nil || e.maximum != nil) && !(e.type == .integer || e.type == .number) {
                throw Invalid(description: "\(key): minimum and maximum are only allowed with type integer or number")
            }
            out[key] = Declaration(type: e.type, enumValues: e.enum, minimum: e.minimum, maximum: e.maximum)
        }
        return FactsSchema(facts: out)
    }
}
