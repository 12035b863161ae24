/// A store's count of one retention cell for one group of installs (by their product and version on their first day,
/// nil: all of them, ungrouped), as its query returns it: the installs active in the cell's activity week, and those
/// among them established that week (`SummaryFilter.established`).
public struct RetentionCount: Sendable, Equatable {
    public var cell: RetentionCell
    public var group: ProductVersion?
    public var installs: Int
    public var established: Int

    public init(cell: RetentionCell, group: ProductVersion?, installs: Int, established: Int) {
        self.cell = cell
        self.group = group
        self.installs = installs
        self.established = established
    }

    /// Per cell, the installs `filter` selects among `counts` (grouped ones matched on their group; ungrouped ones
    /// taken whole, so the query must have applied the filter's product and version); cells without counts are absent.
    public static func answer(_ counts: [RetentionCount], filter: SummaryFilter) -> [RetentionCell: Int] {
        var out: [RetentionCell: Int] = [:]
        for c in counts where c.group.map(filter.matches) ?? true {
            out[c.cell, default: 0] += filter.established ? c.established : c.installs
        }
        return out
    }
}
