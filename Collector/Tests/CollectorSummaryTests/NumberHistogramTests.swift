import Foundation
@testable import CollectorSummary
import Testing

/// `NumberHistogram`: buckets, nearest-rank percentiles, merging, the JSON kept in the day cache.
@Suite struct NumberHistogramTests {
    @Test func smallIntegersAreTheirOwnBucket() {
        for v in [-1023.0, -1, 0, 1, 2, 17, 1023] {
            #expect(NumberHistogram.code(of: v) == Int(v))
            #expect(NumberHistogram.value(ofCode: NumberHistogram.code(of: v)) == v)
        }
        // Just outside: logarithmic buckets, apart from every exact one.
        for v in [1024.0, -1024, 0.5, -0.25, 2.5] { #expect(abs(NumberHistogram.code(of: v)) >= 1_000_000, "\(v)") }
    }

    @Test func otherValuesAreWithinEightTenthsOfAPercent() {
        var v = 1e-6
        while v < 1e15 {
            for x in [v, -v, v * 1.37, v * 1.999] {
                let back = NumberHistogram.value(ofCode: NumberHistogram.code(of: x))
                #expect(abs(back - x) / abs(x) <= 1.0 / 128, "\(x) → \(back)")
                #expect((back < 0) == (x < 0))
            }
            v *= 3.3
        }
        // Known answers: 1.5 is in [1.5, 1.515625), counted as its middle; 2000 in [2000, 2016), counted as 2008.
        #expect(NumberHistogram.value(ofCode: NumberHistogram.code(of: 1.5)) == 1.5078125)
        #expect(NumberHistogram.value(ofCode: NumberHistogram.code(of: 2000)) == 2008)
    }

    @Test func bucketsAreOrderedAsTheirValues() {
        let values = [-5000.0, -2.5, -1, 0, 0.001, 0.75, 1, 3, 1023, 1024, 1025.5, 4096, 1e9]
        let back = values.map { NumberHistogram.value(ofCode: NumberHistogram.code(of: $0)) }
        #expect(back == back.sorted())
    }

    @Test func nearestRankPercentiles() {
        var h = NumberHistogram()
        for v in 1...20 { h.add(Double(v)) }
        // Rank ⌈p/100 · 20⌉: 1, 10, 19.
        #expect(h.percentile(5) == 1)
        #expect(h.percentile(50) == 10)
        #expect(h.percentile(95) == 19)
        #expect(h.percentile(100) == 20)
        // Several at once, in any order, from one pass: the same answers.
        #expect(h.percentiles([95, 5, 50]) == [19, 1, 10])
        #expect(NumberHistogram().percentiles([5, 50]) == [nil, nil])
        var one = NumberHistogram()
        one.add(7)
        #expect([one.percentile(5), one.percentile(50), one.percentile(95)] == [7, 7, 7])
        #expect(NumberHistogram().percentile(50) == nil)
        // Repeated values: 0, 0, 0, 5 → p50 at rank 2 is 0, p95 at rank 4 is 5.
        var zeros = NumberHistogram()
        zeros.add(0, count: 3)
        zeros.add(5)
        #expect(zeros.zeros == 3)
        #expect(zeros.percentile(50) == 0)
        #expect(zeros.percentile(95) == 5)
        // Negative values sort below zero.
        var mixed = NumberHistogram()
        for v in [-3.0, -1, 2] { mixed.add(v) }
        #expect(mixed.percentile(5) == -3)
        #expect(mixed.percentile(50) == -1)
    }

    @Test func mergingIsAddingTheBuckets() throws {
        var a = NumberHistogram(), b = NumberHistogram(), all = NumberHistogram()
        for v in [1.0, 2, 2, 3000, 0.5] { a.add(v); all.add(v) }
        for v in [2.0, 7, 1e6] { b.add(v); all.add(v) }
        var merged = a
        merged.merge(b)
        #expect(merged == all)
        #expect(merged.count == 8)
        #expect(merged.percentile(50) == 2)
        let json = try JSONEncoder().encode(merged)
        #expect(try JSONDecoder().decode(NumberHistogram.self, from: json) == merged)
        #expect(String(decoding: try JSONEncoder().encode(NumberHistogram(buckets: [1_000_512: 1, 3: 2, -7: 4])), as: UTF8.self)
                == #""-7:4,3:2,1000512:1""#)
        #expect(String(decoding: try JSONEncoder().encode(NumberHistogram()), as: UTF8.self) == #""""#)
        #expect(try JSONDecoder().decode(NumberHistogram.self, from: Data(#""""#.utf8)) == NumberHistogram())
    }

    @Test func theFirstDayCacheRowsFormStillDecodes() throws {
        #expect(try JSONDecoder().decode(NumberHistogram.self, from: Data(#"{"3":2,"-7":4}"#.utf8))
                == NumberHistogram(buckets: [3: 2, -7: 4]))
    }

    @Test(arguments: ["3", "3:", ":2", "3:0", "3:-1", "3:2,", "3:2,,4:1", "a:1", "3:2:1", "--3:1", "3 :2", "1234567890123456789:1"])
    func aDamagedHistogramIsRefusedNotMisread(_ text: String) {
        #expect(NumberHistogram.buckets(parsing: text) == nil, "\(text)")
        #expect(throws: DecodingError.self) { try JSONDecoder().decode(NumberHistogram.self, from: Data("\"\(text)\"".utf8)) }
    }
}
