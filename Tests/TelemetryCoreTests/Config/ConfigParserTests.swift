import Testing
@testable import TelemetryCore
import ConfigGrammar

@Suite("Config: INI grammar and merge rules (no disk)")
struct ConfigParserTests {
    let file = "/etc/telemetryd/telemetry.conf"

    func parse(_ text: String) throws -> ParsedConfigFile { try ConfigParser.parse(text, fileName: file) }
    func values(_ p: ParsedConfigFile) -> [String] { p.assignments.map { "\($0.qualifiedKey)=\($0.value)@\($0.location.line)" } }
    func load(_ text: String, env: [String: String] = [:]) throws(ConfigError) -> LoadedConfig {
        try ConfigSchema.load(texts: [(file, text)], environment: env)
    }
    func error(_ text: String, env: [String: String] = [:]) -> ConfigError? {
        do { _ = try load(text, env: env); return nil } catch { return error }
    }

    @Test func sectionsCommentsAndTrimming() throws {
        let p = try parse("""
            # comment
            ; also a comment
              #  indented comment

            [Telemetry]
              Enable =  no\t
            DryRun=yes
            [Spool]
            MaxReports=7
            """)
        #expect(values(p) == ["Telemetry.Enable=no@6", "Telemetry.DryRun=yes@7", "Spool.MaxReports=7@9"])
        #expect(p.warnings.isEmpty)
    }

    @Test func everyKeySetsItsField() throws {
        let c = try load("""
            [Telemetry]
            Enable=no
            Endpoint=http://127.0.0.1:9999/r
            ClusterID=4F1C2A9E-8D3B-4C7A-9E21-5B6F0D8C3A17
            KeepAliveIntervalSec=1h
            DiagnosticsIntervalSec=1h 30min
            RandomizedDelaySec=0
            DryRun=yes
            [Transport]
            TimeoutSec=5s
            Proxy=http://proxy.example.com:3128
            CAFile=/etc/ssl/private-ca.pem
            Compress=no
            RetryMinSec=1s
            RetryMaxSec=2min
            [Spool]
            MaxReports=3
            """).config
        var e = TelemetryConfig()
        e.enable = false
        e.endpoint = "http://127.0.0.1:9999/r"
        e.clusterID = "4f1c2a9e-8d3b-4c7a-9e21-5b6f0d8c3a17"
        e.keepAliveInterval = TimeSpan(seconds: 3600)
        e.diagnosticsInterval = TimeSpan(seconds: 5400)
        e.randomizedDelay = .zero
        e.dryRun = true
        e.timeout = TimeSpan(seconds: 5)
        e.proxy = "http://proxy.example.com:3128"
        e.caFile = "/etc/ssl/private-ca.pem"
        e.compress = false
        e.retryMin = TimeSpan(seconds: 1)
        e.retryMax = TimeSpan(seconds: 120)
        e.maxReports = 3
        #expect(c == e)
        #expect(c.proxy.flatMap { try? ConfigValues.proxy($0).get() } == ProxyAddress(host: "proxy.example.com", port: 3128))
    }

