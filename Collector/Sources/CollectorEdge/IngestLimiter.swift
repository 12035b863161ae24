/// `[Collector]` limits on what one client network and one install may send; 0 turns a limit off.
public struct IngestLimits: Sendable, Equatable {
    /// `NetworkReportsPerMinute=`: a token bucket per client network (IPv4 /24, IPv6 /56), this many per minute,
    /// bursts up to the same number.
    public var networkReportsPerMinute: Int
    /// `NetworkNewInstallsPerDay=`: installs the database has never seen, per client network and UTC day.
    public var networkNewInstallsPerDay: Int
    /// `InstanceReportsPerDay=`: reports per `instanceId` and UTC day (a full spool of 512 plus a day's own).
    public var instanceReportsPerDay: Int

    public init(networkReportsPerMinute: Int = 600, networkNewInstallsPerDay: Int = 1000, instanceReportsPerDay: Int = 600) {
        self.networkReportsPerMinute = networkReportsPerMinute
        self.networkNewInstallsPerDay = networkNewInstallsPerDay
        self.instanceReportsPerDay = instanceReportsPerDay
    }

    public static let off = IngestLimits(networkReportsPerMinute: 0, networkNewInstallsPerDay: 0, instanceReportsPerDay: 0)
}

/// The rate limits of the ingest as a pure state machine: the caller passes the time and, at each new UTC day, a
/// fresh random salt. Networks and installs are kept only as salted 64-bit hashes, in memory, and forgotten at the
/// end of the UTC day: nothing here can be turned back into an address, and nothing is ever written anywhere.
public struct IngestLimiter: Sendable {
    public enum Refusal: String, Sendable, CaseIterable {
        /// The network's token bucket is empty.
        case networkRate = "network reports per minute"
        /// The network brought `NetworkNewInstallsPerDay=` new installs today already.
        case networkNewInstalls = "network new installs per day"
        /// The install sent `InstanceReportsPerDay=` reports today already.
        case instanceDaily = "install reports per day"
        /// More networks are being tracked than memory is set aside for (a flood from very many networks).
        case tooManyNetworks = "networks tracked"
    }

    public enum Decision: Sendable, Equatable {
        case admit
        case refuse(Refusal, retryAfterSeconds: Int)
    }

    struct Network: Sendable {
        var tokens: Double
        var updated: Double
        var newInstalls: Int32 = 0
        var reports: Int32 = 0
    }

    public var limits: IngestLimits
    public private(set) var day: Int
    private var salt: UInt64
    private var networks: [Int: Network] = [:]
    /// Reports per install today.
    private var installs: [Int: Int32] = [:]
    private var reportsToday = 0
    private var proxyNoticeGiven = false
    /// Refusals since the last `drainRefusals()`, for the journal (counts only).
    public private(set) var refusals: [Refusal: Int] = [:]
    /// Set once a day when one network has sent most of the day's reports; cleared by `takeProxyNotice()`.
    public private(set) var proxyNoticeDue = false

    let maxNetworks: Int
    let maxInstalls: Int
    /// A day's reports before "one network sends most of them" is worth a word.
    static let proxyNoticeMinimum = 1000

    public init(limits: IngestLimits, day: Int, salt: UInt64, maxNetworks: Int = 500_000, maxInstalls: Int = 4_000_000) {
        self.limits = limits
        self.day = day
        self.salt = salt
        self.maxNetworks = maxNetworks
        self.maxInstalls = maxInstalls
    }

    /// A new UTC day: everything about the day before is forgotten and hashed under a new salt.
    public mutating func startDay(_ day: Int, salt: UInt64) {
        guard day != self.day else { return }
        self.day = day
        self.salt = salt
        networks = [:]
        installs = [:]
        reportsToday = 0
        proxyNoticeGiven = false
    }

    func key(_ network: IPAddress) -> Int {
        var h = Hasher()
        h.combine(salt)
        h.combine(network.clientNetwork.bytes)
        return h.finalize()
    }

