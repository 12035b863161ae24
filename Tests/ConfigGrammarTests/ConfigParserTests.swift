import Testing
@testable import ConfigGrammar

/// The grammar with a schema of its own: what every program's configuration gets, whatever its keys.
@Suite("Config: the INI grammar, any schema (no disk)")
struct ConfigParserTests {
    static let schema = ["Telemetry": ["Enable", "DryRun", "Endpoint"]]
    let file = "/etc/example/example.conf"

    func parse(_ text: String) throws -> ParsedConfigFile { try ConfigParser.parse(text, fileName: file, schema: Self.schema) }
    func values(_ p: ParsedConfigFile) -> [String] { p.assignments.map { "\($0.qualifiedKey)=\($0.value)@\($0.location.line)" } }

    @Test func lineContinuation() throws {
        let p = try parse("""
            [Telemetry]
            Endpoint=https://a.example\\
            /v1
            X-Long=a\\
            # a comment line inside a continuation is skipped
            b
            Endpoint=two\\\\
            DryRun=\\
            """)
        #expect(values(p) == ["Telemetry.Endpoint=https://a.example /v1@2", "Telemetry.Endpoint=two\\\\@7",
                              "Telemetry.DryRun=@8"])
        #expect(p.warnings.isEmpty)
        // A section header can be continued too; the location is where the logical line starts.
        let q = try parse("[Tele\\\nmetry]\nDryRun=yes")
        #expect(q.warnings.map(\.description) == ["\(file):1: Unknown section 'Tele metry'. Ignoring."])
        #expect(q.assignments.isEmpty)
    }

    @Test func assignmentOutsideSectionIsAWarning() throws {
        let p = try parse("Enable=no\nno equals sign here\n[Telemetry]\nDryRun=yes\n")
        #expect(values(p) == ["Telemetry.DryRun=yes@4"])
        #expect(p.warnings.map(\.description) == ["\(file):1: Assignment outside of section. Ignoring.",
                                                  "\(file):2: Assignment outside of section. Ignoring."])
    }

    @Test func invalidUTF8IsAnErrorExceptInComments() throws {
        var bytes = Array("[Telemetry]\n# caf\u{E9} in a comment\n".utf8)
        bytes += [0x23, 0xFF, 0x0A]                                      // "#\xFF" comment: fine
        #expect(try ConfigParser.parse(bytes: bytes, fileName: file, schema: Self.schema).assignments.isEmpty)
        bytes += Array("Endpoint=https://x.example/".utf8) + [0xC3, 0x28, 0x0A]
        #expect(throws: ConfigError(location: ConfigLocation(file: file, line: 4), key: nil,
                                    message: "line is not valid UTF-8; save the file as UTF-8 text")) {
            try ConfigParser.parse(bytes: bytes, fileName: file, schema: Self.schema)
        }
    }

    @Test func customSchemaMakesTheParserReusable() throws {
        let p = try ConfigParser.parse("[A]\nB=1\nC=2\n", fileName: "x", schema: ["A": ["B"]])
        #expect(values(p) == ["A.B=1@2"])
        #expect(p.warnings.count == 1)
    }
}
