import Foundation
import CollectorSummary
import Testing

/// `DayGroups` and `SummaryFilter`: what a filter selects, and the day cache's rows answering every filter alike.
@Suite struct DayGroupsTests {
    static let acme1 = ProductVersion(product: "acme", version: "1.0")
    static let acme2 = ProductVersion(product: "acme", version: "2.0")
    static let zeta1 = ProductVersion(product: "zeta", version: "1.0")
    static let unnamed = ProductVersion(product: nil, version: nil)

    static func totals(_ n: Int, tls: Bool, flows: Int) -> DayTotals {
        var t = DayTotals(active: n)
        t.add(.os, label: "debian 12", count: n)
        t.facts["tls"] = tls ? FactTotals(trueCount: n) : FactTotals(falseCount: n)
        t.counters["flows"] = CounterTotals(increments: flows, sums: NumberHistogram(buckets: [NumberHistogram.code(of: Double(flows)): 1]))
        return t
    }

    static let day = DayGroups(groups: [
        acme1: totals(2, tls: true, flows: 10), acme2: totals(3, tls: false, flows: 4),
        zeta1: totals(5, tls: true, flows: 1), unnamed: totals(1, tls: false, flows: 2),
    ])

    @Test func aFilterMergesTheGroupsItMatches() {
        #expect(Self.day.merged(.all).active == 11)
        #expect(Self.day.merged(SummaryFilter(product: "acme")).active == 5)
        #expect(Self.day.merged(SummaryFilter(product: "acme")).facts["tls"] == FactTotals(trueCount: 2, falseCount: 3))
        #expect(Self.day.merged(SummaryFilter(product: "acme", version: "2.0")).counters["flows"]?.increments == 4)
        #expect(Self.day.merged(SummaryFilter(version: "1.0")).active == 7)
        #expect(Self.day.merged(SummaryFilter(product: "unknown")).active == 1)
        #expect(Self.day.merged(SummaryFilter(product: "nothing")) == DayTotals())
        #expect(Self.day.products == ["acme", "zeta", "unknown"])
    }

    @Test func theCacheRowsOfAFiltersScopeAddUpToTheSameTotals() {
        let rows = Self.day.cacheRows
        #expect(rows.filter { $0.scope == .day }.count == 1)
        #expect(rows.filter { $0.scope == .product }.map(\.product) == ["acme", "unknown", "zeta"])
        #expect(rows.filter { $0.scope == .productVersion }.count == 4)
        let filters = [SummaryFilter.all, SummaryFilter(product: "acme"), SummaryFilter(product: "acme", version: "1.0"),
                       SummaryFilter(version: "1.0"), SummaryFilter(product: "unknown", version: "unknown"), SummaryFilter(product: "nothing")]
        for f in filters {
            // What a store reads: the rows of the filter's scope whose product and version match.
            var fromRows = DayTotals()
            for row in rows where row.scope == f.cacheScope && (f.product == nil || f.product == row.product)
                && (f.version == nil || f.version == row.version) {
                fromRows.merge(row.totals)
            }
            #expect(fromRows == Self.day.merged(f), "\(f)")
        }
        // An empty day still has its day rows (all installs, established ones): the first marks the day as counted.
        #expect(DayGroups().cacheRows == [DayCacheRow(scope: .day, product: "", version: "", totals: DayTotals()),
                                          DayCacheRow(scope: .establishedDay, product: "", version: "", totals: DayTotals())])
    }

    @Test func establishedInstallsHaveRowsOfTheirOwnInTheSameThreeScopes() {
        var day = Self.day
        day.established = [Self.acme1: DayTotals(active: 1, established: 1), Self.zeta1: DayTotals(active: 2, established: 2)]
        let rows = day.cacheRows
        let established = rows.filter { $0.scope.rawValue >= 3 }
        #expect(established.map(\.scope) == [.establishedDay, .establishedProduct, .establishedProduct,
                                              .establishedProductVersion, .establishedProductVersion])
        #expect(established.first?.totals.active == 3)
        #expect(SummaryFilter(product: "zeta", established: true).cacheScope == .establishedProduct)
        #expect(SummaryFilter(version: "1.0", established: true).cacheScope == .establishedProductVersion)
        #expect(rows.filter { $0.scope == .day }.first?.totals.active == 11)
    }

    @Test func theAssemblerTurnsTotalsIntoTheDaysFactsCountersAndProducts() {
        let last = UTCDay("2026-12-02")!
        var a = SummaryAssembler(days: 2, lastDay: last)
        a.add(Self.day.merged(SummaryFilter(product: "acme")), day: last)
        a.add(Self.day.merged(SummaryFilter(product: "acme")), day: last.adding(days: -1))
        a.addProducts(Self.day.products)
        let s = a.build()
        #expect(s.products == ["acme", "unknown", "zeta"])
        #expect(s.days[1].activeInstalls == 5)
        #expect(s.days[1].byOS == ["debian 12": 5])
        #expect(s.days[1].facts == ["tls": .boolean(installs: 5, isTrue: 2)])
        // Two installs' sums, 10 and 4: ranks 1 and 2.
        #expect(s.days[1].counters == ["flows": CounterSummary(increments: 14, installs: 2, p50: 4, p95: 10)])
        #expect(s.activeInstalls == 5)
    }

    @Test func aDayCacheRowWithoutFactsReadsAsNone() throws {
        let t = try JSONDecoder().decode(DayTotals.self, from: Data(#"{"active":3,"established":1,"returning":2,"resurrected":1,"by":{"os":{"unknown":3}}}"#.utf8))
        #expect(t == DayTotals(active: 3, established: 1, returning: 2, resurrected: 1, by: ["os": ["unknown": 3]]))
    }

    @Test func aDayCacheRowFromBeforeEstablishedIsUnreadable() {
        // Read as 0 it would undercount every cached day: the store counts the day again instead.
        #expect(throws: DecodingError.self) {
            try JSONDecoder().decode(DayTotals.self, from: Data(#"{"active":3,"by":{}}"#.utf8))
        }
    }
}
