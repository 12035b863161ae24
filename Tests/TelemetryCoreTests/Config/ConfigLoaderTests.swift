import Testing
import Foundation
#if canImport(Glibc)
import Glibc
#endif
@testable import TelemetryCore
import ConfigGrammar

/// A scratch tree: <root>/etc/telemetryd/telemetry.conf(.d) and <root>/run/telemetryd/telemetry.conf.d.
final class ConfigTree {
    let root: String
    var etc: String { "\(root)/etc/telemetryd" }
    var main: String { "\(etc)/telemetry.conf" }
    var etcDropIns: String { "\(etc)/telemetry.conf.d" }
    var runDropIns: String { "\(root)/run/telemetryd/telemetry.conf.d" }
    var vendorDropIns: String { "\(root)/usr/lib/telemetryd/telemetry.conf.d" }
    var localVendorDropIns: String { "\(root)/usr/local/lib/telemetryd/telemetry.conf.d" }

    init() throws {
        root = NSTemporaryDirectory() + "telemetryd-config-test-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: etcDropIns, withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: runDropIns, withIntermediateDirectories: true)
    }
    deinit { try? FileManager.default.removeItem(atPath: root) }

    func write(_ path: String, _ text: String) throws {
        try text.write(toFile: path, atomically: false, encoding: .utf8)
    }
    func loader(env: [String: String] = [:], requireMainFile: Bool = false) -> ConfigLoader {
        ConfigLoader(mainPath: main, runtimeDropInDirectory: runDropIns, vendorDropInDirectories: [localVendorDropIns, vendorDropIns],
                     environment: env, requireMainFile: requireMainFile)
    }
}

@Suite("Config: files on disk, drop-ins, CLI drop-in")
struct ConfigLoaderTests {
    @Test func missingMainFileMeansDefaults() throws {
        let t = try ConfigTree()
        let loaded = try t.loader().load()
        #expect(loaded.config == TelemetryConfig())
        #expect(loaded.files.isEmpty)
        #expect(loaded.enableOrigin == .builtinDefault)
        #expect(loaded.warnings.isEmpty)
    }

