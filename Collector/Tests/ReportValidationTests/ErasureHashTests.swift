import Testing
import ReportValidation

@Suite struct ErasureHashTests {
    @Test func theKeysHashIsSHA256OfItsBytes() {
        // FIPS 180-4 style vector: SHA-256 of the bytes 0x00…0x1f.
        let key = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"
        #expect(ErasureHash.ofKey(hex: key) == "630dcd2966c4336691125448bbb25b4ff412a49c732db2c8abc1b8581bd710dd")
        #expect(ErasureHash.ofKey(hex: key.uppercased()) == ErasureHash.ofKey(hex: key))
        #expect(ErasureHash.ofKey(hex: String(key.dropLast())) == nil)
        #expect(ErasureHash.ofKey(hex: String(key.dropLast()) + "g") == nil)
    }

    @Test func anInstanceIsHashedWhateverTheCaseOfItsID() {
        let id = "11111111-2222-4333-8444-55555555abcd"
        #expect(ErasureHash.ofInstance(id) == ErasureHash.ofInstance(id.uppercased()))
        #expect(ErasureHash.ofInstance(id) != ErasureHash.ofInstance("11111111-2222-4333-8444-55555555abce"))
        #expect(ErasureHash.ofInstance(id).count == 64 && !ErasureHash.ofInstance(id).contains("abcd-"))
    }

    @Test func matchingIsExact() {
        let a = String(repeating: "ab", count: 32)
        #expect(ErasureHash.matches(a, a))
        #expect(!ErasureHash.matches(a, String(a.dropLast()) + "c"))
        #expect(!ErasureHash.matches(a, String(a.dropLast())))
        #expect(!ErasureHash.matches(a, ""))
    }
}
