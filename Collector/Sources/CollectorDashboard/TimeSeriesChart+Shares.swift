import CollectorSummary

extension TimeSeriesChart {
    /// 100 %-stacked areas: each series' share of the day's total (bottom first), so a release's adoption reads as a
    /// band growing to the top whatever the fleet's size. A day without installs is left empty (no band), never
    /// drawn as 0 % of everything.
    func stackedShares(_ series: [(label: String, values: [Int], color: String)], label: String, id: String,
                       describe: (Int) -> String) -> String {
        let totals = days.indices.map { i in series.reduce(0) { $0 + $1.values[i] } }
        let y = { (share: Double) in top + plotHeight * (1 - share) }
        var s = open(label, id: id)
        for p in [0, 25, 50, 75, 100] {
            let ty = Format.coord(y(Double(p) / 100))
            s += "<line class=\"grid\" x1=\"\(Format.coord(left))\" x2=\"\(Format.coord(width - right))\" y1=\"\(ty)\" y2=\"\(ty)\"/>"
            s += "<text class=\"tick\" x=\"\(Format.coord(left - 6))\" y=\"\(ty)\" text-anchor=\"end\" dominant-baseline=\"middle\">\(p)%</text>"
        }
        for i in DayLabels.indices(days: days.count) {
            s += "<text class=\"tick\" x=\"\(Format.coord(x(i)))\" y=\"\(Format.coord(height - 10))\" text-anchor=\"middle\">\(HTML.escape(DayLabels.short(days[i])))</text>"
        }
        // Runs of days with installs: each run is drawn on its own, so an empty day breaks the bands.
        var runs: [[Int]] = []
        for i in days.indices {
            if totals[i] > 0 {
                if let last = runs.last?.last, last == i - 1 { runs[runs.count - 1].append(i) } else { runs.append([i]) }
            }
        }
        for run in runs {
            // One day alone: a band the width of its day.
            let xs: [(x: Double, i: Int)] = run.count == 1
                ? [(x(run[0]) - band / 2 + 1, run[0]), (x(run[0]) + band / 2 - 1, run[0])]
                : run.map { (x($0), $0) }
            var below = [Double](repeating: 0, count: days.count)
            for serie in series {
                let above = days.indices.map { below[$0] + (totals[$0] > 0 ? Double(serie.values[$0]) / Double(totals[$0]) : 0) }
                guard run.contains(where: { serie.values[$0] > 0 }) else { below = above; continue }
                let topEdge = xs.map { "\(Format.coord($0.x)),\(Format.coord(y(above[$0.i])))" }
                let bottomEdge = xs.reversed().map { "\(Format.coord($0.x)),\(Format.coord(y(below[$0.i])))" }
                s += "<polygon class=\"stack\" fill=\"\(serie.color)\" fill-opacity=\"0.88\" stroke=\"#fff\" stroke-width=\"0.6\" points=\"\((topEdge + bottomEdge).joined(separator: " "))\"><title>\(HTML.escape(serie.label))</title></polygon>"
                below = above
            }
        }
        if runs.isEmpty {
            s += "<text class=\"empty\" x=\"\(Format.coord(left + plotWidth / 2))\" y=\"\(Format.coord(top + plotHeight / 2))\" text-anchor=\"middle\">no installs</text>"
        }
        return s + hoverBands(describe) + "</svg>"
    }
}
