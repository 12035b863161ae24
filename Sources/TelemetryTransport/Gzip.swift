import CompressNIO
import NIOCore

/// gzip of request bodies (`Compress=yes`) through CompressNIO; AsyncHTTPClient only decompresses responses.
enum Gzip {
    static func compress(_ bytes: [UInt8]) throws -> ByteBuffer {
        var input = ByteBuffer(bytes: bytes)
        return try input.compress(with: .gzip())
    }

    /// Bounded by `maxSize` so a hostile stream cannot balloon (used by tests' collector to read bodies back).
    static func decompress(_ bytes: [UInt8], maxSize: Int = 1 << 22) throws -> [UInt8] {
        var input = ByteBuffer(bytes: bytes)
        let out = try input.decompress(with: .gzip(), maxSize: maxSize)
        return Array(out.readableBytesView)
    }
}
