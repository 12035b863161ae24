import CollectorSummary
import Testing

/// `MaxDistinctValues=`: `Summary.cappingDistinctValues`.
@Suite struct DistinctValuesTests {
    @Test func theLargestAreKeptAndTheRestCountedAsOther() {
        let counts = ["a": 5, "b": 9, "c": 1, "d": 7, "e": 2]
        #expect(Summary.cap(counts, max: 2) == ["b": 9, "d": 7, "other": 8])
        #expect(Summary.cap(counts, max: 5) == counts)
        #expect(Summary.cap(counts, max: 9) == counts)
        #expect(Summary.cap(counts, max: 0) == ["other": 24])
    }

    @Test func tiesAreBrokenByTheLabel() {
        let counts = ["z": 3, "y": 3, "x": 3, "w": 3]
        #expect(Summary.cap(counts, max: 2) == ["w": 3, "x": 3, "other": 6])
        // Whatever the dictionary's order: the same answer every time.
        for _ in 0..<20 { #expect(Summary.cap(Dictionary(uniqueKeysWithValues: counts.shuffled().map { ($0.key, $0.value) }), max: 3) == ["w": 3, "x": 3, "y": 3, "other": 3]) }
    }

    @Test func unknownIsKeptAndOtherIsAddedTo() {
        let counts = ["unknown": 100, "other": 4, "a": 1, "b": 2, "c": 3]
        // `unknown` and `other` do not count against the limit, even when larger than every value.
        #expect(Summary.cap(counts, max: 2) == ["unknown": 100, "other": 5, "b": 2, "c": 3])
        #expect(Summary.cap(counts, max: 3) == counts)
        // A report's quoted "other" is a value like any other.
        #expect(Summary.cap(["\"other\"": 5, "a": 1, "other": 1], max: 1) == ["\"other\"": 5, "other": 2])
    }

    @Test func everyBreakdownOfEveryDayAndTotalsKept() {
        let day0 = UTCDay(daysSinceEpoch: 20_000)
        var a = DaySummary(date: day0, activeInstalls: 30)
        var b = DaySummary(date: day0.adding(days: 1), activeInstalls: 30)
        for i in 0..<30 {
            let label = "v\(i % 10)"
            for d in [\DaySummary.byProductVersion, \.byOS, \.byArch, \.byVirtualization, \.byContainer, \.byCores, \.byMemory] {
                a[keyPath: d][label, default: 0] += 1
                b[keyPath: d][label + "b", default: 0] += i < 15 ? 2 : 0
            }
        }
        let s = Summary(activeInstalls: 30, days: [a, b], clusters: ClusterSummary(count: 1, installs: 2, bySize: ["2": 1])).cappingDistinctValues(4)
        for d in s.days {
            for dimension in Dimension.allCases {
                let counts = d[keyPath: dimension.summaryKeyPath]
                #expect(counts.keys.filter { $0 != "other" }.count <= 4, "\(dimension)")
                #expect(counts.values.reduce(0, +) == 30, "\(dimension) on \(d.date)")
            }
        }
        #expect(s.clusters.bySize == ["2": 1])
        #expect(s.activeInstalls == 30)
    }
}

/// `MaxDistinctValues=` on facts and counters.
@Suite struct FactsAndCountersDistinctValuesTests {
    @Test func factsCarriedByMostInstallsAreKeptTheRestLeftOut() {
        let facts: [String: FactSummary] = [
            "a": .boolean(installs: 5, isTrue: 1), "b": .boolean(installs: 9, isTrue: 9),
            "c": .number(installs: 5, zero: 0, p5: 1, p50: 2, p95: 3), "d": .enumeration(installs: 1, values: ["x": 1]),
        ]
        // b first; a and c tie at 5: a by its name.
        #expect(Summary.capFacts(facts, max: 2) == ["b": facts["b"]!, "a": facts["a"]!])
        #expect(Summary.capFacts(facts, max: 4) == facts)
        #expect(Summary.capFacts(facts, max: 0) == [:])
    }

    @Test func enumValuesBeyondTheCapAreOther() {
        let facts: [String: FactSummary] = ["edition": .enumeration(installs: 10, values: ["oss": 6, "pro": 3, "ent": 1])]
        #expect(Summary.capFacts(facts, max: 2) == ["edition": .enumeration(installs: 10, values: ["oss": 6, "pro": 3, "other": 1])])
    }

    @Test func countersBeyondTheCapAreSummedUnderOther() {
        let counters: [String: CounterSummary] = [
            "flows": CounterSummary(increments: 100, installs: 9, p50: 5, p95: 30),
            "logins": CounterSummary(increments: 7, installs: 3, p50: 2, p95: 3),
            "exports": CounterSummary(increments: 50, installs: 3, p50: 10, p95: 20),
            "imports": CounterSummary(increments: 1, installs: 1, p50: 1, p95: 1),
        ]
        // flows, then exports (3 installs like logins, more increments); the rest: 8 increments, at least 3 installs.
        #expect(Summary.capCounters(counters, max: 2) == [
            "flows": counters["flows"]!, "exports": counters["exports"]!,
            "other": CounterSummary(increments: 8, installs: 3, p50: 0, p95: 0),
        ])
        #expect(Summary.capCounters(counters, max: 4) == counters)
        // Capping again changes nothing.
        let once = Summary.capCounters(counters, max: 2)
        #expect(Summary.capCounters(once, max: 2) == once)
    }

    @Test func theSummaryCapsEveryDaysFactsAndCounters() {
        var d = DaySummary(date: UTCDay(daysSinceEpoch: 20_000), activeInstalls: 3)
        for i in 0..<5 {
            d.facts["f\(i)"] = .boolean(installs: i + 1, isTrue: 0)
            d.counters["c\(i)"] = CounterSummary(increments: i, installs: i + 1)
        }
        let s = Summary(activeInstalls: 3, days: [d], clusters: ClusterSummary()).cappingDistinctValues(2)
        #expect(s.days[0].facts.keys.sorted() == ["f3", "f4"])
        #expect(s.days[0].counters.keys.sorted() == ["c3", "c4", "other"])
        #expect(s.days[0].counters["other"]?.increments == 3)
    }
}
