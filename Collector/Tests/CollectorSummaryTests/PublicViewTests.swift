import Testing
import CollectorSummary

/// `Summary.publicView(minInstalls:)` on a fleet built to have a small cell in every place one can hide.
@Suite struct PublicViewTests {
    static let day = UTCDay(daysSinceEpoch: 20788)   // 2026-12-01
    static let k = 5

    /// 100 installs on the day; in each breakdown a big value, a small one (under K) and one at exactly K.
    static let fleet: Summary = {
        let d = DaySummary(
            date: day, activeInstalls: 100, establishedInstalls: 90, newInstalls: 3, lostInstalls: 1,
            byProductVersion: ["4.2.1": 93, "4.3.0-rc1": 2, "4.2.0": 5], byOS: ["debian 12": 95, "gentoo 2.15": 1, "other": 2, "unknown": 2],
            byArch: ["x86_64": 96, "riscv64": 4], byVirtualization: ["kvm": 99, "bochs": 1], byContainer: ["none": 100],
            byCores: ["3-4": 97, "129-256": 3], byMemory: ["8-16GiB": 95, "1-2TiB": 5],
            facts: [
                "edition": .enumeration(installs: 100, values: ["oss": 90, "enterprise": 7, "acme-special": 3]),
                "tlsEnabled": .boolean(installs: 100, isTrue: 98),
                "clustered": .boolean(installs: 100, isTrue: 40),
                "rare": .boolean(installs: 4, isTrue: 4),
                "nodes": .number(installs: 100, zero: 0, p5: 1, p50: 3, p95: 9),
                "shards": .number(installs: 4, zero: 0, p5: 1, p50: 2, p95: 1000),
                "queues": .number(installs: 100, zero: 2, p5: 0, p50: 5, p95: 50),
            ],
            counters: ["jobs": CounterSummary(increments: 5000, installs: 80, p50: 50, p95: 200),
                       "exports": CounterSummary(increments: 900, installs: 2, p50: 400, p95: 500),
                       "imports": CounterSummary(increments: 12, installs: 1, p50: 12, p95: 12)])
        let adoption = VersionAdoption(versions: [
            .init(version: "4.3.0-rc1", firstSeen: day, installs: 2, share: 0.02),
            .init(version: "4.2.1", firstSeen: day.adding(days: -30), installs: 93, share: 0.93, daysTo10: 2, daysTo50: 9, daysTo90: 20),
            .init(version: "4.2.0", firstSeen: day.adding(days: -90), installs: 5, share: 0.05, daysTo10: 3),
        ], cutoffs: ["50": "4.2.1", "75": "4.2.1", "90": "4.2.1", "95": "4.3.0-rc1"])
        return Summary(activeInstalls: 100, days: [d],
                       clusters: ClusterSummary(count: 6, installs: 23, bySize: ["2": 1, "3": 5, "6": 0]),
                       products: ["acme-db", "acme-secret-fork"], establishedInstalls: 90, adoption: adoption,
                       lifecycle: [LifecycleDay(date: day, new: 3, returning: 96, resurrected: 1, lost: 1)],
                       retention: [RetentionCohort(week: "2026-W40", installs: 40, active: ["1": 0.5]),
                                   RetentionCohort(week: "2026-W41", installs: 3, active: ["1": 1])])
    }()

    @Test func everyBreakdownFoldsItsSmallCellsIntoOther() throws {
        let d = try #require(Self.fleet.publicView(minInstalls: Self.k).days.first)
        #expect(d.byProductVersion == ["4.2.1": 93, "4.2.0": 5, "other": 2])
        // The page's own `other` and a small `unknown` go the same way.
        #expect(d.byOS == ["debian 12": 95, "other": 5])
        #expect(d.byArch == ["x86_64": 96, "other": 4])
        #expect(d.byVirtualization == ["kvm": 99, "other": 1])
        #expect(d.byContainer == ["none": 100])
        #expect(d.byCores == ["3-4": 97, "other": 3])
        #expect(d.byMemory == ["8-16GiB": 95, "1-2TiB": 5])
        for breakdown in [d.byProductVersion, d.byOS, d.byArch, d.byVirtualization, d.byContainer, d.byCores, d.byMemory] {
            #expect(breakdown.values.reduce(0, +) == 100, "still adds up to the active installs")
        }
        #expect((d.activeInstalls, d.establishedInstalls, d.newInstalls, d.lostInstalls) == (100, 90, 3, 1))
    }

