import Testing
@testable import TelemetryWire

struct HexTests {
    @Test func encodesLowerCaseTwoDigitsPerByte() {
        #expect(Hex.encode([0x00, 0x0f, 0xa5, 0xff]) == "000fa5ff")
        #expect(Hex.encode([]) == "")
    }

    @Test func decodesEitherCaseBackToTheBytes() {
        #expect(Hex.decode("000FA5ff", byteCount: 4) == [0x00, 0x0f, 0xa5, 0xff])
        let bytes: [UInt8] = (0...255).map { UInt8($0) }
        #expect(Hex.decode(Hex.encode(bytes), byteCount: 256) == bytes)
    }

    @Test(arguments: ["000fa5f", "000fa5fff", "000fa5fg", "000fa5f ", " 00fa5ff", "00-fa5ff"])
    func refusesAnythingButExactlyTheDigits(_ text: String) {
        #expect(Hex.decode(text, byteCount: 4) == nil)
    }
}
