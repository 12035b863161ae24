import CollectorSummary

/// The "Version adoption" section: how fast each product version spread (first seen, installs and share on the last
/// day, days to 10, 50 and 90 % of the active installs), the cut-offs "P % of active installs run V or newer", and
/// every day's mix of versions as shares (a 100 %-stacked chart: a release's band grows to the top).
extension Dashboard {
    static func adoption(_ summary: Summary, _ view: DashboardView) -> String {
        var s = "<section class=\"part\" id=\"adoption\" aria-labelledby=\"adoption-title\"><h2 id=\"adoption-title\">Version adoption</h2>\n"
        if summary.adoption.versions.isEmpty {
            s += "<p class=\"note\" id=\"adoption-empty\">No install\(HTML.escape(scope(view.filter))) told its product version in these days, so there is no adoption to show. telemetryd sends the product and version its configuration names (see the README, “For vendors”).</p>\n"
        } else {
            s += adoptionTables(summary, view)
        }
        let days = summary.days
        // Grouped like the lifecycle's bars on a long range: a group's share is of its install-days.
        let buckets = DayBuckets(days: days.count, max: maxLifecycleBars)
        let series = versionSeries(days).map { serie in
            VersionSeries(key: serie.key, label: serie.label, values: buckets.ranges.map { serie.values[$0].reduce(0, +) }, color: serie.color)
        }
        let chart = TimeSeriesChart(days: buckets.ranges.map { days[$0.lowerBound].date })
        let totals = buckets.ranges.indices.map { i in series.reduce(0) { $0 + $1.values[i] } }
        let per = buckets.size == 1 ? "per day" : "per \(buckets.size) days"
        s += card("version-shares", "Share of each version \(per)", wide: true,
                  legend(series.map { serie in (serie.label, serie.color, Format.percent(serie.values.last ?? 0, of: totals.last ?? 0)) })
                  + chart.stackedShares(series.map { ($0.label, $0.values, $0.color) },
                                        label: "Share of the active installs per product version, stacked to 100 %", id: "svg-version-shares") { i in
                      let parts = series.reversed().filter { $0.values[i] > 0 }.map { "\($0.label) \(Format.percent($0.values[i], of: totals[i]))" }
                      return "\(DayBuckets.label(buckets.ranges[i], days)): " + (parts.isEmpty ? "no installs" : parts.joined(separator: ", "))
                  }
                  + csvLink(.versions, summary, view))
        return s + "</section>\n"
    }

    /// The cut-offs and the table of versions (the summary has some).
    static func adoptionTables(_ summary: Summary, _ view: DashboardView) -> String {
        let a = summary.adoption
        let last = summary.days.last?.date.description ?? ""
        var s = ""
        let known = VersionAdoption.cutoffPercents.compactMap { p in a.cutoffs[String(p)].map { (p, $0) } }
        var cut = "<ul class=\"cutoffs\" id=\"cutoffs\">"
        for (p, v) in known {
            cut += "<li id=\"cutoff-\(p)\"><b>\(p)%</b> of active installs run <b class=\"version\">\(HTML.escape(v))</b> or newer</li>"
        }
        if known.isEmpty { cut += "<li>No active install on \(last) told its version.</li>" }
        cut += "</ul>"
        s += card("cutoffs", "Cut-offs <span class=\"on\">on \(last), versions in semantic order</span>", wide: true,
                  cut + csvLink(.cutoffs, summary, view))

        var t = "<div class=\"scroll\"><table class=\"numbers adoption\" id=\"table-adoption\"><thead><tr><th>Version</th><th>First seen</th><th>Installs</th><th>Share</th><th>Days to 10%</th><th>Days to 50%</th><th>Days to 90%</th></tr></thead><tbody>"
        for v in a.versions.prefix(maxTableRows) {
            let link = PageLink.href(days: summary.days.count,
                                     filter: SummaryFilter(product: view.filter.product, version: v.version, established: view.filter.established))
            t += "<tr id=\"adoption-\(HTML.escape(anchor(v.version)))\"><td class=\"key\"><a class=\"version\" \(link)>\(HTML.escape(v.version))</a></td>"
            t += "<td>\(v.firstSeen)</td><td>\(Format.count(v.installs))</td><td class=\"share\">\(Format.share(v.share))</td>"
            for d in [v.daysTo10, v.daysTo50, v.daysTo90] {
                t += d.map { "<td>\(Format.count($0))</td>" } ?? "<td class=\"none\">not yet</td>"
            }
            t += "</tr>"
        }
        t += "</tbody></table></div>" + tooMany(a.versions.count, "versions")
        s += card("adoption", "Versions <span class=\"on\">newest first; installs and share on \(last)</span>", wide: true,
                  t + "<p class=\"note\">Days to a share: from the day the version was first seen to the first day it ran on at least that share of the active installs.</p>"
                  + csvLink(.adoption, summary, view))

        return s
    }
}
