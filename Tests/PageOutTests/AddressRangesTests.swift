import Testing
@testable import PageOut

@Suite struct AddressRangesTests {
    /// The binary's text with two locked runs inside it, and a library's mapping untouched by them.
    @Test func cutsTheHolesOutOfEachRange() {
        let text: Range<UInt> = 0x1000..<0x9000
        let library: Range<UInt> = 0x20000..<0x24000
        let holes: [Range<UInt>] = [0x6000..<0x7000, 0x2000..<0x4000]
        #expect(AddressRanges.subtracting(holes, from: [library, text])
                == [0x1000..<0x2000, 0x4000..<0x6000, 0x7000..<0x9000, library])
    }

    @Test func holesAtTheEdgesOrCoveringARangeLeaveNothingThere() {
        let holes: [Range<UInt>] = [0x1000..<0x2000, 0x8000..<0x9000, 0x10000..<0x18000]
        #expect(AddressRanges.subtracting(holes, from: [0x1000..<0x9000, 0x11000..<0x12000])
                == [0x2000..<0x8000])
    }

    @Test func holesSpanningTwoRangesAndEmptyHoles() {
        let holes: [Range<UInt>] = [0x3000..<0x5000, 0x6000..<0x6000]
        #expect(AddressRanges.subtracting(holes, from: [0x1000..<0x4000, 0x4000..<0x8000])
                == [0x1000..<0x3000, 0x5000..<0x8000])
        #expect(AddressRanges.subtracting([], from: [0x1000..<0x4000]) == [0x1000..<0x4000])
    }

    @Test func bytesSumsTheRanges() {
        #expect(AddressRanges.bytes([0x1000..<0x3000, 0x8000..<0x9000]) == 0x3000)
        #expect(AddressRanges.bytes([]) == 0)
    }
}
