import Foundation
import Testing

/// `systemd/telemetryd.service` keeps the settings the product depends on, and its hardening score.
@Suite struct UnitFileTests {
    static func unitPath() throws -> String {
        var dir = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        while dir.path != "/" {
            if FileManager.default.fileExists(atPath: dir.appendingPathComponent("Package.swift").path) {
                return dir.appendingPathComponent("systemd/telemetryd.service").path
            }
            dir = dir.deletingLastPathComponent()
        }
        throw UnitError(description: "no Package.swift above \(#filePath)")
    }

    struct UnitError: Error, CustomStringConvertible { var description: String }

    /// Every assignment as (key, value), comments and section headers left out.
    static func assignments() throws -> [(String, String)] {
        let text = try String(contentsOfFile: unitPath(), encoding: .utf8)
        return text.split(separator: "\n").compactMap { line in
            let l = line.trimmingCharacters(in: .whitespaces)
            guard !l.isEmpty, !l.hasPrefix("#"), !l.hasPrefix(";"), !l.hasPrefix("["), let eq = l.firstIndex(of: "=") else { return nil }
            return (String(l[..<eq]), String(l[l.index(after: eq)...]))
        }
    }

    static func values(_ key: String) throws -> [String] { try assignments().filter { $0.0 == key }.map(\.1) }

    @Test func serviceContract() throws {
        #expect(try Self.values("Type") == ["notify"])
        #expect(try Self.values("ExecStart") == ["/usr/bin/telemetryd run"])
        #expect(try Self.values("ExecReload") == ["/bin/kill -HUP $MAINPID"])
        // A hang is caught within ten minutes; the idle daemon wakes for the ping only, every five (BENCHMARKS.md).
        #expect(try Self.values("WatchdogSec") == ["10min"])
        #expect(try Self.values("Restart") == ["on-failure"])
        #expect(try Self.values("RestartPreventExitStatus") == ["2"])
        // Operators' restarts fit in the start limit; a crash loop is paced by RestartSec= and ends at the limit
        // after about five minutes (docs/systemd.md).
        #expect(try Self.values("RestartSec") == ["10s"])
        #expect(try Self.values("StartLimitIntervalSec") == ["10min"])
        #expect(try Self.values("StartLimitBurst") == ["30"])
        #expect(try Self.values("DynamicUser") == ["yes"])
        #expect(try Self.values("StateDirectory") == ["telemetryd"])
        #expect(try Self.values("StateDirectoryMode") == ["0700"])
        #expect(try Self.values("ConfigurationDirectory") == ["telemetryd"])
        #expect(try Self.values("UMask") == ["0077"])
        #expect(try Self.values("Documentation") == ["man:telemetryd(8) man:telemetry.conf(5) file:///usr/share/doc/telemetryd/README.md"])
    }

    /// Settings known to break the daemon or its contract.
    @Test func noBreakingHardening() throws {
        #expect(try Self.values("ProcSubset").isEmpty, "ProcSubset=pid hides /proc/meminfo and friends")
        #expect(try Self.values("IPAddressDeny").isEmpty, "the collector may be anywhere")
        #expect(try Self.values("PrivateNetwork").isEmpty)
        #expect(try Self.values("RuntimeDirectory").isEmpty, "would delete the admin's /run/telemetryd/telemetry.conf.d")
        let families = try Self.values("RestrictAddressFamilies").joined(separator: " ").split(separator: " ")
        #expect(families.contains("AF_UNIX"), "notify and journal sockets")
        #expect(families.contains("AF_INET") && families.contains("AF_INET6"))
        for filter in try Self.values("SystemCallFilter") {
            #expect(!(filter.hasPrefix("~") && filter.contains("@resources")), "libdispatch sets thread priorities")
        }
    }

    /// `systemd-analyze security --offline=yes` scores the unit at most 1.5 (docs/systemd.md), where the tool exists.
    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/systemd-analyze")))
    func securityScoreAtMost1_5() throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/systemd-analyze")
        process.arguments = ["security", "--offline=yes", "--no-pager", try Self.unitPath()]
        var env = ProcessInfo.processInfo.environment
        env["SYSTEMD_COLORS"] = "0"
        process.environment = env
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        let line = try #require(output.split(separator: "\n").first { $0.contains("Overall exposure level") }, "\(output)")
        // "→ Overall exposure level for telemetryd.service: 1.2 OK 🙂"
        let afterColon = try #require(line.split(separator: ":").last)
        let score = try #require(afterColon.split(separator: " ").first.flatMap { Double($0) }, "\(line)")
        #expect(score <= 1.5, "\(line)")
    }
}
