#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import CollectorSummary

/// When and over which days the collector stores the counts of closed days (the day cache), its own work and
/// never a request's: at start, a minute after yesterday closes (`ClosedDay`: 00:10 UTC), and every hour in between
/// (to count again a day a late `import` took out of the cache; cheap when nothing is missing).
///
/// The range is RetainDays= (at most `maxDays`): the days the operator chose to keep are the days worth showing,
/// it is fixed by the configuration and not by a request, and after the first run it costs one day's count a day.
/// A read over older days still answers, counted in memory for that answer only.
public enum DayCacheSchedule {
    public static let everyHour: TimeInterval = 3600
    /// A minute after the day that ended at midnight closes.
    public static let afterMidnight: TimeInterval = ClosedDay.grace + 60

    /// Days to keep counted, from RetainDays=.
    public static func days(retainDays: Int, maxDays: Int) -> Int { max(1, min(retainDays, maxDays)) }

    /// The next run after one at `now`: `afterMidnight` past the next UTC midnight, or in an hour if that comes first.
    public static func nextRun(after now: Date) -> Date {
        let midnight = UTCDay(now).adding(days: 1).start.addingTimeInterval(afterMidnight)
        return min(midnight, now.addingTimeInterval(everyHour))
    }

    /// The next run after the `failures`-th failure in a row (≥ 1) at `now`: a minute, then twice as long each time,
    /// never later than the regular schedule. Until the caches are filled every summary counts the missing days itself
    /// (slowly: a whole history at first start), so a failure that passes (a busy database at start, a restart) must
    /// not cost an hour of slow reads.
    public static func retry(after now: Date, failures: Int) -> Date {
        let backoff = retryFirst * Double(1 << (min(max(failures, 1), 12) - 1))
        return min(now.addingTimeInterval(backoff), nextRun(after: now))
    }

    public static let retryFirst: TimeInterval = 60
}
