import Foundation
import CollectorSummary
import Testing

/// `FactTotals`, `CounterTotals`: one aggregate per kind, mergeable, each carrying its denominator.
@Suite struct FactAndCounterTotalsTests {
    @Test func eachKindItsAggregate() {
        #expect(FactTotals(trueCount: 30, falseCount: 10).summary == .boolean(installs: 40, isTrue: 30))
        #expect(FactTotals(values: ["oss": 40, "enterprise": 2]).summary == .enumeration(installs: 42, values: ["oss": 40, "enterprise": 2]))
        var n = FactTotals()
        for v in [0.0, 0, 1, 2, 3, 4, 5, 6, 7, 100] { n.numbers.add(v) }
        // Ten installs: ranks 1, 5, 10.
        #expect(n.summary == .number(installs: 10, zero: 2, p5: 0, p50: 3, p95: 100))
        #expect(FactTotals().summary == nil)
    }

    @Test func theKindMostInstallsSentWinsTiesInAFixedOrder() {
        var f = FactTotals(trueCount: 1, values: ["a": 1, "b": 1])
        #expect(f.summary == .enumeration(installs: 2, values: ["a": 1, "b": 1]))
        f.numbers.add(3, count: 2)
        // Boolean 1, enum 2, number 2: number before enum.
        #expect(f.summary == .number(installs: 2, zero: 0, p5: 3, p50: 3, p95: 3))
        f.falseCount = 1
        // Boolean 2 ties them all: boolean first.
        #expect(f.summary == .boolean(installs: 2, isTrue: 1))
        #expect(f.installs == 6)
    }

    @Test func factsMergeAcrossGroupsAndKeepTheirJSON() throws {
        var a = FactTotals(trueCount: 1, values: ["oss": 2])
        a.numbers.add(5)
        var b = FactTotals(falseCount: 3, values: ["oss": 1, "pro": 1])
        b.numbers.add(0)
        a.merge(b)
        #expect(a.trueCount == 1 && a.falseCount == 3)
        #expect(a.values == ["oss": 3, "pro": 1])
        #expect(a.numbers.count == 2 && a.numbers.zeros == 1)
        let e = JSONEncoder()
        e.outputFormatting = .sortedKeys
        #expect(String(decoding: try e.encode(FactTotals(trueCount: 2)), as: UTF8.self) == #"{"true":2}"#)
        #expect(try JSONDecoder().decode(FactTotals.self, from: e.encode(a)) == a)
    }

    @Test func countersSumIncrementsAndTakePercentilesOfPerInstallSums() {
        var c = CounterTotals()
        c.add(code: NumberHistogram.code(of: 15), installs: 1, increments: 15)
        c.add(code: 1, installs: 2, increments: 2)
        var other = CounterTotals()
        other.add(code: NumberHistogram.code(of: 40), installs: 1, increments: 40)
        c.merge(other)
        // Sums 1, 1, 15, 40: ranks 2 and 4.
        #expect(c.summary == CounterSummary(increments: 57, installs: 4, p50: 1, p95: 40))
        var huge = CounterTotals(increments: .max - 1)
        huge.add(code: 1, installs: 1, increments: 5)
        #expect(huge.increments == .max)
    }
}
