/// ISO 8601 weeks (Monday to Sunday, week 1 holding the year's first Thursday): the retention cohorts' unit.
extension UTCDay {
    /// The Monday of this day's ISO week. 1970-01-01 was a Thursday, so Mondays are the days n with (n + 3) % 7 == 0.
    public var isoWeekStart: UTCDay {
        let n = daysSinceEpoch + 3
        let weekday = ((n % 7) + 7) % 7   // 0 = Monday … 6 = Sunday, before 1970 too
        return adding(days: -weekday)
    }

    /// `2026-W49`: the ISO week-numbering year (that of the week's Thursday) and the week number.
    public var isoWeek: String {
        let thursday = isoWeekStart.adding(days: 3)
        let year = UTCDay.civil(thursday.daysSinceEpoch).0
        let week = (thursday.daysSinceEpoch - UTCDay.days(year: year, month: 1, day: 1)) / 7 + 1
        return "\(year)-W\(week < 10 ? "0" : "")\(week)"
    }
}
