import CollectorSummary
import Foundation

/// The text form of a Summary: one line per day, then the last day's breakdowns and clusters.
public enum SummaryTable {
    public static func render(_ s: Summary) -> String {
        var out = "date        active    new   lost\n"
        for d in s.days {
            out += d.date.description + pad(d.activeInstalls, 10) + pad(d.newInstalls, 7) + pad(d.lostInstalls, 7) + "\n"
        }
        guard let today = s.days.last else { return out }
        out += "\nactive installs on \(today.date): \(today.activeInstalls)\n"
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
            for k in keys { out += "  " + k.padding(toLength: max(k.count, 24), withPad: " ", startingAt: 0) + pad(counts[k] ?? 0, 8) + "\n" }
        }
        out += "\nclusters (a clusterId shared by 2 or more installs): \(s.clusters.count), holding \(s.clusters.installs) installs\n"
        for (size, n) in s.clusters.bySize.sorted(by: { (Int($0.key) ?? 0) < (Int($1.key) ?? 0) }) {
            out += "  size \(size)".padding(toLength: 26, withPad: " ", startingAt: 0) + pad(n, 8) + "\n"
        }
        return out
    }

    static func pad(_ n: Int, _ width: Int) -> String {
        let s = String(n)
        return String(repeating: " ", count: max(1, width - s.count)) + s
    }
}
