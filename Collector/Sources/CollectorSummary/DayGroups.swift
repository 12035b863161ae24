/// One UTC day's counts per product and version, as a store counts them from its rollups; what a filter selects is
/// merged from the groups it matches. The day cache keeps it as rows (`cacheRows`) of three scopes, so a summary
/// reads one row a day whatever the filter: the whole day, each product, each product version.
public struct DayGroups: Sendable, Equatable {
    public var groups: [ProductVersion: DayTotals]

    public init(groups: [ProductVersion: DayTotals] = [:]) { self.groups = groups }

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
    public var cacheRows: [DayCacheRow] {
        var rows = [DayCacheRow(scope: .day, product: "", version: "", totals: merged(.all))]
        for product in products.sorted() {
            rows.append(DayCacheRow(scope: .product, product: product, version: "", totals: merged(SummaryFilter(product: product))))
        }
        for (group, totals) in groups.sorted(by: { ($0.key.product, $0.key.version) < ($1.key.product, $1.key.version) }) {
            rows.append(DayCacheRow(scope: .productVersion, product: group.product, version: group.version, totals: totals))
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
