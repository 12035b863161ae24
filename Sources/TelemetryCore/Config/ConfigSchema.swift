// The keys of telemetry.conf (README, "Configuration"; etc/telemetry.conf) and how parsed files plus the environment
// become one TelemetryConfig. Pure: no I/O.

import Systemd
import ConfigGrammar

public enum ConfigSchema {
    /// Every section and key of the contract, in the order of etc/telemetry.conf.
    public static let keys: [(section: String, key: String)] = [
        ("Telemetry", "Enable"),
        ("Telemetry", "Endpoint"),
        ("Telemetry", "Format"),
        ("Telemetry", "ClusterID"),
        ("Telemetry", "ClusterIDFile"),
        ("Telemetry", "KeepAliveIntervalSec"),
        ("Telemetry", "DiagnosticsIntervalSec"),
        ("Telemetry", "RandomizedDelaySec"),
        ("Telemetry", "DryRun"),
        ("Transport", "TimeoutSec"),
        ("Transport", "Proxy"),
        ("Transport", "CAFile"),
        ("Transport", "TokenFile"),
        ("Transport", "Compress"),
        ("Transport", "RetryMinSec"),
        ("Transport", "RetryMaxSec"),
        ("Spool", "MaxReports"),
        ("Product", "Name"),
        ("Product", "Version"),
        ("Product", "VersionFile"),
        ("Product", "FactsFile"),
        ("Product", "FactsSchema"),
        ("Product", "FactsMaxAgeSec"),
    ]

    public static let keysBySection: [String: [String]] = Dictionary(grouping: keys, by: \.section).mapValues { $0.map(\.key) }

    /// Environment variables that turn telemetry off, strongest first (named in `enableOrigin`).
    public static let disableVariables = ["TELEMETRYD_DISABLE", "DO_NOT_TRACK"]
    public static let debugVariable = "TELEMETRYD_DEBUG"

    /// Applies one assignment (later ones win); an empty value resets the key to its built-in default.
    public static func apply(_ a: ConfigAssignment, to c: inout TelemetryConfig) throws(ConfigError) {
        let d = TelemetryConfig()
        let oneSecond = TimeSpan(seconds: 1)
        switch (a.section, a.key) {
        case ("Telemetry", "Enable"): c.enable = try a.parsed(or: d.enable, ConfigValues.boolean)
        case ("Telemetry", "Endpoint"): c.endpoint = try a.parsed(or: d.endpoint, ConfigValues.endpoint)
        case ("Telemetry", "Format"): c.format = try a.parsed(or: d.format, ConfigValues.format)
        case ("Telemetry", "ClusterID"): c.clusterID = try a.parsed(or: d.clusterID) { ConfigValues.uuid($0).map(Optional.some) }
        case ("Telemetry", "KeepAliveIntervalSec"):
            c.keepAliveInterval = try a.parsed(or: d.keepAliveInterval) { ConfigValues.timeSpan($0, minimum: oneSecond) }
        case ("Telemetry", "DiagnosticsIntervalSec"):
            c.diagnosticsInterval = try a.parsed(or: d.diagnosticsInterval) { ConfigValues.timeSpan($0, minimum: oneSecond) }
        case ("Telemetry", "RandomizedDelaySec"):
            c.randomizedDelay = try a.parsed(or: d.randomizedDelay) { ConfigValues.timeSpan($0, minimum: .zero) }
        case ("Telemetry", "DryRun"): c.dryRun = try a.parsed(or: d.dryRun, ConfigValues.boolean)
        case ("Transport", "TimeoutSec"):
            c.timeout = try a.parsed(or: d.timeout) { ConfigValues.timeSpan($0, minimum: oneSecond) }
        case ("Transport", "Proxy"): c.proxy = try a.parsed(or: d.proxy) { s in ConfigValues.proxy(s).map { _ in Optional.some(s) } }
        case ("Transport", "CAFile"): c.caFile = try a.parsed(or: d.caFile) { ConfigValues.absolutePath($0).map(Optional.some) }
        case ("Transport", "TokenFile"): c.tokenFile = try a.parsed(or: d.tokenFile) { ConfigValues.tokenFile($0).map(Optional.some) }
        case ("Transport", "Compress"): c.compress = try a.parsed(or: d.compress, ConfigValues.boolean)
        case ("Transport", "RetryMinSec"):
            c.retryMin = try a.parsed(or: d.retryMin) { ConfigValues.timeSpan($0, minimum: oneSecond) }
        case ("Transport", "RetryMaxSec"):
            c.retryMax = try a.parsed(or: d.retryMax) { ConfigValues.timeSpan($0, minimum: oneSecond) }
        case ("Spool", "MaxReports"): c.maxReports = try a.parsed(or: d.maxReports, ConfigValues.maxReports)
        case ("Telemetry", "ClusterIDFile"):
            c.clusterIDFile = try a.parsed(or: d.clusterIDFile) { ConfigValues.absoluteFilePath($0, "the product's cluster identity file").map(Optional.some) }
        case ("Product", "Name"): c.product.name = try a.parsed(or: d.product.name) { ConfigValues.productName($0).map(Optional.some) }
        case ("Product", "Version"): c.product.version = try a.parsed(or: d.product.version) { ConfigValues.productVersion($0).map(Optional.some) }
        case ("Product", "VersionFile"):
            c.product.versionFile = try a.parsed(or: d.product.versionFile) { ConfigValues.absoluteFilePath($0, "the product's version file").map(Optional.some) }
        case ("Product", "FactsFile"):
            c.product.factsFile = try a.parsed(or: d.product.factsFile) { ConfigValues.absoluteFilePath($0, "the product's facts file").map(Optional.some) }
        case ("Product", "FactsSchema"):
            c.product.factsSchema = try a.parsed(or: d.product.factsSchema) { ConfigValues.absoluteFilePath($0, "the facts schema").map(Optional.some) }
        case ("Product", "FactsMaxAgeSec"):
            c.product.factsMaxAge = try a.parsed(or: d.product.factsMaxAge) { ConfigValues.timeSpan($0, minimum: oneSecond) }
        default:
            // The parser only passes keys of the schema; anything else is a programming error, but still
            // reported as a config error rather than a crash.
            throw ConfigError(location: a.location, key: a.key, message: "\(a.key)= is not a known key of section [\(a.section)]")
        }
    }


