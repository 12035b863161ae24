import CollectorService
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
        var generator = SplitMix(seed: UInt64(seed))
        let order = Array(0..<50).shuffled(using: &generator)
        var r = ImportReorder<Int>()
        var out: [Int] = []
        for n in order { out += r.add(n, n) }
        #expect(out == Array(0..<50))
    }

    struct SplitMix: RandomNumberGenerator {
        var state: UInt64
        init(seed: UInt64) { state = seed }
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }
}
