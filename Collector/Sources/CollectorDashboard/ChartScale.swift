import CollectorSummary

/// A y axis from 0 to a round maximum, with 3 to 6 round ticks (1, 2 or 5 times a power of ten).
struct ChartScale: Equatable {
    var max: Int
    var step: Int

    init(max: Int, step: Int) {
        self.max = max
        self.step = step
    }

    init(maximum value: Int) {
        let v = Swift.max(value, 1)
        var magnitude = 1
        var step = 1
        search: while true {
            for factor in [1, 2, 5] {
                step = magnitude * factor
                if (v + step - 1) / step <= 5 { break search }
            }
            magnitude *= 10
        }
        self.step = step
        self.max = ((v + step - 1) / step) * step
    }

    var ticks: [Int] { Array(stride(from: 0, through: max, by: step)) }
}

/// Day labels for a time axis: `Dec 1`, about `count` of them evenly spread, always the last day.
enum DayLabels {
    static let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]

    static func short(_ day: UTCDay) -> String {
        let parts = day.description.split(separator: "-")
        guard parts.count == 3, let m = Int(parts[1]), let d = Int(parts[2]), (1...12).contains(m) else { return day.description }
        return "\(months[m - 1]) \(d)"
    }

    /// Indices of the days to label.
    static func indices(days n: Int, count: Int = 6) -> [Int] {
        guard n > 0 else { return [] }
        let every = Swift.max(1, (n + count - 1) / count)
        var out = Array(stride(from: (n - 1) % every, to: n, by: every))
        if out.last != n - 1 { out.append(n - 1) }
        return out
    }
}
