import CollectorSummary

/// The text form of a Summary: one line per day, then the last day's breakdowns, facts, counters and clusters.
public enum SummaryTable {
    public static func render(_ s: Summary, filter: SummaryFilter = .all) -> String {
        var out = "date        active    new   lost\n"
        for d in s.days {
            out += d.date.description + pad(d.activeInstalls, 10) + pad(d.newInstalls, 7) + pad(d.lostInstalls, 7) + "\n"
        }
        guard let today = s.days.last else { return out }
        var narrowed: [String] = []
        if let p = filter.product { narrowed.append("product \(p)") }
        if let v = filter.version { narrowed.append("version \(v)") }
        if filter.established { narrowed.append("established only") }
        out += "\nactive installs on \(today.date): \(today.activeInstalls)"
        out += narrowed.isEmpty ? "\n" : " (\(narrowed.joined(separator: ", ")))\n"
        out += "established installs (first report 24 h or more before the day's last): \(today.establishedInstalls)\n"
        out += cutoffs(s.adoption.cutoffs)
        if s.products.count > 1 || !filter.isAll {
            out += "products in the range: \(s.products.isEmpty ? "none" : s.products.joined(separator: ", "))\n"
        }
        let sections: [(String, [String: Int], [String]?)] = [
            ("product version", today.byProductVersion, nil), ("os", today.byOS, nil), ("arch", today.byArch, nil),
            ("virtualization", today.byVirtualization, nil), ("container", today.byContainer, nil),
            ("cores", today.byCores, Buckets.coresOrder), ("memory", today.byMemory, Buckets.memoryOrder),
        ]
        for (title, counts, order) in sections where !counts.isEmpty {
            out += "\n\(title)\n"
            let keys: [String]
            if let order {
                keys = order.filter { counts[$0] != nil } + counts.keys.filter { !order.contains($0) }.sorted()
            } else {
                keys = counts.keys.sorted { (counts[$0] ?? 0, $1) > (counts[$1] ?? 0, $0) }
            }
            for k in keys { out += "  " + k.padded(to: 24) + pad(counts[k] ?? 0, 8) + "\n" }
        }
        out += facts(today.facts)
        out += counters(today.counters)
        out += "\nclusters (a clusterId shared by 2 or more installs): \(s.clusters.count), holding \(s.clusters.installs) installs\n"
        for (size, n) in s.clusters.bySize.sorted(by: { (Int($0.key) ?? 0) < (Int($1.key) ?? 0) }) {
            out += "  size \(size)".padded(to: 26) + pad(n, 8) + "\n"
        }
        return out
    }

    /// "P % of active installs run V or newer", on one line; nothing when no install tells its version.
    static func cutoffs(_ cutoffs: [String: String]) -> String {
        let parts = VersionAdoption.cutoffPercents.compactMap { p in cutoffs[String(p)].map { "\(p) % \($0)" } }
        guard !parts.isEmpty else { return "" }
        return "run this version or newer: " + parts.joined(separator: ", ") + "\n"
    }

    /// One line per fact, by key: its kind's aggregate over the installs that carried it.
    static func facts(_ facts: [String: FactSummary]) -> String {
        guard !facts.isEmpty else { return "" }
        var out = "\nfacts (of the installs that carry each)\n"
        for key in facts.keys.sorted() {
            guard let f = facts[key] else { continue }
            let head = "  " + key.padded(to: 24) + pad(f.installs, 8) + " installs, "
            switch f {
            case .boolean(let n, let t):
                out += head + "\(t) true (\(percent(t, of: n)))\n"
            case .enumeration(_, let values):
                let sorted = values.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }
                out += head + sorted.map { "\($0.key) \($0.value)" }.joined(separator: ", ") + "\n"
            case .number(_, let zero, let p5, let p50, let p95):
                out += head + "\(zero) zero, p5 \(number(p5)), p50 \(number(p50)), p95 \(number(p95))\n"
            }
        }
        return out
    }

    /// One line per counter, by name: the day's increments and how the installs using it spread.
    static func counters(_ counters: [String: CounterSummary]) -> String {
        guard !counters.isEmpty else { return "" }
        var out = "\ncounters (increments that arrived that day)\n"
        for name in counters.keys.sorted() {
            guard let c = counters[name] else { continue }
            out += "  " + name.padded(to: 24) + pad(c.increments, 8)
                + " by \(c.installs) installs, per install p50 \(number(c.p50)), p95 \(number(c.p95))\n"
        }
        return out
    }

    /// A whole number as such, else four significant digits. By hand rather than `String(format: "%.4g")`: that one
    /// is Foundation's internationalization layer, whose ICU data alone is 44 MB of a static binary.
    static func number(_ v: Double) -> String {
        if v == v.rounded(), abs(v) < 1e15 { return String(Int(v)) }
        guard v.isFinite else { return "\(v)" }
        var exponent = 0, magnitude = abs(v)
        while magnitude >= 10 { magnitude /= 10; exponent += 1 }
        while magnitude < 1 { magnitude *= 10; exponent -= 1 }
        // The four digits as a whole number (1000 ... 10000), placed by the exponent with exact powers of ten.
        let digits = (magnitude * 1000).rounded() * (v < 0 ? -1 : 1)
        var power = 1.0
        for _ in 0..<abs(exponent - 3) { power *= 10 }
        let rounded = exponent >= 3 ? digits * power : digits / power
        return rounded == rounded.rounded() && abs(rounded) < 1e15 ? String(Int(rounded)) : "\(rounded)"
    }

    static func percent(_ part: Int, of whole: Int) -> String {
        guard whole > 0 else { return "0%" }
        return "\(Int((Double(part) * 100 / Double(whole)).rounded()))%"
    }

    static func pad(_ n: Int, _ width: Int) -> String {
        let s = String(n)
        return String(repeating: " ", count: max(1, width - s.count)) + s
    }
}

extension String {
    /// Padded with spaces on the right to `width` characters; as it is when longer.
    fileprivate func padded(to width: Int) -> String {
        count >= width ? self : self + String(repeating: " ", count: width - count)
    }
}
