import TelemetryCore

/// Everything the daemon loop juggles between wake-ups, and the pure decisions over it: which reports are due,
/// whether to ping the watchdog, and how long to sleep. The loop only carries out what these say.
struct LoopState {
    var loaded: LoadedConfig
    var identity: Identity?
    var nextDue: [ReportType: ContinuousClock.Instant] = [:]
    var reloadError: String?
    /// Set when the state directory is not writable (checked before READY=1): told in STATUS=.
    var stateProblem: String?
    var lastStatus = ""
    /// Half of `WatchdogSec=`; nil without a watchdog.
    var pingEvery: Duration?
    var nextPing: ContinuousClock.Instant

    /// How often STATUS= is refreshed at the latest (its "next keep-alive in …" countdown).
    static let statusRefresh: Duration = .seconds(60)

    init(loaded: LoadedConfig, pingEvery: Duration? = nil, now: ContinuousClock.Instant) {
        self.loaded = loaded
        self.pingEvery = pingEvery
        self.nextPing = now
    }

    /// What to do on this pass.
    struct Plan: Equatable {
        /// Report types due now, in `ReportType.allCases` order; none while disabled or without an identity.
        var due: [ReportType]
        /// Whether a watchdog ping is due.
        var ping: Bool
    }

    func plan(at now: ContinuousClock.Instant) -> Plan {
        let enabled = loaded.config.enable && identity != nil
        let due = enabled ? ReportType.allCases.filter { type in nextDue[type].map { $0 <= now } ?? false } : []
        return Plan(due: due, ping: pingEvery != nil && now >= nextPing)
    }

    /// A ping was sent (or deliberately withheld) at `now`: the next one is due half an interval later.
    mutating func pinged(at now: ContinuousClock.Instant) {
        if let pingEvery { nextPing = now.advanced(by: pingEvery) }
    }

    /// When to wake up next: the earliest due report (while enabled) or watchdog ping, and at most
    /// `statusRefresh` away.
    func wakeDeadline(after now: ContinuousClock.Instant) -> ContinuousClock.Instant {
        var deadline = now.advanced(by: Self.statusRefresh)
        if loaded.config.enable {
            for due in nextDue.values { deadline = min(deadline, due) }
        }
        if pingEvery != nil { deadline = min(deadline, nextPing) }
        return deadline
    }
}
