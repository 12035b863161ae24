import Foundation
import CollectorService
import CollectorSummary
import Testing

@Suite struct DayCacheScheduleTests {
    static let day = UTCDay("2026-12-01")!

    @Test func aMinuteAfterYesterdayClosesOrWithinAnHour() {
        // 23:30: the day closes first (at 00:10), and the run comes a minute after, when it is closed.
        let late = Self.day.start.addingTimeInterval(23.5 * 3600)
        let run = DayCacheSchedule.nextRun(after: late)
        #expect(run == Self.day.adding(days: 1).start.addingTimeInterval(11 * 60))
        #expect(ClosedDay.last(at: run) == Self.day)
        #expect(ClosedDay.last(at: run.addingTimeInterval(-120)) == Self.day.adding(days: -1))
        // 06:00: an hour later.
        let morning = Self.day.start.addingTimeInterval(6 * 3600)
        #expect(DayCacheSchedule.nextRun(after: morning) == morning.addingTimeInterval(3600))
    }

    @Test func aFailureIsRetriedInAMinuteThenTwiceAsLateButNeverAfterTheRegularRun() {
        let morning = Self.day.start.addingTimeInterval(6 * 3600)
        #expect(DayCacheSchedule.retry(after: morning, failures: 1) == morning.addingTimeInterval(60))
        #expect(DayCacheSchedule.retry(after: morning, failures: 2) == morning.addingTimeInterval(120))
        #expect(DayCacheSchedule.retry(after: morning, failures: 6) == morning.addingTimeInterval(1920))
        #expect(DayCacheSchedule.retry(after: morning, failures: 7) == morning.addingTimeInterval(3600))
        #expect(DayCacheSchedule.retry(after: morning, failures: 1000) == morning.addingTimeInterval(3600))
        // Near midnight the regular run (a minute after yesterday closes) comes first.
        let late = Self.day.start.addingTimeInterval(24 * 3600 - 60)
        #expect(DayCacheSchedule.retry(after: late, failures: 5) == DayCacheSchedule.nextRun(after: late))
    }

    @Test func theRangeIsRetainDaysBoundedByThePagesLongestRange() {
        #expect(DayCacheSchedule.days(retainDays: 400, maxDays: 3660) == 400)
        #expect(DayCacheSchedule.days(retainDays: 36_500, maxDays: 3660) == 3660)
        #expect(DayCacheSchedule.days(retainDays: 0, maxDays: 3660) == 1)
    }
}
