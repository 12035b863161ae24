/// One UTC day of the fleet's lifecycle (`Summary.lifecycle`): installs new that day (first report), returning
/// (active the day before too), resurrected (active again after having been counted lost: no report for
/// `SummaryAssembler.lostAfterDays` days) and lost (last seen that day, once that many days have passed).
public struct LifecycleDay: Codable, Sendable, Equatable {
    public var date: UTCDay
    public var new: Int
    public var returning: Int
    public var resurrected: Int
    public var lost: Int

    public init(date: UTCDay, new: Int = 0, returning: Int = 0, resurrected: Int = 0, lost: Int = 0) {
        self.date = date
        self.new = new
        self.returning = returning
        self.resurrected = resurrected
        self.lost = lost
    }
}

/// Installs by the ISO week of their first report, and the share of each cohort active (a report on any day of
/// that week) 1, 2, 4, 8 and 12 weeks later (`Summary.retention`); a later week that has not begun is absent.
public struct RetentionCohort: Codable, Sendable, Equatable {
    /// ISO 8601 week, `2026-W49`.
    public var week: String
    public var installs: Int
    /// "1", "2", "4", "8", "12" → share of `installs` (0…1) active in the week that many weeks after `week`.
    public var active: [String: Double]

    public init(week: String, installs: Int, active: [String: Double] = [:]) {
        self.week = week
        self.installs = installs
        self.active = active
    }

    public static let weeksLater = [1, 2, 4, 8, 12]
}
