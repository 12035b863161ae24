import Foundation
import ReportValidation
import Testing
import TelemetryWire

/// Control and format characters in any string of a report: refused with the field named (a JSON Pointer).
@Suite struct ControlCharacterTests {
    let validator: ReportValidator
    init() throws { validator = try ReportValidator() }

    func tree(_ r: Report) throws -> [String: Any] {
        try #require(JSONSerialization.jsonObject(with: try r.jsonData()) as? [String: Any])
    }

    func bytes(_ object: Any) throws -> [UInt8] { Array(try JSONSerialization.data(withJSONObject: object)) }

    func violation(_ body: [UInt8]) -> SchemaViolation? {
        switch validator.validate(body) {
        case .success: return nil
        case .failure(let f): return f.violations.first
        }
    }

    /// A diagnostics report with `value` at data.os.`field` (or product.version).
    func diagnostics(os field: String? = nil, productVersion: String? = nil, _ value: String) throws -> [UInt8] {
        var t = try tree(ReportValidatorTests.diagnostics)
        if let field {
            var data = try #require(t["data"] as? [String: Any])
            var os = try #require(data["os"] as? [String: Any])
            os[field] = value
            data["os"] = os
            t["data"] = data
        }
        if productVersion != nil { t["product"] = ["name": "acme-db", "version": value] }
        return try bytes(t)
    }

    @Test(arguments: [
        ("\u{0}", "0000"), ("\u{1}", "0001"), ("\u{7F}", "007F"), ("\u{85}", "0085"), ("\u{AD}", "00AD"),
        ("\u{200B}", "200B"), ("\u{200C}", "200C"), ("\u{200D}", "200D"), ("\u{202A}", "202A"), ("\u{202E}", "202E"),
        ("\u{2066}", "2066"), ("\u{2069}", "2069"), ("\u{FEFF}", "FEFF"),
    ])
    func lookAlikeVersionIsRefusedNamingTheField(_ invisible: String, _ hex: String) throws {
        let v = try #require(violation(try diagnostics(productVersion: "", "1.2.3" + invisible)))
        #expect(v.path == "/product/version")
        #expect(v.message.contains("U+\(hex)"))
    }

    @Test func everyStringIsChecked() throws {
        // prettyName is not a label, but NUL in it is just as unstorable in PostgreSQL.
        #expect(violation(try diagnostics(os: "prettyName", "Debian\u{0}"))?.path == "/data/os/prettyName")
        #expect(violation(try diagnostics(os: "id", "deb\u{202E}ian"))?.path == "/data/os/id")
        // Member names too (here a key the schema would refuse anyway: this check comes first and says why).
        var t = try tree(ReportValidatorTests.keepalive)
        t["x\u{200B}"] = 1
        #expect(violation(try bytes(t))?.path == "/x?")
        // Escaped in the JSON text is the same character.
        let escaped = String(decoding: try diagnostics(productVersion: "", "1.2.3"), as: UTF8.self)
            .replacingOccurrences(of: "\"1.2.3\"", with: #""1.2.3\u200b""#)
        #expect(violation(Array(escaped.utf8))?.path == "/product/version")
    }

    @Test func visibleUnicodeIsFine() throws {
        for text in ["Debian GNU/Linux 12 (bookworm) é 😀", "e\u{301}", "Ω≈ç√", "\u{3000}"] {
            #expect(violation(try diagnostics(os: "prettyName", text)) == nil, "\(text)")
        }
    }

    @Test func theFirstFoundIsTheSameEveryTime() throws {
        var t = try tree(ReportValidatorTests.keepalive)
        t["product"] = ["name": "acme-db", "version": "1\u{0}"]
        t["agent"] = ["name": "telemetryd", "version": "0.1.0\u{0}"]
        // Members in byte order: "agent" before "product".
        for _ in 0..<5 { #expect(violation(try bytes(t))?.path == "/agent/version") }
    }

    @Test func longLabelsAreRefusedByTheSchema() throws {
        for field in ["id", "versionId", "arch"] {
            #expect(violation(try diagnostics(os: field, String(repeating: "a", count: 65)))?.path == "/data/os/\(field)")
            #expect(violation(try diagnostics(os: field, String(repeating: "a", count: 64))) == nil)
        }
        var t = try tree(ReportValidatorTests.diagnostics)
        var data = try #require(t["data"] as? [String: Any])
        data["virtualization"] = String(repeating: "k", count: 30_000)
        data["container"] = String(repeating: "d", count: 65)
        t["data"] = data
        let r = validator.validate(try bytes(t))
        guard case .failure(let f) = r else { Issue.record("accepted"); return }
        #expect(Set(f.violations.map(\.path)) == ["/data/virtualization", "/data/container"])
        #expect(f.description.count < 1000)
    }
}
