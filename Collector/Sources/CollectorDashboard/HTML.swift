/// Escaping for text and attribute values in HTML and inline SVG. Every string that comes from a report (product
/// versions, OS names, architectures, …) goes through `escape` before it reaches the page: the page must show a
/// hostile value as text, never run or parse it as markup.
enum HTML {
    static func escape<S: StringProtocol>(_ s: S) -> String {
        var out = ""
        out.reserveCapacity(s.utf8.count)
        for ch in s.unicodeScalars {
            switch ch {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            // C0 controls other than tab/newline are not allowed in HTML text; show them as U+FFFD.
            case "\u{0}"..."\u{8}", "\u{B}", "\u{C}", "\u{E}"..."\u{1F}", "\u{7F}": out += "\u{FFFD}"
            default: out.unicodeScalars.append(ch)
            }
        }
        return out
    }
}

/// Numbers as the page prints them.
enum Format {
    /// `12,345` (grouping by thousands, no locale).
    static func count(_ n: Int) -> String {
        let digits = String(n.magnitude)
        var out = ""
        for (i, c) in digits.enumerated() {
            if i > 0, (digits.count - i) % 3 == 0 { out.append(",") }
            out.append(c)
        }
        return n < 0 ? "-" + out : out
    }

    /// `42.5%` of `total` (one decimal; `0%` of nothing).
    static func percent(_ n: Int, of total: Int) -> String {
        guard total > 0 else { return "0%" }
        let tenths = (n * 1000 + total / 2) / total
        return "\(tenths / 10).\(tenths % 10)%"
    }

    /// A share (0…1) as `42.5%` (one decimal, rounded half up like `percent`).
    static func share(_ x: Double) -> String {
        guard x.isFinite else { return "n/a" }
        let tenths = Int((min(max(x, 0), 1) * 1000).rounded())
        return "\(tenths / 10).\(tenths % 10)%"
    }

    /// A fact's number or a percentile: whole numbers grouped (`1,234`), others with two decimals from 1 up
    /// (`12.35`), three significant digits below 1 (`0.00123`), trailing zeros dropped; beyond 1e15 Swift's own form.
    static func number(_ x: Double) -> String {
        guard x.isFinite else { return x.isNaN ? "n/a" : (x < 0 ? "-∞" : "∞") }
        let m = x.magnitude
        guard m < 1e15 else { return "\(x)" }
        let sign = x < 0 ? "-" : ""
        if m == m.rounded() { return sign + count(Int(m)) }
        var decimals = 2
        if m < 1 {
            decimals = 3
            var v = m * 10
            while v < 1, decimals < 15 { v *= 10; decimals += 1 }
        }
        var scale = 1.0
        for _ in 0..<decimals { scale *= 10 }
        let scaled = (m * scale).rounded()
        guard scaled > 0 else { return "0" }
        let whole = Int((scaled / scale).rounded(.down))
        var frac = String(Int(scaled - Double(whole) * scale))
        frac = String(repeating: "0", count: max(0, decimals - frac.count)) + frac
        while frac.hasSuffix("0") { frac.removeLast() }
        return sign + count(whole) + (frac.isEmpty ? "" : "." + frac)
    }

    /// An SVG coordinate: at most one decimal, no exponent.
    static func coord(_ x: Double) -> String {
        let tenths = (x * 10).rounded()
        let whole = Int(tenths) / 10, frac = abs(Int(tenths) % 10)
        if frac == 0 { return String(whole) }
        return (tenths < 0 && whole == 0 ? "-" : "") + "\(whole).\(frac)"
    }
}
