#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import TelemetryWire

/// The daemon's `Report` built from a parsed document, field by field as `Report.init(from:)` and the synthesized
/// `Decodable`s of its parts read them through `Report.makeDecoder()` from the document's minimal form: the same
/// report, or the same first failure in the same words. Hand-written because that second JSONDecoder pass over a
/// document the validator had just parsed was 9–10 % of the collector's CPU at saturation (a profile of the
/// ingest); `ReportDocumentTests` compare the two over the fixtures and mutated reports.
extension Report {
    init(document: JSONValue) throws(ReportShapeError) {
        let top = try DocumentObject(document, path: [])
        let schemaVersion = try top.decode("schemaVersion", DocumentRead.int)
        let messageId = try top.decode("messageId", DocumentRead.string)
        let type = try top.decode("type") { (v, p) throws(ReportShapeError) in try DocumentRead.rawValue(ReportType.self, v, p) }
        let timestamp = try top.decode("timestamp", DocumentRead.date)
        let instanceId = try top.decode("instanceId", DocumentRead.string)
        let clusterId = try top.decode("clusterId", DocumentRead.string)
        let erasureKeyHash = try top.decodeIfPresent("erasureKeyHash", DocumentRead.string)
        let agentObject = try top.object("agent")
        let agent = Agent(name: try agentObject.decode("name", DocumentRead.string),
                          version: try agentObject.decode("version", DocumentRead.string))
        var product: Product?
        if let p = try top.objectIfPresent("product") {
            product = Product(name: try p.decode("name", DocumentRead.string), version: try p.decodeIfPresent("version", DocumentRead.string))
        }
        let data: ReportData
        switch type {
        case .keepalive: data = .keepalive(try Report.keepAlive(try top.object("data")))
        case .diagnostics: data = .diagnostics(try Report.diagnostics(try top.object("data")))
        case .forget: data = .forget(ForgetData(erasureKey: try top.object("data").decode("erasureKey", DocumentRead.string)))
        }
        self.init(messageId: messageId, type: type, timestamp: timestamp, instanceId: instanceId, clusterId: clusterId,
                  erasureKeyHash: erasureKeyHash, agent: agent, product: product, data: data)
        self.schemaVersion = schemaVersion
    }

    private static func keepAlive(_ o: DocumentObject) throws(ReportShapeError) -> KeepAliveData {
        KeepAliveData(uptimeSec: try o.decodeIfPresent("uptimeSec", DocumentRead.int),
                      agentUptimeSec: try o.decode("agentUptimeSec", DocumentRead.int))
    }

    private static func diagnostics(_ o: DocumentObject) throws(ReportShapeError) -> DiagnosticsData {
        let os = try o.object("os")
        let osInfo = OSInfo(id: try os.decodeIfPresent("id", DocumentRead.string),
                            versionId: try os.decodeIfPresent("versionId", DocumentRead.string),
                            prettyName: try os.decodeIfPresent("prettyName", DocumentRead.string),
                            kernel: try os.decodeIfPresent("kernel", DocumentRead.string),
                            arch: try os.decodeIfPresent("arch", DocumentRead.string))
        let cpu = try o.object("cpu")
        let cpuInfo = CPUInfo(model: try cpu.decodeIfPresent("model", DocumentRead.string),
                              logicalCores: try cpu.decodeIfPresent("logicalCores", DocumentRead.int),
                              load1: try cpu.decodeIfPresent("load1", DocumentRead.double),
                              load5: try cpu.decodeIfPresent("load5", DocumentRead.double),
                              load15: try cpu.decodeIfPresent("load15", DocumentRead.double),
                              hostLogicalCores: try cpu.decodeIfPresent("hostLogicalCores", DocumentRead.int))
        let memory = try o.object("memory")
        let memoryInfo = MemoryInfo(totalBytes: try memory.decodeIfPresent("totalBytes", DocumentRead.uint64),
                                    availableBytes: try memory.decodeIfPresent("availableBytes", DocumentRead.uint64),
                                    swapTotalBytes: try memory.decodeIfPresent("swapTotalBytes", DocumentRead.uint64),
                                    swapFreeBytes: try memory.decodeIfPresent("swapFreeBytes", DocumentRead.uint64),
                                    hostTotalBytes: try memory.decodeIfPresent("hostTotalBytes", DocumentRead.uint64))
        let uptimeSec = try o.decodeIfPresent("uptimeSec", DocumentRead.int)
        let virtualization = try o.decodeIfPresent("virtualization", DocumentRead.string)
        let container = try o.decodeIfPresent("container", DocumentRead.string)
        let config = try o.object("config")
        let features = ConfigFeatures(compression: try config.decode("compression", DocumentRead.bool),
                                      proxy: try config.decode("proxy", DocumentRead.bool),
                                      dryRun: try config.decode("dryRun", DocumentRead.bool),
                                      customCA: try config.decode("customCA", DocumentRead.bool))
        let facts = try o.dictionaryIfPresent("facts", Report.factValue)
        let factsStatus = try o.decodeIfPresent("factsStatus") { (v, p) throws(ReportShapeError) in
            try DocumentRead.rawValue(FactsStatus.self, v, p)
        } ?? .none
        let counters = try o.dictionaryIfPresent("counters", DocumentRead.int)
        let countersSinceSec = try o.decodeIfPresent("countersSinceSec", DocumentRead.int)
        return DiagnosticsData(os: osInfo, cpu: cpuInfo, memory: memoryInfo, uptimeSec: uptimeSec, virtualization: virtualization,
                               container: container, config: features, facts: facts, factsStatus: factsStatus,
                               counters: counters, countersSinceSec: countersSinceSec)
    }

    /// `FactValue.init(from:)`: a Bool, else an Int64, else a finite Double, else a String (whose failure is the one told).
    private static func factValue(_ v: JSONValue, _ path: () -> [String]) throws(ReportShapeError) -> FactValue {
        switch v {
        case .bool(let b): return .bool(b)
        case .integer(let i): return .integer(i)
        case .double(let d):
            if let w = WholeNumber(d), let i = w.int64 { return .integer(i) }
            return .number(d)   // finite: the parser refuses the others
        default: return .string(try DocumentRead.string(v, path))
        }
    }
}
