#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import IdleTimer

/// Where the daemon loop reads the time and sleeps between passes. In production the continuous clock, with the
/// sleep on `IdleTimer` (no timer thread of its own); a test passes a clock it advances, so "the next keep-alive an
/// interval later" is tested without waiting an interval.
struct LoopClock: Sendable {
    /// The monotonic time the schedule runs on.
    let now: @Sendable () -> ContinuousClock.Instant
    /// The wall clock, read alongside to notice a step and to record due times for `telemetryd status`.
    let wallNow: @Sendable () -> Date
    /// Returns what was posted, as soon as something is or at `deadline` (then empty). The closure, when given, runs
    /// once the loop is about to sleep (`Wakeup.wait`'s `parked`).
    let wait: @Sendable (Wakeup<DaemonEvent>, ContinuousClock.Instant, (@Sendable () -> Void)?) async -> Set<DaemonEvent>

    static let continuous = LoopClock(
        now: { ContinuousClock.now },
        wallNow: { Date() },
        wait: { wakeup, deadline, parked in await wakeup.wait(until: deadline, parked: parked) })

    init(now: @escaping @Sendable () -> ContinuousClock.Instant, wallNow: @escaping @Sendable () -> Date,
         wait: @escaping @Sendable (Wakeup<DaemonEvent>, ContinuousClock.Instant, (@Sendable () -> Void)?) async -> Set<DaemonEvent>) {
        self.now = now
        self.wallNow = wallNow
        self.wait = wait
    }

    /// Any clock on the continuous clock's instants (a test's): its `sleep` is raced against the wake-up, and the
    /// wall clock moves with it from `wallAtNow`, so the loop sees no wall-clock step.
    init<C: Clock>(_ clock: C, wallAtNow: Date) where C.Instant == ContinuousClock.Instant, C.Duration == Duration {
        let start = clock.now
        self.now = { clock.now }
        self.wallNow = { wallAtNow.addingTimeInterval(durationSeconds(start.duration(to: clock.now))) }
        self.wait = { wakeup, deadline, parked in
            parked?()
            return await withTaskGroup(of: Set<DaemonEvent>.self) { group in
                group.addTask {
                    try? await clock.sleep(until: deadline, tolerance: nil)
                    return []
                }
                // A year is "until posted": the deadline is the clock's, above.
                group.addTask { await wakeup.wait(until: nil) }
                var events = await group.next() ?? []
                group.cancelAll()
                // The wake-up's events, also when the deadline came first (cancelled, it hands back what was posted).
                for await more in group { events.formUnion(more) }
                return events
            }
        }
    }
}