    /// A warning for a valid but unwise final value: a plain-http Endpoint other than loopback.
    static func endpointAdvisory(_ endpoint: String, at location: ConfigLocation?) -> ConfigDiagnostic? {
        guard let location, let u = ConfigValues.splitURL(endpoint), u.scheme == "http" else { return nil }
        let loopback = u.host == "localhost" || u.host == "::1" || u.host.hasPrefix("127.")
        if loopback { return nil }
        return ConfigDiagnostic(location: location,
            message: "Endpoint=\(endpoint) uses http://: reports travel unencrypted; use https:// outside of tests")
    }

    /// Is an environment flag set? Empty or unset: no. A systemd boolean: its value. Anything else
    /// counts as set (generous on purpose: for the opt-out variables a typo must not mean "keep sending"),
    /// with a warning.
    static func environmentFlag(_ name: String, _ environment: [String: String], warnings: inout [ConfigDiagnostic]) -> Bool {
        let flag = EnvironmentFlag(environment[name])
        if case .notBoolean(let raw) = flag {
            warnings.append(ConfigDiagnostic(location: nil,
                message: "$\(name)=\(raw) is not a boolean (expected 1/yes/true/on or 0/no/false/off); treating it as set"))
        }
        return flag.isSet
    }

    /// Merges parsed files in order (later assignments win) and applies the environment, which is
    /// stronger than any file: TELEMETRYD_DISABLE / DO_NOT_TRACK can only turn telemetry off,
    /// TELEMETRYD_DEBUG can only turn debug on. Cross-key checks run after the merge.
    public static func resolve(_ files: [ParsedConfigFile], environment: [String: String]) throws(ConfigError) -> LoadedConfig {
        var merger = Merger()
        for file in files { try merger.add(file) }
        return try merger.finish(environment: environment)
    }

    /// Accumulates files one by one, so errors surface in the order the files are applied.
    public struct Merger: Sendable {
        public private(set) var config = TelemetryConfig()
        public private(set) var origins: [String: ConfigLocation] = [:]
        public private(set) var warnings: [ConfigDiagnostic] = []
        public private(set) var files: [String] = []

        public init() {}

        public mutating func add(_ file: ParsedConfigFile) throws(ConfigError) {
            files.append(file.fileName)
            warnings += file.warnings
            for a in file.assignments {
                try ConfigSchema.apply(a, to: &config)
                origins[a.qualifiedKey] = a.location
            }
        }

        public func finish(environment: [String: String]) throws(ConfigError) -> LoadedConfig {
            var config = self.config
            var warnings = self.warnings
            if config.retryMin > config.retryMax {
                let minFrom = origins["Transport.RetryMinSec"]
                let maxFrom = origins["Transport.RetryMaxSec"]
                func from(_ l: ConfigLocation?) -> String { l.map { "set at \($0)" } ?? "built-in default" }
                throw ConfigError(
                    location: minFrom ?? maxFrom, key: minFrom != nil ? "RetryMinSec" : "RetryMaxSec",
                    message: "RetryMinSec=\(config.retryMin) (\(from(minFrom))) is greater than RetryMaxSec=\(config.retryMax) (\(from(maxFrom))); RetryMinSec must not exceed RetryMaxSec")
            }

            if let w = ConfigSchema.endpointAdvisory(config.endpoint, at: origins["Telemetry.Endpoint"]) { warnings.append(w) }

            var enableOrigin: SettingOrigin = origins["Telemetry.Enable"].map(SettingOrigin.file) ?? .builtinDefault
            var disabledByEnvironment = false
            for name in ConfigSchema.disableVariables where ConfigSchema.environmentFlag(name, environment, warnings: &warnings) {
                if disabledByEnvironment { continue }   // the first (strongest) one is named
                disabledByEnvironment = true
                config.enable = false
                enableOrigin = .environment(name)
            }
            var debugOrigin: SettingOrigin = .builtinDefault
            if ConfigSchema.environmentFlag(ConfigSchema.debugVariable, environment, warnings: &warnings) {
                config.debug = true
                debugOrigin = .environment(ConfigSchema.debugVariable)
            }
            return LoadedConfig(config: config, enableOrigin: enableOrigin, warnings: warnings,
                                files: files, origins: origins, debugOrigin: debugOrigin)
        }
    }

    /// Parses and resolves in-memory files, in the order given (tests, `telemetryd` checks).
    public static func load(texts: [(fileName: String, text: String)], environment: [String: String]) throws(ConfigError) -> LoadedConfig {
        var merger = Merger()
        for t in texts { try merger.add(try ConfigParser.parse(t.text, fileName: t.fileName)) }
        return try merger.finish(environment: environment)
    }
}
