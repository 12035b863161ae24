import ReportValidation
import Testing

/// `JSONValue.minimalJSON`: what a store keeps of a report. Parsing it gives back the same value; it holds no
/// insignificant whitespace, so a padded body costs no more disk than a compact one.
@Suite struct MinimalJSONTests {
    func parse(_ s: String) throws -> JSONValue { try JSONValue.parse(Array(s.utf8), maxDepth: 16) }

    func roundTrips(_ text: String) throws -> String {
        let v = try parse(text)
        let minimal = v.minimalJSON
        #expect(try parse(minimal) == v, "\(text) -> \(minimal)")
        // Minimal is a fixed point: serializing its own parse gives the same bytes.
        #expect(try parse(minimal).minimalJSON == minimal)
        return minimal
    }

    @Test func whitespaceGoesAndMembersAreOrdered() throws {
        #expect(try roundTrips(" {\n\t\"b\" : [ 1 , 2 ] ,\r\n \"a\" : { } , \"c\" : [ ] } ") == #"{"a":{},"b":[1,2],"c":[]}"#)
        #expect(try roundTrips("  null ") == "null")
        #expect(try roundTrips("[true,false,null]") == "[true,false,null]")
        // Names in byte order (upper case before lower case, "é" after ASCII), one per name: the last, as validated.
        #expect(try roundTrips(#"{"é":1,"b":2,"B":3,"b":4}"#) == #"{"B":3,"b":4,"é":1}"#)
    }

    @Test func stringsKeepEveryCharacter() throws {
        #expect(try roundTrips(#""a\"b\\c\/d\b\f\n\r\t""#) == #""a\"b\\c/d\b\f\n\r\t""#)
        #expect(try roundTrips(#""\u0000\u001f\u007f""#) == "\"\\u0000\\u001f\u{7F}\"")
        #expect(try roundTrips(#""\u00e9\u20AC\ud83d\ude00""#) == "\"é€😀\"")
        #expect(try roundTrips("\"grüße 😀 \u{2028} e\u{301}\"") == "\"grüße 😀 \u{2028} e\u{301}\"")
        #expect(try roundTrips(#""""#) == #""""#)
        #expect(try roundTrips(#"{"k\"ey\n":"v"}"#) == #"{"k\"ey\n":"v"}"#)
    }

    @Test func numbersKeepTheirValue() throws {
        #expect(try roundTrips("[0, -0, 1, -1, 9223372036854775807, -9223372036854775808]") == "[0,0,1,-1,9223372036854775807,-9223372036854775808]")
        #expect(try roundTrips("[1e3, 1E3, 0.1, -0.0, 1.5e-7, 2.5E+300, 0.30000000000000004]") == "[1000.0,1000.0,0.1,-0.0,1.5e-07,2.5e+300,0.30000000000000004]")
        #expect(try roundTrips("12345678901234567890") == "1.2345678901234567e+19")
        #expect(try roundTrips("5e-324") == "5e-324")
        // A Double keeps its sign and its kind: -0.0 is not the integer 0.
        #expect(try parse(try parse("-0.0").minimalJSON) == .double(-0.0))
        #expect(try parse("-0.0").minimalJSON.hasPrefix("-"))
        // Past the range of a Double: not a number JSON can give back, refused like any other.
        #expect(throws: JSONParseError.self) { try parse("1e999") }
        #expect(throws: JSONParseError.self) { try parse("-1e999") }
    }

    @Test func nestingIsKept() throws {
        let text = #"{"a":[{"b":[[],[{}],{"c":[1,[2,[3,{"d":null}]]]}]}],"e":"f"}"#
        #expect(try roundTrips(text) == text)
        #expect(try roundTrips(" [ [ [ [ ] ] ] , { \"x\" : [ { } ] } ] ") == #"[[[[]]],{"x":[{}]}]"#)
    }
}
