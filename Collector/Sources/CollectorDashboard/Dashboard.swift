import CollectorSummary

/// The dashboard page (`GET /`): one self-contained HTML document with inline SVG charts and CSS, no script,
/// no external resource, so it reads the same without JavaScript, in a text browser and in a screenshot. Every
/// chart also gives its numbers as text (labels, tooltips, tables); every value from reports is escaped.
public enum Dashboard {
    /// Versions drawn as their own band; the rest are summed as `other`.
    static let maxVersions = 8
    /// Rows of a breakdown; the rest are summed as `other`.
    static let maxRows = 8

    /// The page of `summary` (already filtered as `view.filter` says and capped at MaxDistinctValues=).
    public static func render(_ summary: Summary, view: DashboardView = DashboardView()) -> String {
        let days = summary.days
        let narrowed = HTML.escape(scope(view.filter))
        let api = "api/v1/summary" + PageLink.query(days: days.count, filter: view.filter)
        let last = days.last ?? DaySummary(date: UTCDay(daysSinceEpoch: 0))
        let dates = days.map(\.date)
        let newWeek = days.suffix(7).reduce(0) { $0 + $1.newInstalls }
        let lostTotal = days.reduce(0) { $0 + $1.lostInstalls }
        let range = days.count == 1 ? "\(last.date)" : "\(days.first?.date.description ?? "") to \(last.date)"

        var html = """
            <!doctype html>
            <html lang="en">
            <head>
            <meta charset="utf-8">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <title>telemetry-collector: \(Format.count(summary.activeInstalls)) active installs\(narrowed)</title>
            <style>\(style)</style>
            </head>
            <body>
            <header>
            <h1>telemetry-collector</h1>
            <p class="sub">Installs\(narrowed) reporting through telemetryd, per UTC day, \(HTML.escape(range)) (\(days.count) \(days.count == 1 ? "day" : "days"))</p>
            </header>
            \(filters(summary, view))<section class="tiles">
            \(tile("active", "Active installs", summary.activeInstalls, "on \(last.date)"))
            \(tile("established", "Established installs", summary.establishedInstalls, "\(Format.percent(summary.establishedInstalls, of: summary.activeInstalls)) of active: first report 24 h or more before the last"))
            \(tile("new", "New installs", newWeek, "in the last \(min(7, days.count)) days"))
            \(tile("lost", "Lost installs", lostTotal, "silent for 7 days or more, by last day seen"))
            \(tile("clusters", "Clusters", summary.clusters.count, "\(Format.count(summary.clusters.installs)) installs in them"))
            </section>
            <main>

            """

        let chart = TimeSeriesChart(days: dates)
        html += card("active", "Active installs per day", wide: true,
                     chart.area(days.map(\.activeInstalls), label: "Active installs per day", id: "svg-active",
                                color: Palette.active) { i in
                         "\(days[i].date): \(Format.count(days[i].activeInstalls)) active"
                     },
                     footer: dayTable(days) + csvLink(.days, summary, view))
        html += card("new-lost", "New and lost installs per day", wide: true,
                     legend([("new", Palette.new, nil), ("lost (on the day last seen)", Palette.lost, nil)])
                     + chart.mirroredBars(up: days.map(\.newInstalls), down: days.map(\.lostInstalls),
                                          label: "New installs (up) and lost installs (down) per day", id: "svg-new-lost") { i in
                         "\(days[i].date): \(Format.count(days[i].newInstalls)) new, \(Format.count(days[i].lostInstalls)) lost"
                     },
                     footer: csvLink(.days, summary, view))

        let versions = versionSeries(days)
        html += card("versions", "Product versions over time", wide: true,
                     legend(versions.map { ($0.label, $0.color, Format.count($0.values.last ?? 0)) })
                     + chart.stackedArea(versions.map { ($0.label, $0.values, $0.color) },
                                         label: "Active installs per product version, stacked", id: "svg-versions") { i in
                         let parts = versions.reversed().filter { $0.values[i] > 0 }.map { "\($0.label) \(Format.count($0.values[i]))" }
                         return "\(days[i].date): " + (parts.isEmpty ? "no installs" : parts.joined(separator: ", "))
                     },
                     footer: versionTable(days, versions) { version in
                         PageLink.href(days: days.count, filter: SummaryFilter(product: view.filter.product, version: version,
                                                                               established: view.filter.established))
                     } + csvLink(.breakdowns, summary, view))

        let bars = BarChart()
        let breakdowns: [(String, String, [String: Int], [String]?)] = [
            ("os", "Operating system", last.byOS, nil),
            ("arch", "Architecture", last.byArch, nil),
            ("virtualization", "Virtualization", last.byVirtualization, nil),
            ("container", "Container", last.byContainer, nil),
            ("cores", "CPU cores", last.byCores, Buckets.coresOrder),
            ("memory", "Memory", last.byMemory, Buckets.memoryOrder),
        ]
        for (i, (id, title, counts, order)) in breakdowns.enumerated() {
            html += card(id, "\(title) <span class=\"on\">on \(last.date)</span>", wide: false,
                         bars.horizontal(rows(counts, order: order), total: last.activeInstalls,
                                         label: "\(title) of the active installs on \(last.date)", id: "svg-\(id)",
                                         color: Palette.color(i))
                         + csvLink(.breakdowns, summary, view))
        }

        let sizes = summary.clusters.bySize.compactMap { k, v in Int(k).map { ($0, v) } }.sorted { $0.0 < $1.0 }
        html += card("clusters", "Clusters by size <span class=\"on\">on \(last.date)</span>", wide: false,
                     bars.vertical(sizes.map { (String($0.0), $0.1) }, label: "Number of clusters per cluster size",
                                   id: "svg-clusters", color: Palette.color(8), unit: "installs per cluster")
                     + "<p class=\"note\">\(Format.count(summary.clusters.count)) clusters (a cluster ID shared by two or more installs) with \(Format.count(summary.clusters.installs)) installs.</p>"
                     + csvLink(.clusters, summary, view))

        html += adoption(summary, view)
        html += lifecycle(summary, view)
        html += features(summary, view)
        html += usage(summary, view)

        html += """
            </main>
            <footer>
            <p>An install is <b>active</b> on a UTC day when a report with its instance ID arrived that day; <b>new</b> on the day of its first report; <b>lost</b> on the day it was last seen, once 7 days have passed without a report; <b>established</b> on a day when its first report is at least 24 h older than its last report of that day (throw-away containers and CI runs never are). Breakdowns count each active install once, by what its reports said that day (else the last known value). Features count each active install once by its last known facts; usage counts counter increments on the day they arrive. The same numbers as JSON: <a href="\(HTML.escape(api))">/\(HTML.escape(api))</a>; Prometheus: <a href="metrics">/metrics</a>.</p>
            </footer>
            </body>
            </html>

            """
        return html
    }

