#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import TelemetryCore
import TelemetryWire

/// Everything the daemon loop juggles between wake-ups, and the pure decisions over it: which reports are due,
/// whether to ping the watchdog, and how long to sleep. The loop only carries out what these say.
struct LoopState {
    var loaded: LoadedConfig
    var identity: Identity
    /// The identity on disk may no longer be `identity` (a reload: `telemetryd forget` may have erased it, `ClusterID=`
    /// may have changed; or delivery erased it): loaded again before the next report, not at once, so a daemon
    /// disabled by `disable --forget` writes no fresh identity until it has a report to send.
    var identityStale = false
    /// Delivery's `erasureCount()` when the identity was last loaded.
    var erasuresSeen = 0
    var nextDue: [ReportType: ContinuousClock.Instant] = [:]
    var reloadError: String?
    /// Set when the state directory is not writable (checked before READY=1): told in STATUS=.
    var stateProblem: String?
    var lastStatus = ""
    /// Something `STATUS=` tells may have changed since it was last written: set at start, by every event the loop
    /// wakes for (a delivery change, a reload) and by a wall-clock step; reports scheduled on a pass change it too
    /// (`Plan.status`). A pass woken by its own deadline alone leaves it: the sentence holds absolute times, so
    /// waiting makes nothing in it stale, and the idle wake does no more than the watchdog ping.
    var statusStale = true
    /// How many times the daemon has decided (start, then each reload), for `daemon.json`.
    var decisions = 0
    /// Half of `WatchdogSec=`; nil without a watchdog.
    var pingEvery: Duration?
    var nextPing: ContinuousClock.Instant

    /// The wall clock and the monotonic clock read together on the last pass: a wall clock that moved much more or
    /// less than the monotonic one since then was set (an NTP step at boot, an administrator).
    var clockAnchor: (wall: Date, monotonic: ContinuousClock.Instant)

    /// A wall-clock change smaller than this between two passes is drift or slewing, not a step.
    static let clockStepThreshold: Double = 2

    /// The longest the loop sleeps without a watchdog (with one, the ping sets the pace: every five minutes under
    /// the unit's WatchdogSec=10min). Each pass reads the wall clock, so a step is noticed and the wall-clock due
    /// times (`STATUS=`, `telemetryd status`) are right again within this.
    static let longestSleep: Duration = .seconds(300)

    init(loaded: LoadedConfig, identity: Identity, pingEvery: Duration? = nil, now: ContinuousClock.Instant,
         wall: Date = Date()) {
        self.loaded = loaded
        self.identity = identity
        self.pingEvery = pingEvery
        self.nextPing = now
        self.clockAnchor = (wall, now)
    }

    /// By how many seconds the wall clock was stepped since the last pass (positive: forward); nil when it only
    /// kept pace with the monotonic clock. Due times run on the monotonic clock and stay; only the wall-clock times
    /// recorded for `telemetryd status` need rewriting after a step.
    func clockStep(wall: Date, now: ContinuousClock.Instant) -> Double? {
        let wallElapsed = wall.timeIntervalSince(clockAnchor.wall)
        let monotonicElapsed = durationSeconds(clockAnchor.monotonic.duration(to: now))
        let step = wallElapsed - monotonicElapsed
        return abs(step) >= Self.clockStepThreshold ? step : nil
    }

    /// The wall-clock time of each monotonic due time, as `status` shows it.
    func wallClockDue(wall: Date, now: ContinuousClock.Instant) -> [ReportType: Date] {
        nextDue.mapValues { wall.addingTimeInterval(durationSeconds(now.duration(to: $0))) }
    }

    /// What to do on this pass.
    struct Plan: Equatable {
        /// Report types due now, in `ReportType.scheduled` order; none while disabled.
        var due: [ReportType]
        /// Whether a watchdog ping is due.
        var ping: Bool
        /// Whether to rebuild `STATUS=` (and send it if its text changed).
        var status: Bool

        /// Nothing but (at most) the watchdog ping: the pass an idle daemon makes.
        var isIdle: Bool { due.isEmpty && !status }
    }

    func plan(at now: ContinuousClock.Instant) -> Plan {
        // Looked up by type (and sorted) only when something is due: the idle pass just compares two instants.
        let anyDue = loaded.config.enable && nextDue.values.contains { $0 <= now }
        let due = anyDue ? ReportType.scheduled.filter { type in nextDue[type].map { $0 <= now } ?? false } : []
        return Plan(due: due, ping: pingEvery != nil && now >= nextPing, status: statusStale || !due.isEmpty)
    }

    /// The loop woke with `events` (none: its deadline passed). Any event may change what `STATUS=` tells.
    mutating func woke(with events: Set<DaemonEvent>) {
        if !events.isEmpty { statusStale = true }
    }

    /// `STATUS=` was rebuilt from the current state (and sent when its text changed).
    mutating func statusWritten(_ text: String) {
        lastStatus = text
        statusStale = false
    }

    /// A ping was sent (or deliberately withheld) at `now`: the next one is due half an interval later.
    mutating func pinged(at now: ContinuousClock.Instant) {
        if let pingEvery { nextPing = now.advanced(by: pingEvery) }
    }

    /// When to wake up next: the earliest due report (while enabled) or watchdog ping; without a watchdog at most
    /// `longestSleep` away. Never for `STATUS=`: it needs no refresh.
    func wakeDeadline(after now: ContinuousClock.Instant) -> ContinuousClock.Instant {
        var deadline = pingEvery != nil ? nextPing : now.advanced(by: Self.longestSleep)
        if loaded.config.enable {
            for due in nextDue.values { deadline = min(deadline, due) }
        }
        return deadline
    }
}
