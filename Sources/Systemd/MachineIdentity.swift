import CSystemd

public enum MachineIdentity {
    /// `sd_id128_get_machine_app_specific()` as a lower-case UUID string (8-4-4-4-12): an ID derived from the
    /// machine-id by HMAC-SHA256 keyed with it, stable per machine and application, not linkable to the machine-id.
    /// - Parameter appID: the application's 16-byte ID; any other length gives nil.
    /// - Returns: nil without a usable machine-id (`-ENOENT`, `-ENOMEDIUM`) or on any other error.
    public static func appSpecificID(appID: [UInt8]) -> String? {
        guard appID.count == 16 else { return nil }
        var app = sd_id128_t()
        withUnsafeMutableBytes(of: &app.bytes) { raw in
            for (i, b) in appID.enumerated() { raw[i] = b }
        }
        var result = sd_id128_t()
        guard sd_id128_get_machine_app_specific(app, &result) == 0 else { return nil }
        let bytes = withUnsafeBytes(of: result.bytes) { Array($0) }
        return uuidString(bytes)
    }

    /// 16 bytes as a lower-case UUID string; nil for any other length.
    static func uuidString(_ bytes: [UInt8]) -> String? {
        guard bytes.count == 16 else { return nil }
        let hex: [Character] = Array("0123456789abcdef")
        var s = ""
        s.reserveCapacity(36)
        for (i, b) in bytes.enumerated() {
            if i == 4 || i == 6 || i == 8 || i == 10 { s.append("-") }
            s.append(hex[Int(b >> 4)])
            s.append(hex[Int(b & 0x0f)])
        }
        return s
    }
}
