// The keys of telemetry.conf (README, "Configuration"; etc/telemetry.conf) and how parsed files plus the environment
// become one TelemetryConfig. Pure: no I/O.

import Systemd
import ConfigGrammar

public enum ConfigSchema {
    /// Every section and key of the contract, in the order of etc/telemetry.conf: one row a key (section, name,
    /// parser, where the value lands). Adding a key is adding a row here.
    public static let table = ConfigTable<TelemetryConfig>(defaults: TelemetryConfig(), keys: [
        Row("Telemetry", "Enable", ConfigValues.boolean, at: \.enable),
        Row("Telemetry", "Endpoint", ConfigValues.endpoint, at: \.endpoint),
        Row("Telemetry", "Format", ConfigValues.format, at: \.format),
        Row("Telemetry", "ClusterID", ConfigValues.uuid, at: \.clusterID),
        Row("Telemetry", "ClusterIDFile", { ConfigValues.absoluteFilePath($0, "the product's cluster identity file") },
                  at: \.clusterIDFile),
        Row("Telemetry", "KeepAliveIntervalSec", { ConfigValues.timeSpan($0, minimum: oneSecond) }, at: \.keepAliveInterval),
        Row("Telemetry", "DiagnosticsIntervalSec", { ConfigValues.timeSpan($0, minimum: oneSecond) }, at: \.diagnosticsInterval),
        Row("Telemetry", "RandomizedDelaySec", { ConfigValues.timeSpan($0, minimum: .zero) }, at: \.randomizedDelay),
        Row("Telemetry", "DryRun", ConfigValues.boolean, at: \.dryRun),
        Row("Transport", "TimeoutSec", { ConfigValues.timeSpan($0, minimum: oneSecond) }, at: \.timeout),
        // Checked as a proxy address, kept as written: it may hold credentials, which only the transport reads.
        Row("Transport", "Proxy", { s in ConfigValues.proxy(s).map { _ in s } }, at: \.proxy),
        Row("Transport", "CAFile", ConfigValues.absolutePath, at: \.caFile),
        Row("Transport", "TokenFile", ConfigValues.tokenFile, at: \.tokenFile),
        Row("Transport", "Compress", ConfigValues.boolean, at: \.compress),
        Row("Transport", "RetryMinSec", { ConfigValues.timeSpan($0, minimum: oneSecond) }, at: \.retryMin),
        Row("Transport", "RetryMaxSec", { ConfigValues.timeSpan($0, minimum: oneSecond) }, at: \.retryMax),
        Row("Spool", "MaxReports", ConfigValues.maxReports, at: \.maxReports),
        Row("Product", "Name", ConfigValues.productName, at: \.product.name),
        Row("Product", "Version", ConfigValues.productVersion, at: \.product.version),
        Row("Product", "VersionFile", { ConfigValues.absoluteFilePath($0, "the product's version file") }, at: \.product.versionFile),
        Row("Product", "FactsFile", { ConfigValues.absoluteFilePath($0, "the product's facts file") }, at: \.product.factsFile),
        Row("Product", "FactsSchema", { ConfigValues.absoluteFilePath($0, "the facts schema") }, at: \.product.factsSchema),
        Row("Product", "FactsMaxAgeSec", { ConfigValues.timeSpan($0, minimum: oneSecond) }, at: \.product.factsMaxAge),
    ])
    private static let oneSecond = TimeSpan(seconds: 1)

    public typealias Row = ConfigKey<TelemetryConfig>
    public static var keys: [Row] { table.keys }
    public static var keysBySection: [String: [String]] { table.keysBySection }

    /// Environment variables that turn telemetry off, strongest first (named in `enableOrigin`).
    public static let disableVariables = ["TELEMETRYD_DISABLE", "DO_NOT_TRACK"]
    public static let debugVariable = "TELEMETRYD_DEBUG"

    /// Applies one assignment (later ones win); an empty value resets the key to its built-in default.
    public static func apply(_ a: ConfigAssignment, to c: inout TelemetryConfig) throws(ConfigError) {
        try table.apply(a, to: &c)
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
