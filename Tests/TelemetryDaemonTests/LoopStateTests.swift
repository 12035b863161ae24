import Foundation
import Testing
@testable import TelemetryCore
@testable import TelemetryDaemon

@Suite struct LoopStateTests {
    let t0 = ContinuousClock.now
    let identity = Identity(instanceId: "i", clusterId: "c", clusterIdFromConfig: false)

    func state(enable: Bool = true, ping: Duration? = nil) -> LoopState {
        var config = TelemetryConfig()
        config.enable = enable
        return LoopState(loaded: LoadedConfig(config: config), identity: identity, pingEvery: ping, now: t0)
    }

    @Test func dueReportsInOrderAndOnlyThoseDue() {
        var s = state()
        s.nextDue = [.diagnostics: t0, .keepalive: t0.advanced(by: .seconds(-1))]
        #expect(s.plan(at: t0).due == [.keepalive, .diagnostics])
        s.nextDue[.diagnostics] = t0.advanced(by: .seconds(5))
        #expect(s.plan(at: t0).due == [.keepalive])
    }

    @Test func nothingIsDueWhileDisabled() {
        var s = state(enable: false)
        s.nextDue = [.keepalive: t0, .diagnostics: t0]
        #expect(s.plan(at: t0).due.isEmpty)
    }

    @Test func pingsAtHalfTheIntervalAndNeverWithoutAWatchdog() {
        var s = state(ping: .seconds(30))
        #expect(s.plan(at: t0).ping)
        s.pinged(at: t0)
        #expect(!s.plan(at: t0.advanced(by: .seconds(29))).ping)
        #expect(s.plan(at: t0.advanced(by: .seconds(30))).ping)
        #expect(!state(ping: nil).plan(at: t0).ping)
    }

    @Test func sleepsUntilTheEarliestDueOrPing() {
        var s = state()
        // No watchdog, nothing due: five minutes (the wall-clock check).
        #expect(s.wakeDeadline(after: t0) == t0.advanced(by: .seconds(300)))
        s.nextDue = [.keepalive: t0.advanced(by: .seconds(40)), .diagnostics: t0.advanced(by: .seconds(20))]
        #expect(s.wakeDeadline(after: t0) == t0.advanced(by: .seconds(20)))
        s.pingEvery = .seconds(10)
        s.pinged(at: t0)
        #expect(s.wakeDeadline(after: t0) == t0.advanced(by: .seconds(10)))
        // Disabled: due times no longer wake the loop.
        var off = state(enable: false)
        off.nextDue = [.keepalive: t0.advanced(by: .seconds(5))]
        #expect(off.wakeDeadline(after: t0) == t0.advanced(by: .seconds(300)))
    }

    /// With a watchdog the ping alone sets the pace, however long it is: nothing else (no STATUS= refresh) wakes the
    /// idle loop.
    @Test func withAWatchdogOnlyThePingWakesTheIdleLoop() {
        var s = state(ping: .seconds(300))
        s.nextDue = [.keepalive: t0.advanced(by: .seconds(6 * 3600))]
        s.pinged(at: t0)
        #expect(s.wakeDeadline(after: t0) == t0.advanced(by: .seconds(300)))
        var slow = state(ping: .seconds(1800))
        slow.pinged(at: t0)
        #expect(slow.wakeDeadline(after: t0) == t0.advanced(by: .seconds(1800)))
    }

    /// STATUS= is rebuilt at start, after any event, after reports are scheduled, after a clock step; never on a pass
    /// woken by its own deadline with nothing due (the idle wake, which then only pings).
    @Test func statusIsRebuiltOnlyWhenSomethingHappened() {
        var s = state(ping: .seconds(300))
        s.nextDue = [.keepalive: t0.advanced(by: .seconds(3600))]
        #expect(s.plan(at: t0) == .init(due: [], ping: true, status: true), "the first pass")
        s.statusWritten("Enabled; next keep-alive 13:00 UTC; 0 queued")
        s.pinged(at: t0)
        let idle = t0.advanced(by: .seconds(300))
        s.woke(with: [])
        #expect(s.plan(at: idle) == .init(due: [], ping: true, status: false))
        #expect(s.plan(at: idle).isIdle)
        s.woke(with: [.deliveryChanged])
        #expect(s.plan(at: idle).status)
        s.statusWritten("Enabled; next keep-alive 13:00 UTC; 1 queued")
        s.woke(with: [.reload])
        #expect(s.plan(at: idle).status)
        s.statusWritten("x")
        // A report due changes the next keep-alive: rebuilt though no event came.
        let due = t0.advanced(by: .seconds(3600))
        #expect(s.plan(at: due) == .init(due: [.keepalive], ping: true, status: true))
        #expect(!s.plan(at: due).isIdle)
    }

    @Test func aWallClockStepIsToldApartFromTimePassing() {
        var s = state()
        let w0 = Date(timeIntervalSince1970: 1_800_000_000)
        s.clockAnchor = (w0, t0)
        #expect(s.clockStep(wall: w0.addingTimeInterval(60.5), now: t0.advanced(by: .seconds(60))) == nil)
        #expect(s.clockStep(wall: w0.addingTimeInterval(3660), now: t0.advanced(by: .seconds(60))) == 3600)
        #expect(s.clockStep(wall: w0.addingTimeInterval(-30), now: t0.advanced(by: .seconds(60))) == -90)
    }

    @Test func wallClockDueTimesFollowTheMonotonicSchedule() {
        var s = state()
        s.nextDue = [.keepalive: t0.advanced(by: .seconds(90))]
        let wall = Date(timeIntervalSince1970: 1_800_000_000)
        #expect(s.wallClockDue(wall: wall, now: t0) == [.keepalive: wall.addingTimeInterval(90)])
    }
}
