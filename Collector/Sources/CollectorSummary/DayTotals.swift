/// One UTC day's counts as a summary needs them: active installs and, per rollup column, label → installs
/// (`unknown` for no value). Both stores keep closed days in this form (`day_cache`, as JSON) so a summary over
/// a hundred days reads a hundred small rows instead of counting every install of every day again.
public struct DayTotals: Codable, Sendable, Equatable {
    public var active = 0
    /// Keyed by `Dimension.column`, then by label.
    public var by: [String: [String: Int]] = [:]

    public init(active: Int = 0, by: [String: [String: Int]] = [:]) {
        self.active = active
        self.by = by
    }

    /// Counts `n` installs of `dimension` with `label` (nil: `unknown`).
    public mutating func add(_ dimension: Dimension, label: String?, count n: Int) {
        by[dimension.column, default: [:]][label ?? Buckets.unknown, default: 0] += n
    }

    /// Adds these counts to `day` of the summary being assembled.
    public func apply(to assembler: inout SummaryAssembler, day: UTCDay) {
        assembler.addActive(day: day, count: active)
        for dim in Dimension.allCases {
            for (label, n) in by[dim.column] ?? [:] { assembler.add(dim, day: day, label: label, count: n) }
        }
    }
}
