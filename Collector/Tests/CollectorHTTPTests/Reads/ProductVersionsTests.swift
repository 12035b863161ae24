import CollectorSummary
import CollectorHTTP
import Testing

@Suite struct ProductVersionsTests {
    @Test func eachProductGetsItsVersionsAndTheRestIsUnknownOrOther() {
        let total = ["1.0": 4, "2.0": 5, "unknown": 1]
        let per: [(product: String, versions: [String: Int])] = [("acme-db", ["1.0": 4, "2.0": 3]), ("beta-tool", ["2.0": 2, "9.9": 0])]
        let all = ProductVersions.split(total: total, perProduct: per, complete: true)
        #expect(all.counts == ["acme-db": ["1.0": 4, "2.0": 3], "beta-tool": ["2.0": 2], "unknown": ["unknown": 1]])
        // Some products left out: what they hold is "other", never pinned on a product.
        let partial = ProductVersions.split(total: total, perProduct: [per[0]], complete: false)
        #expect(partial.counts == ["acme-db": ["1.0": 4, "2.0": 3], "other": ["2.0": 2, "unknown": 1]])
        // Every install is counted once.
        for split in [all, partial] { #expect(split.counts.values.flatMap(\.values).reduce(0, +) == 10) }
        // A product's answer a report newer than the total's: no negative remainder.
        let racing = ProductVersions.split(total: ["1.0": 4], perProduct: [("acme-db", ["1.0": 5])], complete: true)
        #expect(racing.counts == ["acme-db": ["1.0": 5]])
    }

    @Test func cappedPerProduct() {
        var versions: [String: Int] = [:]
        for i in 0..<10 { versions["1.\(i)"] = i + 1 }
        let capped = ProductVersions(counts: ["a": versions, "b": ["1": 1]]).cappingDistinctValues(3)
        #expect(capped.counts["a"] == ["1.9": 10, "1.8": 9, "1.7": 8, "other": 28])
        #expect(capped.counts["b"] == ["1": 1])
    }
}
