import CollectorSummary
import Prometheus

/// `GET /metrics`: the ingest counters since start, plus the current answers as gauges, in the Prometheus
/// text format (swift-prometheus renders and escapes).
public final class CollectorMetrics: Sendable {
    private let registry = PrometheusCollectorRegistry()
    private let reports: [IngestResult: Counter]
    private let closed: [ConnectionCloseReason: Counter]
    private let open: Gauge

    public init() {
        var reports: [IngestResult: Counter] = [:]
        for result in IngestResult.allCases {
            reports[result] = registry.makeCounter(
                descriptor: MetricNameDescriptor(metricName: "telemetry_reports", unitName: "total",
                                                 helpText: "Reports POSTed to /v1/reports since start, by outcome"),
                labels: [("result", result.rawValue)])
        }
        self.reports = reports
        var closed: [ConnectionCloseReason: Counter] = [:]
        for reason in ConnectionCloseReason.allCases {
            closed[reason] = registry.makeCounter(
                descriptor: MetricNameDescriptor(metricName: "telemetry_connections_closed", unitName: "total",
                                                 helpText: "Connections the collector closed on its own since start, by reason"),
                labels: [("reason", reason.rawValue)])
        }
        self.closed = closed
        open = registry.makeGauge(descriptor: MetricNameDescriptor(metricName: "telemetry_connections_open", unitName: "",
                                                                    helpText: "Connections open now (MaxConnections= bounds them)"))
    }

    public func count(_ result: IngestResult) { reports[result]?.increment() }

    public func connectionClosed(_ reason: ConnectionCloseReason) { closed[reason]?.increment() }

    public func setOpenConnections(_ n: Int) { open.set(Double(n)) }

    /// Days of summary `render` needs: today, and the day losses are first known (7 days back).
    public static let summaryDays = SummaryAssembler.lostAfterDays + 1

    /// The counters, then gauges of `summary` (nil: the database did not answer; only `telemetry_database_up 0`).
    public func render(summary: Summary?) -> [UInt8] {
        var out = registry.emitToBuffer()
        let answers = PrometheusCollectorRegistry()
        answers.makeGauge(descriptor: gauge("telemetry_database_up", "1 when the database answered this scrape")).set(summary == nil ? 0.0 : 1.0)
        if let summary, let today = summary.days.last {
            let gauges: [(String, String, String, [String: Int])] = [
                ("telemetry_active_installs", "product_version", "Installs active today (UTC), by product version", today.byProductVersion),
                ("telemetry_active_installs_by_os", "os", "Installs active today, by OS (os-release ID and VERSION_ID)", today.byOS),
                ("telemetry_active_installs_by_arch", "arch", "Installs active today, by architecture", today.byArch),
                ("telemetry_active_installs_by_virtualization", "virtualization", "Installs active today, by virtualization", today.byVirtualization),
                ("telemetry_active_installs_by_container", "container", "Installs active today, by container manager", today.byContainer),
                ("telemetry_active_installs_by_cores", "cores", "Installs active today, by logical cores (bucket)", today.byCores),
                ("telemetry_active_installs_by_memory", "memory", "Installs active today, by memory (bucket)", today.byMemory),
                ("telemetry_clusters", "size", "Clusters (a clusterId shared by two or more installs active today), by size", summary.clusters.bySize),
            ]
            for (name, label, help, counts) in gauges {
                for (value, n) in counts.sorted(by: { $0.key < $1.key }) {
                    answers.makeGauge(descriptor: gauge(name, help), labels: [(label, value)]).set(Double(n))
                }
            }
            answers.makeGauge(descriptor: gauge("telemetry_new_installs", "Installs first seen today (UTC)")).set(Double(today.newInstalls))
            // Losses of a day are known 7 days later: the most recent day that can have any.
            let lost = summary.days.count > SummaryAssembler.lostAfterDays ? summary.days[summary.days.count - 1 - SummaryAssembler.lostAfterDays].lostInstalls : 0
            answers.makeGauge(descriptor: gauge("telemetry_lost_installs", "Installs last seen 7 days ago (UTC) and silent since")).set(Double(lost))
        }
        answers.emit(into: &out)
        return out
    }

    private func gauge(_ name: String, _ help: String) -> MetricNameDescriptor {
        MetricNameDescriptor(metricName: name, unitName: "", helpText: help)
    }
}
