import Foundation
import CollectorSummary
import Testing

@Suite struct SummaryAssemblerTests {
    @Test func rangeUnknownAndLostCutoff() {
        let last = UTCDay("2026-12-10")!
        var a = SummaryAssembler(days: 10, lastDay: last)
        a.addActive(day: last, count: 3)
        a.addActive(day: last.adding(days: 1), count: 99)   // after the range: ignored
        a.add(.os, day: last, label: nil, count: 1)
        a.add(.os, day: last, label: "debian 12", count: 2)
        a.addLost(day: last.adding(days: -7), count: 1)     // 7 days ago: lost
        a.addLost(day: last.adding(days: -6), count: 5)     // 6 days ago: not yet
        a.addClusters(size: 3, clusters: 2)
        a.addClusters(size: 1, clusters: 9)
        let s = a.build()
        #expect(s.days.count == 10)
        #expect(s.days.first?.date.description == "2026-12-01")
        #expect(s.activeInstalls == 3)
        #expect(s.days.last?.byOS == ["unknown": 1, "debian 12": 2])
        #expect(s.days.map(\.lostInstalls) == [0, 0, 1, 0, 0, 0, 0, 0, 0, 0])
        #expect(s.clusters == ClusterSummary(count: 2, installs: 6, bySize: ["3": 2]))
    }

    @Test func jsonFormIsTheAPIs() throws {
        let s = SummaryAssembler(days: 1, lastDay: UTCDay("2026-12-01")!).build()
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys]
        let text = String(decoding: try e.encode(s), as: UTF8.self)
        #expect(text.hasPrefix(#"{"activeInstalls":0,"adoption":{"cutoffs":{},"versions":[]},"clusters":{"bySize":{},"count":0,"installs":0},"days":[{"activeInstalls":0,"byArch":{}"#))
        #expect(text.contains(#""establishedInstalls":0,"facts":{}"#))
        #expect(text.hasSuffix(#""establishedInstalls":0,"lifecycle":[{"date":"2026-12-01","lost":0,"new":0,"resurrected":0,"returning":0}],"products":[],"retention":[]}"#))
        #expect(text.contains(#""date":"2026-12-01""#))
        #expect(text.contains(#""byProductVersion":{}"#))
    }

    @Test func theLastDayPerVersionMergesProductsAndKeepsOnlyWhatTheFilterMatches() throws {
        let last = UTCDay("2026-12-10")!
        func totals(_ n: Int, tls: Int) -> DayTotals {
            var t = DayTotals(active: n, established: n - 1, facts: ["tls": FactTotals(trueCount: tls, falseCount: n - tls)])
            t.add(.productVersion, label: "x", count: n)
            t.add(.os, label: "debian 12", count: n)
            return t
        }
        let groups = [ProductVersion(product: "acme", version: "1.0"): totals(4, tls: 1),
                      ProductVersion(product: "zeta", version: "1.0"): totals(2, tls: 2),
                      ProductVersion(product: "acme", version: "2.0"): totals(5, tls: 5)]
        var all = SummaryAssembler(days: 3, lastDay: last)
        all.addLastDayGroups(groups, day: last, filter: .all)
        all.addLastDayGroups(groups, day: last.adding(days: -1), filter: .all)   // not the last day: ignored
        let s = all.build()
        #expect(Set(s.lastDayByVersion.keys) == ["1.0", "2.0"])
        let v1 = try #require(s.lastDayByVersion["1.0"])
        #expect(v1.date == last && v1.activeInstalls == 6 && v1.establishedInstalls == 4 && v1.byOS == ["debian 12": 6])
        #expect(v1.facts["tls"] == .boolean(installs: 6, isTrue: 3))
        #expect(s.lastDayByVersion["2.0"]?.facts["tls"] == .boolean(installs: 5, isTrue: 5))
        // Narrowed to a product: only its groups.
        var acme = SummaryAssembler(days: 3, lastDay: last)
        acme.addLastDayGroups(groups, day: last, filter: SummaryFilter(product: "acme"))
        #expect(acme.build().lastDayByVersion["1.0"]?.activeInstalls == 4)
        // Not in the JSON: the API's form is unchanged.
        let text = String(decoding: try JSONEncoder().encode(s), as: UTF8.self)
        #expect(!text.contains("lastDayByVersion") && !text.contains("debian 12"))
        // Capped like the days, and gone from the public view.
        #expect(s.cappingDistinctValues(0).lastDayByVersion["1.0"]?.byOS == ["other": 6])
        #expect(s.publicView(minInstalls: 2).lastDayByVersion.isEmpty)
    }

    @Test func lifecycleTakesNewAndLostFromTheDaysAndRetentionSharesOnlyBegunWeeks() {
        let last = UTCDay("2026-12-30")!   // a Wednesday
        var a = SummaryAssembler(days: 31, lastDay: last)
        let w = UTCDay("2026-11-30")!      // Monday, week 49
        a.addNew(day: w, count: 10)
        a.addReturning(day: w.adding(days: 1), count: 4)
        a.addResurrected(day: last, count: 2)
        a.addCohort(week: w, weeksLater: 0, count: 10)
        a.addCohort(week: w, weeksLater: 4, count: 3)
        a.addCohort(week: w, weeksLater: 3, count: 9)   // not a distance the summary shows
        a.addCohort(week: w.adding(days: -7), weeksLater: 0, count: 5)   // before the range's first week
        let s = a.build()
        #expect(s.lifecycle.first == LifecycleDay(date: w, new: 10))
        #expect(s.lifecycle[1].returning == 4)
        #expect(s.lifecycle.last?.resurrected == 2)
        #expect(s.retention == [RetentionCohort(week: "2026-W49", installs: 10, active: ["1": 0, "2": 0, "4": 0.3])])
    }
}
