import CollectorSummary
@testable import CollectorDashboard
import Testing

/// Every table's CSV from a hand-built summary: its header, one row per record, the numbers as the summary has them.
@Suite struct SummaryCSVTests {
    static let d0 = UTCDay("2026-11-30")!

    static func summary() -> Summary {
        var a = DaySummary(date: d0, activeInstalls: 4, establishedInstalls: 1, newInstalls: 4, byProductVersion: ["1.0": 4])
        a.byOS = ["debian 12": 4]
        var b = DaySummary(date: d0.adding(days: 1), activeInstalls: 5, establishedInstalls: 3, newInstalls: 1, lostInstalls: 0,
                           byProductVersion: ["1.0": 3, "=cmd|' /C calc'!A0": 2], byOS: ["debian 12": 3, "ubuntu, 24.04": 2])
        b.facts = ["tlsEnabled": .boolean(installs: 5, isTrue: 2), "edition": .enumeration(installs: 5, values: ["oss": 4, "-x": 1]),
                   "nodes": .number(installs: 4, zero: 1, p5: 0, p50: 2.5, p95: 9)]
        b.counters = ["backupsRun": CounterSummary(increments: 12, installs: 3, p50: 4, p95: 6)]
        var s = Summary(activeInstalls: 5, days: [a, b], clusters: ClusterSummary(count: 2, installs: 5, bySize: ["2": 1, "3": 1]),
                        products: ["acme-db"], establishedInstalls: 3)
        s.adoption = VersionAdoption(versions: [
            .init(version: "=cmd|' /C calc'!A0", firstSeen: d0.adding(days: 1), installs: 2, share: 0.4),
            .init(version: "1.0", firstSeen: d0, installs: 3, share: 0.6, daysTo10: 0, daysTo50: 0),
        ], cutoffs: ["50": "1.0", "75": "1.0"])
        s.lifecycle = [LifecycleDay(date: d0, new: 4), LifecycleDay(date: d0.adding(days: 1), new: 1, returning: 3, resurrected: 1)]
        s.retention = [RetentionCohort(week: "2026-W48", installs: 10, active: ["1": 0.5, "2": 0.3])]
        return s
    }

    func lines(_ t: SummaryCSV.Table) -> [String] {
        SummaryCSV.render(Self.summary(), t).components(separatedBy: "\r\n").dropLast().map { $0 }
    }

    @Test func aRowPerDayWithEveryCount() {
        #expect(lines(.days) == ["date,active,established,new,lost,returning,resurrected",
                                 "2026-11-30,4,1,4,0,0,0", "2026-12-01,5,3,1,0,3,1"])
        #expect(SummaryCSV.render(Self.summary(), .days).hasSuffix("\r\n"))
    }

    @Test func breakdownsAndVersionsInLongFormatWithLabelsGuarded() {
        let b = lines(.breakdowns)
        #expect(b[0] == "date,dimension,value,installs")
        #expect(b.contains("2026-11-30,productVersion,1.0,4"))
        #expect(b.contains("2026-12-01,productVersion,'=cmd|' /C calc'!A0,2"))
        #expect(b.contains("2026-12-01,os,\"ubuntu, 24.04\",2"))
        // Every day's breakdown adds up to its active installs.
        #expect(b.filter { $0.hasPrefix("2026-12-01,os,") }.count == 2)
        #expect(lines(.versions) == ["date,version,installs,share", "2026-11-30,1.0,4,1", "2026-12-01,1.0,3,0.6",
                                     "2026-12-01,'=cmd|' /C calc'!A0,2,0.4"])
    }

    @Test func factsAndCounters() {
        #expect(lines(.facts) == ["date,fact,kind,value,installs,zero,p5,p50,p95",
                                  "2026-12-01,edition,enum,oss,4,,,,", "2026-12-01,edition,enum,'-x,1,,,,",
                                  "2026-12-01,nodes,number,,4,1,0,2.5,9",
                                  "2026-12-01,tlsEnabled,boolean,true,2,,,,", "2026-12-01,tlsEnabled,boolean,false,3,,,,"])
        #expect(lines(.counters) == ["date,counter,increments,installs,p50,p95", "2026-12-01,backupsRun,12,3,4,6"])
    }

    @Test func adoptionCutoffsRetentionAndClusters() {
        #expect(lines(.adoption) == ["version,firstSeen,installs,share,daysTo10,daysTo50,daysTo90",
                                     "'=cmd|' /C calc'!A0,2026-12-01,2,0.4,,,", "1.0,2026-11-30,3,0.6,0,0,"])
        #expect(lines(.cutoffs) == ["percent,version", "50,1.0", "75,1.0"])
        #expect(lines(.retention) == ["week,installs,weeksLater,activeShare", "2026-W48,10,1,0.5", "2026-W48,10,2,0.3"])
        #expect(lines(.clusters) == ["size,clusters", "2,1", "3,1"])
    }

    @Test func anEmptySummaryIsHeadersAndZeros() {
        let empty = Summary.empty(days: 2, lastDay: Self.d0)
        for t in SummaryCSV.Table.allCases {
            let text = SummaryCSV.render(empty, t)
            #expect(text.hasPrefix(t.columns.joined(separator: ",") + "\r\n"))
            #expect(text.components(separatedBy: "\r\n").count - 1 == (t == .days ? 3 : 1), "\(t)")
        }
        #expect(Set(SummaryCSV.Table.allCases.map(\.path)).count == SummaryCSV.Table.allCases.count)
        #expect(SummaryCSV.Table.days.path == "api/v1/summary.csv")
    }
}
