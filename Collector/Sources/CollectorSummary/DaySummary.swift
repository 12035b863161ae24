/// One UTC day. Each breakdown counts every install active that day exactly once, by the value its reports
/// carried that day (the last one to arrive that carries the field), else the install's last known value,
/// else `unknown`; so each breakdown's counts add up to `activeInstalls`.
public struct DaySummary: Codable, Sendable, Equatable {
    public var date: UTCDay
    public var activeInstalls: Int
    /// Active installs whose first report is at least 24 h older than their last report of the day.
    public var establishedInstalls: Int
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
    /// Product facts by key. At most `MaxDistinctValues=` keys (those carried by the most installs; a fact has no
    /// sum to fold into `other`, so the rest are left out) and as many values per enum (the rest `other`).
    public var facts: [String: FactSummary]
    /// Product counters by name; at most `MaxDistinctValues=`, the rest summed under `other`.
    public var counters: [String: CounterSummary]

    public init(date: UTCDay, activeInstalls: Int = 0, establishedInstalls: Int = 0, newInstalls: Int = 0, lostInstalls: Int = 0,
                byProductVersion: [String: Int] = [:], byOS: [String: Int] = [:], byArch: [String: Int] = [:],
                byVirtualization: [String: Int] = [:], byContainer: [String: Int] = [:],
                byCores: [String: Int] = [:], byMemory: [String: Int] = [:],
                facts: [String: FactSummary] = [:], counters: [String: CounterSummary] = [:]) {
        self.date = date
        self.activeInstalls = activeInstalls
        self.establishedInstalls = establishedInstalls
        self.newInstalls = newInstalls
        self.lostInstalls = lostInstalls
        self.byProductVersion = byProductVersion
        self.byOS = byOS
        self.byArch = byArch
        self.byVirtualization = byVirtualization
        self.byContainer = byContainer
        self.byCores = byCores
        self.byMemory = byMemory
        self.facts = facts
        self.counters = counters
    }
}
