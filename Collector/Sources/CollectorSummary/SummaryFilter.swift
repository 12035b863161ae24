/// What every read may be narrowed to (`?product=`, `?version=`, `summary --product --version`): installs are
/// counted on a day when their product (and product version) that day match. nil: any. The values are labels as the
/// summary shows them: `unknown` selects the installs whose reports did not say, `"other"` (quoted) a report's own.
public struct SummaryFilter: Sendable, Hashable, Codable {
    public var product: String?
    public var version: String?
    /// `established=1`: only installs established on the day (first report at least 24 h older than their last
    /// report of that day), so the fleet shows without the churn of throw-away instances.
    public var established: Bool

    public init(product: String? = nil, version: String? = nil, established: Bool = false) {
        self.product = product
        self.version = version
        self.established = established
    }

    public static let all = SummaryFilter()
    public var isAll: Bool { product == nil && version == nil && !established }

    public func matches(_ group: ProductVersion) -> Bool {
        (product == nil || product == group.product) && (version == nil || version == group.version)
    }

    /// The day cache rows (`DayGroups.cacheRows`) that hold this filter's installs: the one row of its scope per day
    /// (several, merged, for a version without a product).
    public var cacheScope: DayCacheRow.Scope {
        if established {
            return version != nil ? .establishedProductVersion : product != nil ? .establishedProduct : .establishedDay
        }
        return version != nil ? .productVersion : product != nil ? .product : .day
    }
}
