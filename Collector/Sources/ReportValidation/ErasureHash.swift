import TelemetryWire

/// The hashes erasure is checked with (Collector/README.md, "Erasure on request"). Every report carries
/// `erasureKeyHash`, SHA-256 of the install's 32-byte erasure key; a `forget` report carries the key itself, and the
/// collector erases the install only when the key hashes to the hash it pinned. An erased install is remembered by
/// the hash of its instance ID alone, so the database names it nowhere afterwards.
public enum ErasureHash {
    /// SHA-256 of the key's 32 bytes as 64 lower-case hex digits; nil unless `hex` is 64 hex digits.
    public static func ofKey(hex: String) -> String? {
        let digits = Array(hex.utf8)
        guard digits.count == 64 else { return nil }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(32)
        for i in stride(from: 0, to: 64, by: 2) {
            guard let high = nibble(digits[i]), let low = nibble(digits[i + 1]) else { return nil }
            bytes.append(high << 4 | low)
        }
        return Self.hex(SHA256.hash(bytes))
    }

    /// SHA-256 of the instance ID (lower-cased: PostgreSQL hands UUIDs back in lower case), as 64 hex digits.
    public static func ofInstance(_ instanceId: String) -> String {
        hex(SHA256.hash(Array(instanceId.lowercased().utf8)))
    }

    /// Whether two hashes are equal, in a time that depends only on their lengths (a wrong guess learns nothing of
    /// how close it came).
    public static func matches(_ a: String, _ b: String) -> Bool {
        let x = Array(a.utf8), y = Array(b.utf8)
        guard x.count == y.count else { return false }
        var difference: UInt8 = 0
        for i in x.indices { difference |= x[i] ^ y[i] }
        return difference == 0
    }

    static func hex(_ bytes: [UInt8]) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count * 2)
        for b in bytes {
            out.append(digits[Int(b >> 4)])
            out.append(digits[Int(b & 0x0f)])
        }
        return String(decoding: out, as: UTF8.self)
    }

    private static func nibble(_ c: UInt8) -> UInt8? {
        switch c {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): c - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): c - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): c - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}