    // MARK: - Pieces

    static func tile(_ id: String, _ title: String, _ value: Int, _ detail: String) -> String {
        "<div class=\"tile\" id=\"tile-\(id)\"><div class=\"k\">\(title)</div><div class=\"v\">\(Format.count(value))</div><div class=\"d\">\(HTML.escape(detail))</div></div>"
    }

    /// `title` is markup of ours (never report data).
    static func card(_ id: String, _ title: String, wide: Bool, _ body: String, footer: String = "") -> String {
        "<figure class=\"card\(wide ? " wide" : "")\" id=\"chart-\(id)\"><figcaption>\(title)</figcaption>\(body)\(footer)</figure>\n"
    }

    static func legend(_ items: [(String, String, String?)]) -> String {
        "<ul class=\"legend\">" + items.map { label, color, value in
            "<li><span class=\"swatch\" style=\"background:\(color)\"></span>\(HTML.escape(label))\(value.map { " <b>\($0)</b>" } ?? "")</li>"
        }.joined() + "</ul>"
    }

    static func dayTable(_ days: [DaySummary]) -> String {
        var s = "<details><summary>Numbers per day</summary><table class=\"numbers\" id=\"table-days\"><thead><tr><th>Day</th><th>Active</th><th>New</th><th>Lost</th><th>Established</th></tr></thead><tbody>"
        for d in days.reversed() {
            s += "<tr><td>\(d.date)</td><td>\(Format.count(d.activeInstalls))</td><td>\(Format.count(d.newInstalls))</td><td>\(Format.count(d.lostInstalls))</td><td>\(Format.count(d.establishedInstalls))</td></tr>"
        }
        return s + "</tbody></table></details>"
    }

