/// One number of the retention cohorts (`Summary.retention`): how many installs of the cohort first seen in the ISO week
/// starting `week` were active `weeksLater` weeks after it (0: the cohort's size). The unit of the retention cache.
public struct RetentionCell: Sendable, Hashable, Comparable {
    /// The cohort's Monday.
    public var week: UTCDay
    /// 0, or one of `RetentionCohort.weeksLater`.
    public var weeksLater: Int

    public init(week: UTCDay, weeksLater: Int) {
        self.week = week.isoWeekStart
        self.weeksLater = weeksLater
    }

    /// The Monday of the week whose activity the cell counts.
    public var activityWeek: UTCDay { week.adding(days: 7 * weeksLater) }

    /// The last day whose reports can change the cell: the Sunday of `activityWeek` (a report on a later day neither
    /// moves an install's first report into `week` nor makes it active in `activityWeek`).
    public var lastDay: UTCDay { activityWeek.adding(days: 6) }

    /// Weeks since 1970 (the week holding 1970-01-01 is 0): `cohort_week` and `through_week` in the stores' caches.
    public static func weekNumber(_ day: UTCDay) -> Int {
        let n = day.daysSinceEpoch + 3
        return n >= 0 ? n / 7 : -((-n + 6) / 7)
    }

    /// The Monday of week `number` (`weekNumber`'s inverse).
    public static func monday(ofWeek number: Int) -> UTCDay { UTCDay(daysSinceEpoch: number * 7 - 3) }

    public static func < (a: RetentionCell, b: RetentionCell) -> Bool {
        (a.week, a.weeksLater) < (b.week, b.weeksLater)
    }
}
