/// One UTC day's counts per product and version, as a store counts them from its rollups; what a filter selects is
/// merged from the groups it matches. The day cache keeps it as rows (`cacheRows`) of three scopes, so a summary
/// reads one row a day whatever the filter: the whole day, each product, each product version.
public struct DayGroups: Sendable, Equatable {
    public var groups: [ProductVersion: DayTotals]
    /// The same day counted over its established installs only (`SummaryFilter.established`), per product and version;
    /// cached beside `groups` so `established=1` reads one row a day too.
    public var established: [ProductVersion: DayTotals]

    public init(groups: [ProductVersion: DayTotals] = [:], established: [ProductVersion: DayTotals] = [:]) {
        self.groups = groups
        self.established = established
    }

    /// The counts of the installs `filter` matches.
    public func merged(_ filter: SummaryFilter) -> DayTotals {
        var t = DayTotals()
        for (group, totals) in groups where filter.matches(group) { t.merge(totals) }
        return t
    }

    /// Every product of the day.
    public var products: Set<String> { Set(groups.keys.map(\.product)) }

    /// The rows to cache: the whole day (always, even with no install: it marks the day as counted), each product,
    /// each product version.
    /// Then the same three scopes over the established installs (`established`; the whole day always).
    public var cacheRows: [DayCacheRow] {
        DayGroups.rows(groups, scopes: (.day, .product, .productVersion))
            + DayGroups.rows(established, scopes: (.establishedDay, .establishedProduct, .establishedProductVersion))
    }

    private static func rows(_ groups: [ProductVersion: DayTotals],
                             scopes: (DayCacheRow.Scope, DayCacheRow.Scope, DayCacheRow.Scope)) -> [DayCacheRow] {
        let day = DayGroups(groups: groups)
        var rows = [DayCacheRow(scope: scopes.0, product: "", version: "", totals: day.merged(.all))]
        for product in day.products.sorted() {
            rows.append(DayCacheRow(scope: scopes.1, product: product, version: "", totals: day.merged(SummaryFilter(product: product))))
        }
        for (group, totals) in groups.sorted(by: { ($0.key.product, $0.key.version) < ($1.key.product, $1.key.version) }) {
            rows.append(DayCacheRow(scope: scopes.2, product: group.product, version: group.version, totals: totals))
        }
        return rows
    }
}

/// One row of a store's day cache.
public struct DayCacheRow: Sendable, Equatable {
    /// What the row counts; the store's column `scope`.
    public enum Scope: Int, Sendable, Codable {
        /// Every install of the day (product and version empty).
        case day = 0
        /// The installs of one product (version empty).
        case product = 1
        /// The installs of one product version.
        case productVersion = 2
        /// As the three above, over the day's established installs only.
        case establishedDay = 3
        case establishedProduct = 4
        case establishedProductVersion = 5
    }

    public var scope: Scope
    public var product: String
    public var version: String
    public var totals: DayTotals

    public init(scope: Scope, product: String, version: String, totals: DayTotals) {
        self.scope = scope
        self.product = product
        self.version = version
        self.totals = totals
    }
}
