import CollectorSummary

extension TimeSeriesChart {
    /// Stacked bars a day: `up` series above a middle baseline (bottom first), `down` series below it, e.g. new,
    /// returning and resurrected installs up and lost ones down. Both halves share one scale.
    func divergingBars(up: [(label: String, values: [Int], color: String)], down: [(label: String, values: [Int], color: String)],
                       label: String, id: String, describe: (Int) -> String) -> String {
        let sum = { (series: [(label: String, values: [Int], color: String)], i: Int) in series.reduce(0) { $0 + $1.values[i] } }
        let peak = days.indices.map { max(sum(up, $0), sum(down, $0)) }.max() ?? 0
        let scale = ChartScale(maximum: peak)
        let half = plotHeight / 2
        let mid = top + half
        var s = open(label, id: id)
        for t in scale.ticks {
            for sign in t == 0 ? [1.0] : [1.0, -1.0] {
                let ty = Format.coord(mid - sign * half * Double(t) / Double(scale.max))
                s += "<line class=\"grid\" x1=\"\(Format.coord(left))\" x2=\"\(Format.coord(width - right))\" y1=\"\(ty)\" y2=\"\(ty)\"/>"
                s += "<text class=\"tick\" x=\"\(Format.coord(left - 6))\" y=\"\(ty)\" text-anchor=\"end\" dominant-baseline=\"middle\">\(sign < 0 ? "-" : "")\(Format.count(t))</text>"
            }
        }
        for i in DayLabels.indices(days: days.count) {
            s += "<text class=\"tick\" x=\"\(Format.coord(x(i)))\" y=\"\(Format.coord(height - 10))\" text-anchor=\"middle\">\(HTML.escape(DayLabels.short(days[i])))</text>"
        }
        let w = max(1, band * 0.72)
        for i in days.indices {
            let bx = Format.coord(x(i) - w / 2)
            for (series, sign) in [(up, 1.0), (down, -1.0)] {
                var edge = 0.0
                for serie in series where serie.values[i] > 0 {
                    let h = half * Double(serie.values[i]) / Double(scale.max)
                    let y = sign > 0 ? mid - edge - h : mid + edge
                    s += "<rect class=\"bar\" fill=\"\(serie.color)\" x=\"\(bx)\" y=\"\(Format.coord(y))\" width=\"\(Format.coord(w))\" height=\"\(Format.coord(h))\"/>"
                    edge += h
                }
            }
        }
        s += "<line class=\"baseline\" x1=\"\(Format.coord(left))\" x2=\"\(Format.coord(width - right))\" y1=\"\(Format.coord(mid))\" y2=\"\(Format.coord(mid))\"/>"
        return s + hoverBands(describe) + "</svg>"
    }
}
