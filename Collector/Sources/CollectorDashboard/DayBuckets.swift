import CollectorSummary

/// Days grouped for a small chart: a sparkline 160 pixels wide has no use for 3,660 points, and a chart per counter
/// with a bar and a tooltip per day would make a ten-year page tens of megabytes. At most `max` buckets of equal
/// length, counted back from the last day (so the last bucket always ends today); the first may be shorter.
struct DayBuckets {
    var ranges: [Range<Int>]

    init(days n: Int, max: Int) {
        let size = Swift.max(1, (n + Swift.max(max, 1) - 1) / Swift.max(max, 1))
        var out: [Range<Int>] = []
        var end = n
        while end > 0 {
            out.append(Swift.max(0, end - size)..<end)
            end -= size
        }
        ranges = out.reversed()
    }

    /// Days per bucket (1: one bucket a day).
    var size: Int { ranges.map(\.count).max() ?? 1 }

    /// `2026-12-01`, or `2026-11-25 to 2026-12-01` for a bucket of several days.
    static func label(_ range: Range<Int>, _ days: [DaySummary]) -> String {
        guard let first = range.first, let last = range.last else { return "" }
        return range.count == 1 ? "\(days[first].date)" : "\(days[first].date) to \(days[last].date)"
    }
}
