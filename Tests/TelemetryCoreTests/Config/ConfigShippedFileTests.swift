import Testing
import Foundation
import TestSupport
@testable import TelemetryCore

/// etc/telemetry.conf in the repository, found relative to this source file.
func shippedConfigPath(_ file: String = #filePath) throws -> String {
    try repositoryRoot(of: file).appendingPathComponent("etc/telemetry.conf").path
}

func shippedConfigText() throws -> String { try String(contentsOfFile: try shippedConfigPath(), encoding: .utf8) }

/// The shipped file with every `#Key=value` line uncommented.
func uncommentedShippedConfig(_ text: String) -> String {
    text.split(separator: "\n", omittingEmptySubsequences: false).map { line -> Substring in
        isCommentedAssignment(line) ? line.dropFirst() : line
    }.joined(separator: "\n")
}

func isCommentedAssignment(_ line: Substring) -> Bool {
    guard line.hasPrefix("#"), let eq = line.firstIndex(of: "=") else { return false }
    let key = line[line.index(after: line.startIndex)..<eq]
    return !key.isEmpty && key.allSatisfy { $0.isASCII && $0.isLetter }
}

@Suite("Config: the shipped etc/telemetry.conf")
struct ConfigShippedFileTests {
    @Test func asShippedItYieldsTheDefaults() throws {
        let loaded = try ConfigSchema.load(texts: [(try shippedConfigPath(), try shippedConfigText())], environment: [:])
        #expect(loaded.config == TelemetryConfig())
        #expect(loaded.warnings.isEmpty)
        #expect(loaded.origins.isEmpty)
    }

    @Test("its commented-out values are exactly the built-in defaults")
    func uncommentedItStillYieldsTheDefaults() throws {
        let path = try shippedConfigPath()
        let loaded = try ConfigSchema.load(texts: [(path, uncommentedShippedConfig(try shippedConfigText()))], environment: [:])
        #expect(loaded.config == TelemetryConfig())
        #expect(loaded.warnings.isEmpty, "\(loaded.warnings)")
        // Every key of the schema was assigned, so every default was checked against the file.
        #expect(Set(loaded.origins.keys) == Set(ConfigSchema.keys.map { "\($0.section).\($0.key)" }))
    }

    @Test func everyKeyOfTheContractAppearsOnceWithAnExplanation() throws {
        // The documented keys (README, "Configuration"), spelled out here so that neither the schema nor the file can drop a key.
        let contract = [
            "Telemetry": ["Enable", "Endpoint", "Format", "ClusterID", "ClusterIDFile", "KeepAliveIntervalSec", "DiagnosticsIntervalSec",
                          "RandomizedDelaySec", "DryRun"],
            "Transport": ["TimeoutSec", "Proxy", "CAFile", "TokenFile", "Compress", "RetryMinSec", "RetryMaxSec"],
            "Spool": ["MaxReports"],
            "Product": ["Name", "Version", "VersionFile", "FactsFile", "FactsSchema", "FactsMaxAgeSec"],
        ]
        #expect(ConfigSchema.keysBySection == contract)

        let lines = try shippedConfigText().split(separator: "\n", omittingEmptySubsequences: false)
        var section = ""
        var seen: [String: Int] = [:]
        for (i, line) in lines.enumerated() {
            if line.hasPrefix("[") { section = String(line.dropFirst().dropLast()); continue }
            guard isCommentedAssignment(line) else { continue }
            let key = String(line.dropFirst().prefix { $0 != "=" })
            #expect(contract[section]?.contains(key) == true, "#\(key)= in [\(section)]")
            seen["\(section).\(key)", default: 0] += 1
            // Above it (past other keys sharing the explanation) is a prose comment line.
            var j = i - 1
            while j >= 0 && isCommentedAssignment(lines[j]) { j -= 1 }
            #expect(j >= 0 && lines[j].hasPrefix("# ") && lines[j].count > 10, "\(key) has no explanation")
        }
        let expected = contract.flatMap { s in s.value.map { "\(s.key).\($0)" } }
        #expect(Set(seen.keys) == Set(expected))
        #expect(seen.values.allSatisfy { $0 == 1 })
    }

    @Test func itCarriesThePrivacyNoteAndHowToOptOut() throws {
        let text = try shippedConfigText()
        let header = text.components(separatedBy: "\n[Telemetry]")[0]
        #expect(header.count < text.count)
        for needle in ["PRIVACY", "never", "hostname", "Enable=no", "telemetryd disable", "TELEMETRYD_DISABLE=1", "DO_NOT_TRACK=1"] {
            #expect(header.contains(needle), "privacy note lacks \(needle)")
        }
    }

    @Test func noCommentSharesALineWithAnAssignment() throws {
        // systemd treats "Key=value # note" as the value "value # note": keep comments on their own lines.
        for line in try shippedConfigText().split(separator: "\n") where isCommentedAssignment(line) {
            #expect(!line.dropFirst().contains("#") && !line.contains(";"), "\(line)")
        }
    }
}