    @Test func factsShowNoValueAndNoPercentileOfFewerThanKInstalls() throws {
        let facts = try #require(Self.fleet.publicView(minInstalls: Self.k).days.first).facts
        #expect(facts["edition"] == .enumeration(installs: 100, values: ["oss": 90, "enterprise": 7, "other": 3]))
        #expect(facts["clustered"] == .boolean(installs: 100, isTrue: 40))
        #expect(facts["nodes"] == .number(installs: 100, zero: 0, p5: 1, p50: 3, p95: 9))
        #expect(facts["tlsEnabled"] == nil, "2 installs without TLS is a cell under K")
        #expect(facts["rare"] == nil, "carried by 4 installs")
        #expect(facts["shards"] == nil, "percentiles over 4 installs")
        #expect(facts["queues"] == nil, "2 installs with none")
    }

    @Test func countersUnderKFoldIntoAnOtherShownOnlyOverKInstalls() throws {
        let counters = try #require(Self.fleet.publicView(minInstalls: Self.k).days.first).counters
        #expect(counters == ["jobs": CounterSummary(increments: 5000, installs: 80, p50: 50, p95: 200)],
                "exports and imports: 3 installs between them, whose sum would tell their own usage")
        let three = try #require(Self.fleet.publicView(minInstalls: 3).days.first).counters
        #expect(three["other"] == CounterSummary(increments: 912, installs: 3, p50: 0, p95: 0))
    }

    @Test func clusterSizesVersionsAndCohortsUnderKAreFolded() {
        let p = Self.fleet.publicView(minInstalls: Self.k)
        // Size 2: one cluster of 2 installs; size 3: five clusters, 15 installs.
        #expect(p.clusters == ClusterSummary(count: 6, installs: 23, bySize: ["3": 5, "other": 1]))
        #expect(p.adoption.versions.map(\.version) == ["4.2.1", "4.2.0", "other"])
        #expect(p.adoption.versions.last == VersionAdoption.Version(version: "other", firstSeen: Self.day, installs: 2, share: 0.02))
        #expect(p.adoption.cutoffs == ["50": "4.2.1", "75": "4.2.1", "90": "4.2.1"], "no cut-off names a hidden version")
        #expect(p.retention.map(\.week) == ["2026-W40"])
        #expect(p.products == [], "names without counts")
        #expect(p.lifecycle == Self.fleet.lifecycle)
        #expect(p.activeInstalls == 100 && p.establishedInstalls == 90)
    }

    @Test func belowTwoNothingChanges() {
        #expect(Self.fleet.publicView(minInstalls: 0) == Self.fleet)
        #expect(Self.fleet.publicView(minInstalls: 1) == Self.fleet)
    }

    @Test func everyCellLeftHasAtLeastKInstalls() throws {
        for k in [2, 3, 5, 10, 50] {
            let d = try #require(Self.fleet.publicView(minInstalls: k).days.first)
            for breakdown in [d.byProductVersion, d.byOS, d.byArch, d.byVirtualization, d.byContainer, d.byCores, d.byMemory] {
                for (value, n) in breakdown where value != "other" { #expect(n >= k, "\(value) under \(k)") }
            }
            for (name, fact) in d.facts {
                #expect(fact.installs >= k, "\(name)")
                if case .enumeration(_, let values) = fact {
                    for (value, n) in values where value != "other" { #expect(n >= k, "\(name)=\(value)") }
                }
            }
            for (name, c) in d.counters { #expect(c.installs >= k, "\(name)") }
        }
    }
}
