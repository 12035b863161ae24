#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Systemd
import TelemetryCore
import TelemetryWire

/// What `telemetryd status` read from the configuration and the state directory. The command gathers these (all the
/// I/O); `StatusReport` decides from them alone, so every branch is unit-tested without files or processes.
public struct StatusInputs: Sendable {
    /// daemon.json, but only when the daemon that wrote it still runs (the caller checks, `DaemonRecord.isLive`).
    public var liveDaemon: DaemonRecord?
    /// The configuration as the files alone decide it: the caller's opt-out variables left out.
    public var filesAlone: LoadedConfig
    /// The configuration as loaded in the caller's environment (format, token, product: no variable changes them).
    public var loaded: LoadedConfig
    /// The caller's environment, only to name the opt-out variables it sets and status ignores.
    public var callerEnvironment: [String: String]
    /// The instance and cluster IDs stored in the state directory.
    public var storedInstanceId: String?
    public var storedClusterId: String?
    /// The UUID derived from `ClusterIDFile=`, when it names a readable file.
    public var clusterIdFromFile: String?
    public var delivery: DeliveryState
    /// Reports in the spool (shown only while enabled).
    public var pendingReports: Int
    /// How the proxy was chosen, e.g. "http://proxy:3128 (from the environment)"; nil for a direct connection.
    public var proxy: String?
    /// The product version as the next report would carry it (`Version=` or read from `VersionFile=`).
    public var productVersion: String?
    public var sentLogDirectory: String
    public var sentLogCount: Int
    public var stateDirectory: String

    public init(liveDaemon: DaemonRecord?, filesAlone: LoadedConfig, loaded: LoadedConfig,
                callerEnvironment: [String: String], storedInstanceId: String? = nil, storedClusterId: String? = nil,
                clusterIdFromFile: String? = nil, delivery: DeliveryState = DeliveryState(), pendingReports: Int = 0,
                proxy: String? = nil, productVersion: String? = nil, sentLogDirectory: String, sentLogCount: Int = 0,
                stateDirectory: String) {
        self.liveDaemon = liveDaemon
        self.filesAlone = filesAlone
        self.loaded = loaded
        self.callerEnvironment = callerEnvironment
        self.storedInstanceId = storedInstanceId
        self.storedClusterId = storedClusterId
        self.clusterIdFromFile = clusterIdFromFile
        self.delivery = delivery
        self.pendingReports = pendingReports
        self.proxy = proxy
        self.productVersion = productVersion
        self.sentLogDirectory = sentLogDirectory
        self.sentLogCount = sentLogCount
        self.stateDirectory = stateDirectory
    }
}

/// What `telemetryd status` tells, decided once from `StatusInputs`; formatted as lines or JSON.
public struct StatusReport: Encodable, Sendable, Equatable {
    public struct Last: Encodable, Sendable, Equatable {
        public var at: Date
        public var result: String
        public var httpStatus: Int?
        public var detail: String?
        public var lastSent: Date?
    }

    /// The daemon that recorded the decision, when one runs.
    public struct Daemon: Encodable, Sendable, Equatable {
        public var pid: Int32
        public var startedAt: Date
        public var decidedAt: Date
    }

    public var enabled: Bool
    public var disabledBy: String?
    public var decidedBy: String
    /// "daemon" (what the running daemon recorded) or "files" (no daemon runs: the configuration files alone).
    public var decisionSource: String
    public var daemon: Daemon?
    /// Opt-out variables set in the caller's environment, which the service does not see and status ignores.
    public var ignoredCallerVariables: [String]
    public var dryRun: Bool
    public var endpoint: String
    /// The file:line (or "built-in default") that set Endpoint=.
    public var endpointFrom: String
    /// `[Product]` as the next report would carry it, and the file:line of Name= (and of the version's key).
    public var product: Product?
    public var productFrom: String?
    public var reloadError: String?
    public var instanceId: String?
    public var clusterId: String?
    public var last: [String: Last]
    public var next: [String: Date]
    public var queued: Int
    public var proxy: String?
    /// `Format=` of the request bodies.
    public var format: String
    /// Whether `TokenFile=` is set, and where; the token itself is never read nor shown here.
    public var token: String?
    public var sentLog: String
    public var sentLogCount: Int
    public var stateDirectory: String
    public var configFiles: [String]

    public init(_ inputs: StatusInputs) {
        let files = inputs.filesAlone
        let config = files.config
        if let record = inputs.liveDaemon {
            enabled = record.enabled.value
            decidedBy = record.enabled.setBy
            decisionSource = "daemon"
            daemon = Daemon(pid: record.pid, startedAt: record.startedAt, decidedAt: record.decidedAt)
            dryRun = record.dryRun
            endpoint = record.endpoint.value
            endpointFrom = record.endpoint.setBy
            reloadError = record.reloadError
            configFiles = record.configFiles
        } else {
            enabled = config.enable
            decidedBy = files.enableOrigin.description
            decisionSource = "files"
            daemon = nil
            dryRun = config.dryRun
            endpoint = config.endpoint
            endpointFrom = files.origin(of: "Telemetry.Endpoint").description
            reloadError = nil
            configFiles = files.files
        }
        disabledBy = enabled ? nil : decidedBy
        ignoredCallerVariables = ConfigSchema.disableVariables.filter { EnvironmentFlag(inputs.callerEnvironment[$0]).isSet }
        instanceId = inputs.storedInstanceId
        // As the next report would carry it: ClusterID=, else the UUID derived from ClusterIDFile=, else the generated one.
        let derived = config.clusterIDFile == nil ? nil : inputs.clusterIdFromFile
        clusterId = config.clusterID ?? derived ?? inputs.storedClusterId
        var last: [String: Last] = [:]
        var next: [String: Date] = [:]
        for type in ReportType.scheduled {
            if let r = inputs.delivery.lastResult(type) {
                last[type.rawValue] = Last(at: r.at, result: r.result.rawValue, httpStatus: r.httpStatus, detail: r.detail,
                                           lastSent: inputs.delivery.lastSent(type))
            }
            // A disabled daemon plans nothing: a stale due time would mislead.
            if enabled, let due = inputs.delivery.nextDue(type) { next[type.rawValue] = due }
        }
        self.last = last
        self.next = next
        queued = enabled ? inputs.pendingReports : 0
        proxy = inputs.proxy
        let loaded = inputs.loaded
        format = loaded.config.format.rawValue
        token = loaded.config.tokenFile.map { _ in
            "set (TokenFile= at \(loaded.origins["Transport.TokenFile"]?.description ?? "configuration"))"
        }
        sentLog = inputs.sentLogDirectory
        sentLogCount = inputs.sentLogCount
        stateDirectory = inputs.stateDirectory
        (product, productFrom) = Self.product(loaded, version: inputs.productVersion)
    }

