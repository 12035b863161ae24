import Foundation
import ReportValidation
import Testing

@Suite struct SchemaValidatorTests {
    func parse(_ s: String) throws -> JSONValue { try JSONValue.parse(Array(s.utf8), maxDepth: 64) }

    func violations(_ schema: String, _ doc: String) throws -> [SchemaViolation] {
        try SchemaValidator(schemaText: schema).validate(try parse(doc))
    }

    @Test func embeddedSchemaIsTheRepositorysFile() throws {
        // Collector/Tests/ReportValidationTests/ -> repository root
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent()
        let file = try String(contentsOf: root.appendingPathComponent("schema/report-v1.schema.json"), encoding: .utf8)
        #expect(ReportSchema.json + "\n" == file, "run Collector/scripts/embed-report-schema")
    }

    @Test func shippedSchemaCompiles() throws {
        #expect(throws: Never.self) { try SchemaValidator(schemaText: ReportSchema.json) }
    }

    @Test func unsupportedKeywordIsRefusedAtCompile() {
        #expect(throws: SchemaError.self) { try SchemaValidator(schemaText: #"{"type": "object", "unevaluatedProperties": false}"#) }
        #expect(throws: SchemaError.self) { try SchemaValidator(schemaText: ##"{"$ref": "https://example.com/other.json"}"##) }
        #expect(throws: SchemaError.self) { try SchemaValidator(schemaText: ##"{"$ref": "#/$defs/missing"}"##) }
        #expect(throws: SchemaError.self) { try SchemaValidator(schemaText: #"{"pattern": "(unclosed"}"#) }
    }

    @Test func integersAndNumbers() throws {
        let s = #"{"type": "integer", "minimum": 1}"#
        #expect(try violations(s, "3").isEmpty)
        #expect(try violations(s, "3.0").isEmpty)   // JSON Schema: a number with zero fraction is an integer
        #expect(try violations(s, "3.5") == [SchemaViolation(path: "", message: "expected integer, got number")])
        #expect(try violations(s, "0") == [SchemaViolation(path: "", message: "must be at least 1")])
        #expect(try violations(#"{"type": "number"}"#, "7").isEmpty)
        #expect(try violations(#"{"type": "boolean"}"#, "1") == [SchemaViolation(path: "", message: "expected boolean, got integer")])
    }

    @Test func constEnumAndStrings() throws {
        #expect(try violations(#"{"const": 1}"#, "1.0").isEmpty)
        #expect(try violations(#"{"enum": ["a", "b"]}"#, "\"c\"") == [SchemaViolation(path: "", message: "must be one of \"a\", \"b\"")])
        // maxLength counts code points, not bytes.
        #expect(try violations(#"{"type": "string", "maxLength": 2}"#, "\"éé\"").isEmpty)
        #expect(try violations(#"{"type": "string", "pattern": "^[a-z]+$"}"#, "\"abc1\"").count == 1)
        // An unanchored pattern matches anywhere.
        #expect(try violations(#"{"type": "string", "pattern": "b"}"#, "\"abc\"").isEmpty)
    }

    @Test func ifThenAndRefs() throws {
        let s = #"""
        {"type": "object", "properties": {"kind": {"enum": ["a", "b"]}, "v": {}},
         "allOf": [{"if": {"properties": {"kind": {"const": "a"}}}, "then": {"properties": {"v": {"$ref": "#/$defs/n"}}}}],
         "$defs": {"n": {"type": "integer"}}}
        """#
        #expect(try violations(s, #"{"kind": "a", "v": 1}"#).isEmpty)
        #expect(try violations(s, #"{"kind": "b", "v": "x"}"#).isEmpty)
        #expect(try violations(s, #"{"kind": "a", "v": "x"}"#) == [SchemaViolation(path: "/v", message: "expected integer, got string")])
    }

    @Test func anyOneNot() throws {
        #expect(try violations(#"{"anyOf": [{"type": "string"}, {"type": "null"}]}"#, "1").count == 1)
        #expect(try violations(#"{"oneOf": [{"type": "integer"}, {"type": "number"}]}"#, "1").first?.message == "matches more than one of the exclusive forms")
        #expect(try violations(#"{"not": {"type": "null"}}"#, "null").count == 1)
    }

    @Test func pointerEscapesNames() throws {
        let v = try violations(#"{"type": "object", "additionalProperties": false}"#, #"{"a/b~c": 1}"#)
        #expect(v.first?.path == "/a~1b~0c")
    }

    @Test func limitCapsTheNumberOfViolations() throws {
        let doc = "{" + (0..<100).map { "\"k\($0)\": 1" }.joined(separator: ",") + "}"
        #expect(try SchemaValidator(schemaText: #"{"additionalProperties": false}"#).validate(try parse(doc), limit: 10).count == 10)
    }
}
