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

    @Test func sleepsUntilTheEarliestDueOrPingAndAtMostAMinute() {
        var s = state()
        #expect(s.wakeDeadline(after: t0) == t0.advanced(by: .seconds(60)))
        s.nextDue = [.keepalive: t0.advanced(by: .seconds(40)), .diagnostics: t0.advanced(by: .seconds(20))]
        #expect(s.wakeDeadline(after: t0) == t0.advanced(by: .seconds(20)))
        s.pingEvery = .seconds(10)
        s.pinged(at: t0)
        #expect(s.wakeDeadline(after: t0) == t0.advanced(by: .seconds(10)))
        // Disabled: due times no longer wake the loop.
        var off = state(enable: false)
        off.nextDue = [.keepalive: t0.advanced(by: .seconds(5))]
        #expect(off.wakeDeadline(after: t0) == t0.advanced(by: .seconds(60)))
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
