// The configuration model of telemetryd: what `telemetry.conf` and its drop-ins can set.
//
// Grammar and semantics (see ConfigGrammar's ConfigParser.swift, and ConfigSchema.swift and ConfigLoader.swift here):
// systemd INI style like journald.conf; drop-ins merged by file name across
// `<dir of main>/telemetry.conf.d/`, `/run/telemetryd/telemetry.conf.d/` and the vendor's `/usr/lib/telemetryd/telemetry.conf.d/`; later assignment wins;
// `Key=` resets a key to its built-in default; the environment (TELEMETRYD_DISABLE, DO_NOT_TRACK,
// TELEMETRYD_DEBUG) is stronger than any file.

import ConfigGrammar

public struct TelemetryConfig: Sendable, Equatable {
    public static let defaultEndpoint = "https://telemetry.example.com/v1/reports"
    public var enable = true
    public var endpoint = TelemetryConfig.defaultEndpoint
    /// Lower-case UUID when set in the config; nil means generate once and persist.
    public var clusterID: String? = nil
    public var keepAliveInterval = TimeSpan(seconds: 6 * 3600)
    public var diagnosticsInterval = TimeSpan(seconds: 6 * 3600)
    public var randomizedDelay = TimeSpan(seconds: 600)
    public var dryRun = false
    public var timeout = TimeSpan(seconds: 30)
    /// What a report looks like on the wire: this project's JSON, or a Segment `track` call.
    public var format = ReportFormat.telemetryd
    /// `http://[user:password@]host:port` of a CONNECT proxy; nil means use `$https_proxy`/`$HTTPS_PROXY` honoring
    /// `$no_proxy`. Holds credentials: never log or show it, show `ProxyAddress.description` instead.
    public var proxy: String? = nil
    /// Absolute path of extra PEM trust anchors; nil means the system trust store only.
    public var caFile: String? = nil
    /// The file holding the collector's token (Bearer) or Segment write key (Basic user name): absolute, or relative
    /// to `$CREDENTIALS_DIRECTORY` (systemd's `LoadCredential=`). nil: no credential is sent.
    public var tokenFile: String? = nil
    public var compress = true
    public var retryMin = TimeSpan(seconds: 30)
    public var retryMax = TimeSpan(seconds: 3600)
    public var maxReports = 512
    /// `TELEMETRYD_DEBUG=1`: log every payload sent, prefixed `[telemetry]`.
    public var debug = false
    /// `ClusterIDFile=`: the product's own cluster identity (first line); the report carries a UUID derived
    /// from it, never the string. Weaker than `ClusterID=`, stronger than the generated ID.
    public var clusterIDFile: String? = nil
    /// `[Product]`: the vendor's product this install reports for.
    public var product = ProductSettings()
    public init() {}
}

/// The `[Product]` section.
public struct ProductSettings: Sendable, Equatable {
    /// The default `FactsSchema=`: the vendor's package ships it; used only when it exists.
    public static let defaultFactsSchema = "/usr/lib/telemetryd/facts.schema.json"
    /// `Name=`; nil = no `product` block in reports.
    public var name: String? = nil
    /// `Version=`; `VersionFile=` wins when set.
    public var version: String? = nil
    /// `VersionFile=`: absolute path of a file whose first line is the version, read at every report.
    public var versionFile: String? = nil
    /// `FactsFile=`: absolute path of the JSON object the product writes; nil = no facts.
    public var factsFile: String? = nil
    /// `FactsSchema=`; nil = `defaultFactsSchema` when that file exists.
    public var factsSchema: String? = nil
    /// `FactsMaxAgeSec=`: an older facts file is `stale`.
    public var factsMaxAge = TimeSpan(seconds: 2 * 86400)
    public init() {}
}

/// `[Telemetry] Format=`: the body of each POST.
public enum ReportFormat: String, Sendable, Hashable, CaseIterable {
    /// The report itself, `schema/report-v1.schema.json`.
    case telemetryd
    /// One Segment HTTP Tracking API `track` call per report (Segment, RudderStack, Jitsu).
    case segment
}

/// `Proxy=http://[user:password@]host:port`, split. IPv6 hosts are given without brackets. `description` never
/// shows the credentials.
public struct ProxyAddress: Sendable, Hashable, CustomStringConvertible {
    public var host: String
    public var port: Int
    /// Basic credentials for the CONNECT request (percent-decoded); nil without `user:password@`.
    public var credentials: ProxyCredentials?
    public init(host: String, port: Int, credentials: ProxyCredentials? = nil) {
        self.host = host
        self.port = port
        self.credentials = credentials
    }
    /// `http://host:port`, with `user:***@` when credentials are set (the password is never shown).
    public var description: String {
        let h = host.contains(":") ? "[\(host)]" : host
        return "http://" + (credentials.map { "\($0.username):***@" } ?? "") + "\(h):\(port)"
    }
}

public struct ProxyCredentials: Sendable, Hashable, CustomStringConvertible {
    public var username: String
    public var password: String
    public init(username: String, password: String) { self.username = username; self.password = password }
    public var description: String { "\(username):***" }
}

/// What decided a setting's value.
public enum SettingOrigin: Sendable, Equatable, CustomStringConvertible {
    case builtinDefault
    case file(ConfigLocation)
    case environment(String)
    public var description: String {
        switch self {
        case .builtinDefault: "built-in default"
        case .file(let l): l.description
        case .environment(let v): "$\(v)"
        }
    }
}

public struct LoadedConfig: Sendable {
    public var config: TelemetryConfig
    /// What decided `Enable` (a file:line, an environment variable, or the default).
    public var enableOrigin: SettingOrigin
    /// Warnings (unknown keys, sections), each naming file:line.
    public var warnings: [ConfigDiagnostic]
    /// The files read, in the order applied.
    public var files: [String]
    /// Where each key set by a file was last assigned, keyed "Section.Key" (e.g. "Telemetry.Enable").
    /// An empty assignment (`Key=`, a reset to the default) counts as an assignment. Keys absent here
    /// have their built-in default.
    public var origins: [String: ConfigLocation]
    /// What decided `debug` (`$TELEMETRYD_DEBUG` or the default).
    public var debugOrigin: SettingOrigin

    public init(config: TelemetryConfig, enableOrigin: SettingOrigin = .builtinDefault, warnings: [ConfigDiagnostic] = [],
                files: [String] = [], origins: [String: ConfigLocation] = [:], debugOrigin: SettingOrigin = .builtinDefault) {
        self.config = config
        self.enableOrigin = enableOrigin
        self.warnings = warnings
        self.files = files
        self.origins = origins
        self.debugOrigin = debugOrigin
    }

    /// What decided the value of "Section.Key" (e.g. "Transport.Proxy").
    public func origin(of key: String) -> SettingOrigin {
        if key == "Telemetry.Enable" { return enableOrigin }
        return origins[key].map(SettingOrigin.file) ?? .builtinDefault
    }
}
