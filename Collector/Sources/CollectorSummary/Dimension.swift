/// The attributes each day's installs are broken down by; `column` is the name stores give the rollup
/// column (the same in SQLite and PostgreSQL).
public enum Dimension: String, Sendable, CaseIterable, Hashable {
    case productVersion
    case os
    case arch
    case virtualization
    case container
    case cores
    case memory

    public var column: String {
        switch self {
        case .productVersion: return "product_version"
        default: return rawValue
        }
    }

    /// The `DaySummary` field it fills.
    public var summaryKeyPath: WritableKeyPath<DaySummary, [String: Int]> {
        switch self {
        case .productVersion: return \.byProductVersion
        case .os: return \.byOS
        case .arch: return \.byArch
        case .virtualization: return \.byVirtualization
        case .container: return \.byContainer
        case .cores: return \.byCores
        case .memory: return \.byMemory
        }
    }
}
