/// The group an install is counted in on a day, for filters (`SummaryFilter`) and the day cache: the product name and
/// product version labels its rollup row holds that day (`unknown`: the reports did not say).
public struct ProductVersion: Sendable, Hashable, Codable {
    public var product: String
    public var version: String

    public init(product: String?, version: String?) {
        self.product = product ?? Buckets.unknown
        self.version = version ?? Buckets.unknown
    }
}
