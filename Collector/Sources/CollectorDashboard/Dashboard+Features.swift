import CollectorSummary

/// The "Features" section: what the installs' product facts say (booleans on or off, each enum's mix, each number's
/// percentiles), on the latest day with facts, over the days for booleans, and per product version.
extension Dashboard {
    /// Enum facts drawn as bar charts; the rest are in the API.
    static let maxEnumCharts = 12
    /// Rows of a table of facts or counters (MaxDistinctValues= already bounds a day; this bounds a long range's union).
    static let maxTableRows = 100

    static func features(_ summary: Summary, _ view: DashboardView) -> String {
        var s = "<section class=\"part\" id=\"features\" aria-labelledby=\"features-title\"><h2 id=\"features-title\">Features</h2>\n"
        guard let day = summary.days.last(where: { !$0.facts.isEmpty }) else {
            return s + "<p class=\"note\" id=\"features-empty\">No install\(scope(view.filter)) reported product facts in these days. A product declares its facts (booleans, enums, numbers) in its facts schema and writes them to the facts file telemetryd reads; see the README, “For vendors”.</p></section>\n"
        }
        let facts = day.facts.sorted { $0.value.installs != $1.value.installs ? $0.value.installs > $1.value.installs : $0.key < $1.key }
        var booleans: [(key: String, installs: Int, on: Int)] = []
        var enums: [(key: String, installs: Int, values: [String: Int])] = []
        var numbers: [(key: String, installs: Int, zero: Int, p5: Double, p50: Double, p95: Double)] = []
        for (key, fact) in facts {
            switch fact {
            case .boolean(let n, let t): booleans.append((key, n, t))
            case .enumeration(let n, let values): enums.append((key, n, values))
            case .number(let n, let z, let p5, let p50, let p95): numbers.append((key, n, z, p5, p50, p95))
            }
        }
        s += "<p class=\"note\">Product facts of the \(Format.count(day.activeInstalls)) installs active on \(day.date), each by its last diagnostics report (else its last known facts).</p>\n"

        if !booleans.isEmpty {
            let buckets = DayBuckets(days: summary.days.count, max: Sparkline.maxPoints)
            let labels = buckets.ranges.map { DayBuckets.label($0, summary.days) }
            var t = "<div class=\"scroll\"><table class=\"numbers facts\" id=\"table-booleans\"><thead><tr><th>Fact</th><th>On</th><th>Installs on</th><th>Installs reporting it</th><th>Share on over the days</th></tr></thead><tbody>"
            for b in booleans.prefix(maxTableRows) {
                let points: [(share: Double, text: String)?] = buckets.ranges.map { range in
                    var n = 0, on = 0
                    for d in summary.days[range] {
                        if case .boolean(let dn, let don)? = d.facts[b.key] { n += dn; on += don }
                    }
                    guard n > 0 else { return nil }
                    // Over several days: the share of install-days, each install counted once a day.
                    let of = range.count == 1 ? "\(Format.count(on)) of \(Format.count(n))" : "\(Format.count(on)) of \(Format.count(n)) install-days"
                    return (Double(on) / Double(n), "\(Format.percent(on, of: n)) on (\(of))")
                }
                let per = buckets.size == 1 ? "per day" : "per \(buckets.size) days"
                let spark = Sparkline().shares(points, labels: labels, label: "Share of installs with \(b.key) on, \(per)",
                                               id: "svg-boolean-\(anchor(b.key))", color: Palette.active)
                t += "<tr id=\"boolean-\(HTML.escape(anchor(b.key)))\"><td class=\"key\">\(HTML.escape(b.key))</td><td class=\"share\">\(Format.percent(b.on, of: b.installs))</td>"
                t += "<td>\(Format.count(b.on))</td><td>\(Format.count(b.installs))</td><td>\(spark)</td></tr>"
            }
            t += "</tbody></table></div>" + tooMany(booleans.count, "booleans") + csvLink(.facts, summary, view)
            s += card("booleans", "Booleans <span class=\"on\">share of installs with each on, \(day.date)</span>", wide: true, t)
        }

        let bars = BarChart()
        for (i, e) in enums.prefix(maxEnumCharts).enumerated() {
            let id = anchor(e.key)
            s += card("enum-\(id)", "\(HTML.escape(e.key)) <span class=\"on\">\(Format.count(e.installs)) installs, \(day.date)</span>", wide: false,
                      bars.horizontal(rows(e.values, order: nil), total: e.installs,
                                      label: "Installs per value of \(e.key) on \(day.date)", id: "svg-enum-\(id)", color: Palette.color(i + 2))
                      + csvLink(.facts, summary, view))
        }
        if enums.count > maxEnumCharts {
            s += "<p class=\"note\">\(Format.count(enums.count - maxEnumCharts)) more enum facts are in the JSON summary.</p>\n"
        }

        if !numbers.isEmpty {
            var t = "<div class=\"scroll\"><table class=\"numbers facts\" id=\"table-numbers\"><thead><tr><th>Fact</th><th>Installs</th><th>Zero</th><th>p5</th><th>p50</th><th>p95</th></tr></thead><tbody>"
            for n in numbers.prefix(maxTableRows) {
                t += "<tr id=\"number-\(HTML.escape(anchor(n.key)))\"><td class=\"key\">\(HTML.escape(n.key))</td><td>\(Format.count(n.installs))</td><td>\(Format.count(n.zero))</td>"
                t += "<td>\(Format.number(n.p5))</td><td>\(Format.number(n.p50))</td><td>\(Format.number(n.p95))</td></tr>"
            }
            t += "</tbody></table></div>" + tooMany(numbers.count, "numbers") + csvLink(.facts, summary, view)
            s += card("numbers", "Numbers <span class=\"on\">percentiles over the installs reporting each, \(day.date)</span>", wide: true, t)
        }

        if !booleans.isEmpty, view.versions.count > 1 {
            s += card("booleans-by-version", "Booleans per product version <span class=\"on\">share on, \(view.versions[0].day.date)</span>", wide: true,
                      byVersionTable(id: "table-booleans-by-version", keys: booleans.prefix(maxTableRows).map(\.key), summary, view) { key, d in
                          guard case .boolean(let n, let on)? = d.facts[key], n > 0 else { return nil }
                          return (Format.percent(on, of: n), "\(Format.count(on)) of \(Format.count(n)) installs")
                      } + versionNote(summary, view))
        }
        return s + "</section>\n"
    }

