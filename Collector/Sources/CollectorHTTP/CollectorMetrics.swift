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
    /// `productVersions`: today's installs by product and version (`ReadModel.productVersions()`); nil: not split,
    /// every version under product `unknown` (no product reported) or `other`.
    public func render(summary: Summary?, productVersions: ProductVersions? = nil) -> [UInt8] {
        var out = registry.emitToBuffer()
        let answers = PrometheusCollectorRegistry()
        answers.makeGauge(descriptor: gauge("telemetry_database_up", "1 when the database answered this scrape")).set(summary == nil ? 0.0 : 1.0)
        if let summary, let today = summary.days.last {
            let split = productVersions ?? ProductVersions.split(total: today.byProductVersion, perProduct: [],
                                                                 complete: summary.products.isEmpty)
            let active = gauge("telemetry_active_installs", "Installs active today (UTC), by product and product version")
            for (product, versions) in split.counts.sorted(by: { $0.key < $1.key }) {
                for (version, n) in versions.sorted(by: { $0.key < $1.key }) {
                    answers.makeGauge(descriptor: active, labels: [("product", product), ("product_version", version)]).set(Double(n))
                }
            }
            let gauges: [(String, String, String, [String: Int])] = [
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
            answers.makeGauge(descriptor: gauge("telemetry_established_installs", "Installs active today (UTC) whose first report is at least 24 h older than their last report today")).set(Double(today.establishedInstalls))
            // Today's lifecycle, when the summary has today's (zeros else, like every gauge of a quiet day).
            let lifecycle = summary.lifecycle.last(where: { $0.date == today.date }) ?? LifecycleDay(date: today.date)
            answers.makeGauge(descriptor: gauge("telemetry_returning_installs", "Installs active today (UTC) that were active yesterday too")).set(Double(lifecycle.returning))
            answers.makeGauge(descriptor: gauge("telemetry_resurrected_installs", "Installs active today (UTC) again after having been counted lost (7 days without a report)")).set(Double(lifecycle.resurrected))
            // Losses of a day are known 7 days later: the most recent day that can have any.
            let lost = summary.days.count > SummaryAssembler.lostAfterDays ? summary.days[summary.days.count - 1 - SummaryAssembler.lostAfterDays].lostInstalls : 0
            answers.makeGauge(descriptor: gauge("telemetry_lost_installs", "Installs last seen 7 days ago (UTC) and silent since")).set(Double(lost))
            for sample in Self.factSamples(today) {
                answers.makeGauge(descriptor: gauge(sample.name, sample.help), labels: sample.labels).set(sample.value)
            }
        }
        answers.emit(into: &out)
        return out
    }

    /// One gauge sample of a product fact or counter.
    struct Sample: Equatable {
        var name: String
        var help: String
        var labels: [(String, String)]
        var value: Double

        static func == (a: Sample, b: Sample) -> Bool {
            a.name == b.name && a.value == b.value && a.labels.map { [$0.0, $0.1] } == b.labels.map { [$0.0, $0.1] }
        }
    }

    static let factInstallsHelp = "Installs active today (UTC) by a product fact's value: a boolean's true and false, each value of an enum, and for a number the installs carrying it (value empty); all products together"
    static let factQuantileHelp = "Percentiles of a number fact over the installs active today (UTC) that carry it"
    static let counterIncrementsHelp = "Sum of a product counter's increments that arrived today (UTC) so far, all installs and products; it grows during the day and starts again at 0 at 00:00 UTC, like the other gauges of today (the API has every closed day)"
    static let counterInstallsHelp = "Installs that sent an increment above 0 of a product counter today (UTC) so far"

    /// Today's facts and counters as gauge samples, sorted by key and value so every scrape lists them alike. The
    /// day is already capped (`MaxDistinctValues=`), so the series are too.
    static func factSamples(_ day: DaySummary) -> [Sample] {
        var out: [Sample] = []
        for (key, fact) in day.facts.sorted(by: { $0.key < $1.key }) {
            func installs(_ value: String, _ n: Int) {
                out.append(Sample(name: "telemetry_fact_installs", help: factInstallsHelp, labels: [("fact", key), ("value", value)], value: Double(n)))
            }
            switch fact {
            case .boolean(let n, let t):
                installs("false", n - t)
                installs("true", t)
            case .enumeration(_, let values):
                for (value, n) in values.sorted(by: { $0.key < $1.key }) { installs(value, n) }
            case .number(let n, _, let p5, let p50, let p95):
                installs("", n)
                for (q, v) in [("0.05", p5), ("0.5", p50), ("0.95", p95)] {
                    out.append(Sample(name: "telemetry_fact_quantile", help: factQuantileHelp, labels: [("fact", key), ("quantile", q)], value: v))
                }
            }
        }
        for (key, counter) in day.counters.sorted(by: { $0.key < $1.key }) {
            out.append(Sample(name: "telemetry_counter_increments", help: counterIncrementsHelp, labels: [("counter", key)], value: Double(counter.increments)))
            out.append(Sample(name: "telemetry_counter_installs", help: counterInstallsHelp, labels: [("counter", key)], value: Double(counter.installs)))
        }
        return out
    }

    private func gauge(_ name: String, _ help: String) -> MetricNameDescriptor {
        MetricNameDescriptor(metricName: name, unitName: "", helpText: help)
    }
}
