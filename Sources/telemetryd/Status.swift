import CommandLineSupport
import ArgumentParser
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Systemd
import TelemetryCore
import TelemetryWire
import FileSupport

struct Status: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Show whether telemetry is enabled and why, the endpoint, the IDs, the last send of each type, the next due times and the spool depth.",
        discussion: """
            Tells what the running daemon decided, in its own environment (recorded in daemon.json in the state \
            directory at every start and reload), not what this shell's environment would decide. With no daemon \
            running it says so and shows what the configuration files alone decide. Reads the configuration and \
            the state directory only: creates nothing, contacts nobody.
            """)
    @OptionGroup var global: GlobalOptions

    @Flag(name: .long, help: "Print one JSON object instead of lines.")
    var json = false

    func run() async throws {
        let ctx = try Context.load(global, logger: commandLogger())
        try ctx.requireReadableState()
        let report = try StatusReport(ctx)
        if json {
            print(try report.jsonText())
        } else {
            print(report.lines.joined(separator: "\n"))
        }
    }
}

/// What `telemetryd status` tells, gathered once; formatted as lines or JSON.
struct StatusReport: Encodable {
    struct Last: Encodable {
        var at: Date
        var result: String
        var httpStatus: Int?
        var detail: String?
        var lastSent: Date?
    }

    /// The daemon that recorded the decision, when one runs.
    struct Daemon: Encodable {
        var pid: Int32
        var startedAt: Date
        var decidedAt: Date
    }

    var enabled: Bool
    var disabledBy: String?
    var decidedBy: String
    /// "daemon" (what the running daemon recorded) or "files" (no daemon runs: the configuration files alone).
    var decisionSource: String
    var daemon: Daemon?
    /// Opt-out variables set in the caller's environment, which the service does not see and status ignores.
    var ignoredCallerVariables: [String]
    var dryRun: Bool
    var endpoint: String
    /// The file:line (or "built-in default") that set Endpoint=.
    var endpointFrom: String
    /// `[Product]` as the next report would carry it, and the file:line of Name= (and of the version's key).
    var product: Product?
    var productFrom: String?
    var reloadError: String?
    var instanceId: String?
    var clusterId: String?
    var last: [String: Last]
    var next: [String: Date]
    var queued: Int
    var proxy: String?
    /// `Format=` of the request bodies.
    var format: String
    /// Whether `TokenFile=` is set, and where; the token itself is never read nor shown here.
    var token: String?
    var sentLog: String
    var sentLogCount: Int
    var stateDirectory: String
    var configFiles: [String]

