import Foundation
import Testing
import TestSupport
@testable import TelemetryCore
import TelemetryWire

/// README, "Privacy": "Never collected, and tested as such: hostname, IP or MAC addresses, user names, environment variables,
/// file paths, /etc/machine-id or boot ID in clear, command lines, log contents, error payloads."
@Suite(.removesTemporaryDirectories) struct PrivacyTests {
    static let planted = [
        "planted-hostname-7f3a", "PLANTED_ENV_SECRET_91b2", "0123456789abcdef0123456789abcdef",  // machine-id
        "fedcba98-7654-4321-8765-0123456789ab",  // boot id
        "10.66.77.88", "02:42:ac:11:00:02", "planted-user-alice", "/home/planted-user-alice/secret-path",
        "--planted-cmdline-flag", "planted log line",
    ]

    /// A fixture root where every file a careless probe might read holds a planted secret.
    static func plantedRoot() throws -> String {
        let root = try TemporaryDirectories.make("privacy")
        func put(_ path: String, _ text: String) throws {
            let full = root + "/" + path
            try FileManager.default.createDirectory(atPath: (full as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            try text.write(toFile: full, atomically: false, encoding: .utf8)
        }
        try put("etc/hostname", "planted-hostname-7f3a\n")
        try put("proc/sys/kernel/hostname", "planted-hostname-7f3a\n")
        try put("etc/machine-id", "0123456789abcdef0123456789abcdef\n")
        try put("proc/sys/kernel/random/boot_id", "fedcba98-7654-4321-8765-0123456789ab\n")
        try put("proc/1/environ", "container=docker\u{0}HOME=/home/planted-user-alice/secret-path\u{0}SECRET=PLANTED_ENV_SECRET_91b2\u{0}")
        try put("proc/1/cmdline", "/sbin/init\u{0}--planted-cmdline-flag\u{0}")
        try put("proc/self/cmdline", "telemetryd\u{0}--planted-cmdline-flag\u{0}")
        try put("proc/net/fib_trie", "|-- 10.66.77.88\n")
        try put("sys/class/net/eth0/address", "02:42:ac:11:00:02\n")
        try put("etc/passwd", "planted-user-alice:x:1000:1000::/home/planted-user-alice/secret-path:/bin/sh\n")
        try put("var/log/syslog", "planted log line\n")
        try put("etc/os-release", "ID=debian\nVERSION_ID=\"12\"\nPRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"\n")
        try put("proc/cpuinfo", "processor\t: 0\nmodel name\t: Test CPU\n\n")
        try put("proc/meminfo", "MemTotal:       1024 kB\nMemFree:         512 kB\nMemAvailable:    768 kB\nSwapTotal:         0 kB\nSwapFree:          0 kB\n")
        try put("proc/loadavg", "0.10 0.20 0.30 1/100 4242\n")
        try put("proc/uptime", "1234.56 2000.00\n")
        try put(".dockerenv", "")
        return root
    }

    static func allReports(probe: HostProbe) throws -> String {
        let identity = Identity(instanceId: UUID().uuidString.lowercased(), clusterId: UUID().uuidString.lowercased(), clusterIdFromConfig: false)
        var config = TelemetryConfig()
        config.caFile = "/home/planted-user-alice/secret-path/ca.pem"
        config.proxy = "http://planted-hostname-7f3a:3128"
        config.endpoint = "https://planted-hostname-7f3a/v1"
        let builder = ReportBuilder(probe: probe, identity: identity, features: ConfigFeatures(config: config, proxyInUse: true))
        return try ReportType.scheduled.map { String(decoding: try builder.build($0).jsonData(), as: UTF8.self) }.joined(separator: "\n")
    }

    @Test func plantedSecretsInFixturesNeverReachAReport() throws {
        let root = try Self.plantedRoot()
        setenv("PLANTED_ENV_VAR", "PLANTED_ENV_SECRET_91b2", 1)
        let json = try Self.allReports(probe: HostProbe(root: root))
        for secret in Self.planted {
            #expect(!json.contains(secret), "report leaks \(secret)")
        }
        // Configured values are reported as on/off only.
        #expect(!json.contains("ca.pem"))
        #expect(!json.contains("3128"))
        #expect(!json.contains("/v1"))
    }

    /// The product's facts are the one place a product could push free text: a hostname, a path and an environment
    /// value written there as strings without an `enum` never reach a report, with or without a schema.
    @Test(arguments: [false, true])
    func plantedStringsInFactsNeverReachAReport(withSchema: Bool) throws {
        let s = try FactsScratch(); defer { s.remove() }
        let hostname = "planted-hostname-7f3a", path = "/home/planted-user-alice/secret-path", env = "PLANTED_ENV_SECRET_91b2"
        setenv("PLANTED_ENV_VAR", env, 1)
        try s.write(#"{"host": "\#(hostname)", "dataDir": "\#(path)", "token": "\#(env)", "edition": "\#(hostname)", "tlsEnabled": true, "nodes": 3}"#)
        if withSchema {
            try s.write(#"{"facts": {"edition": {"type": "string", "enum": ["oss"]}, "host": {"type": "boolean"}, "tlsEnabled": {"type": "boolean"}}}"#, to: s.schema)
        }
        let builder = ReportBuilder(probe: HostProbe(root: try Self.plantedRoot()), identity: Identity(instanceId: UUID().uuidString.lowercased(), clusterId: UUID().uuidString.lowercased(), clusterIdFromConfig: false),
                                    features: ConfigFeatures(config: TelemetryConfig(), proxyInUse: false),
                                    product: s.settings(schema: withSchema), notices: ReportNotices())
        var json = ""
        for type in ReportType.scheduled {
            let (report, facts) = builder.buildWithFacts(type)
            json += String(decoding: try report.jsonData(), as: UTF8.self)
            json += facts.map { $0.dropped.map(\.description).joined(separator: "\n") } ?? ""
        }
        #expect(json.contains("\"tlsEnabled\":true"), "the facts were read")
        for secret in [hostname, path, env, "secret-path", s.dir] {
            #expect(!json.contains(secret), "report leaks \(secret)")
        }
    }

    @Test func realHostIdentifiersNeverReachAReport() throws {
        let json = try Self.allReports(probe: HostProbe(root: "/"))
        var secrets: [String] = []
        if let h = try? String(contentsOfFile: "/proc/sys/kernel/hostname", encoding: .utf8) { secrets.append(h.trimmingCharacters(in: .whitespacesAndNewlines)) }
        if let m = try? String(contentsOfFile: "/etc/machine-id", encoding: .utf8) { secrets.append(m.trimmingCharacters(in: .whitespacesAndNewlines)) }
        if let b = try? String(contentsOfFile: "/proc/sys/kernel/random/boot_id", encoding: .utf8) {
            let id = b.trimmingCharacters(in: .whitespacesAndNewlines)
            secrets.append(id)
            secrets.append(id.replacingOccurrences(of: "-", with: ""))
        }
        for (key, value) in ProcessInfo.processInfo.environment where value.count >= 6 && !["SHLVL"].contains(key) {
            // Values short or generic enough to appear by chance in os-release text are skipped.
            if ["/bin/bash", "/bin/sh", "xterm", "linux", "debian", "C.UTF-8"].contains(value) { continue }
            secrets.append(value)
        }
        if let net = try? FileManager.default.contentsOfDirectory(atPath: "/sys/class/net") {
            for nic in net {
                if let mac = try? String(contentsOfFile: "/sys/class/net/\(nic)/address", encoding: .utf8) {
                    let m = mac.trimmingCharacters(in: .whitespacesAndNewlines)
                    if m != "00:00:00:00:00:00" { secrets.append(m) }
                }
            }
        }
        secrets.append(FileManager.default.currentDirectoryPath)
        for secret in secrets where secret.count >= 4 {
            #expect(!json.contains(secret), "report leaks \(secret)")
        }
    }
}
