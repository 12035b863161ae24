import NIOCore
import PostgresNIO
@testable import CollectorPostgres
import Testing

/// The binary `text[]` layout PostgreSQL's array_recv reads: a wrong byte here is a batch the server refuses (then
/// stored one by one) or, worse, values shifted between reports.
struct NullableTextArrayTests {
    private func bytes(_ elements: [String?]) -> [UInt8] {
        var buffer = ByteBuffer()
        NullableTextArray(elements).encode(into: &buffer, context: .default)
        return buffer.readBytes(length: buffer.readableBytes) ?? []
    }

    private func int32(_ v: Int32) -> [UInt8] { withUnsafeBytes(of: v.bigEndian, Array.init) }

    @Test func elementsAndNullsInOrder() {
        let expected = int32(1) + int32(1) + int32(25) + int32(3) + int32(1)
            + int32(1) + Array("a".utf8) + int32(-1) + int32(3) + Array("ü!".utf8)
        #expect(bytes(["a", nil, "ü!"]) == expected)
    }

    @Test func noNullsSayNoNulls() {
        #expect(bytes(["", "x"]) == int32(1) + int32(0) + int32(25) + int32(2) + int32(1) + int32(0) + int32(1) + Array("x".utf8))
    }

    @Test func anEmptyArrayHasNoDimensions() {
        #expect(bytes([]) == int32(0) + int32(0) + int32(25))
    }

    @Test func itIsATextArrayInBinary() {
        #expect(NullableTextArray.psqlType == .textArray)
        #expect(NullableTextArray.psqlFormat == .binary)
    }
}