    @Test("an inline # is part of the value, as in systemd")
    func inlineHashIsPartOfValue() throws {
        let p = try parse("[Telemetry]\nEnable=yes  # the enable flag\n")
        #expect(p.assignments.first?.value == "yes  # the enable flag")
        // So the design's annotated example is not a valid file: the value is not a boolean.
        #expect(error("[Telemetry]\nEnable=yes  # the enable flag\n")?.description
                == "\(file):2: Enable=yes  # the enable flag: expected a boolean: yes or no (also true/false, on/off, 1/0)")
        #expect(error("[Transport]\nProxy=                          # http://host:port\n")?.location?.line == 2)
    }

    @Test func unknownSectionsAndKeysWarnWithLocation() throws {
        let p = try parse("""
            [Telemetry]
            Enable=yes
            Colour=blue
            enable=no
            MaxReports=3
            X-Vendor=ignored silently
            [Metrics]
            Anything=goes
            not even an assignment
            [X-Vendor]
            Foo=bar
            [telemetry]
            [Spool]
            MaxReports=9
            """)
        #expect(values(p) == ["Telemetry.Enable=yes@2", "Spool.MaxReports=9@14"])
        #expect(p.warnings.map(\.description) == [
            "\(file):3: Unknown key name 'Colour' in section 'Telemetry', ignoring.",
            "\(file):4: Unknown key name 'enable' in section 'Telemetry', ignoring. (Did you mean 'Enable'? Names are case-sensitive.)",
            "\(file):5: Unknown key name 'MaxReports' in section 'Telemetry', ignoring. (MaxReports= belongs in section [Spool].)",
            "\(file):7: Unknown section 'Metrics'. Ignoring.",
            "\(file):12: Unknown section 'telemetry'. Ignoring. (Did you mean 'Telemetry'? Names are case-sensitive.)",
        ])
        // Warnings do not stop loading.
        let loaded = try load("[Telemetry]\nColour=blue\nDryRun=yes\n")
        #expect(loaded.config.dryRun == true)
        #expect(loaded.warnings.count == 1)
    }

    static let syntaxErrors: [(String, Int, String)] = [
        ("[Telemetry]\nEnable\n", 2, "missing '=' in 'Enable'; expected Key=value"),
        ("[Telemetry]\n=yes\n", 2, "missing key name before '=' in '=yes'; expected Key=value"),
        ("[Telemetry\nEnable=yes\n", 1, "invalid section header '[Telemetry'; expected [Telemetry], [Transport] or [Spool]"),
        ("[Tele\"metry]\n", 1, "bad characters in section header '[Tele\"metry]'"),
        ("[Telemetry]\n\n\nEnable=y\0es\n", 4, "contains a NUL byte; is this a text file?"),
    ]

    @Test("syntax errors name file:line", arguments: syntaxErrors)
    func syntaxError(_ text: String, _ line: Int, _ message: String) {
        #expect(throws: ConfigError(location: ConfigLocation(file: file, line: line), key: nil, message: message)) {
            try parse(text)
        }
    }

    @Test func lineEndingsAndByteOrderMark() throws {
        let p = try ConfigParser.parse(bytes: [0xEF, 0xBB, 0xBF] + Array("[Telemetry]\r\nEnable=no\r\rDryRun=yes\rCompress=no".utf8),
                                       fileName: file)
        #expect(values(p) == ["Telemetry.Enable=no@2", "Telemetry.DryRun=yes@4"])
        #expect(p.warnings.map(\.description) == ["\(file):5: Unknown key name 'Compress' in section 'Telemetry', ignoring. (Compress= belongs in section [Transport].)"])
    }

    @Test func badValueErrorNamesFileLineKeyAndExpectation() {
        let text = "[Telemetry]\n\n\n\n\n# interval\nKeepAliveIntervalSec=6 hourz\n"
        let e = error(text)
        #expect(e?.description == "/etc/telemetryd/telemetry.conf:7: KeepAliveIntervalSec=6 hourz: expected a time span like 6h, 15min, 1h 30min")
        #expect(e?.key == "KeepAliveIntervalSec")
        #expect(e?.location == ConfigLocation(file: file, line: 7))
    }

    static let badValues: [(String, String)] = [
        ("[Telemetry]\nEnable=maybe", "Enable=maybe: expected a boolean"),
        ("[Telemetry]\nEndpoint=ftp://x.example/", "Endpoint=ftp://x.example/: expected an https:// URL"),
        ("[Telemetry]\nClusterID=cluster-a", "ClusterID=cluster-a: expected a UUID"),
        ("[Telemetry]\nDiagnosticsIntervalSec=0", "DiagnosticsIntervalSec=0: too short; expected at least 1s"),
        ("[Telemetry]\nRandomizedDelaySec=infinity", "RandomizedDelaySec=infinity: \"infinity\" is not allowed here"),
        ("[Telemetry]\nDryRun=2", "DryRun=2: expected a boolean"),
        ("[Transport]\nTimeoutSec=-30s", "TimeoutSec=-30s: expected a time span like 6h, 15min, 1h 30min; negative"),
        ("[Transport]\nProxy=proxy:3128", "Proxy=proxy:3128: expected http://"),
        ("[Transport]\nCAFile=ca.pem", "CAFile=ca.pem: expected an absolute path"),
        ("[Transport]\nCompress=gzip", "Compress=gzip: expected a boolean"),
        ("[Transport]\nRetryMinSec=100ms", "RetryMinSec=100ms: too short"),
        ("[Transport]\nRetryMaxSec=2y", "RetryMaxSec=2y: too long; expected at most 1y"),
        ("[Spool]\nMaxReports=0", "MaxReports=0: expected a whole number from 1 to 100000"),
    ]

    @Test("bad values are errors naming file:line and key", arguments: badValues)
    func badValue(_ text: String, _ messagePrefix: String) {
        let e = error(text)
        #expect(e?.location == ConfigLocation(file: file, line: 2))
        #expect(e?.message.hasPrefix(messagePrefix) == true, "\(String(describing: e))")
        #expect(e?.key == messagePrefix.split(separator: "=").first.map(String.init))
    }

    @Test func laterAssignmentWinsAndEmptyResets() throws {
        let a = "/etc/telemetryd/telemetry.conf", b = "/etc/telemetryd/telemetry.conf.d/10-b.conf"
        let loaded = try ConfigSchema.load(texts: [
            (a, "[Spool]\nMaxReports=10\n[Telemetry]\nDryRun=yes\nEnable=no\nClusterID=4f1c2a9e-8d3b-4c7a-9e21-5b6f0d8c3a17"),
            (b, "[Spool]\nMaxReports=20\nMaxReports=30\n[Telemetry]\nDryRun=\nClusterID=\n"),
        ], environment: [:])
        #expect(loaded.config.maxReports == 30)
        #expect(loaded.config.dryRun == false)
        #expect(loaded.config.clusterID == nil)
        #expect(loaded.config.enable == false)
        #expect(loaded.files == [a, b])
        #expect(loaded.origins == [
            "Spool.MaxReports": ConfigLocation(file: b, line: 3),
            "Telemetry.DryRun": ConfigLocation(file: b, line: 5),
            "Telemetry.ClusterID": ConfigLocation(file: b, line: 6),
            "Telemetry.Enable": ConfigLocation(file: a, line: 5),
        ])
        #expect(loaded.enableOrigin == .file(ConfigLocation(file: a, line: 5)))
        #expect(loaded.origin(of: "Transport.Proxy") == .builtinDefault)
        #expect(loaded.origin(of: "Spool.MaxReports").description == "\(b):3")
    }

    @Test func emptyAssignmentOfEveryKeyRestoresDefaults() throws {
        let set = "[Telemetry]\nEnable=no\nEndpoint=http://127.0.0.1:1/\nClusterID=4f1c2a9e8d3b4c7a9e215b6f0d8c3a17\nKeepAliveIntervalSec=1s\nDiagnosticsIntervalSec=1s\nRandomizedDelaySec=0\nDryRun=yes\n[Transport]\nTimeoutSec=1s\nProxy=http://p:1\nCAFile=/ca.pem\nCompress=no\nRetryMinSec=1s\nRetryMaxSec=1s\n[Spool]\nMaxReports=1\n"
        let reset = ConfigSchema.keys.map { "[\($0.section)]\n\($0.key)=" }.joined(separator: "\n")
        let changed = try ConfigSchema.load(texts: [("a", set)], environment: [:]).config
        #expect(changed.maxReports == 1 && changed.proxy != nil && !changed.enable)
        let loaded = try ConfigSchema.load(texts: [("a", set), ("b", reset)], environment: [:])
        #expect(loaded.config == TelemetryConfig())
        #expect(Set(loaded.origins.values.map(\.file)) == ["b"])
    }

    @Test func retryMinMustNotExceedRetryMaxAfterMerging() throws {
        let main = "/etc/telemetryd/telemetry.conf", drop = "/run/telemetryd/telemetry.conf.d/90-x.conf"
        let e1 = #expect(throws: ConfigError.self) {
            try ConfigSchema.load(texts: [(main, "[Transport]\nRetryMinSec=10min"), (drop, "[Transport]\nRetryMaxSec=5min")],
                                  environment: [:])
        }
        #expect(e1?.description == "\(main):2: RetryMinSec=10min (set at \(main):2) is greater than RetryMaxSec=5min (set at \(drop):2); RetryMinSec must not exceed RetryMaxSec")
        let e2 = #expect(throws: ConfigError.self) {
            try ConfigSchema.load(texts: [(drop, "[Transport]\nRetryMinSec=2h")], environment: [:])
        }
        #expect(e2?.message == "RetryMinSec=2h (set at \(drop):2) is greater than RetryMaxSec=1h (built-in default); RetryMinSec must not exceed RetryMaxSec")
        let e3 = #expect(throws: ConfigError.self) {
            try ConfigSchema.load(texts: [(drop, "[Transport]\nRetryMaxSec=10s")], environment: [:])
        }
        #expect(e3?.location == ConfigLocation(file: drop, line: 2))
        #expect(e3?.key == "RetryMaxSec")
        // Fine once a later file fixes it, and equal values are fine.
        let ok = try ConfigSchema.load(texts: [(main, "[Transport]\nRetryMinSec=2h"), (drop, "[Transport]\nRetryMaxSec=2h")],
                                       environment: [:])
        #expect(ok.config.retryMin == ok.config.retryMax)
    }

    static let disableValues: [(String, Bool, Bool)] = [   // value, disables, warns
        ("1", true, false), ("yes", true, false), ("true", true, false), ("on", true, false), ("TRUE", true, false),
        ("0", false, false), ("no", false, false), ("false", false, false), ("off", false, false), ("", false, false),
        ("  ", false, false), ("please", true, true), ("2", true, true),
    ]

    @Test("DO_NOT_TRACK and TELEMETRYD_DISABLE: any value but empty or false disables", arguments: disableValues)
    func disableVariables(_ value: String, _ disables: Bool, _ warns: Bool) throws {
        for name in ["DO_NOT_TRACK", "TELEMETRYD_DISABLE"] {
            let loaded = try load("[Telemetry]\nEnable=yes\n", env: [name: value])
            #expect(loaded.config.enable == !disables)
            #expect(loaded.enableOrigin == (disables ? .environment(name) : .file(ConfigLocation(file: file, line: 2))))
            #expect(loaded.warnings.count == (warns ? 1 : 0))
        }
    }

    @Test func environmentIsStrongerThanFilesButOnlyDisables() throws {
        let both = try load("[Telemetry]\nEnable=no\n", env: ["DO_NOT_TRACK": "1", "TELEMETRYD_DISABLE": "1"])
        #expect(both.enableOrigin == .environment("TELEMETRYD_DISABLE"))
        #expect(both.enableOrigin.description == "$TELEMETRYD_DISABLE")
        #expect(both.origin(of: "Telemetry.Enable") == .environment("TELEMETRYD_DISABLE"))
        // Setting it to 0 never enables against a file.
        let off = try load("[Telemetry]\nEnable=no\n", env: ["DO_NOT_TRACK": "0"])
        #expect(off.config.enable == false)
        #expect(off.enableOrigin == .file(ConfigLocation(file: file, line: 2)))
        let def = try load("", env: [:])
        #expect(def.config.enable && def.enableOrigin == .builtinDefault && def.enableOrigin.description == "built-in default")
    }

    @Test func debugVariable() throws {
        #expect(try load("", env: ["TELEMETRYD_DEBUG": "1"]).config.debug == true)
        #expect(try load("", env: ["TELEMETRYD_DEBUG": "1"]).debugOrigin == .environment("TELEMETRYD_DEBUG"))
        #expect(try load("", env: ["TELEMETRYD_DEBUG": "0"]).config.debug == false)
        #expect(try load("", env: [:]).config.debug == false)
        #expect(try load("", env: [:]).debugOrigin == .builtinDefault)
    }

    @Test func plainHTTPEndpointWarnsUnlessLoopback() throws {
        let remote = try load("[Telemetry]\nEndpoint=http://collector.example.com/r\n")
        #expect(remote.config.endpoint == "http://collector.example.com/r")
        #expect(remote.warnings.map(\.description) == ["\(file):2: Endpoint=http://collector.example.com/r uses http://: reports travel unencrypted; use https:// outside of tests"])
        for local in ["http://127.0.0.1:8080/r", "http://localhost:8080/r", "http://[::1]:8080/r", "https://collector.example.com/r"] {
            #expect(try load("[Telemetry]\nEndpoint=\(local)\n").warnings.isEmpty, "\(local)")
        }
        // Only the final value counts.
        #expect(try load("[Telemetry]\nEndpoint=http://collector.example.com/r\nEndpoint=\n").warnings.isEmpty)
    }
}