    @Test func explicitlyRequestedMainFileMustExist() throws {
        let t = try ConfigTree()
        #expect(throws: ConfigError(location: nil, key: nil, message: "\(t.main): no such file")) {
            try t.loader(requireMainFile: true).load()
        }
        let viaOption = ConfigLoader.forCommandLine(configOption: t.main, environment: [:])
        #expect(viaOption.requireMainFile && viaOption.mainPath == t.main)
        let viaEnv = ConfigLoader.forCommandLine(configOption: nil, environment: ["TELEMETRYD_CONFIG": t.main])
        #expect(viaEnv.requireMainFile && viaEnv.mainPath == t.main)
        let byDefault = ConfigLoader.forCommandLine(configOption: nil, environment: ["TELEMETRYD_CONFIG": ""])
        #expect(!byDefault.requireMainFile && byDefault.mainPath == ConfigLoader.defaultMainPath)
        #expect(ConfigLoader.mainPath(cliOverride: "/a", environment: ["TELEMETRYD_CONFIG": "/b"]) == "/a")
        try t.write(t.main, "[Telemetry]\nDryRun=yes\n")
        #expect(try viaOption.load().config.dryRun == true)
    }

    @Test func dropInsAreSortedByNameAcrossBothDirectories() throws {
        let t = try ConfigTree()
        try t.write(t.main, "[Spool]\nMaxReports=1\n")
        try t.write("\(t.runDropIns)/05-b.conf", "[Spool]\nMaxReports=5\n")
        try t.write("\(t.etcDropIns)/10-a.conf", "[Spool]\nMaxReports=10\n[Telemetry]\nDryRun=yes\n")
        try t.write("\(t.runDropIns)/20-c.conf", "[Spool]\nMaxReports=20\n")
        try t.write("\(t.etcDropIns)/30-d.conf", "[Spool]\nMaxReports=30\n")
        try t.write("\(t.etcDropIns)/Z-upper.conf", "[Spool]\nMaxReports=40\n")   // 'Z' < 'a' in byte order
        try t.write("\(t.etcDropIns)/a-lower.conf", "[Spool]\nMaxReports=50\n")
        // Ignored: other suffixes, hidden files, directories named *.conf.
        try t.write("\(t.etcDropIns)/99-z.conf.bak", "[Spool]\nMaxReports=99\n")
        try t.write("\(t.etcDropIns)/.99-hidden.conf", "[Spool]\nMaxReports=98\n")
        try t.write("\(t.runDropIns)/99-readme.txt", "not a config")
        try FileManager.default.createDirectory(atPath: "\(t.runDropIns)/99-dir.conf", withIntermediateDirectories: false)

        let loaded = try t.loader().load()
        #expect(loaded.files == [t.main, "\(t.runDropIns)/05-b.conf", "\(t.etcDropIns)/10-a.conf",
                                 "\(t.runDropIns)/20-c.conf", "\(t.etcDropIns)/30-d.conf",
                                 "\(t.etcDropIns)/Z-upper.conf", "\(t.etcDropIns)/a-lower.conf"])
        #expect(loaded.config.maxReports == 50)
        #expect(loaded.config.dryRun == true)
        #expect(loaded.origins["Spool.MaxReports"] == ConfigLocation(file: "\(t.etcDropIns)/a-lower.conf", line: 2))
        #expect(loaded.warnings.isEmpty)
    }

    @Test func etcDropInMasksSameNamedRuntimeDropIn() throws {
        let t = try ConfigTree()
        try t.write("\(t.etcDropIns)/50-x.conf", "[Telemetry]\nDryRun=yes\n")
        try t.write("\(t.runDropIns)/50-x.conf", "[Telemetry]\nEnable=no\n")
        let loaded = try t.loader().load()
        #expect(loaded.files == ["\(t.etcDropIns)/50-x.conf"])
        #expect(loaded.config.enable == true)
        #expect(loaded.config.dryRun == true)
    }

    @Test func devNullSymlinkMasksByName() throws {
        let t = try ConfigTree()
        try t.write("\(t.runDropIns)/50-x.conf", "[Telemetry]\nEnable=no\n")
        try FileManager.default.createSymbolicLink(atPath: "\(t.etcDropIns)/50-x.conf", withDestinationPath: "/dev/null")
        let loaded = try t.loader().load()
        #expect(loaded.config.enable == true)
        #expect(loaded.files == ["\(t.etcDropIns)/50-x.conf"])
    }

    @Test func emptyAssignmentInDropInResetsToDefault() throws {
        let t = try ConfigTree()
        try t.write(t.main, "[Telemetry]\nEnable=no\n[Transport]\nProxy=http://proxy.example.com:3128\n")
        try t.write("\(t.etcDropIns)/60-reset.conf", "[Telemetry]\nEnable=\n[Transport]\nProxy=\n")
        let loaded = try t.loader().load()
        #expect(loaded.config == TelemetryConfig())
        #expect(loaded.enableOrigin == .file(ConfigLocation(file: "\(t.etcDropIns)/60-reset.conf", line: 2)))
    }

    @Test func errorsNameTheDropInAndComeInFileOrder() throws {
        let t = try ConfigTree()
        try t.write(t.main, "[Telemetry]\nEnable=yes\n")
        try t.write("\(t.runDropIns)/10-bad.conf", "[Telemetry]\n\nDryRun=perhaps\n")
        try t.write("\(t.etcDropIns)/20-syntax.conf", "[Telemetry]\nno equals\n")
        #expect(throws: ConfigError(location: ConfigLocation(file: "\(t.runDropIns)/10-bad.conf", line: 3), key: "DryRun",
                                    message: "DryRun=perhaps: expected a boolean: yes or no (also true/false, on/off, 1/0)")) {
            try t.loader().load()
        }
        try t.write("\(t.runDropIns)/10-bad.conf", "")
        let e = #expect(throws: ConfigError.self) { try t.loader().load() }
        #expect(e?.description == "\(t.etcDropIns)/20-syntax.conf:2: missing '=' in 'no equals'; expected Key=value")
    }

    @Test func warningsNameTheirFile() throws {
        let t = try ConfigTree()
        try t.write(t.main, "[Telemetry]\nColour=blue\n")
        try t.write("\(t.runDropIns)/10-a.conf", "[Nope]\n")
        let loaded = try t.loader().load()
        #expect(loaded.warnings.map(\.description) == [
            "\(t.main):2: Unknown key name 'Colour' in section 'Telemetry', ignoring.",
            "\(t.runDropIns)/10-a.conf:1: Unknown section 'Nope'. Ignoring.",
        ])
    }

    @Test func unreadableMainFileIsAnErrorNamingIt() throws {
        let t = try ConfigTree()
        try FileManager.default.createDirectory(atPath: t.main, withIntermediateDirectories: false)
        #expect(throws: ConfigError(location: nil, key: nil, message: "\(t.main): is a directory, expected a configuration file")) {
            try t.loader().load()
        }
        try FileManager.default.removeItem(atPath: t.main)
        #expect(mkfifo(t.main, 0o644) == 0)
        #expect(throws: ConfigError(location: nil, key: nil, message: "\(t.main): not a regular file")) {
            try t.loader().load()
        }
    }

    @Test(.enabled(if: geteuid() != 0, "root reads files regardless of their mode"))
    func permissionDeniedIsAnErrorNamingTheFile() throws {
        let t = try ConfigTree()
        try t.write(t.main, "[Telemetry]\n")
        #expect(chmod(t.main, 0) == 0)
        let e = #expect(throws: ConfigError.self) { try t.loader().load() }
        #expect(e?.message.hasPrefix("\(t.main): cannot open: Permission denied") == true)
    }

    @Test func oversizedFileIsRejected() throws {
        let t = try ConfigTree()
        try t.write(t.main, "[Telemetry]\n" + String(repeating: "# padding\n", count: 120_000))
        let e = #expect(throws: ConfigError.self) { try t.loader().load() }
        #expect(e?.message.contains("larger than 1048576 bytes") == true)
    }

    @Test func environmentBeatsDropIns() throws {
        let t = try ConfigTree()
        try t.write("\(t.etcDropIns)/50-cli.conf", "[Telemetry]\nEnable=yes\n")
        let loaded = try t.loader(env: ["DO_NOT_TRACK": "1"]).load()
        #expect(loaded.config.enable == false)
        #expect(loaded.enableOrigin == .environment("DO_NOT_TRACK"))
    }

    @Test func dropInDirectoryIsBesideTheMainFile() {
        #expect(ConfigLoader.dropInDirectory(forMainPath: "/etc/telemetryd/telemetry.conf") == "/etc/telemetryd/telemetry.conf.d")
        #expect(ConfigLoader.dropInDirectory(forMainPath: "/srv/x/my.conf") == "/srv/x/telemetry.conf.d")
        #expect(ConfigLoader.dropInDirectory(forMainPath: "/telemetry.conf") == "/telemetry.conf.d")
        #expect(ConfigLoader.dropInDirectory(forMainPath: "telemetry.conf") == "./telemetry.conf.d")
        #expect(ConfigLoader.dropInDirectory(forMainPath: "conf//telemetry.conf") == "conf/telemetry.conf.d")
    }

    @Test func cliDropInIsWrittenAtomicallyAndWins() throws {
        let t = try ConfigTree()
        try FileManager.default.removeItem(atPath: t.etcDropIns)
        try t.write(t.main, "[Telemetry]\nEnable=yes\n")
        let path = try ConfigLoader.writeCLIDropIn(enable: false, mainPath: t.main)
        #expect(path == "\(t.etcDropIns)/50-cli.conf")

        var st = stat()
        #expect(stat(t.etcDropIns, &st) == 0)
        #expect(st.st_mode & 0o7777 == 0o755)
        #expect(stat(path, &st) == 0)
        #expect(st.st_mode & 0o7777 == 0o644)
        #expect(try FileManager.default.contentsOfDirectory(atPath: t.etcDropIns) == ["50-cli.conf"])   // no temp left

        let text = try String(contentsOfFile: path, encoding: .utf8)
        #expect(text.hasPrefix("#"))
        #expect(text.hasSuffix("[Telemetry]\nEnable=no\n"))
        let parsed = try ConfigParser.parse(text, fileName: path)
        #expect(parsed.warnings.isEmpty)
        #expect(parsed.assignments.map(\.value) == ["no"])

        let loaded = try t.loader().load()
        #expect(loaded.config.enable == false)
        let line = text.split(separator: "\n", omittingEmptySubsequences: false).firstIndex(of: "Enable=no").map { $0 + 1 }
        #expect(loaded.enableOrigin == .file(ConfigLocation(file: path, line: line ?? -1)))

        // Enabling replaces it.
        #expect(try ConfigLoader.writeCLIDropIn(enable: true, mainPath: t.main) == path)
        #expect(try String(contentsOfFile: path, encoding: .utf8).hasSuffix("Enable=yes\n"))
        #expect(try t.loader().load().config.enable == true)
        #expect(try FileManager.default.contentsOfDirectory(atPath: t.etcDropIns) == ["50-cli.conf"])
    }

    @Test func cliDropInCreatesMissingParentDirectories() throws {
        let t = try ConfigTree()
        let main = "\(t.root)/new/nested/telemetry.conf"
        let path = try ConfigLoader.writeCLIDropIn(enable: false, mainPath: main)
        #expect(path == "\(t.root)/new/nested/telemetry.conf.d/50-cli.conf")
        let loaded = try ConfigLoader(mainPath: main, runtimeDropInDirectory: t.runDropIns, environment: [:]).load()
        #expect(loaded.config.enable == false)
        #expect(loaded.files == [path])
    }

    @Test func cliDropInReportsWhyItFailed() throws {
        let t = try ConfigTree()
        try t.write("\(t.root)/blocker", "")
        let e = #expect(throws: ConfigError.self) {
            try ConfigLoader.writeCLIDropIn(enable: false, mainPath: "\(t.root)/blocker/sub/telemetry.conf")
        }
        #expect(e?.message == "\(t.root)/blocker: exists and is not a directory")
    }
}
