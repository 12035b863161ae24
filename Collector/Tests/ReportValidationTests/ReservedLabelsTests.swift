import Foundation
import CollectorSummary
import ReportValidation
import Testing

/// A report's own `unknown` or `other` never merges with the collector's.
@Suite struct ReservedLabelsTests {
    @Test func reservedValuesAreQuoted() {
        #expect(ReservedLabels.label("unknown") == "\"unknown\"")
        #expect(ReservedLabels.label("other") == "\"other\"")
        #expect(ReservedLabels.label("Unknown") == "\"Unknown\"")
        #expect(ReservedLabels.label(" OTHER ") == "\" OTHER \"")
        #expect(ReservedLabels.label(nil) == nil)
        for plain in ["4.2.1", "unknown-1", "others", "debian 12", "", "x\"y", "oth3r", "unknowm", "Other1"] {
            #expect(ReservedLabels.label(plain) == plain)
        }
    }

    @Test func theFastPathAndTheUnicodeOneAgree() {
        // Printable ASCII is compared byte by byte; anything else (a space, a letter outside ASCII) takes the full
        // path: Unicode whitespace trimmed, Unicode case folded (the Kelvin sign lowercases to k).
        for reserved in ["uNkNoWn", "OTHER", "\u{3000}other", "un\u{212A}nown", "other\u{A0}"] {
            #expect(ReservedLabels.label(reserved) == "\"" + reserved + "\"", "\(reserved)")
        }
    }

    @Test func noReportValueIsTheCollectorsOwn() {
        let values = ["unknown", "\"unknown\"", "other", "\"other\"", "UNKNOWN\u{3000}", "\t other", "\"", "a"]
        let labels = values.compactMap(ReservedLabels.label)
        #expect(!labels.contains(Buckets.unknown) && !labels.contains(Buckets.other))
        // Values that merely start with a quote are counted as sent (the page escapes them).
        #expect(ReservedLabels.label("\"><img>") == "\"><img>")
    }

    @Test func theValidatorCountsThemQuoted() throws {
        let validator = try ReportValidator()
        var t = try #require(JSONSerialization.jsonObject(with: try ReportValidatorTests.diagnostics.jsonData()) as? [String: Any])
        t["product"] = ["name": "acme-db", "version": "unknown"]
        var data = try #require(t["data"] as? [String: Any])
        data["virtualization"] = "other"
        data["container"] = "unknown"
        data["os"] = ["id": "other", "versionId": NSNull(), "prettyName": NSNull(), "kernel": NSNull(), "arch": "unknown"]
        t["data"] = data
        let r = try validator.validate(Array(try JSONSerialization.data(withJSONObject: t))).get()
        #expect(r.breakdown.productVersion == "\"unknown\"")
        #expect(r.breakdown.os == "\"other\"")
        #expect(r.breakdown.arch == "\"unknown\"")
        #expect(r.breakdown.virtualization == "\"other\"")
        #expect(r.breakdown.container == "\"unknown\"")
    }
}
