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
