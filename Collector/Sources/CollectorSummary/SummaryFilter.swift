/// What every read may be narrowed to (`?product=`, `?version=`, `summary --product --version`): installs are
/// counted on a day when their product (and product version) that day match. nil: any.
public struct SummaryFilter: Sendable, Hashable, Codable {
    public var product: String?
    public var version: String?

    public init(product: String? = nil, version: String? = nil) {
        self.product = product
        self.version = version
    }

    public static let all = SummaryFilter()
    public var isAll: Bool { product == nil && version == nil }
}
