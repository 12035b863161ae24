/// Which retention cells a summary shows, which of them are final (may be cached: nothing stored from now on can
/// change them except a report into a closed day, which drops them), and what a store must count from the rollups for
/// the rest. Pure: the stores only run its queries.
///
/// A cell is final once every day of its activity week is closed (and within the summary's range, so it counts the
/// whole week): then it is the same for every summary that shows it. The open ones are at most the cells whose
/// activity week is still open: one or two cohorts per distance.
public struct RetentionPlan: Sendable, Equatable {
    /// The Monday of the first cohort shown.
    public let firstWeek: UTCDay
    /// The summary's last day: activity after it is not counted.
    public let lastDay: UTCDay
    /// The last closed day (`closed` of the store: `ClosedDay`).
    public let closed: UTCDay

    public init(firstWeek: UTCDay, lastDay: UTCDay, closed: UTCDay) {
        self.firstWeek = firstWeek.isoWeekStart
        self.lastDay = lastDay
        self.closed = closed
    }

    /// The cohorts of `assembler`'s summary.
    public init(_ assembler: SummaryAssembler, closed: UTCDay) {
        self.init(firstWeek: assembler.retentionFirstWeek, lastDay: assembler.lastDay, closed: closed)
    }

    /// Every cell the summary shows, cohort by cohort: each distance whose activity week has begun by `lastDay`.
    public var cells: [RetentionCell] {
        var out: [RetentionCell] = []
        var week = firstWeek
        while week <= lastDay {
            for k in [0] + RetentionCohort.weeksLater where week.adding(days: 7 * k) <= lastDay {
                out.append(RetentionCell(week: week, weeksLater: k))
            }
            week = week.adding(days: 7)
        }
        return out
    }

    public func isFinal(_ cell: RetentionCell) -> Bool {
        cell.lastDay <= min(closed, lastDay)
    }

    public var finalCells: [RetentionCell] { cells.filter(isFinal) }

    /// The cells to count from the rollups when the cache holds `cached`: the open ones and the final ones not cached.
    public func toCount(cached: Set<RetentionCell>) -> [RetentionCell] {
        cells.filter { !(isFinal($0) && cached.contains($0)) }
    }

    /// What one query must read to count `cells`: the installs first seen in `cohorts` and their days in `activity`
    /// (from the earliest activity week among them to `lastDay`; nil when there is nothing to count). A query may
    /// count more cells than asked within these bounds; the caller keeps only those it asked for.
    public func scan(_ cells: [RetentionCell]) -> (cohorts: ClosedRange<UTCDay>, activity: ClosedRange<UTCDay>)? {
        guard let first = cells.map(\.week).min(), let last = cells.map(\.week).max(),
              let from = cells.map(\.activityWeek).min(), let to = cells.map({ min($0.lastDay, lastDay) }).max() else { return nil }
        return (first...min(last.adding(days: 6), lastDay), from...to)
    }
}
