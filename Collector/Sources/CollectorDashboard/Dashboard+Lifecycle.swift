import CollectorSummary

/// The "Lifecycle" section: per day the installs new, returning (active the day before too) and resurrected (back
/// after being counted lost) above the line, the lost ones below; and the retention cohorts: installs by the ISO
/// week of their first report, and the share of each still active 1, 2, 4, 8 and 12 weeks later, each cell coloured
/// by its value (a CSS class per tenth: the page's policy allows its one style sheet, no script).
extension Dashboard {
    /// Cohorts listed (the most recent); the CSV has them all.
    static let maxCohorts = 60
    /// Bars of the lifecycle chart and days of the versions' shares: a longer range is drawn in groups of days (the
    /// CSV has every day), so a ten-year page stays a few megabytes.
    static let maxLifecycleBars = 180

    static func lifecycle(_ summary: Summary, _ view: DashboardView) -> String {
        var s = "<section class=\"part\" id=\"lifecycle\" aria-labelledby=\"lifecycle-title\"><h2 id=\"lifecycle-title\">Lifecycle</h2>\n"
        let days = summary.days
        let byDate = Dictionary(summary.lifecycle.map { ($0.date, $0) }, uniquingKeysWith: { _, last in last })
        let daily = days.map { byDate[$0.date] ?? LifecycleDay(date: $0.date) }
        // A bar a day up to maxLifecycleBars days, else a bar per group of days (sums of the group's days).
        let buckets = DayBuckets(days: days.count, max: maxLifecycleBars)
        let l = buckets.ranges.map { r in
            daily[r].reduce(LifecycleDay(date: days[r.lowerBound].date)) { sum, d in
                LifecycleDay(date: sum.date, new: sum.new + d.new, returning: sum.returning + d.returning,
                             resurrected: sum.resurrected + d.resurrected, lost: sum.lost + d.lost)
            }
        }
        let up: [(label: String, values: [Int], color: String)] = [
            ("returning", l.map(\.returning), Palette.active),
            ("new", l.map(\.new), Palette.new),
            ("resurrected", l.map(\.resurrected), Palette.resurrected),
        ]
        let down: [(label: String, values: [Int], color: String)] = [("lost", l.map(\.lost), Palette.lost)]
        let chart = TimeSeriesChart(days: l.map(\.date))
        let last = daily.last ?? LifecycleDay(date: UTCDay(daysSinceEpoch: 0))
        let per = buckets.size == 1 ? "per day" : "per \(buckets.size) days"
        s += card("lifecycle", "New, returning, resurrected and lost installs \(per)", wide: true,
                  legend([("returning", Palette.active, Format.count(last.returning)), ("new", Palette.new, Format.count(last.new)),
                          ("resurrected", Palette.resurrected, Format.count(last.resurrected)),
                          ("lost (below the line, on the day last seen)", Palette.lost, Format.count(last.lost))])
                  + chart.divergingBars(up: up, down: down, label: "Returning, new and resurrected installs (up) and lost installs (down) \(per)",
                                        id: "svg-lifecycle") { i in
                      "\(DayBuckets.label(buckets.ranges[i], days)): \(Format.count(l[i].new)) new, \(Format.count(l[i].returning)) returning, \(Format.count(l[i].resurrected)) resurrected, \(Format.count(l[i].lost)) lost"
                  }
                  + "<p class=\"note\">An install is <b>returning</b> on a day when it was active the day before too, <b>resurrected</b> when it reports again after having been counted lost (7 days without a report). The legend gives the last day; over several days a bar sums install-days.</p>"
                  + csvLink(.days, summary, view))

        s += card("retention", "Retention <span class=\"on\">installs by the week of their first report, share still active weeks later</span>", wide: true,
                  retentionTable(summary.retention) + csvLink(.retention, summary, view))
        return s + "</section>\n"
    }

    static func retentionTable(_ cohorts: [RetentionCohort]) -> String {
        guard !cohorts.isEmpty else {
            return "<p class=\"note\" id=\"retention-empty\">No install’s first report falls in these days yet.</p>"
        }
        var t = "<div class=\"scroll\"><table class=\"numbers retention\" id=\"table-retention\"><thead><tr><th>First report (ISO week)</th><th>Installs</th>"
        for w in RetentionCohort.weeksLater { t += "<th>\(w) \(w == 1 ? "week" : "weeks")</th>" }
        t += "</tr></thead><tbody>"
        for c in cohorts.suffix(maxCohorts) {
            t += "<tr id=\"cohort-\(HTML.escape(anchor(c.week)))\"><td>\(HTML.escape(c.week))</td><td>\(Format.count(c.installs))</td>"
            for w in RetentionCohort.weeksLater {
                if let share = c.active[String(w)] {
                    let n = Int((share * Double(c.installs)).rounded())
                    t += "<td class=\"heat heat-\(heatBucket(share))\" title=\"\(Format.count(n)) of \(Format.count(c.installs)) installs\">\(Format.share(share))</td>"
                } else {
                    t += "<td class=\"none\" title=\"that week has not begun\">–</td>"
                }
            }
            t += "</tr>"
        }
        t += "</tbody></table></div>"
        if cohorts.count > maxCohorts {
            t += "<p class=\"note\">\(Format.count(cohorts.count - maxCohorts)) older cohorts are in the CSV and the JSON summary.</p>"
        }
        return t
    }

    /// A share's colour class: `heat-0` (under 10 %) to `heat-10` (100 %).
    static func heatBucket(_ share: Double) -> Int {
        guard share.isFinite else { return 0 }
        return Int((min(max(share, 0), 1) * 10).rounded(.down))
    }
}