    init(_ ctx: Context) throws(CLIFailure) {
        let record: DaemonRecord?
        do throws(FileError) {
            record = try DaemonRecord.load(stateDirectory: ctx.stateDirectory)
        } catch {
            throw .runtime("cannot read what the daemon decided: \(error.description)")
        }
        let files = try ctx.filesAlone()
        let config = files.config
        if let record, record.isLive() {
            enabled = record.enabled.value
            decidedBy = record.enabled.setBy
            decisionSource = "daemon"
            daemon = Daemon(pid: record.pid, startedAt: record.startedAt, decidedAt: record.decidedAt)
            dryRun = record.dryRun
            endpoint = record.endpoint.value
            endpointFrom = record.endpoint.setBy
            reloadError = record.reloadError
        } else {
            enabled = config.enable
            decidedBy = files.enableOrigin.description
            decisionSource = "files"
            daemon = nil
            dryRun = config.dryRun
            endpoint = config.endpoint
            endpointFrom = files.origin(of: "Telemetry.Endpoint").description
            reloadError = nil
        }
        disabledBy = enabled ? nil : decidedBy
        ignoredCallerVariables = ConfigSchema.disableVariables.filter { EnvironmentFlag(ctx.environment[$0]).isSet }
        let stored = IdentityStore(stateDirectory: ctx.stateDirectory, machineAppID: { nil }).stored()
        instanceId = stored.instanceId
        // As the next report would carry it: ClusterID=, else the UUID derived from ClusterIDFile=, else the generated one.
        let derived = config.clusterIDFile.flatMap { file -> String? in
            if case .value(let id) = ProductProbe.clusterID(file: file) { id } else { nil }
        }
        clusterId = config.clusterID ?? derived ?? stored.clusterId
        let state: DeliveryState
        do throws(FileError) {
            state = try DeliveryStateStore(stateDirectory: ctx.stateDirectory).load()
        } catch {
            throw .runtime("cannot read the delivery state: \(error.description)")
        }
        var last: [String: Last] = [:]
        var next: [String: Date] = [:]
        for type in ReportType.allCases {
            if let r = state.lastResult(type) {
                last[type.rawValue] = Last(at: r.at, result: r.result.rawValue, httpStatus: r.httpStatus, detail: r.detail,
                                           lastSent: state.lastSent(type))
            }
            if enabled, let due = state.nextDue(type) { next[type.rawValue] = due }
        }
        self.last = last
        self.next = next
        queued = enabled ? Spool.pendingCount(stateDirectory: ctx.stateDirectory) : 0
        proxy = ctx.proxyDescription
        format = ctx.config.format.rawValue
        token = ctx.config.tokenFile.map { _ in
            "set (TokenFile= at \(ctx.loaded.origins["Transport.TokenFile"]?.description ?? "configuration"))"
        }
        let sent = SentLog(stateDirectory: ctx.stateDirectory)
        sentLog = sent.directory
        sentLogCount = sent.entries().count
        stateDirectory = ctx.stateDirectory
        configFiles = record?.isLive() == true ? record?.configFiles ?? [] : files.files
        (product, productFrom) = Self.product(ctx)
    }

    /// The product block the next report would carry, and which lines decided it. (No environment variable
    /// changes it, so the files tell the same as the daemon, which also records it in daemon.json.)
    static func product(_ ctx: Context) -> (Product?, String?) {
        let p = ctx.config.product
        guard let name = p.name else {
            let reset = ctx.loaded.origins["Product.Name"].map { "Name= emptied at \($0)" }
            return (nil, reset)
        }
        let version = ProductProbe.version(p).version
        var from = "Name= at \(ctx.loaded.origin(of: "Product.Name"))"
        if let file = p.versionFile {
            from += ", version from \(file) (VersionFile= at \(ctx.loaded.origin(of: "Product.VersionFile")))"
        } else if p.version != nil {
            from += ", Version= at \(ctx.loaded.origin(of: "Product.Version"))"
        }
        return (Product(name: name, version: version), from)
    }

    /// Absent values are `null`, not missing keys, so scripts can rely on every key. The count is only for the
    /// text form.
    func encode(to encoder: any Encoder) throws {
        try NullWritingEncoding.encode(self, to: encoder, omitting: ["sentLogCount"])
    }

    var lines: [String] {
        var out: [String] = []
        out.append("Telemetry: " + (enabled ? "enabled" : "disabled by \(disabledBy ?? decidedBy)"))
        out.append("Decided by: \(decidedBy)")
        if let daemon {
            out.append("Daemon: running, PID \(daemon.pid), since \(rfc3339(daemon.startedAt)); decided at \(rfc3339(daemon.decidedAt))")
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
        for type in ReportType.allCases {
            out.append("Last \(type.rawValue): \(last[type.rawValue].map(Self.describe) ?? "never")")
        }
        for type in ReportType.allCases {
            out.append("Next \(type.rawValue): \(next[type.rawValue].map(rfc3339) ?? "-")")
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

    func jsonText() throws(CLIFailure) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .iso8601
        do {
            return String(decoding: try encoder.encode(self), as: UTF8.self)
        } catch {
            throw .runtime("could not encode the status: \(error)")
        }
    }
}

/// `2026-11-23T06:00:00Z`.
func rfc3339(_ date: Date) -> String {
    Date(timeIntervalSince1970: date.timeIntervalSince1970.rounded(.down)).ISO8601Format()
}
