import CollectorSummary
import Testing

@Suite struct BucketsTests {
    @Test func cores() {
        #expect([1, 2, 3, 4, 5, 8, 9, 16, 64, 65, 128, 129, 4096].map { Buckets.cores($0) ?? "-" }
                == ["1", "2", "3-4", "3-4", "5-8", "5-8", "9-16", "9-16", "33-64", "65-128", "65-128", "129+", "129+"])
        #expect(Buckets.cores(nil) == nil)
        #expect(Buckets.cores(0) == nil)
    }

    @Test func memoryLowerBoundIncluded() {
        let gib: Int64 = 1 << 30
        #expect(Buckets.memory(0) == "<2GiB")
        #expect(Buckets.memory(2 * gib - 1) == "<2GiB")
        #expect(Buckets.memory(2 * gib) == "2-4GiB")
        #expect(Buckets.memory(4 * gib) == "4-8GiB")
        #expect(Buckets.memory(8 * gib - 1) == "4-8GiB")
        #expect(Buckets.memory(511 * gib) == "256-512GiB")
        #expect(Buckets.memory(512 * gib) == "512GiB+")
        #expect(Buckets.memory(nil) == nil)
        // Every label is in the display order.
        for e in 0..<62 { #expect(Buckets.memoryOrder.contains(Buckets.memory(Int64(1) << e) ?? "")) }
    }

    @Test func os() {
        #expect(Buckets.os(id: "debian", versionId: "12") == "debian 12")
        #expect(Buckets.os(id: "arch", versionId: nil) == "arch")
        #expect(Buckets.os(id: nil, versionId: "12") == nil)
    }
}
