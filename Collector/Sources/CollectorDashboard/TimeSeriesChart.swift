import CollectorSummary

/// SVG charts over the summary's days (x: one band per day, oldest left). Each day also carries a `<title>`
/// (the browser's tooltip, read by screen readers), so the exact numbers are on the page without JavaScript.
struct TimeSeriesChart {
    var days: [UTCDay]
    var width = 1160.0
    var height = 280.0
    var left = 52.0, right = 14.0, top = 14.0, bottom = 30.0

    var plotWidth: Double { width - left - right }
    var plotHeight: Double { height - top - bottom }
    var band: Double { plotWidth / Double(max(days.count, 1)) }
    func x(_ i: Int) -> Double { left + (Double(i) + 0.5) * band }

    func open(_ label: String, id: String) -> String {
        """
        <svg class="chart" id="\(HTML.escape(id))" viewBox="0 0 \(Format.coord(width)) \(Format.coord(height))" role="img" \
        aria-label="\(HTML.escape(label))" preserveAspectRatio="xMidYMid meet" xmlns="http://www.w3.org/2000/svg">
        """
    }

    /// Horizontal grid lines with their values, and the day labels.
    func axes(_ scale: ChartScale, y: (Int) -> Double) -> String {
        var s = ""
        for t in scale.ticks {
            let ty = Format.coord(y(t))
            s += "<line class=\"grid\" x1=\"\(Format.coord(left))\" x2=\"\(Format.coord(width - right))\" y1=\"\(ty)\" y2=\"\(ty)\"/>"
            s += "<text class=\"tick\" x=\"\(Format.coord(left - 6))\" y=\"\(ty)\" text-anchor=\"end\" dominant-baseline=\"middle\">\(Format.count(t))</text>"
        }
        for i in DayLabels.indices(days: days.count) {
            s += "<text class=\"tick\" x=\"\(Format.coord(x(i)))\" y=\"\(Format.coord(height - 10))\" text-anchor=\"middle\">\(HTML.escape(DayLabels.short(days[i])))</text>"
        }
        return s
    }

    /// Invisible full-height bands, one a day, carrying that day's numbers as a tooltip.
    func hoverBands(_ text: (Int) -> String) -> String {
        (0..<days.count).map { i in
            "<rect class=\"hover\" x=\"\(Format.coord(left + Double(i) * band))\" y=\"\(Format.coord(top))\" width=\"\(Format.coord(band))\" height=\"\(Format.coord(plotHeight))\"><title>\(HTML.escape(text(i)))</title></rect>"
        }.joined()
    }

    /// A line with a light area under it (active installs).
    func area(_ values: [Int], label: String, id: String, color: String, describe: (Int) -> String) -> String {
        let scale = ChartScale(maximum: values.max() ?? 0)
        let y = { (v: Int) in top + plotHeight * (1 - Double(v) / Double(scale.max)) }
        var xs = values.indices.map(x)
        var vs = values
        if values.count == 1 { xs = [left + 2, width - right - 2]; vs = [values[0], values[0]] }
        let line = zip(xs, vs).map { "\(Format.coord($0)),\(Format.coord(y($1)))" }.joined(separator: " ")
        let base = Format.coord(y(0))
        var s = open(label, id: id) + axes(scale, y: y)
        if let fx = xs.first, let lx = xs.last {
            s += "<polygon class=\"area\" fill=\"\(color)\" fill-opacity=\"0.14\" points=\"\(Format.coord(fx)),\(base) \(line) \(Format.coord(lx)),\(base)\"/>"
            s += "<polyline class=\"line\" fill=\"none\" stroke=\"\(color)\" stroke-width=\"2.5\" stroke-linejoin=\"round\" points=\"\(line)\"/>"
        }
        if let last = values.indices.last {
            s += "<circle cx=\"\(Format.coord(xs[xs.count - 1]))\" cy=\"\(Format.coord(y(values[last])))\" r=\"3.5\" fill=\"\(color)\"/>"
        }
        return s + hoverBands(describe) + "</svg>"
    }