    func key(instance: String) -> Int {
        var h = Hasher()
        h.combine(salt)
        h.combine(instance)
        return h.finalize()
    }

    /// Before the body is read: takes a token from the client network's bucket. `now` in seconds (monotonic).
    public mutating func admitReport(from client: IPAddress, now: Double) -> Decision {
        let k = key(client)
        let perMinute = Double(limits.networkReportsPerMinute)
        if networks[k] == nil {
            if networks.count >= maxNetworks { sweep(now: now) }
            guard networks.count < maxNetworks else { return refuse(.tooManyNetworks, after: 60) }
            networks[k] = Network(tokens: perMinute, updated: now)
        }
        var n = networks[k] ?? Network(tokens: perMinute, updated: now)
        defer { networks[k] = n }
        n.reports &+= 1
        reportsToday += 1
        if !proxyNoticeGiven, reportsToday >= Self.proxyNoticeMinimum, Int(n.reports) * 2 > reportsToday {
            proxyNoticeGiven = true
            proxyNoticeDue = true
        }
        guard limits.networkReportsPerMinute > 0 else { return .admit }
        n.tokens = min(perMinute, n.tokens + max(0, now - n.updated) * perMinute / 60)
        n.updated = now
        guard n.tokens >= 1 else {
            let wait = (1 - n.tokens) * 60 / perMinute
            return refuse(.networkRate, after: Int(wait.rounded(.up)))
        }
        n.tokens -= 1
        return .admit
    }

    /// Whether this install was admitted today already (then it is not new, and the store need not be asked).
    public func admittedToday(instanceId: String) -> Bool { installs[key(instance: instanceId)] != nil }

    /// After validation: the install's daily cap and, for an install the database has never seen, the network's
    /// new installs today. `secondsToMidnight`: until the UTC day ends, when daily limits start again.
    public mutating func admitInstall(_ instanceId: String, isNew: Bool, from client: IPAddress, secondsToMidnight: Int) -> Decision {
        let ik = key(instance: instanceId)
        let sent = installs[ik] ?? 0
        if limits.instanceReportsPerDay > 0, Int(sent) >= limits.instanceReportsPerDay {
            return refuse(.instanceDaily, after: secondsToMidnight)
        }
        if isNew, sent == 0, limits.networkNewInstallsPerDay > 0 {
            let nk = key(client)
            let brought = networks[nk]?.newInstalls ?? 0
            guard Int(brought) < limits.networkNewInstallsPerDay else { return refuse(.networkNewInstalls, after: secondsToMidnight) }
            networks[nk, default: Network(tokens: Double(limits.networkReportsPerMinute), updated: 0)].newInstalls += 1
        }
        // Past the memory set aside, further installs go uncapped rather than refused: a fleet that large is real.
        if installs[ik] != nil || installs.count < maxInstalls { installs[ik] = sent + 1 }
        return .admit
    }

    /// The refusals counted since the last call, and zero from now on.
    public mutating func drainRefusals() -> [Refusal: Int] {
        defer { refusals = [:] }
        return refusals
    }

    /// True once a day when one network sent most of the day's reports (≥ 1,000): the collector may be behind a
    /// proxy it does not trust, so every client looks like the proxy.
    public mutating func takeProxyNotice() -> Bool {
        defer { proxyNoticeDue = false }
        return proxyNoticeDue
    }

    public var trackedNetworks: Int { networks.count }
    public var trackedInstalls: Int { installs.count }

    private mutating func refuse(_ r: Refusal, after seconds: Int) -> Decision {
        refusals[r, default: 0] += 1
        return .refuse(r, retryAfterSeconds: max(1, seconds))
    }

    /// Forgets networks whose bucket is full again and that brought no new install today: they carry nothing a
    /// limit still needs.
    private mutating func sweep(now: Double) {
        let perMinute = Double(limits.networkReportsPerMinute)
        networks = networks.filter { _, n in
            n.newInstalls > 0 || (perMinute > 0 && n.tokens + max(0, now - n.updated) * perMinute / 60 < perMinute)
        }
    }
}
