import CollectorSummary

/// The "Usage" section: the product's counters (how much the installs do something), each over the days, and on
/// the latest day with counters how many installs used it, their share of the active installs and the per-install
/// percentiles; and per product version.
extension Dashboard {
    /// Counters drawn as a chart over the days (the most used over the range); the table lists the rest.
    static let maxCounterCharts = 12
    /// Bars of a counter's chart; longer ranges are grouped into as many bars of several days.
    static let maxCounterBars = 120

    static func usage(_ summary: Summary, _ view: DashboardView) -> String {
        var s = "<section class=\"part\" id=\"usage\" aria-labelledby=\"usage-title\"><h2 id=\"usage-title\">Usage</h2>\n"
        guard let day = summary.days.last(where: { !$0.counters.isEmpty }) else {
            return s + "<p class=\"note\" id=\"usage-empty\">No install\(scope(view.filter)) reported product counters in these days. A product declares counters ({\"type\": \"counter\"}) in its facts schema and writes running totals to its facts file; telemetryd sends what they grew by; see the README, “For vendors”.</p></section>\n"
        }
        // Every counter of the range, the most incremented first.
        var totals: [String: Int] = [:]
        for d in summary.days { for (key, c) in d.counters { totals[key, default: 0] += c.increments } }
        let keys = totals.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }.map(\.key)

        s += "<p class=\"note\">Counters count what the installs did: increments arrive with diagnostics reports and are counted on the UTC day they arrive. An install <b>uses</b> a counter on a day when its increments that day add up to more than 0; the percentiles are of those installs’ daily sums.</p>\n"
        var t = "<div class=\"scroll\"><table class=\"numbers facts\" id=\"table-counters\"><thead><tr><th>Counter</th><th>Increments</th><th>Installs using it</th><th>Share of active</th><th>p50 per install</th><th>p95 per install</th><th>In \(summary.days.count) \(summary.days.count == 1 ? "day" : "days")</th></tr></thead><tbody>"
        for key in keys.prefix(maxTableRows) {
            let c = day.counters[key] ?? CounterSummary()
            t += "<tr id=\"counter-\(HTML.escape(anchor(key)))\"><td class=\"key\">\(HTML.escape(key))</td><td>\(Format.count(c.increments))</td><td>\(Format.count(c.installs))</td>"
            t += "<td class=\"share\">\(Format.percent(c.installs, of: day.activeInstalls))</td><td>\(Format.number(c.p50))</td><td>\(Format.number(c.p95))</td><td>\(Format.count(totals[key] ?? 0))</td></tr>"
        }
        t += "</tbody></table></div>" + tooMany(keys.count, "counters") + csvLink(.counters, summary, view)
        s += card("usage", "Counters <span class=\"on\">\(day.date), of \(Format.count(day.activeInstalls)) active installs</span>", wide: true, t)

        // A bar a day up to maxCounterBars days, else a bar per group of days (DayBuckets).
        let buckets = DayBuckets(days: summary.days.count, max: maxCounterBars)
        let per = buckets.size == 1 ? "per day" : "per \(buckets.size) days"
        let chart = TimeSeriesChart(days: buckets.ranges.map { summary.days[$0.lowerBound].date },
                                    width: 560, height: 200, left: 52, right: 10, top: 12, bottom: 28)
        for (i, key) in keys.prefix(maxCounterCharts).enumerated() {
            let values = buckets.ranges.map { r in summary.days[r].reduce(0) { $0 + ($1.counters[key]?.increments ?? 0) } }
            let id = anchor(key)
            let today = day.counters[key] ?? CounterSummary()
            let svg = chart.columns(values, label: "Increments of \(key) \(per)", id: "svg-counter-\(id)", color: Palette.color(i)) { j in
                let r = buckets.ranges[j]
                guard r.count == 1 else {
                    let most = summary.days[r].map { $0.counters[key]?.installs ?? 0 }.max() ?? 0
                    return "\(DayBuckets.label(r, summary.days)): \(Format.count(values[j])) increments; at most \(Format.count(most)) installs a day"
                }
                let d = summary.days[r.lowerBound], c = d.counters[key] ?? CounterSummary()
                return "\(d.date): \(Format.count(c.increments)) increments by \(Format.count(c.installs)) installs (\(Format.percent(c.installs, of: d.activeInstalls)) of active)"
            }
            let note = "<p class=\"note\">On \(day.date): <b>\(Format.count(today.increments))</b> increments by <b>\(Format.count(today.installs))</b> installs, \(Format.percent(today.installs, of: day.activeInstalls)) of the active installs; per install p50 \(Format.number(today.p50)), p95 \(Format.number(today.p95)).</p>"
            s += card("counter-\(id)", "\(HTML.escape(key)) <span class=\"on\">increments \(per)</span>", wide: false, svg + note + csvLink(.counters, summary, view))
        }

        if view.versions.count > 1 {
            s += card("usage-by-version", "Counters per product version <span class=\"on\">installs using each, \(view.versions[0].day.date)</span>", wide: true,
                      byVersionTable(id: "table-counters-by-version", keys: Array(keys.prefix(maxTableRows)), summary, view) { key, d in
                          guard let c = d.counters[key] else { return nil }
                          return ("\(Format.count(c.installs)) <span class=\"share\">\(Format.percent(c.installs, of: d.activeInstalls))</span>",
                                  "\(Format.count(c.installs)) of \(Format.count(d.activeInstalls)) active installs; \(Format.count(c.increments)) increments")
                      } + versionNote(summary, view))
        }
        return s + "</section>\n"
    }
}
