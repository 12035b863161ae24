// The labels the breakdowns use, computed once at ingest so every store counts the same buckets.

public enum Buckets {
    public static let unknown = "unknown"
    /// The values a breakdown does not show one by one (`MaxDistinctValues=`, the page's short lists).
    public static let other = "other"

    /// `cpu.logicalCores`: `1`, `2`, `3-4`, `5-8`, `9-16`, `17-32`, `33-64`, `65-128`, `129+`.
    public static func cores(_ n: Int?) -> String? {
        guard let n, n >= 1 else { return nil }
        switch n {
        case 1: return "1"
        case 2: return "2"
        case 3...4: return "3-4"
        case 5...8: return "5-8"
        case 9...16: return "9-16"
        case 17...32: return "17-32"
        case 33...64: return "33-64"
        case 65...128: return "65-128"
        default: return "129+"
        }
    }

    /// `memory.totalBytes` in GiB: `<2GiB`, `2-4GiB`, `4-8GiB`, … `256-512GiB`, `512GiB+`
    /// (the lower bound included: exactly 4 GiB is `4-8GiB`).
    public static func memory(_ bytes: Int64?) -> String? {
        guard let bytes, bytes >= 0 else { return nil }
        let gib: Int64 = 1 << 30
        if bytes < 2 * gib { return "<2GiB" }
        var low: Int64 = 2
        while low < 512 {
            if bytes < 2 * low * gib { return "\(low)-\(2 * low)GiB" }
            low *= 2
        }
        return "512GiB+"
    }

    /// All memory labels in ascending order (for tables and charts).
    public static let memoryOrder: [String] = ["<2GiB", "2-4GiB", "4-8GiB", "8-16GiB", "16-32GiB", "32-64GiB",
                                               "64-128GiB", "128-256GiB", "256-512GiB", "512GiB+"]
    public static let coresOrder: [String] = ["1", "2", "3-4", "5-8", "9-16", "17-32", "33-64", "65-128", "129+"]

    /// `debian 12` from os-release's ID= and VERSION_ID=; `debian` without a version; nil without an ID.
    public static func os(id: String?, versionId: String?) -> String? {
        guard let id, !id.isEmpty else { return nil }
        guard let versionId, !versionId.isEmpty else { return id }
        return "\(id) \(versionId)"
    }
}
