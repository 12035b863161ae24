import CollectorSummary

/// A small line of shares (0 to 100 %) over the days, for a table cell: a boolean fact's share of installs with it
/// on. A day (or group of days) without the fact leaves a gap. Each point carries its numbers as a `<title>` (the exact values stay on
/// the page as text, for the tooltip and screen readers), the last day a dot.
struct Sparkline {
    var width = 160.0
    var height = 30.0
    var pad = 3.0

    /// Most points drawn (each with its tooltip); longer ranges are grouped (`DayBuckets`).
    static let maxPoints = 60

    /// `points[i]`: point `i`'s share and its tooltip (`labels[i]` is its day or days), nil when it has no value.
    func shares(_ points: [(share: Double, text: String)?], labels: [String], label: String, id: String, color: String) -> String {
        let n = max(points.count, 1)
        let step = (width - 2 * pad) / Double(max(n - 1, 1))
        func x(_ i: Int) -> Double { n == 1 ? width / 2 : pad + Double(i) * step }
        func y(_ share: Double) -> Double { pad + (height - 2 * pad) * (1 - min(max(share, 0), 1)) }
        var s = "<svg class=\"spark\" id=\"\(HTML.escape(id))\" viewBox=\"0 0 \(Format.coord(width)) \(Format.coord(height))\" role=\"img\" "
            + "aria-label=\"\(HTML.escape(label))\" xmlns=\"http://www.w3.org/2000/svg\">"
        s += "<line class=\"grid\" x1=\"0\" x2=\"\(Format.coord(width))\" y1=\"\(Format.coord(y(0)))\" y2=\"\(Format.coord(y(0)))\"/>"
        // One polyline per run of points with a value.
        var run: [String] = []
        func flush() {
            if run.count > 1 {
                s += "<polyline fill=\"none\" stroke=\"\(color)\" stroke-width=\"1.8\" stroke-linejoin=\"round\" points=\"\(run.joined(separator: " "))\"/>"
            }
            run = []
        }
        for (i, p) in points.enumerated() {
            if let p { run.append("\(Format.coord(x(i))),\(Format.coord(y(p.share)))") } else { flush() }
        }
        flush()
        if let last = points.last, let last {
            s += "<circle cx=\"\(Format.coord(x(points.count - 1)))\" cy=\"\(Format.coord(y(last.share)))\" r=\"2.5\" fill=\"\(color)\"/>"
        }
        let band = width / Double(n)
        for (i, p) in points.enumerated() where i < labels.count {
            let text = "\(labels[i]): " + (p?.text ?? "not reported")
            s += "<rect class=\"hover\" x=\"\(Format.coord(Double(i) * band))\" y=\"0\" width=\"\(Format.coord(band))\" height=\"\(Format.coord(height))\"><title>\(HTML.escape(text))</title></rect>"
        }
        return s + "</svg>"
    }
}
