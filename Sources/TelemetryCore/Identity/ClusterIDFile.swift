import TelemetryWire

/// `ClusterIDFile=`: the product keeps its own cluster identity in a file shared by (or identical on) its nodes;
/// telemetryd sends a UUID derived from it, never the string itself.
///
/// The UUID is HMAC-SHA256 of the file's first line (ASCII whitespace trimmed) under `applicationKey`, a fixed key
/// compiled into telemetryd (the same on every install), so every node derives the same ID with no operator action
/// and the string never leaves the host. The key is public in the source: the ID hides a random cluster identity
/// (what products keep), not a guessable name. A different key per application also keeps the ID unlinkable to
/// other tools that hash the same string. The first 16 bytes become a version 4, variant 1 UUID, as systemd's
/// `sd_id128_get_app_specific()` does.
public enum ClusterIDFile {
    /// telemetryd's key for cluster IDs (made once with `systemd-id128 new`). Never change it: every cluster
    /// would get a new ID.
    public static let applicationKey: [UInt8] = Array("telemetryd cluster-id 14459abc51594d98977ce243f8e953cf".utf8)

    /// Longest first line considered; the rest of a longer line is ignored.
    public static let maxLineBytes = 4096

    /// The derived UUID for a file's content; nil when its first line is empty.
    public static func derive(fromContent bytes: [UInt8]) -> String? {
        let firstLine = bytes.prefix(maxLineBytes).split(separator: UInt8(ascii: "\n"), maxSplits: 1, omittingEmptySubsequences: false).first ?? []
        let line = String(decoding: firstLine, as: UTF8.self).trimmedASCII()
        guard !line.isEmpty else { return nil }
        return derive(fromIdentity: line)
    }

    public static func derive(fromIdentity identity: String) -> String {
        var b = Array(SHA256.hmac(key: applicationKey, message: Array(identity.utf8)).prefix(16))
        b[6] = (b[6] & 0x0f) | 0x40
        b[8] = (b[8] & 0x3f) | 0x80
        let hex = b.map { byte -> String in
            let s = String(byte, radix: 16)
            return s.count == 1 ? "0" + s : s
        }.joined()
        let u = Array(hex)
        return String(u[0..<8]) + "-" + String(u[8..<12]) + "-" + String(u[12..<16]) + "-" + String(u[16..<20]) + "-" + String(u[20..<32])
    }
}
