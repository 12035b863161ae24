import CollectorSummary

/// The query of a read (`GET /`, `GET /api/v1/summary`, the CSVs): `days=N`, `product=P`, `version=V`,
/// `established=1`. Every value comes from
/// anyone on the network and becomes part of a cache key and of a store query, so each is checked before either:
/// `days` a whole number in range, `product` a product name as report-v1 allows it, `version` a label as the
/// breakdowns show it (at most 66 characters: 64, or a reserved word in quotes; no control or format character),
/// `established` exactly `1` or `0` (anything else would be a second cache key for the same answer). An
/// empty value is no filter (a form's "all" choice). A well-formed product or version that nothing reported is not
/// an error: the answer is zeros.
public struct ReadQuery: Sendable, Equatable {
    public static let defaultDays = 30
    public static let maxDays = 3660
    /// report-v1's `product.name`: `^[A-Za-z0-9][A-Za-z0-9._+-]{0,63}$`.
    public static let maxProductLength = 64
    /// report-v1's `product.version` (64) plus the quotes of a reserved value (`"other"`).
    public static let maxVersionLength = 66

    public var days: Int
    public var filter: SummaryFilter

    public init(days: Int = ReadQuery.defaultDays, filter: SummaryFilter = .all) {
        self.days = days
        self.filter = filter
    }

    public struct Invalid: Error, Equatable, CustomStringConvertible {
        public var description: String
    }

    /// From the query's decoded values (nil: absent).
    public static func parse(days: String?, product: String?, version: String?, established: String? = nil) -> Result<ReadQuery, Invalid> {
        var q = ReadQuery()
        switch established {
        case nil, "", "0": break
        case "1": q.filter.established = true
        default: return .failure(Invalid(description: "established must be 1 (only established installs) or 0 (all active installs)"))
        }
        if let days {
            guard let n = Int(days), (1...maxDays).contains(n) else {
                return .failure(Invalid(description: "days must be a whole number from 1 to \(maxDays)"))
            }
            q.days = n
        }
        if let product, !product.isEmpty {
            guard isProductName(product) else {
                return .failure(Invalid(description: "product must be a product name as reports carry it: 1 to \(maxProductLength) letters, digits and . _ + - (not starting with one of those four)"))
            }
            q.filter.product = product
        }
        if let version, !version.isEmpty {
            guard version.unicodeScalars.count <= maxVersionLength else {
                return .failure(Invalid(description: "version must be at most \(maxVersionLength) characters"))
            }
            guard !version.unicodeScalars.contains(where: isControlOrFormat) else {
                return .failure(Invalid(description: "version must not contain control or format characters (no report can carry them)"))
            }
            q.filter.version = version
        }
        return .success(q)
    }

    static func isProductName(_ s: String) -> Bool {
        let bytes = Array(s.utf8)
        guard (1...maxProductLength).contains(bytes.count) else { return false }
        func alnum(_ b: UInt8) -> Bool {
            (b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x5A) || (b >= 0x61 && b <= 0x7A)
        }
        return alnum(bytes[0]) && bytes.dropFirst().allSatisfy { alnum($0) || $0 == 0x2E || $0 == 0x5F || $0 == 0x2B || $0 == 0x2D }
    }

    /// Unicode Cc and Cf: what the collector refuses in every report string (NUL, bidi overrides, zero-width, …).
    static func isControlOrFormat(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.properties.generalCategory {
        case .control, .format: return true
        default: return false
        }
    }
}
