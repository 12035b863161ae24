import Testing
@testable import PageOut

@Suite struct PagemapTests {
    /// Entries as an unprivileged process reads them: a present page of a file mapping is 0xa1… (bit 63 present,
    /// bit 61 file page, bit 56 mapped exclusively) or 0xa0… (shared with another process), the frame number hidden;
    /// an absent page is 0, or carries only the soft-dirty bit (55).
    static let present: UInt64 = 0xa100_0000_0000_0000
    static let presentShared: UInt64 = 0xa000_0000_0000_0000
    static let softDirtyOnly: UInt64 = 0x0080_0000_0000_0000

    @Test func adjacentPresentPagesMakeOneRange() {
        let entries: [UInt64] = [Self.present, Self.presentShared, 0, 0, Self.present, Self.softDirtyOnly, Self.present,
                                 Self.present]
        let ranges = Pagemap.presentRanges(entries, start: 0x40_0000, pageSize: 4096)
        #expect(ranges == [0x40_0000..<0x40_2000, 0x40_4000..<0x40_5000, 0x40_6000..<0x40_8000])
    }

    @Test func nothingPresentIsNoRange() {
        #expect(Pagemap.presentRanges([0, Self.softDirtyOnly, 0], start: 0x1000, pageSize: 4096).isEmpty)
        #expect(Pagemap.presentRanges([], start: 0x1000, pageSize: 4096).isEmpty)
    }

    @Test func aMappingWhollyPresentIsOneRangeOfItsSize() {
        let ranges = Pagemap.presentRanges(Array(repeating: Self.present, count: 16), start: 0x7f00_0000_0000,
                                           pageSize: 16_384)
        #expect(ranges == [0x7f00_0000_0000..<0x7f00_0004_0000])
    }
}
