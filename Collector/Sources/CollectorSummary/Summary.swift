// The answers of the collector: what `GET /api/v1/summary`, `telemetry-collector summary --json`, the
// dashboard and `/metrics` all show. Every ReportStore computes exactly this value (Collector/README.md,
// "The ReportStore contract"); the JSON form is the API's.

/// `GET /api/v1/summary?days=N`.
public struct Summary: Codable, Sendable, Equatable {
    /// Active installs on the last day of `days` (the day `asOf` falls on).
    public var activeInstalls: Int
    /// One entry per UTC day, oldest first, every day of the range present (zeros when nothing arrived).
    public var days: [DaySummary]
    /// Clusters among the installs active on the last day.
    public var clusters: ClusterSummary

    public init(activeInstalls: Int, days: [DaySummary], clusters: ClusterSummary) {
        self.activeInstalls = activeInstalls
        self.days = days
        self.clusters = clusters
    }

    /// A summary of `days` empty days ending on `lastDay`.
    public static func empty(days: Int, lastDay: UTCDay) -> Summary {
        let first = lastDay.adding(days: -(max(days, 1) - 1))
        return Summary(activeInstalls: 0,
                       days: (0..<max(days, 1)).map { DaySummary(date: first.adding(days: $0)) },
                       clusters: ClusterSummary())
    }
}

/// One UTC day. Each breakdown counts every install active that day exactly once, by the value its reports
/// carried that day (the last one to arrive that carries the field), else the install's last known value,
/// else `unknown`; so each breakdown's counts add up to `activeInstalls`.
public struct DaySummary: Codable, Sendable, Equatable {
    public var date: UTCDay
    public var activeInstalls: Int
    public var newInstalls: Int
    public var lostInstalls: Int
    public var byProductVersion: [String: Int]
    /// `os.id` and `os.versionId` joined by a space: `debian 12`.
    public var byOS: [String: Int]
    public var byArch: [String: Int]
    public var byVirtualization: [String: Int]
    public var byContainer: [String: Int]
    /// `cpu.logicalCores` in buckets (`Buckets.cores`): `1`, `2`, `3-4`, `5-8`, …
    public var byCores: [String: Int]
    /// `memory.totalBytes` in buckets (`Buckets.memory`): `<2GiB`, `2-4GiB`, …
    public var byMemory: [String: Int]

    public init(date: UTCDay, activeInstalls: Int = 0, newInstalls: Int = 0, lostInstalls: Int = 0,
                byProductVersion: [String: Int] = [:], byOS: [String: Int] = [:], byArch: [String: Int] = [:],
                byVirtualization: [String: Int] = [:], byContainer: [String: Int] = [:],
                byCores: [String: Int] = [:], byMemory: [String: Int] = [:]) {
        self.date = date
        self.activeInstalls = activeInstalls
        self.newInstalls = newInstalls
        self.lostInstalls = lostInstalls
        self.byProductVersion = byProductVersion
        self.byOS = byOS
        self.byArch = byArch
        self.byVirtualization = byVirtualization
        self.byContainer = byContainer
        self.byCores = byCores
        self.byMemory = byMemory
    }
}

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
