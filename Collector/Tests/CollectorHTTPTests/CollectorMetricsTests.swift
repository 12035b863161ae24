import CollectorSummary
@testable import CollectorHTTP
import Testing

/// /metrics' gauges of facts and counters, read back with a strict parser of the text format.
@Suite struct CollectorMetricsTests {
    static func summary(_ day: DaySummary) -> Summary {
        var s = Summary.empty(days: 8, lastDay: day.date)
        s.days[7] = day
        s.activeInstalls = day.activeInstalls
        return s
    }

    @Test func factsAndCountersOfTodayAsGauges() throws {
        var d = DaySummary(date: UTCDay("2026-12-01")!, activeInstalls: 10, byProductVersion: ["1.0": 10])
        d.facts = ["tlsEnabled": .boolean(installs: 9, isTrue: 6),
                   "edition": .enumeration(installs: 10, values: ["oss": 7, "enterprise": 2, "other": 1]),
                   "clusterNodes": .number(installs: 8, zero: 2, p5: 0, p50: 3, p95: 12.5)]
        d.counters = ["backupsRun": CounterSummary(increments: 1234, installs: 5, p50: 6, p95: 300),
                      "restores": CounterSummary(increments: 0, installs: 0)]
        let text = String(decoding: CollectorMetrics().render(summary: Self.summary(d)), as: UTF8.self)
        let m = try PrometheusText(text)
        #expect(m.series("telemetry_fact_installs") == [
            ["fact": "tlsEnabled", "value": "true"]: 6, ["fact": "tlsEnabled", "value": "false"]: 3,
            ["fact": "edition", "value": "oss"]: 7, ["fact": "edition", "value": "enterprise"]: 2, ["fact": "edition", "value": "other"]: 1,
            ["fact": "clusterNodes", "value": ""]: 8,
        ])
        #expect(m.series("telemetry_fact_quantile") == [
            ["fact": "clusterNodes", "quantile": "0.05"]: 0, ["fact": "clusterNodes", "quantile": "0.5"]: 3,
            ["fact": "clusterNodes", "quantile": "0.95"]: 12.5,
        ])
        #expect(m.series("telemetry_counter_increments") == [["counter": "backupsRun"]: 1234, ["counter": "restores"]: 0])
        #expect(m.series("telemetry_counter_installs") == [["counter": "backupsRun"]: 5, ["counter": "restores"]: 0])
        for name in ["telemetry_fact_installs", "telemetry_fact_quantile", "telemetry_counter_increments", "telemetry_counter_installs"] {
            #expect(m.types[name] == "gauge", "\(name)")
        }
        // Which day the counters are of is said where Prometheus users read it.
        #expect(m.help["telemetry_counter_increments"]?.contains("today (UTC) so far") == true)
        // No product reported: every version under product "unknown".
        #expect(m.series("telemetry_active_installs") == [["product": "unknown", "product_version": "1.0"]: 10])
    }

    @Test func labelValuesAreEscapedAndReadBackExactly() throws {
        let hostile = #"say "hi" \ back"#
        var d = DaySummary(date: UTCDay("2026-12-01")!, activeInstalls: 3, byProductVersion: [hostile: 3])
        d.facts = ["mode": .enumeration(installs: 3, values: [hostile: 2, "<script>": 1]),
                   "long_key_with_underscores_" + String(repeating: "x", count: 38): .boolean(installs: 3, isTrue: 0)]
        let m = try PrometheusText(String(decoding: CollectorMetrics().render(summary: Self.summary(d)), as: UTF8.self))
        #expect(m.series("telemetry_fact_installs")[["fact": "mode", "value": hostile]] == 2)
        #expect(m.series("telemetry_fact_installs")[["fact": "mode", "value": "<script>"]] == 1)
        #expect(m.series("telemetry_active_installs")[["product": "unknown", "product_version": hostile]] == 3)
        #expect(m.samples.filter { $0.name == "telemetry_fact_installs" }.count == 4)
    }

    @Test func noFactsNoCountersNoSeries() throws {
        let d = DaySummary(date: UTCDay("2026-12-01")!, activeInstalls: 1, byProductVersion: ["1.0": 1])
        let m = try PrometheusText(String(decoding: CollectorMetrics().render(summary: Self.summary(d)), as: UTF8.self))
        #expect(m.series("telemetry_fact_installs").isEmpty && m.series("telemetry_counter_increments").isEmpty)
        #expect(m.series("telemetry_database_up") == [[:]: 1])
        // And with the database down: only that, still well-formed.
        let down = try PrometheusText(String(decoding: CollectorMetrics().render(summary: nil), as: UTF8.self))
        #expect(down.series("telemetry_database_up") == [[:]: 0])
        #expect(down.series("telemetry_active_installs").isEmpty)
    }
}
