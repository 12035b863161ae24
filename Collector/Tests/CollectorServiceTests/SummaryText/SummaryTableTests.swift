@testable import CollectorService
import CollectorSummary
import Testing

@Suite struct SummaryTableTests {
    @Test func daysThenTheLastDaysBreakdownsAndClusters() {
        var a = SummaryAssembler(days: 2, lastDay: UTCDay("2026-12-02")!)
        a.addActive(day: UTCDay("2026-12-01")!, count: 1)
        a.addActive(day: UTCDay("2026-12-02")!, count: 12)
        a.addNew(day: UTCDay("2026-12-02")!, count: 11)
        a.add(.os, day: UTCDay("2026-12-02")!, label: "debian 12", count: 2)
        a.add(.os, day: UTCDay("2026-12-02")!, label: "ubuntu 24.04", count: 10)
        a.add(.memory, day: UTCDay("2026-12-02")!, label: "8-16GiB", count: 3)
        a.add(.memory, day: UTCDay("2026-12-02")!, label: "<2GiB", count: 9)
        a.addClusters(size: 3, clusters: 2)
        let text = SummaryTable.render(a.build())
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        #expect(lines[0] == "date        active    new   lost")
        #expect(lines[1] == "2026-12-01         1      0      0")
        #expect(lines[2] == "2026-12-02        12     11      0")
        #expect(text.contains("\nactive installs on 2026-12-02: 12\nestablished installs (first report 24 h or more before the day's last): 0\n"))
        #expect(!text.contains("or newer"))   // no install told its version
        // By count, largest first; memory in its own order (smallest first), whatever the counts.
        #expect(text.contains("\nos\n  ubuntu 24.04                  10\n  debian 12                      2\n"))
        #expect(text.contains("\nmemory\n  <2GiB                          9\n  8-16GiB                        3\n"))
        #expect(!text.contains("\narch\n"))   // an empty breakdown is left out
        #expect(text.hasSuffix("clusters (a clusterId shared by 2 or more installs): 2, holding 6 installs\n  size 3" + String(repeating: " ", count: 25) + "2\n"))
    }
}

@Suite struct SummaryTableFactsTests {
    @Test func theLastDaysFactsAndCountersInBrief() {
        var d = DaySummary(date: UTCDay("2026-12-02")!, activeInstalls: 42)
        d.facts = [
            "tlsEnabled": .boolean(installs: 40, isTrue: 30),
            "edition": .enumeration(installs: 42, values: ["enterprise": 2, "oss": 40]),
            "clusterNodes": .number(installs: 42, zero: 3, p5: 0, p50: 3, p95: 1.5078125),
        ]
        d.counters = ["flowsExecuted": CounterSummary(increments: 18_234, installs: 40, p50: 300, p95: 2008)]
        let s = Summary(activeInstalls: 42, days: [d], clusters: ClusterSummary(), products: ["acme", "zeta"])
        let text = SummaryTable.render(s, filter: SummaryFilter(product: "acme", version: "4.2.1"))
        #expect(text.contains("\nactive installs on 2026-12-02: 42 (product acme, version 4.2.1)\n"
                              + "established installs (first report 24 h or more before the day's last): 0\nproducts in the range: acme, zeta\n"))
        #expect(text.contains("""

            facts (of the installs that carry each)
              clusterNodes                  42 installs, 3 zero, p5 0, p50 3, p95 1.508
              edition                       42 installs, oss 40, enterprise 2
              tlsEnabled                    40 installs, 30 true (75%)

            counters (increments that arrived that day)
              flowsExecuted              18234 by 40 installs, per install p50 300, p95 2008

            """))
        // One product and no filter: no product line; no facts or counters: no sections.
        let plain = SummaryTable.render(Summary(activeInstalls: 0, days: [DaySummary(date: d.date)], clusters: ClusterSummary(), products: ["acme"]))
        #expect(!plain.contains("products in the range"))
        #expect(!plain.contains("facts (") && !plain.contains("counters ("))
    }
}

@Suite struct SummaryTableAnswersTests {
    @Test func theEstablishedCountAndTheCutoffs() {
        var d = DaySummary(date: UTCDay("2026-12-02")!, activeInstalls: 10, establishedInstalls: 7)
        d.byProductVersion = ["4.10.0": 5, "4.9.1": 4, "4.2.0": 1]
        let s = Summary(activeInstalls: 10, days: [d], clusters: ClusterSummary(), establishedInstalls: 7,
                        adoption: VersionAdoption(cutoffs: VersionAdoption.cutoffs(d.byProductVersion)))
        let text = SummaryTable.render(s, filter: SummaryFilter(established: true))
        #expect(text.contains("\nactive installs on 2026-12-02: 10 (established only)\n"
                              + "established installs (first report 24 h or more before the day's last): 7\n"
                              + "run this version or newer: 50 % 4.10.0, 75 % 4.9.1, 90 % 4.9.1, 95 % 4.2.0\n"))
    }

    @Test(arguments: [
        (3.0, "3"), (-42.0, "-42"), (1.5078125, "1.508"), (0.000123456, "0.0001235"), (-2.5, "-2.5"),
        (123456.7, "123500"), (9.99951, "10"), (1.23456e20, "1.235e+20"), (0.1, "0.1"),
    ])
    func numbersAreWholeOrFourSignificantDigits(_ value: Double, _ text: String) {
        #expect(SummaryTable.number(value) == text)
    }
}
