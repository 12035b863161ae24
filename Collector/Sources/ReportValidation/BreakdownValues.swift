import CollectorSummary

/// The breakdown attributes one report carries; nil = this report does not tell (a keep-alive carries no OS,
/// a report without `product` no version, a `null` field nothing). Labels are final: buckets already applied.
public struct BreakdownValues: Sendable, Equatable {
    public var productVersion: String?
    public var os: String?
    public var arch: String?
    public var virtualization: String?
    public var container: String?
    public var cores: String?
    public var memory: String?

    public init(productVersion: String? = nil, os: String? = nil, arch: String? = nil, virtualization: String? = nil,
                container: String? = nil, cores: String? = nil, memory: String? = nil) {
        self.productVersion = productVersion
        self.os = os
        self.arch = arch
        self.virtualization = virtualization
        self.container = container
        self.cores = cores
        self.memory = memory
    }

    public subscript(dimension: Dimension) -> String? {
        switch dimension {
        case .productVersion: return productVersion
        case .os: return os
        case .arch: return arch
        case .virtualization: return virtualization
        case .container: return container
        case .cores: return cores
        case .memory: return memory
        }
    }
}
