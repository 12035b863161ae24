import CollectorService
import CollectorStoreConformance
import Testing

@Suite struct ImportReorderTests {
    @Test func resultsComeOutInTheOrderTheirWorkWasHandedOut() {
        var r = ImportReorder<String>()
        #expect(r.add(2, "c") == [])
        #expect(r.add(1, "b") == [])
        #expect(r.waitingCount == 2)
        #expect(r.add(0, "a") == ["a", "b", "c"])
        #expect(r.add(3, "d") == ["d"])
        #expect(r.add(5, "f") == [])
        #expect(r.add(4, "e") == ["e", "f"])
        #expect(r.next == 6)
        #expect(r.waitingCount == 0)
    }

    @Test(arguments: 0..<20)
    func anyFinishingOrderGivesTheHandedOutOrder(seed: Int) {
        var generator = SplitMix64(seed: UInt64(seed))
        let order = Array(0..<50).shuffled(using: &generator)
        var r = ImportReorder<Int>()
        var out: [Int] = []
        for n in order { out += r.add(n, n) }
        #expect(out == Array(0..<50))
    }
}
