/// One row of a store's retention cache: a final cell's installs for one scope, keyed as the day cache keys its rows
/// (`DayCacheRow.Scope`). Each cached cell has a `.day` and an `.establishedDay` row (also when 0: they mark it cached)
/// and a `.productVersion` / `.establishedProductVersion` row per group of installs it counts (by their product and
/// version on their first day); a product's cell is the sum of its versions' rows.
public struct RetentionCacheRow: Sendable, Equatable {
    public var cell: RetentionCell
    public var scope: DayCacheRow.Scope
    public var product: String
    public var version: String
    public var installs: Int

    public init(cell: RetentionCell, scope: DayCacheRow.Scope, product: String = "", version: String = "", installs: Int) {
        self.cell = cell
        self.scope = scope
        self.product = product
        self.version = version
        self.installs = installs
    }

    /// The rows that cache `cells` from grouped `counts` (counts of other cells are ignored).
    public static func rows(caching cells: [RetentionCell], from counts: [RetentionCount]) -> [RetentionCacheRow] {
        let wanted = Set(cells)
        var all: [RetentionCell: (Int, Int)] = [:]
        var groups: [RetentionCell: [ProductVersion: (Int, Int)]] = [:]
        for c in counts where wanted.contains(c.cell) {
            all[c.cell, default: (0, 0)].0 += c.installs
            all[c.cell, default: (0, 0)].1 += c.established
            if let g = c.group {
                groups[c.cell, default: [:]][g, default: (0, 0)].0 += c.installs
                groups[c.cell, default: [:]][g, default: (0, 0)].1 += c.established
            }
        }
        var rows: [RetentionCacheRow] = []
        for cell in wanted.sorted() {
            let (n, e) = all[cell] ?? (0, 0)
            rows.append(RetentionCacheRow(cell: cell, scope: .day, installs: n))
            rows.append(RetentionCacheRow(cell: cell, scope: .establishedDay, installs: e))
            for (g, (n, e)) in (groups[cell] ?? [:]).sorted(by: { ($0.key.product, $0.key.version) < ($1.key.product, $1.key.version) }) {
                if n > 0 { rows.append(RetentionCacheRow(cell: cell, scope: .productVersion, product: g.product, version: g.version, installs: n)) }
                if e > 0 {
                    rows.append(RetentionCacheRow(cell: cell, scope: .establishedProductVersion, product: g.product, version: g.version, installs: e))
                }
            }
        }
        return rows
    }

    /// The scopes a read for `filter` needs: the cells' marks (the answer itself for every install) and, when the
    /// filter names a product or version, the groups' rows.
    public static func scopes(for filter: SummaryFilter) -> [DayCacheRow.Scope] {
        let named = filter.product != nil || filter.version != nil
        if filter.established { return named ? [.establishedDay, .establishedProductVersion] : [.establishedDay] }
        return named ? [.day, .productVersion] : [.day]
    }

    /// Per cached cell (those with their mark among `rows`), the installs `filter` selects.
    public static func answer(_ rows: [RetentionCacheRow], filter: SummaryFilter) -> [RetentionCell: Int] {
        let named = filter.product != nil || filter.version != nil
        let mark: DayCacheRow.Scope = filter.established ? .establishedDay : .day
        let group: DayCacheRow.Scope = filter.established ? .establishedProductVersion : .productVersion
        var out: [RetentionCell: Int] = [:]
        for r in rows where r.scope == mark { out[r.cell] = named ? 0 : r.installs }
        if named {
            for r in rows where r.scope == group && out[r.cell] != nil
                && filter.matches(ProductVersion(product: r.product, version: r.version)) {
                out[r.cell, default: 0] += r.installs
            }
        }
        return out
    }
}
