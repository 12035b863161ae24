import Foundation
import Testing
@testable import TelemetryWire

/// Each JSON kind decodes as its case, whatever order the kinds are tried in.
@Test func factValuesDecodeByTheirJSONKind() throws {
    let json = #"{"t": true, "f": false, "i": 1174, "neg": -3, "zero": 0, "whole": 2.0, "frac": 51.8, "big": 1e20,"#
        + #" "max": 9223372036854775807, "s": "oss", "digits": "12", "word": "true"}"#
    let facts = try JSONDecoder().decode([String: FactValue].self, from: Data(json.utf8))
    #expect(facts["t"] == .bool(true) && facts["f"] == .bool(false))
    #expect(facts["i"] == .integer(1174) && facts["neg"] == .integer(-3) && facts["zero"] == .integer(0))
    #expect(facts["max"] == .integer(Int64.max))
    #expect(facts["frac"] == .number(51.8) && facts["big"] == .number(1e20))
    // 2.0 is whatever Int64 decoding makes of it: an integer when it accepts a whole number written with a point.
    let whole = try? JSONDecoder().decode(Int64.self, from: Data("2.0".utf8))
    #expect(facts["whole"] == (whole.map(FactValue.integer) ?? .number(2)))
    #expect(facts["s"] == .string("oss") && facts["digits"] == .string("12") && facts["word"] == .string("true"))
    #expect(throws: DecodingError.self) { try JSONDecoder().decode([String: FactValue].self, from: Data(#"{"a": [1]}"#.utf8)) }
}