    /// A table of `keys` (rows) by the view's versions (columns, each linking to the page narrowed to it); `cell`
    /// gives a cell's text and tooltip, nil for an empty cell.
    static func byVersionTable(id: String, keys: [String], _ summary: Summary, _ view: DashboardView,
                               cell: (String, DaySummary) -> (text: String, title: String)?) -> String {
        var t = "<div class=\"scroll\"><table class=\"numbers facts\" id=\"\(id)\"><thead><tr><th></th>"
        for v in view.versions {
            t += "<th><a \(PageLink.href(days: summary.days.count, filter: SummaryFilter(product: view.filter.product, version: v.version, established: view.filter.established)))>\(HTML.escape(BarChart.shortLabel(v.version)))</a></th>"
        }
        t += "</tr></thead><tbody>"
        for key in keys {
            t += "<tr><td class=\"key\">\(HTML.escape(key))</td>"
            for v in view.versions {
                if let c = cell(key, v.day) {
                    t += "<td title=\"\(HTML.escape(c.title))\">\(c.text)</td>"
                } else {
                    t += "<td class=\"none\">–</td>"
                }
            }
            t += "</tr>"
        }
        return t + "</tbody></table></div>"
    }

    static func versionNote(_ summary: Summary, _ view: DashboardView) -> String {
        "<p class=\"note\">The \(view.versions.count) most common versions on \(view.versions[0].day.date); a version’s link narrows the whole page (every fact, counter and breakdown) to it.</p>"
    }

    static func tooMany(_ n: Int, _ what: String) -> String {
        n > maxTableRows ? "<p class=\"note\">\(Format.count(n - maxTableRows)) more \(what) are in the JSON summary.</p>" : ""
    }

    /// A fact or counter key as part of an element id: as it is when made of letters, digits, `_` and `-` (what
    /// report-v1 allows for keys), else percent-encoded with `-` for `%` (never markup, never a space).
    static func anchor(_ key: String) -> String {
        let safe = !key.isEmpty && key.utf8.allSatisfy { b in
            (b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x5A) || (b >= 0x61 && b <= 0x7A) || b == 0x5F || b == 0x2D
        }
        return safe ? key : "x-" + String(PageLink.encode(key).map { $0 == "%" ? "-" : $0 })
    }
}