    struct VersionSeries {
        var key: String
        var label: String
        var values: [Int]
        var color: String
    }

    /// The most common versions over the range (oldest at the bottom), the rest as `other`, `unknown` last in grey.
    /// The collector's own `other` (values over MaxDistinctValues=) is part of the `other` band, never a version;
    /// a report's version `other` arrives quoted (`ReservedLabels`), so the keys cannot collide.
    static func versionSeries(_ days: [DaySummary]) -> [VersionSeries] {
        var totals: [String: Int] = [:]
        for d in days { for (v, n) in d.byProductVersion { totals[v, default: 0] += n } }
        let unknown = Buckets.unknown
        let ranked = totals.filter { $0.key != unknown && $0.key != Buckets.other }
            .sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }
        let kept = ranked.prefix(maxVersions).map(\.key).sorted(by: VersionOrder.less)
        let keptSet = Set(kept)
        var series = kept.enumerated().map { i, v in
            VersionSeries(key: v, label: v, values: days.map { $0.byProductVersion[v] ?? 0 }, color: Palette.color(i))
        }
        if ranked.count > kept.count || totals[Buckets.other] != nil {
            series.insert(VersionSeries(key: Buckets.other, label: "other versions", values: days.map { d in
                d.byProductVersion.filter { $0.key != unknown && !keptSet.contains($0.key) }.reduce(0) { $0 + $1.value }
            }, color: "#9AA3AD"), at: 0)
        }
        if totals[unknown] != nil {
            series.insert(VersionSeries(key: unknown, label: "unknown", values: days.map { $0.byProductVersion[unknown] ?? 0 },
                                        color: Palette.other), at: 0)
        }
        return series
    }

    /// The numbers of the versions chart; each version's heading links (`href`) to the page narrowed to it (not the
    /// `other` and `unknown` columns, which are no version).
    static func versionTable(_ days: [DaySummary], _ series: [VersionSeries], href: (String) -> String) -> String {
        let cols = series.reversed()
        var s = "<details><summary>Numbers per day and version (a version’s link narrows the page to it)</summary><div class=\"scroll\"><table class=\"numbers\" id=\"table-versions\"><thead><tr><th>Day</th>"
        s += cols.map { c in
            c.key == Buckets.other || c.key == Buckets.unknown
                ? "<th>\(HTML.escape(c.label))</th>"
                : "<th><a class=\"version\" \(href(c.key))>\(HTML.escape(c.label))</a></th>"
        }.joined() + "</tr></thead><tbody>"
        for i in days.indices.reversed() {
            s += "<tr><td>\(days[i].date)</td>" + cols.map { "<td>\(Format.count($0.values[i]))</td>" }.joined() + "</tr>"
        }
        return s + "</tbody></table></div></details>"
    }

    /// A breakdown's rows: in `order` when given (buckets), else by count; `other` sums what does not fit (with
    /// what MaxDistinctValues= already folded), `unknown` comes last.
    static func rows(_ counts: [String: Int], order: [String]?) -> [(label: String, count: Int)] {
        let unknown = Buckets.unknown
        var known = counts.filter { $0.key != unknown && $0.key != Buckets.other && $0.value > 0 }.map { (label: $0.key, count: $0.value) }
        if let order {
            let rank = Dictionary(uniqueKeysWithValues: order.enumerated().map { ($1, $0) })
            known.sort { (rank[$0.label] ?? Int.max, $0.label) < (rank[$1.label] ?? Int.max, $1.label) }
        } else {
            known.sort { $0.count != $1.count ? $0.count > $1.count : $0.label < $1.label }
        }
        // Buckets are few and ordered: all of them. Free-form values: the most common, then the rest as `other`.
        let limit = order == nil ? maxRows : known.count
        var out = Array(known.prefix(limit))
        let other = (counts[Buckets.other] ?? 0) + known.dropFirst(limit).reduce(0) { $0 + $1.count }
        if other > 0 { out.append((label: Buckets.other, count: other)) }
        if let n = counts[unknown], n > 0 { out.append((label: unknown, count: n)) }
        return out
    }
}
