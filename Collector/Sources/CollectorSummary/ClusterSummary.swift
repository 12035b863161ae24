/// A cluster is a `clusterId` shared by two or more installs active on the same day.
public struct ClusterSummary: Codable, Sendable, Equatable {
    /// Number of clusters.
    public var count: Int
    /// Installs that belong to one of them.
    public var installs: Int
    /// Cluster size (installs, as a decimal string) → number of clusters of that size.
    public var bySize: [String: Int]

    public init(count: Int = 0, installs: Int = 0, bySize: [String: Int] = [:]) {
        self.count = count
        self.installs = installs
        self.bySize = bySize
    }

    /// From the `clusterId` of every install active on the day (one entry per install).
    public init<S: Sequence>(clusterIdsOfActiveInstalls ids: S) where S.Element == String {
        var sizes: [String: Int] = [:]
        for id in ids { sizes[id, default: 0] += 1 }
        var bySize: [String: Int] = [:]
        var count = 0, installs = 0
        for size in sizes.values where size >= 2 {
            count += 1
            installs += size
            bySize[String(size), default: 0] += 1
        }
        self.init(count: count, installs: installs, bySize: bySize)
    }
}