    /// The product block the next report would carry, and which lines decided it. (No environment variable
    /// changes it, so the files tell the same as the daemon, which also records it in daemon.json.)
    static func product(_ loaded: LoadedConfig, version: String?) -> (Product?, String?) {
        let p = loaded.config.product
        guard let name = p.name else {
            let reset = loaded.origins["Product.Name"].map { "Name= emptied at \($0)" }
            return (nil, reset)
        }
        var from = "Name= at \(loaded.origin(of: "Product.Name"))"
        if let file = p.versionFile {
            from += ", version from \(file) (VersionFile= at \(loaded.origin(of: "Product.VersionFile")))"
        } else if p.version != nil {
            from += ", Version= at \(loaded.origin(of: "Product.Version"))"
        }
        return (Product(name: name, version: version), from)
    }

    /// Absent values are `null`, not missing keys, so scripts can rely on every key. The count is only for the
    /// text form.
    public func encode(to encoder: any Encoder) throws {
        try NullWritingEncoding.encode(self, to: encoder, omitting: ["sentLogCount"])
    }

    public var lines: [String] {
        var out: [String] = []
        out.append("Telemetry: " + (enabled ? "enabled" : "disabled by \(disabledBy ?? decidedBy)"))
        out.append("Decided by: \(decidedBy)")
        if let daemon {
            out.append("Daemon: running, PID \(daemon.pid), since \(Self.rfc3339(daemon.startedAt)); decided at \(Self.rfc3339(daemon.decidedAt))")
        } else {
            out.append("Daemon: not running; this is what the configuration files alone decide (the service's own environment, such as Environment=DO_NOT_TRACK=1 in its unit, applies when it starts)")
        }
        if !ignoredCallerVariables.isEmpty {
            out.append("Note: \(ignoredCallerVariables.map { "$" + $0 }.joined(separator: ", ")) in your environment does not reach the service and is not counted here")
        }
        if let reloadError { out.append("Reload: failed, last good configuration kept: \(reloadError)") }
        if dryRun { out.append("Dry run: yes (reports are logged, never sent)") }
        out.append("Endpoint: \(endpoint)")
        out.append("Endpoint set by: \(endpointFrom)")
        if let product {
            out.append("Product: \(product.name) \(product.version ?? "(version unknown)") (\(productFrom ?? ""))")
        } else {
            out.append("Product: none\(productFrom.map { " (\($0))" } ?? " ([Product] Name= not set)")")
        }
        out.append("Proxy: \(proxy ?? "none")")
        out.append("Format: \(format)")
        out.append("Token: \(token ?? "none")")
        out.append("Instance ID: \(instanceId ?? "- (made at the daemon's first start)")")
        out.append("Cluster ID: \(clusterId ?? "- (made at the daemon's first start)")")
        for type in ReportType.scheduled {
            out.append("Last \(type.rawValue): \(last[type.rawValue].map(Self.describe) ?? "never")")
        }
        for type in ReportType.scheduled {
            out.append("Next \(type.rawValue): \(next[type.rawValue].map(Self.rfc3339) ?? "-")")
        }
        out.append("Queued: \(queued)")
        out.append("Sent log: \(sentLog) (\(sentLogCount) report\(sentLogCount == 1 ? "" : "s"), exactly as delivered)")
        out.append("State: \(stateDirectory)")
        out.append("Config: \(configFiles.isEmpty ? "(no file; built-in defaults)" : configFiles.joined(separator: ", "))")
        return out
    }

    static func describe(_ l: Last) -> String {
        var s = "\(rfc3339(l.at)) \(l.result)"
        if let code = l.httpStatus { s += " (HTTP \(code))" }
        if let detail = l.detail, !detail.isEmpty, l.httpStatus == nil { s += " (\(detail))" }
        if l.result != ReportResult.sent.rawValue, let sent = l.lastSent { s += "; last sent \(rfc3339(sent))" }
        return s
    }

    /// The JSON form: pretty, keys sorted, times as RFC 3339.
    public func jsonText() throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .iso8601
        return String(decoding: try encoder.encode(self), as: UTF8.self)
    }

    /// `2026-11-23T06:00:00Z`.
    public static func rfc3339(_ date: Date) -> String {
        Date(timeIntervalSince1970: date.timeIntervalSince1970.rounded(.down)).ISO8601Format()
    }
}
