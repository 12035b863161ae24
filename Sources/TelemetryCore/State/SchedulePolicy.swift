#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import ConfigGrammar

/// When each report type is next due (README, "Schedule"). Pure.
public enum SchedulePolicy {
    /// First due time after a start or reload: at start plus jitter when never sent or overdue (like a timer's
    /// `Persistent=yes`, a daemon that was down past a due time sends once), else the persisted time plus one
    /// interval, plus jitter. So a restart, even a crash loop, never sends more than one report per interval.
    public static func firstDue(lastScheduled: Date?, now: Date, interval: TimeSpan, jitterSeconds: Double) -> Date {
        let jitter = max(0, jitterSeconds)
        guard let last = lastScheduled, last <= now else {
            // Never scheduled, or a clock that went backwards past the record: start afresh.
            return now.addingTimeInterval(jitter)
        }
        let next = last.addingTimeInterval(interval.seconds)
        return max(next, now).addingTimeInterval(jitter)
    }
}
