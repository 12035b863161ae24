import CollectorService
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
        #expect(text.contains("\nactive installs on 2026-12-02: 12\n"))
        // By count, largest first; memory in its own order (smallest first), whatever the counts.
        #expect(text.contains("\nos\n  ubuntu 24.04                  10\n  debian 12                      2\n"))
        #expect(text.contains("\nmemory\n  <2GiB                          9\n  8-16GiB                        3\n"))
        #expect(!text.contains("\narch\n"))   // an empty breakdown is left out
        #expect(text.hasSuffix("clusters (a clusterId shared by 2 or more installs): 2, holding 6 installs\n  size 3" + String(repeating: " ", count: 25) + "2\n"))
    }
}
