import TelemetryWire

/// The hashes erasure is checked with (Collector/README.md, "Erasure on request"). Every report carries
/// `erasureKeyHash`, SHA-256 of the install's 32-byte erasure key; a `forget` report carries the key itself, and the
/// collector erases the install only when the key hashes to the hash it pinned. An erased install is remembered by
/// the hash of its instance ID alone, so the database names it nowhere afterwards.
public enum ErasureHash {
    /// SHA-256 of the key's 32 bytes as 64 lower-case hex digits; nil unless `hex` is 64 hex digits.
    public static func ofKey(hex: String) -> String? {
        guard let bytes = Hex.decode(hex, byteCount: 32) else { return nil }
        return Hex.encode(SHA256.hash(bytes))
    }

    /// SHA-256 of the instance ID (lower-cased: PostgreSQL hands UUIDs back in lower case), as 64 hex digits.
    public static func ofInstance(_ instanceId: String) -> String {
        Hex.encode(SHA256.hash(Array(instanceId.lowercased().utf8)))
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
}
