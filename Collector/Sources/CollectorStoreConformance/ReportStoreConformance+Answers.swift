#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import CollectorSummary
import ReportValidation
import CollectorStore

/// Established installs, version adoption, lifecycle and retention (issue 18), on fixtures with known answers, from the
/// rollups and from the day cache alike.
extension ReportStoreConformance {
    /// Days of two months ago: closed, so `refreshDayCache` keeps them.
    static func closedDay(_ d: Int, hour: Double = 12) -> Date {
        UTCDay(Date()).adding(days: -60).start.addingTimeInterval(Double(d) * 86_400 + hour * 3600)
    }

    static func versioned(_ instance: Int, message: Int, at t: Date, version: String, product: String = "acme") -> ValidatedReport {
        report(instance: instance, message: message, at: t, breakdown: BreakdownValues(productVersion: version), product: product)
    }

    static let answersChecks: [Check] = [
        Check(name: "establishedOnceTheFirstReportIsADayOlderThanTheDaysLast") { store in
            var m = 0
            func send(_ instance: Int, _ day: Int, _ hour: Double, version: String = "1.0") async throws {
                m += 1
                _ = try await store.insert(versioned(instance, message: m, at: closedDay(day, hour: hour), version: version),
                                           receivedAt: closedDay(day, hour: hour))
            }
            // 1: day 0 12:00, day 1 11:00 (23 h: not yet) and 12:00 (24 h: established), day 2 00:30.
            try await send(1, 0, 12); try await send(1, 1, 11); try await send(1, 1, 12); try await send(1, 2, 0.5)
            // A throw-away instance every day, reporting all day long: never established.
            for d in 0..<3 { try await send(100 + d, d, 0.5); try await send(100 + d, d, 23.5) }
            // 3: 23 h 59 min apart: not established. 4: exactly 24 h apart: established on day 1.
            try await send(3, 0, 11); try await send(3, 1, 10 + 59.0 / 60)
            try await send(4, 0, 8, version: "2.0"); try await send(4, 1, 8, version: "2.0")
            let established = SummaryFilter(established: true)
            let filters = [SummaryFilter.all, established, SummaryFilter(product: "acme", version: "2.0", established: true),
                           SummaryFilter(product: "acme")]
            func summaries() async throws -> [Summary] {
                var out: [Summary] = []
                for f in filters { out.append(try await store.summary(days: 3, asOf: closedDay(2), filter: f)) }
                return out
            }
            let counted = try await summaries()
            try expect(counted[0].days.map(\.activeInstalls), [4, 4, 2], "active")
            try expect(counted[0].days.map(\.establishedInstalls), [0, 2, 1], "established per day")
            try expect(counted[0].establishedInstalls, 1, "established on the last day")
            try expect(counted[1].days.map(\.activeInstalls), [0, 2, 1], "established=1: active")
            try expect(counted[1].days.map(\.newInstalls), [0, 0, 0], "established=1: nobody is established on its first day")
            try expect(counted[1].days[1].byProductVersion, ["1.0": 1, "2.0": 1], "established=1: versions add up")
            try expect(counted[1].days.map(\.establishedInstalls), [0, 2, 1], "established=1: established")
            try expect(counted[2].days.map(\.activeInstalls), [0, 1, 0], "established acme 2.0")
            try expect(counted[3].days.map(\.establishedInstalls), [0, 2, 1], "acme: established")
            try expect(try await store.refreshDayCache(days: 3, asOf: closedDay(2)), 3, "closed days cached")
            let cached = try await summaries()
            for (f, (a, b)) in zip(filters, zip(counted, cached)) { try expect(b, a, "\(f) from the cache") }
            // An imported report a day before install 3's first moves its first report back: established on day 1 now,
            // though day 1 is cached.
            m += 1
            _ = try await store.insert(versioned(3, message: m, at: closedDay(-1, hour: 12), version: "1.0"), receivedAt: closedDay(-1, hour: 12))
            let late = try await store.summary(days: 3, asOf: closedDay(2))
            try expect(late.days.map(\.establishedInstalls), [0, 3, 1], "established after the import")
            _ = try await store.refreshDayCache(days: 4, asOf: closedDay(2))
            try expect(try await store.summary(days: 3, asOf: closedDay(2)), late, "the same from the refreshed cache")
        },
        Check(name: "adoptionDaysToTenFiftyNinetyAndCutoffsInVersionOrder") { store in
            // 20 installs report daily from day 0 to 11 on 1.0; install k runs 2.0 from day k: 2.0 reaches 10 % on day 1,
            // 50 % on day 9 and 90 % (day 17) not yet.
            var m = 0
            for d in 0...11 {
                for k in 0..<20 {
                    m += 1
                    _ = try await store.insert(versioned(k, message: m, at: closedDay(d), version: k <= d ? "2.0" : "1.0"), receivedAt: closedDay(d))
                }
            }
            let two = VersionAdoption.Version(version: "2.0", firstSeen: UTCDay(closedDay(0)), installs: 12, share: 0.6,
                                              daysTo10: 1, daysTo50: 9, daysTo90: nil)
            let one = VersionAdoption.Version(version: "1.0", firstSeen: UTCDay(closedDay(0)), installs: 8, share: 0.4,
                                              daysTo10: 0, daysTo50: 0, daysTo90: 0)
            let expected = VersionAdoption(versions: [two, one], cutoffs: ["50": "2.0", "75": "1.0", "90": "1.0", "95": "1.0"])
            try expect(try await store.summary(days: 12, asOf: closedDay(11)).adoption, expected, "adoption over the whole history")
            // A range of three days: first seen and days-to-X come from the days before it.
            try expect(try await store.summary(days: 3, asOf: closedDay(11)).adoption, expected, "adoption over the last 3 days")
            try expect(try await store.refreshDayCache(days: 12, asOf: closedDay(11)), 12, "closed days cached")
            try expect(try await store.summary(days: 3, asOf: closedDay(11)).adoption, expected, "adoption from the cache")
            try expect(try await store.summary(days: 3, asOf: closedDay(11), filter: SummaryFilter(product: "zeta")).adoption,
                       VersionAdoption(), "a product nobody runs")
            // Day 12: versions in semantic-version order: 4.10.0 is newer than 4.9.1.
            for (k, v) in ["4.10.0", "4.10.0", "4.10.0", "4.10.0", "4.10.0", "4.9.1", "4.9.1", "4.9.1", "4.9.1", "4.2.0"].enumerated() {
                m += 1
                _ = try await store.insert(versioned(k, message: m, at: closedDay(12), version: v), receivedAt: closedDay(12))
            }
            let s = try await store.summary(days: 1, asOf: closedDay(12))
            try expect(s.adoption.cutoffs, ["50": "4.10.0", "75": "4.9.1", "90": "4.9.1", "95": "4.2.0"], "cut-offs")
            try expect(s.adoption.versions.map(\.version), ["4.10.0", "4.9.1", "4.2.0"], "versions, newest first")
        },
        Check(name: "lifecycleNewReturningResurrectedLost") { store in
            // 1: days 0, 1, 9 (silent 7 days: lost, then back). 2: days 0, 1, 2. 3: days 0, 3. 4: days 1, 8 (6 silent days).
            var m = 0
            for (instance, days) in [(1, [0, 1, 9]), (2, [0, 1, 2]), (3, [0, 3]), (4, [1, 8])] {
                for d in days {
                    m += 1
                    _ = try await store.insert(report(instance: instance, message: m, at: closedDay(d)), receivedAt: closedDay(d))
                }
            }
            let s = try await store.summary(days: 10, asOf: closedDay(9))
            try expect(s.lifecycle.map(\.date), s.days.map(\.date), "one lifecycle day per day")
            try expect(s.lifecycle.map(\.new), [3, 1, 0, 0, 0, 0, 0, 0, 0, 0], "new")
            try expect(s.lifecycle.map(\.returning), [0, 2, 1, 0, 0, 0, 0, 0, 0, 0], "returning")
            try expect(s.lifecycle.map(\.resurrected), [0, 0, 0, 0, 0, 0, 0, 0, 0, 1], "resurrected after 8 days")
            try expect(s.lifecycle.map(\.lost), [0, 0, 1, 0, 0, 0, 0, 0, 0, 0], "lost")
            let one = try await store.summary(days: 1, asOf: closedDay(9))
            try expect(one.lifecycle.map(\.resurrected), [1], "the previous day may lie before the range")
            try expect(try await store.refreshDayCache(days: 10, asOf: closedDay(9)), 10, "closed days cached")
            try expect(try await store.summary(days: 10, asOf: closedDay(9)), s, "the same from the cache")
            // A report of install 1 imported into day 5: day 9 is no longer a return after 8 days, though cached.
            m += 1
            _ = try await store.insert(report(instance: 1, message: m, at: closedDay(5)), receivedAt: closedDay(5))
            let late = try await store.summary(days: 10, asOf: closedDay(9))
            try expect(late.lifecycle.map(\.resurrected), [0, 0, 0, 0, 0, 0, 0, 0, 0, 0], "resurrected after the import")
            try expect(late.lifecycle.map(\.lost), [0, 0, 1, 0, 0, 0, 0, 0, 0, 0], "lost after the import")
            _ = try await store.refreshDayCache(days: 10, asOf: closedDay(9))
            try expect(try await store.summary(days: 10, asOf: closedDay(9)), late, "the same from the refreshed cache")
        },
        Check(name: "aFilterNoInstallOfTheRangeMatchesIsTheEmptySummaryWithTheRangesProducts") { store in
            // The reads answer a name no install of the range reported with zeros, from the range's unfiltered summary;
            // a name reported in other ranges goes to the store. Both must give the same answer. Version 1.0 of acme
            // and zeta ran on days 0 and 1 only, 2.0 of acme on days 5 to 7; the range is days 5 to 7.
            var m = 0
            for (instance, product, version, days) in [(1, "acme", "1.0", 0...1), (2, "zeta", "1.0", 0...1), (3, "acme", "2.0", 5...7)] {
                for d in days {
                    m += 1
                    _ = try await store.insert(versioned(instance, message: m, at: closedDay(d), version: version, product: product),
                                               receivedAt: closedDay(d))
                }
            }
            var zeros = Summary.empty(days: 3, lastDay: UTCDay(closedDay(7)))
            zeros.products = ["acme"]
            for cached in [false, true] {
                if cached { try expect(try await store.refreshDayCache(days: 8, asOf: closedDay(7)), 8, "closed days cached") }
                for filter in [SummaryFilter(product: "acme", version: "1.0"), SummaryFilter(version: "1.0"), SummaryFilter(product: "zeta"),
                               SummaryFilter(product: "zeta", version: "1.0", established: true)] {
                    try expect(try await store.summary(days: 3, asOf: closedDay(7), filter: filter), zeros,
                               "\(filter), \(cached ? "cached" : "counted")")
                }
            }
        },
        Check(name: "retentionOfWeeklyCohorts") { store in
            // Ten installs first seen in week W, three of them active again in weeks W+1, W+2 and W+4; four first seen
            // in W+1, one of them active in W+2. The last day is in W+4: weeks 8 and 12 later have not begun.
            let monday = UTCDay(at(day: 0)).isoWeekStart
            func on(_ d: Int) -> Date { monday.start.addingTimeInterval(Double(d) * 86_400 + 12 * 3600) }
            var m = 0
            func send(_ instance: Int, _ d: Int) async throws {
                m += 1
                _ = try await store.insert(report(instance: instance, message: m, at: on(d)), receivedAt: on(d))
            }
            for i in 0..<10 { try await send(i, i % 7) }
            for i in 0..<3 { try await send(i, 8); try await send(i, 15); try await send(i, 29) }
            for i in 20..<24 { try await send(i, 7 + i % 3) }
            try await send(20, 16)
            let s = try await store.summary(days: 31, asOf: on(30))
            try expect(s.retention, [
                RetentionCohort(week: monday.isoWeek, installs: 10, active: ["1": 0.3, "2": 0.3, "4": 0.3]),
                RetentionCohort(week: monday.adding(days: 7).isoWeek, installs: 4, active: ["1": 0.25, "2": 0]),
            ], "cohorts")
            // Established: a cohort is its installs established in their first week; these report once a day, a week apart.
            try expect(try await store.summary(days: 31, asOf: on(30), filter: SummaryFilter(established: true)).retention, [],
                       "no install was established in its first week")
            // From day 11 (in W+1): the cohorts of the weeks the range touches, whole (first seen on days 7 to 9 too).
            try expect(try await store.summary(days: 20, asOf: on(30)).retention.map(\.installs), [4], "cohorts of the range's weeks")
        },
    ]
}
