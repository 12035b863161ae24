import CollectorSummary
import Testing

/// `VersionAdoption` from per-day counts: first seen, days to 10/50/90 %, and the cut-offs in version order.
@Suite struct VersionAdoptionTests {
    static let day0 = UTCDay("2026-12-01")!

    @Test func daysToAShareCountFromFirstSeenAndNilIsNotYet() {
        // 10 installs; 2.0 first seen on day 2 with 1, one more each day: 50 % on day 6 (4 days later), 90 % not yet.
        let days = (0...8).map { d in
            let n = max(0, d - 1)
            return (date: Self.day0.adding(days: d), active: 10, byVersion: ["1.0": 10 - n, "2.0": n, "unknown": 0].filter { $0.value > 0 })
        }
        let a = VersionAdoption(days: days, listedFrom: Self.day0)
        let two = a.versions.first
        #expect(a.versions.map(\.version) == ["2.0", "1.0"])
        #expect(two?.firstSeen == Self.day0.adding(days: 2))
        #expect(two?.daysTo10 == 0)
        #expect(two?.daysTo50 == 4)
        #expect(two?.daysTo90 == nil)
        #expect(two?.installs == 7)
        #expect(two?.share == 0.7)
    }

    @Test func cutoffsReadVersionsAsSemanticVersions() {
        let c = VersionAdoption.cutoffs(["4.10.0": 5, "4.9.1": 4, "4.2.0": 1, "unknown": 90])
        #expect(c == ["50": "4.10.0", "75": "4.9.1", "90": "4.9.1", "95": "4.2.0"])
        #expect(VersionAdoption.cutoffs(["unknown": 3]) == [:])
        // Text that is no version sorts before (older than) every version.
        #expect(VersionAdoption.cutoffs(["nightly": 1, "1.0": 1]) == ["50": "1.0", "75": "nightly", "90": "nightly", "95": "nightly"])
    }

    @Test func versionsListedAreThoseOfTheRangeOnly() {
        let days = [(date: Self.day0, active: 1, byVersion: ["0.9": 1]), (date: Self.day0.adding(days: 1), active: 1, byVersion: ["1.0": 1])]
        let a = VersionAdoption(days: days, listedFrom: Self.day0.adding(days: 1))
        #expect(a.versions.map(\.version) == ["1.0"])
        #expect(a.cutoffs == ["50": "1.0", "75": "1.0", "90": "1.0", "95": "1.0"])
    }

    @Test func maxDistinctValuesKeepsTheVersionsMostInstallsRun() {
        let versions = [("1.0.6", 1), ("1.0.5", 6), ("1.0.4", 5), ("1.0.3", 5), ("1.0.0", 9)].map {
            VersionAdoption.Version(version: $0.0, firstSeen: Self.day0, installs: $0.1)
        }
        #expect(Summary.capVersions(versions, max: 3).map(\.version) == ["1.0.5", "1.0.4", "1.0.0"])
        #expect(Summary.capVersions(versions, max: 10).count == 5)
    }
}
