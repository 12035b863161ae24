import Foundation
import CollectorService
import CollectorSummary
import Testing

@Suite struct DayCacheScheduleTests {
    static let day = UTCDay("2026-12-01")!

    @Test func aMinuteAfterMidnightOrWithinAnHour() {
        // 23:30: the day closes first.
        let late = Self.day.start.addingTimeInterval(23.5 * 3600)
        #expect(DayCacheSchedule.nextRun(after: late) == Self.day.adding(days: 1).start.addingTimeInterval(60))
        // 06:00: an hour later.
        let morning = Self.day.start.addingTimeInterval(6 * 3600)
        #expect(DayCacheSchedule.nextRun(after: morning) == morning.addingTimeInterval(3600))
    }

    @Test func theRangeIsRetainDaysBoundedByThePagesLongestRange() {
        #expect(DayCacheSchedule.days(retainDays: 400, maxDays: 3660) == 400)
        #expect(DayCacheSchedule.days(retainDays: 36_500, maxDays: 3660) == 3660)
        #expect(DayCacheSchedule.days(retainDays: 0, maxDays: 3660) == 1)
    }
}
