import TelemetryWire

/// Reads, at report time, what the product keeps in files: its version (`VersionFile=`) and its cluster identity
/// (`ClusterIDFile=`). Reading at every report makes an upgrade or a new cluster show in the next report with no reload.
public struct ProductProbe: Sendable {
    public enum Read: Sendable, Equatable {
        case value(String)
        /// Why not, for a warning (never the file's content).
        case unavailable(String)
    }

    /// The version: `VersionFile=`'s first line (trimmed, cut to the schema's limit), else `Version=`.
    /// An unreadable or empty file gives nil and a reason.
    public static func version(_ settings: ProductSettings) -> (version: String?, problem: String?) {
        guard let path = settings.versionFile else { return (settings.version.map { TextLimit.sendable($0, limit: TextLimit.productVersion) }, nil) }
        switch firstLine(path) {
        case .value(let v):
            guard v.unicodeScalars.allSatisfy({ $0.value >= 0x20 && $0.value != 0x7F }) else {
                return (nil, "VersionFile=\(path): the first line holds control characters")
            }
            // Format characters (a byte order mark, a zero-width space) are cut; controls refused above.
            return (TextLimit.sendable(v, limit: TextLimit.productVersion), nil)
        case .unavailable(let why): return (nil, "VersionFile=\(path): \(why); sending version null")
        }
    }

    /// The first line of a small regular file, ASCII whitespace trimmed; unavailable when missing, unreadable or empty.
    public static func firstLine(_ path: String) -> Read {
        guard path.hasPrefix("/") else { return .unavailable("not an absolute path") }
        switch ProbeFiles(root: "/").read(String(path.dropFirst()), cap: 4096) {
        case .success(let bytes):
            let line = bytes.split(separator: UInt8(ascii: "\n"), maxSplits: 1, omittingEmptySubsequences: false).first ?? []
            let text = String(decoding: line, as: UTF8.self).trimmedASCII()
            return text.isEmpty ? .unavailable("the first line is empty") : .value(text)
        case .failure(let why):
            return .unavailable(why.description)
        }
    }

    /// The cluster ID derived from `ClusterIDFile=`, or why there is none.
    public static func clusterID(file path: String) -> Read {
        guard path.hasPrefix("/") else { return .unavailable("not an absolute path") }
        switch ProbeFiles(root: "/").read(String(path.dropFirst()), cap: ClusterIDFile.maxLineBytes) {
        case .success(let bytes):
            return ClusterIDFile.derive(fromContent: bytes).map(Read.value) ?? .unavailable("the first line is empty")
        case .failure(let why):
            return .unavailable(why.description)
        }
    }
}