    /// Bars up (`up`, e.g. new installs) and down (`down`, lost installs) from a middle baseline.
    func mirroredBars(up: [Int], down: [Int], label: String, id: String, describe: (Int) -> String) -> String {
        let peak = max(up.max() ?? 0, down.max() ?? 0)
        let scale = ChartScale(maximum: peak)
        let half = plotHeight / 2
        let mid = top + half
        var s = open(label, id: id)
        for t in scale.ticks {
            for sign in t == 0 ? [1.0] : [1.0, -1.0] {
                let ty = Format.coord(mid - sign * half * Double(t) / Double(scale.max))
                s += "<line class=\"grid\" x1=\"\(Format.coord(left))\" x2=\"\(Format.coord(width - right))\" y1=\"\(ty)\" y2=\"\(ty)\"/>"
                s += "<text class=\"tick\" x=\"\(Format.coord(left - 6))\" y=\"\(ty)\" text-anchor=\"end\" dominant-baseline=\"middle\">\(Format.count(t))</text>"
            }
        }
        for i in DayLabels.indices(days: days.count) {
            s += "<text class=\"tick\" x=\"\(Format.coord(x(i)))\" y=\"\(Format.coord(height - 10))\" text-anchor=\"middle\">\(HTML.escape(DayLabels.short(days[i])))</text>"
        }
        let w = max(1, band * 0.72)
        for i in days.indices {
            let bx = Format.coord(x(i) - w / 2)
            if up[i] > 0 {
                let h = half * Double(up[i]) / Double(scale.max)
                s += "<rect class=\"bar new\" fill=\"\(Palette.new)\" x=\"\(bx)\" y=\"\(Format.coord(mid - h))\" width=\"\(Format.coord(w))\" height=\"\(Format.coord(h))\"/>"
            }
            if down[i] > 0 {
                let h = half * Double(down[i]) / Double(scale.max)
                s += "<rect class=\"bar lost\" fill=\"\(Palette.lost)\" x=\"\(bx)\" y=\"\(Format.coord(mid))\" width=\"\(Format.coord(w))\" height=\"\(Format.coord(h))\"/>"
            }
        }
        s += "<line class=\"baseline\" x1=\"\(Format.coord(left))\" x2=\"\(Format.coord(width - right))\" y1=\"\(Format.coord(mid))\" y2=\"\(Format.coord(mid))\"/>"
        return s + hoverBands(describe) + "</svg>"
    }

    /// One bar a day from a zero baseline, e.g. a counter's daily increments.
    func columns(_ values: [Int], label: String, id: String, color: String, describe: (Int) -> String) -> String {
        let scale = ChartScale(maximum: values.max() ?? 0)
        let y = { (v: Int) in top + plotHeight * (1 - Double(v) / Double(scale.max)) }
        var s = open(label, id: id) + axes(scale, y: y)
        let w = max(1, band * 0.72)
        for (i, v) in values.enumerated() where v > 0 {
            s += "<rect class=\"bar\" fill=\"\(color)\" x=\"\(Format.coord(x(i) - w / 2))\" y=\"\(Format.coord(y(v)))\" width=\"\(Format.coord(w))\" height=\"\(Format.coord(y(0) - y(v)))\"/>"
        }
        s += "<line class=\"baseline\" x1=\"\(Format.coord(left))\" x2=\"\(Format.coord(width - right))\" y1=\"\(Format.coord(y(0)))\" y2=\"\(Format.coord(y(0)))\"/>"
        return s + hoverBands(describe) + "</svg>"
    }

    /// Stacked areas, one per series (bottom first), e.g. installs per product version.
    func stackedArea(_ series: [(label: String, values: [Int], color: String)], label: String, id: String,
                     describe: (Int) -> String) -> String {
        let totals = days.indices.map { i in series.reduce(0) { $0 + $1.values[i] } }
        let scale = ChartScale(maximum: totals.max() ?? 0)
        let y = { (v: Int) in top + plotHeight * (1 - Double(v) / Double(scale.max)) }
        var xs = days.indices.map(x)
        var idx = Array(days.indices)
        if days.count == 1 { xs = [left + 2, width - right - 2]; idx = [0, 0] }
        var s = open(label, id: id) + axes(scale, y: y)
        var below = [Int](repeating: 0, count: days.count)
        for serie in series {
            let above = days.indices.map { below[$0] + serie.values[$0] }
            let topEdge = zip(xs, idx).map { "\(Format.coord($0)),\(Format.coord(y(above[$1])))" }
            let bottomEdge = zip(xs, idx).reversed().map { "\(Format.coord($0)),\(Format.coord(y(below[$1])))" }
            s += "<polygon class=\"stack\" fill=\"\(serie.color)\" fill-opacity=\"0.88\" stroke=\"#fff\" stroke-width=\"0.6\" points=\"\((topEdge + bottomEdge).joined(separator: " "))\"><title>\(HTML.escape(serie.label))</title></polygon>"
            below = above
        }
        return s + hoverBands(describe) + "</svg>"
    }
}
