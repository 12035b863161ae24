import Testing
@testable import CollectorSummary

struct RetentionPlanTests {
    /// Monday 2026-11-02 (ISO week 45).
    let monday = UTCDay("2026-11-02")!

    @Test func theFixtureIsAMonday() {
        #expect(monday.isoWeekStart == monday)
        #expect(RetentionCell.monday(ofWeek: RetentionCell.weekNumber(monday)) == monday)
        #expect(RetentionCell.weekNumber(monday.adding(days: 6)) == RetentionCell.weekNumber(monday))
        #expect(RetentionCell.weekNumber(monday.adding(days: 7)) == RetentionCell.weekNumber(monday) + 1)
    }

    @Test func aCellIsFinalOnceItsWholeActivityWeekIsClosed() {
        // Last day Wednesday of week +4, closed the Monday before: weeks 0 to 3 are closed, week 4 is not.
        let plan = RetentionPlan(firstWeek: monday, lastDay: monday.adding(days: 30), closed: monday.adding(days: 28))
        #expect(plan.isFinal(RetentionCell(week: monday, weeksLater: 2)))
        #expect(plan.isFinal(RetentionCell(week: monday.adding(days: 21), weeksLater: 0)))
        #expect(!plan.isFinal(RetentionCell(week: monday, weeksLater: 4)))
        #expect(!plan.isFinal(RetentionCell(week: monday.adding(days: 28), weeksLater: 0)))
        // Closed on the Sunday: week 3 is whole.
        let sunday = RetentionPlan(firstWeek: monday, lastDay: monday.adding(days: 30), closed: monday.adding(days: 27))
        #expect(sunday.isFinal(RetentionCell(week: monday.adding(days: 21), weeksLater: 0)))
        #expect(!RetentionPlan(firstWeek: monday, lastDay: monday.adding(days: 30), closed: monday.adding(days: 26))
            .isFinal(RetentionCell(week: monday.adding(days: 21), weeksLater: 0)))
    }

    @Test func aSummaryOfThePastEndingMidWeekCountsThatWeekItself() {
        // Everything is closed, but the last day is a Thursday: the cells of its week count only up to it.
        let plan = RetentionPlan(firstWeek: monday, lastDay: monday.adding(days: 17), closed: monday.adding(days: 300))
        #expect(!plan.isFinal(RetentionCell(week: monday, weeksLater: 2)))
        #expect(plan.isFinal(RetentionCell(week: monday, weeksLater: 1)))
    }

    @Test func theCellsOfEachCohortAreTheDistancesThatHaveBegun() {
        let plan = RetentionPlan(firstWeek: monday, lastDay: monday.adding(days: 30), closed: monday.adding(days: 28))
        // Cohorts of weeks 0…4: week 0 has distances 0, 1, 2, 4; week 1: 0, 1, 2; week 2: 0, 1, 2; week 3: 0, 1; week 4: 0.
        #expect(plan.cells.count == 4 + 3 + 3 + 2 + 1)
        #expect(plan.cells.filter { $0.week == monday }.map(\.weeksLater) == [0, 1, 2, 4])
        #expect(plan.finalCells.count == 3 + 3 + 2 + 1 + 0)
    }

    @Test func aWarmCacheLeavesOnlyTheOpenCellsAndTheScanCoversOnlyTheirWeeks() {
        // 26 cohorts up to a Wednesday, closed on the Monday: the open cells are those of the last week, one a distance.
        let last = monday.adding(days: 7 * 25 + 2)
        let plan = RetentionPlan(firstWeek: monday, lastDay: last, closed: last.adding(days: -2))
        let toCount = plan.toCount(cached: Set(plan.finalCells))
        #expect(toCount.count == 6)
        #expect(Set(toCount.map(\.activityWeek)) == [last.isoWeekStart])
        #expect(plan.toCount(cached: []).count == plan.cells.count)
        let scan = plan.scan(toCount)
        #expect(scan?.activity == last.isoWeekStart...last)
        #expect(scan?.cohorts == last.isoWeekStart.adding(days: -7 * 12)...last)
        #expect(plan.scan([]) == nil)
        // A cell cached but not final for this plan (its week still open) is counted anyway.
        #expect(plan.toCount(cached: Set(plan.cells)).count == 6)
    }

    @Test func cacheRowsMarkEveryCellAndAnswerEveryFilterAsTheCountsDo() {
        let a = RetentionCell(week: monday, weeksLater: 0), b = RetentionCell(week: monday, weeksLater: 1)
        let acme1 = ProductVersion(product: "acme", version: "1.0"), acme2 = ProductVersion(product: "acme", version: "2.0")
        let none = ProductVersion(product: nil, version: nil)
        let counts = [
            RetentionCount(cell: a, group: acme1, installs: 5, established: 2),
            RetentionCount(cell: a, group: acme2, installs: 3, established: 0),
            RetentionCount(cell: a, group: none, installs: 1, established: 1),
            RetentionCount(cell: RetentionCell(week: monday, weeksLater: 2), group: acme1, installs: 9, established: 9),
        ]
        let rows = RetentionCacheRow.rows(caching: [a, b], from: counts)
        // b counted nothing: its marks alone; the cell not asked for is left out.
        #expect(rows.filter { $0.cell == b }.map(\.scope) == [.day, .establishedDay])
        #expect(!rows.contains { $0.cell.weeksLater == 2 })
        for filter in [SummaryFilter.all, SummaryFilter(product: "acme"), SummaryFilter(product: "acme", version: "2.0"),
                       SummaryFilter(version: "1.0"), SummaryFilter(product: "unknown"), SummaryFilter(established: true),
                       SummaryFilter(product: "acme", established: true), SummaryFilter(product: "zeta")] {
            let scopes = Set(RetentionCacheRow.scopes(for: filter))
            var expected = RetentionCount.answer(counts.filter { $0.cell != counts[3].cell }, filter: filter)
            expected[b] = expected[b] ?? 0
            expected[a] = expected[a] ?? 0
            #expect(RetentionCacheRow.answer(rows.filter { scopes.contains($0.scope) }, filter: filter) == expected, "\(filter)")
        }
        #expect(RetentionCount.answer(counts, filter: SummaryFilter(product: "acme"))[a] == 8)
        #expect(RetentionCount.answer(counts, filter: SummaryFilter(established: true))[a] == 3)
    }
}
