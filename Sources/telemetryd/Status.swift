import ArgumentParser
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import TelemetryCore

struct Status: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Show whether telemetry is enabled and why, the endpoint, the IDs, the last send of each type, the next due times and the spool depth.",
        discussion: "Reads the configuration and the state directory only: creates nothing, contacts nobody.")
    @OptionGroup var global: GlobalOptions

    @Flag(name: .long, help: "Print one JSON object instead of lines.")
    var json = false

    func run() async throws {
        let ctx = try Context.load(global, logger: commandLogger())
        let report = StatusReport(ctx)
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

    var enabled: Bool
    var disabledBy: String?
    var decidedBy: String
    var dryRun: Bool
    var endpoint: String
    var instanceId: String?
    var clusterId: String?
    var last: [String: Last]
    var next: [String: Date]
    var queued: Int
    var proxy: String?
    var sentLog: String
    var sentLogCount: Int
    var stateDirectory: String
    var configFiles: [String]
    /// The file:line (or "built-in default") that set Endpoint=.
    var endpointFrom: String
    /// `[Product]` as the next report would carry it, and the file:line of Name= (and of the version's key).
    var product: Product?
    var productFrom: String?

    init(_ ctx: Context) {
        let config = ctx.config
        enabled = config.enable
        disabledBy = config.enable ? nil : ctx.loaded.enableOrigin.description
        decidedBy = ctx.loaded.enableOrigin.description
        dryRun = config.dryRun
        endpoint = config.endpoint
        let stored = IdentityStore(stateDirectory: ctx.stateDirectory, machineAppID: { nil }).stored()
        instanceId = stored.instanceId
        // As the next report would carry it: ClusterID=, else the UUID derived from ClusterIDFile=, else the generated one.
        let derived = config.clusterIDFile.flatMap { file -> String? in
            if case .value(let id) = ProductProbe.clusterID(file: file) { id } else { nil }
        }
        clusterId = config.clusterID ?? derived ?? stored.clusterId
        let state = DeliveryStateStore(stateDirectory: ctx.stateDirectory).load()
        var last: [String: Last] = [:]
        var next: [String: Date] = [:]
        for type in ReportType.allCases {
            if let r = state.lastResult(type) {
                last[type.rawValue] = Last(at: r.at, result: r.result.rawValue, httpStatus: r.httpStatus, detail: r.detail,
                                           lastSent: state.lastSent(type))
            }
            if config.enable, let due = state.nextDue(type) { next[type.rawValue] = due }
        }
        self.last = last
        self.next = next
        queued = config.enable ? Spool.pendingCount(stateDirectory: ctx.stateDirectory) : 0
        proxy = ctx.proxyDescription
        let sent = SentLog(stateDirectory: ctx.stateDirectory)
        sentLog = sent.directory
        sentLogCount = sent.entries().count
        stateDirectory = ctx.stateDirectory
        configFiles = ctx.loaded.files
        endpointFrom = ctx.loaded.origin(of: "Telemetry.Endpoint").description
        (product, productFrom) = Self.product(ctx)
    }

    /// The product block the next report would carry, and which lines decided it.
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

    private enum CodingKeys: String, CodingKey {
        case enabled, disabledBy, decidedBy, dryRun, endpoint, proxy, instanceId, clusterId, last, next, queued, sentLog, stateDirectory, configFiles
        case endpointFrom, product, productFrom
    }

    /// Absent values are `null`, not missing keys, so scripts can rely on every key.
    func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(enabled, forKey: .enabled)
        try c.encode(disabledBy, forKey: .disabledBy)
        try c.encode(decidedBy, forKey: .decidedBy)
        try c.encode(dryRun, forKey: .dryRun)
        try c.encode(endpoint, forKey: .endpoint)
        try c.encode(proxy, forKey: .proxy)
        try c.encode(instanceId, forKey: .instanceId)
        try c.encode(clusterId, forKey: .clusterId)
        try c.encode(last, forKey: .last)
        try c.encode(next, forKey: .next)
        try c.encode(queued, forKey: .queued)
        try c.encode(sentLog, forKey: .sentLog)
        try c.encode(stateDirectory, forKey: .stateDirectory)
        try c.encode(configFiles, forKey: .configFiles)
        try c.encode(endpointFrom, forKey: .endpointFrom)
        try c.encode(product, forKey: .product)
        try c.encode(productFrom, forKey: .productFrom)
    }

    var lines: [String] {
        var out: [String] = []
        out.append("Telemetry: " + (enabled ? "enabled" : "disabled by \(disabledBy ?? decidedBy)"))
        out.append("Decided by: \(decidedBy)")
        if dryRun { out.append("Dry run: yes (reports are logged, never sent)") }
        out.append("Endpoint: \(endpoint)")
        out.append("Endpoint set by: \(endpointFrom)")
        if let product {
            out.append("Product: \(product.name) \(product.version ?? "(version unknown)") (\(productFrom ?? ""))")
        } else {
            out.append("Product: none\(productFrom.map { " (\($0))" } ?? " ([Product] Name= not set)")")
        }
        out.append("Proxy: \(proxy ?? "none")")
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
