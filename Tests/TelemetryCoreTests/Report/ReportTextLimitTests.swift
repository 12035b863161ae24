import Foundation
import Testing
import TestSupport
@testable import TelemetryCore
import TelemetryWire
import ConfigGrammar

@Suite("Report: the builder cuts host text to the schema's limits")
struct ReportTextLimitTests {
    @Test func overLongHostTextIsCutInTheReport() throws {
        // PRETTY_NAME, kernel release and CPU model beyond 256 characters made the report fail the schema.
        let root = NSTemporaryDirectory() + "longtext-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: root) }
        for d in ["etc", "proc/sys/kernel"] { try FileManager.default.createDirectory(atPath: root + "/" + d, withIntermediateDirectories: true) }
        let long = String(repeating: "ü", count: 300)
        try "ID=debian\nPRETTY_NAME=\"\(long)\"\nVERSION_ID=\(String(repeating: "9", count: 400))\n".write(toFile: root + "/etc/os-release", atomically: false, encoding: .utf8)
        try "6.1.0-\(String(repeating: "k", count: 500))\n".write(toFile: root + "/proc/sys/kernel/osrelease", atomically: false, encoding: .utf8)
        try "processor\t: 0\nmodel name\t: \(String(repeating: "Ω", count: 400))\n\n".write(toFile: root + "/proc/cpuinfo", atomically: false, encoding: .utf8)
        var product = ProductSettings()
        product.name = "acme-db"
        product.version = String(repeating: "1.", count: 100)
        let builder = ReportBuilder(probe: HostProbe(root: root), identity: testIdentity(), features: testFeatures(), product: product)
        let report = builder.build(.diagnostics)
        guard case .diagnostics(let d) = report.data else { Issue.record("not diagnostics"); return }
        for text in [d.os.prettyName, d.os.kernel, d.cpu.model] {
            let t = try #require(text)
            #expect(t.unicodeScalars.count == 256, "\(t.prefix(20))… has \(t.unicodeScalars.count) characters")
        }
        // VERSION_ID becomes a label (the OS breakdown): the shorter limit.
        #expect(d.os.versionId == String(repeating: "9", count: TextLimit.label))
        #expect(d.os.prettyName == String(repeating: "ü", count: 256))
        #expect(report.product?.version?.unicodeScalars.count == TextLimit.productVersion)
    }
}

@Suite("Report: control and format characters are cut before sending")
struct ReportTextCleaningTests {
    @Test func hostTextIsCleanedAndLabelsCutToTheLabelLimit() throws {
        let root = NSTemporaryDirectory() + "cleantext-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: root) }
        for d in ["etc", "proc/sys/kernel"] { try FileManager.default.createDirectory(atPath: root + "/" + d, withIntermediateDirectories: true) }
        // A look-alike of "debian 12": zero-width space and a bidi override hidden in the fields that become labels.
        try "ID=deb\u{200B}ian\nPRETTY_NAME=\"Debian\u{202E} 12\u{FEFF}\"\nVERSION_ID=\(String(repeating: "1", count: 100))\u{2066}\n"
            .write(toFile: root + "/etc/os-release", atomically: false, encoding: .utf8)
        try "6.1.0\u{AD}-18\n".write(toFile: root + "/proc/sys/kernel/osrelease", atomically: false, encoding: .utf8)
        var product = ProductSettings()
        product.name = "acme-db"
        product.version = "4.2.1\u{200D}"
        let builder = ReportBuilder(probe: HostProbe(root: root), identity: testIdentity(), features: testFeatures(), product: product)
        let report = builder.build(.diagnostics)
        guard case .diagnostics(let d) = report.data else { Issue.record("not diagnostics"); return }
        #expect(d.os.id == "debian")
        #expect(d.os.prettyName == "Debian 12")
        #expect(d.os.versionId == String(repeating: "1", count: TextLimit.label))
        #expect(d.os.kernel == "6.1.0-18")
        #expect(report.product?.version == "4.2.1")
        for text in [d.os.id, d.os.versionId, d.os.arch, d.virtualization, d.container, report.product?.name, report.product?.version, report.agent.version] {
            guard let text else { continue }
            #expect(text.unicodeScalars.count <= TextLimit.label)
            #expect(!TextLimit.hasControlOrFormat(text))
        }
    }

    @Test func aFactsSchemaListingAnInvisibleEnumValueIsUnusable() {
        let schema = #"{"facts": {"edition": {"type": "string", "enum": ["oss", "oss\u200b"]}}}"#
        #expect(throws: FactsSchema.Invalid.self) { try FactsSchema.parse(Array(schema.utf8)) }
    }
}

/// The limits the agent cuts to are the limits the schema sets: read from schema/report-v1.schema.json, so
/// neither can change without the other.
@Suite("Report: the model's text limits are the schema's")
struct SchemaLimitTests {
    static func schema() throws -> [String: Any] {
        let root = try repositoryRoot()
        let data = try Data(contentsOf: root.appendingPathComponent("schema/report-v1.schema.json"))
        return try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
    }

    static func object(_ any: Any?, _ path: String...) throws -> [String: Any] {
        var o = try #require(any as? [String: Any])
        for p in path { o = try #require(o[p] as? [String: Any], "no \(p)") }
        return o
    }

    static func maxLength(_ o: [String: Any]) -> Int? { (o["maxLength"] as? NSNumber)?.intValue }

    @Test func limitsMatch() throws {
        let s = try Self.schema()
        let defs = try Self.object(s, "$defs")
        let props = try Self.object(s, "properties")
        let diag = try Self.object(defs, "diagnostics", "properties")
        #expect(Self.maxLength(try Self.object(defs, "text")) == TextLimit.text)
        #expect(Self.maxLength(try Self.object(defs, "label")) == TextLimit.label)
        #expect(Self.maxLength(try Self.object(props, "product", "properties", "version")) == TextLimit.productVersion)
        #expect(Self.maxLength(try Self.object(props, "product", "properties", "name")) == ConfigValues.productNameLimit)
        #expect(Self.maxLength(try Self.object(props, "agent", "properties", "version")) == TextLimit.label)
        #expect(Self.maxLength(try Self.object(diag, "virtualization")) == TextLimit.label)
        #expect(Self.maxLength(try Self.object(diag, "container")) == TextLimit.label)
        #expect(Self.maxLength(try Self.object(diag, "facts", "propertyNames")) == TextLimit.factKey)
        let factValue = try #require(try Self.object(defs, "factValue")["oneOf"] as? [[String: Any]])
        #expect(factValue.compactMap(Self.maxLength) == [TextLimit.factValue])
        #expect(FactsSchema.maxEnumValueLength == TextLimit.factValue)
    }

    @Test func everyLabelHasALimit() throws {
        let s = try Self.schema()
        let defs = try Self.object(s, "$defs")
        let os = try Self.object(defs, "diagnostics", "properties", "os", "properties")
        // The OS fields the collector's breakdowns use are labels; the rest free text.
        for field in ["id", "versionId", "arch"] {
            #expect(try Self.object(os, field)["$ref"] as? String == "#/$defs/label", "os.\(field)")
        }
        for field in ["prettyName", "kernel"] {
            #expect(try Self.object(os, field)["$ref"] as? String == "#/$defs/text", "os.\(field)")
        }
        #expect(AgentInfo.version.unicodeScalars.count <= TextLimit.label)
    }
}
