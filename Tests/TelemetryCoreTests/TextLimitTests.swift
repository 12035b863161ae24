import Foundation
import Testing
@testable import TelemetryCore

@Suite("Report: free text is cut to the schema's limits")
struct TextLimitTests {
    @Test func cutsOnCharacterBoundaries() {
        #expect(TextLimit.cut("abc", to: 2) == "ab")
        #expect(TextLimit.cut("abc", to: 3) == "abc")
        // "é" as e + combining acute is two code points and one character: never split.
        let combining = String(repeating: "e\u{301}", count: 3)
        let cut = TextLimit.cut(combining, to: 5)
        #expect(cut.unicodeScalars.count == 4 && cut == String(repeating: "e\u{301}", count: 2))
        // A family emoji (7 code points) does not fit in 6: dropped whole.
        #expect(TextLimit.cut("a👨‍👩‍👧‍👦", to: 6) == "a")
    }

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
        for text in [d.os.prettyName, d.os.kernel, d.os.versionId, d.cpu.model] {
            let t = try #require(text)
            #expect(t.unicodeScalars.count == 256, "\(t.prefix(20))… has \(t.unicodeScalars.count) characters")
        }
        #expect(d.os.prettyName == String(repeating: "ü", count: 256))
        #expect(report.product?.version?.unicodeScalars.count == TextLimit.productVersion)
    }
}
