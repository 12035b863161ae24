#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import CollectorSummary
import ReportValidation
import CollectorStore

/// The retention cache: the same cohorts with and without it for every filter, a late report into a closed week seen
/// at once, and a warm cache leaving only the cells of open weeks to count.
extension ReportStoreConformance {
    static let retentionChecks: [Check] = [
        Check(name: "retentionFromTheCacheIsTheRollupsAnswerAndALateReportChangesIt") { store in
            // Installs first seen over five weeks starting 18 weeks ago, back 1, 2, 4, 8 and 12 weeks later by turns;
            // products acme 1.0, acme 2.0, zeta 1.0 and none; every fourth established in its first week.
            let monday = UTCDay(Date()).adding(days: -18 * 7).isoWeekStart
            func on(_ d: Int, hour: Double = 12) -> Date { monday.start.addingTimeInterval(Double(d) * 86_400 + hour * 3600) }
            let groups: [(String?, String?)] = [("acme", "1.0"), ("acme", "2.0"), ("zeta", "1.0"), (nil, nil)]
            var m = 0
            func send(_ i: Int, _ d: Int, hour: Double = 12) async throws {
                m += 1
                let (product, version) = groups[i % groups.count]
                _ = try await store.insert(report(instance: i, message: m, at: on(d, hour: hour),
                                                  breakdown: BreakdownValues(productVersion: version), product: product),
                                           receivedAt: on(d, hour: hour))
            }
            for i in 0..<40 {
                let first = (i % 10) * 3 + i % 2
                try await send(i, first, hour: 8)
                if i % 4 == 1 { try await send(i, first + 1, hour: 9) }
                for (k, every) in [(1, 2), (2, 3), (4, 4), (8, 5), (12, 6)] where i % every == 0 {
                    try await send(i, first + 7 * k)
                }
            }
            let filters = [SummaryFilter.all, SummaryFilter(product: "acme"), SummaryFilter(product: "acme", version: "2.0"),
                           SummaryFilter(version: "1.0"), SummaryFilter(product: "unknown"), SummaryFilter(established: true),
                           SummaryFilter(product: "acme", established: true)]
            // The whole history up to now (open weeks too), and a range of the past ending on a Thursday.
            let ranges = [(days: 150, asOf: Date()), (days: 40, asOf: on(52))]
            func retention() async throws -> [[RetentionCohort]] {
                var out: [[RetentionCohort]] = []
                for r in ranges {
                    for f in filters { out.append(try await store.summary(days: r.days, asOf: r.asOf, filter: f).retention) }
                }
                return out
            }
            let counted = try await retention()
            for (i, cohorts) in counted.enumerated() {
                try expect(cohorts.isEmpty, false, "cohorts of \(filters[i % filters.count]) in range \(i / filters.count)")
            }
            let all = try await store.retentionCellsToCount(days: 150, asOf: Date(), filter: .all)
            try expect(all > 60, true, "cells counted without a cache (\(all))")
            let stored = try await store.refreshRetentionCache(days: 150, asOf: Date())
            try expect(stored > 0 && stored < all, true, "final cells cached (\(stored) of \(all))")
            try expect(try await store.refreshRetentionCache(days: 150, asOf: Date()), 0, "nothing left to cache")
            try expect(try await retention(), counted, "the cohorts from the cache")
            // Warm: only the cells whose activity week has a day after the last closed day (`ClosedDay`: yesterday) are counted.
            let today = UTCDay(Date()), lastClosed = ClosedDay.last(at: Date())
            var open = 0
            var week = today.adding(days: -149).isoWeekStart
            while week <= today {
                for k in [0, 1, 2, 4, 8, 12] where week.adding(days: 7 * k) <= today && week.adding(days: 7 * k + 6) > lastClosed {
                    open += 1
                }
                week = week.adding(days: 7)
            }
            for f in filters {
                try expect(try await store.retentionCellsToCount(days: 150, asOf: Date(), filter: f), open, "cells counted with a warm cache, \(f)")
            }
            try expect(open <= 12, true, "at most two open weeks a distance (\(open))")
            // A late import into closed, cached weeks: a new install of the first cohort (42: zeta), and install 1 (acme
            // 2.0, first seen on day 4) active two weeks later. Seen at once, then cached anew.
            try await send(42, 2, hour: 8)
            try await send(1, 15)
            let late = try await store.summary(days: 150, asOf: Date()).retention
            try expect(late.first?.installs, (counted[0].first?.installs ?? 0) + 1, "the first cohort after the import")
            try expect(late.first?.active["2"] == counted[0].first?.active["2"], false, "two weeks later after the import")
            let lateAcme = try await store.summary(days: 150, asOf: Date(), filter: SummaryFilter(product: "acme")).retention
            try expect(lateAcme.first?.installs, counted[1].first?.installs, "acme's first cohort: install 42 is zeta")
            try expect(lateAcme.first?.active["2"] == counted[1].first?.active["2"], false, "acme two weeks later after the import")
            try expect(try await store.refreshRetentionCache(days: 150, asOf: Date()) > 0, true, "the dropped cells cached again")
            try expect(try await store.summary(days: 150, asOf: Date()).retention, late, "the same from the refreshed cache")
            try expect(try await store.summary(days: 150, asOf: Date(), filter: SummaryFilter(product: "acme")).retention, lateAcme,
                       "acme from the refreshed cache")
        },
    ]
}
