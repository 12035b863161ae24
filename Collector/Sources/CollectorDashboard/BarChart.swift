/// Bar charts of one day's counts: horizontal bars per label (a breakdown), vertical bars per cluster size.
/// Labels are text in the SVG (escaped), each bar with its count, share and a `<title>`.
struct BarChart {
    var width = 360.0
    var rowHeight = 24.0
    var labelWidth = 118.0
    var valueWidth = 92.0

    /// Labels longer than this are cut on the page (the whole label stays in the tooltip).
    static let maxLabel = 22

    static func shortLabel(_ s: String) -> String {
        s.count <= maxLabel ? s : String(s.prefix(maxLabel - 1)) + "…"
    }

    func horizontal(_ rows: [(label: String, count: Int)], total: Int, label: String, id: String, color: String) -> String {
        let height = max(rowHeight, Double(rows.count) * rowHeight) + 4
        let peak = max(rows.map(\.count).max() ?? 0, 1)
        let barSpace = width - labelWidth - valueWidth
        var s = """
            <svg class="chart bars" id="\(HTML.escape(id))" viewBox="0 0 \(Format.coord(width)) \(Format.coord(height))" role="img" \
            aria-label="\(HTML.escape(label))" xmlns="http://www.w3.org/2000/svg">
            """
        for (i, row) in rows.enumerated() {
            let y = 2 + Double(i) * rowHeight
            let w = max(row.count > 0 ? 2 : 0, barSpace * Double(row.count) / Double(peak))
            let share = Format.percent(row.count, of: total)
            let tip = HTML.escape("\(row.label): \(Format.count(row.count)) (\(share))")
            let fill = row.label == "unknown" || row.label == "other" ? Palette.other : color
            s += "<g class=\"row\"><title>\(tip)</title>"
            s += "<text class=\"label\" x=\"\(Format.coord(labelWidth - 8))\" y=\"\(Format.coord(y + rowHeight / 2))\" text-anchor=\"end\" dominant-baseline=\"middle\">\(HTML.escape(Self.shortLabel(row.label)))</text>"
            s += "<rect class=\"bar\" fill=\"\(fill)\" rx=\"3\" x=\"\(Format.coord(labelWidth))\" y=\"\(Format.coord(y + 4))\" width=\"\(Format.coord(w))\" height=\"\(Format.coord(rowHeight - 8))\"/>"
            s += "<text class=\"value\" x=\"\(Format.coord(labelWidth + w + 6))\" y=\"\(Format.coord(y + rowHeight / 2))\" dominant-baseline=\"middle\">\(Format.count(row.count)) <tspan class=\"share\">\(share)</tspan></text>"
            s += "</g>"
        }
        if rows.isEmpty {
            s += "<text class=\"empty\" x=\"\(Format.coord(width / 2))\" y=\"\(Format.coord(height / 2))\" text-anchor=\"middle\" dominant-baseline=\"middle\">no installs</text>"
        }
        return s + "</svg>"
    }

    /// Vertical bars, e.g. number of clusters per cluster size.
    func vertical(_ columns: [(label: String, count: Int)], label: String, id: String, color: String, unit: String) -> String {
        let height = 180.0, top = 18.0, bottom = 26.0, side = 12.0
        let peak = max(columns.map(\.count).max() ?? 0, 1)
        let band = (width - 2 * side) / Double(max(columns.count, 1))
        let barW = min(44, band * 0.7)
        var s = """
            <svg class="chart bars" id="\(HTML.escape(id))" viewBox="0 0 \(Format.coord(width)) \(Format.coord(height))" role="img" \
            aria-label="\(HTML.escape(label))" xmlns="http://www.w3.org/2000/svg">
            """
        for (i, c) in columns.enumerated() {
            let cx = side + (Double(i) + 0.5) * band
            let h = (height - top - bottom) * Double(c.count) / Double(peak)
            let y = height - bottom - h
            s += "<g class=\"column\"><title>\(HTML.escape("\(c.label) \(unit): \(Format.count(c.count))"))</title>"
            s += "<rect class=\"bar\" fill=\"\(color)\" rx=\"3\" x=\"\(Format.coord(cx - barW / 2))\" y=\"\(Format.coord(y))\" width=\"\(Format.coord(barW))\" height=\"\(Format.coord(h))\"/>"
            s += "<text class=\"value\" x=\"\(Format.coord(cx))\" y=\"\(Format.coord(y - 5))\" text-anchor=\"middle\">\(Format.count(c.count))</text>"
            s += "<text class=\"tick\" x=\"\(Format.coord(cx))\" y=\"\(Format.coord(height - 8))\" text-anchor=\"middle\">\(HTML.escape(c.label))</text>"
            s += "</g>"
        }
        if columns.isEmpty {
            s += "<text class=\"empty\" x=\"\(Format.coord(width / 2))\" y=\"\(Format.coord(height / 2))\" text-anchor=\"middle\">no clusters</text>"
        }
        return s + "</svg>"
    }
}
