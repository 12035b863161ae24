import Foundation
import Testing
@testable import TelemetryCore
import ConfigGrammar

@Suite("Schedule policy")
struct SchedulePolicyTests {
    let now = Date(timeIntervalSince1970: 1_800_000_000)
    let sixHours = TimeSpan(seconds: 6 * 3600)

    @Test func neverScheduledFiresAtStartPlusJitter() {
        #expect(SchedulePolicy.firstDue(lastScheduled: nil, now: now, interval: sixHours, jitterSeconds: 0) == now)
        #expect(SchedulePolicy.firstDue(lastScheduled: nil, now: now, interval: sixHours, jitterSeconds: 42) == now.addingTimeInterval(42))
    }

    @Test func restartInsideTheIntervalWaitsForTheRestOfIt() {
        let last = now.addingTimeInterval(-3600)
        let due = SchedulePolicy.firstDue(lastScheduled: last, now: now, interval: sixHours, jitterSeconds: 0)
        #expect(due == last.addingTimeInterval(6 * 3600))
        #expect(due.timeIntervalSince(now) == 5 * 3600)
    }

    @Test func downPastADueTimeSendsOnceAtStart() {
        let last = now.addingTimeInterval(-3 * 24 * 3600)
        #expect(SchedulePolicy.firstDue(lastScheduled: last, now: now, interval: sixHours, jitterSeconds: 5) == now.addingTimeInterval(5))
    }

    @Test func crashLoopNeverSendsTwicePerInterval() {
        // A daemon restarted every minute for an hour: each start plans from the persisted time.
        var last: Date? = nil
        var sends = 0
        for minute in 0..<60 {
            let t = now.addingTimeInterval(Double(minute) * 60)
            let due = SchedulePolicy.firstDue(lastScheduled: last, now: t, interval: sixHours, jitterSeconds: 0)
            if due <= t {
                sends += 1
                last = t
            }
        }
        #expect(sends == 1)
    }

    @Test func aClockThatWentBackwardsStartsAfresh() {
        let future = now.addingTimeInterval(10 * 24 * 3600)
        #expect(SchedulePolicy.firstDue(lastScheduled: future, now: now, interval: sixHours, jitterSeconds: 0) == now)
    }

    @Test func negativeJitterIsIgnored() {
        #expect(SchedulePolicy.firstDue(lastScheduled: nil, now: now, interval: sixHours, jitterSeconds: -5) == now)
    }
}
