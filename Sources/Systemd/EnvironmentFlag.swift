/// systemd's booleans, as its parse_boolean() reads them: 1/yes/y/true/t/on and 0/no/n/false/f/off, ASCII
/// case-insensitive. The one parser of booleans for config files and environment variables alike, in both
/// binaries, so a value never means one thing in one place and the opposite in another.
public enum SystemdBoolean {
    public static func parse(_ s: String) -> Bool? {
        let lowered = String(decoding: s.utf8.map { (0x41...0x5A).contains($0) ? $0 + 0x20 : $0 }, as: UTF8.self)
        return switch lowered {
        case "1", "yes", "y", "true", "t", "on": true
        case "0", "no", "n", "false", "f", "off": false
        default: nil
        }
    }
}

/// An environment variable read as a flag (TELEMETRYD_DEBUG, TELEMETRYD_DISABLE, DO_NOT_TRACK,
/// TELEMETRY_COLLECTOR_DEBUG).
public enum EnvironmentFlag: Equatable, Sendable {
    /// Unset, or empty after trimming whitespace.
    case unset
    /// A systemd boolean.
    case value(Bool)
    /// Anything else: counts as set (a typo in an opt-out variable must not mean "keep sending"); callers warn.
    case notBoolean(String)

    public init(_ raw: String?) {
        guard let raw else { self = .unset; return }
        let trimmed = raw.trimmingASCIIWhitespace
        if trimmed.isEmpty {
            self = .unset
        } else if let b = SystemdBoolean.parse(trimmed) {
            self = .value(b)
        } else {
            self = .notBoolean(raw)
        }
    }

    /// Is the flag on? A true value or a value that is not a boolean; unset, empty or a false value is off.
    public var isSet: Bool {
        switch self {
        case .unset: false
        case .value(let b): b
        case .notBoolean: true
        }
    }
}

extension String {
    fileprivate var trimmingASCIIWhitespace: String {
        let ws: Set<UInt8> = [0x20, 0x09, 0x0A, 0x0D, 0x0B, 0x0C]
        let bytes = Array(utf8)
        guard let first = bytes.firstIndex(where: { !ws.contains($0) }),
              let last = bytes.lastIndex(where: { !ws.contains($0) }) else { return "" }
        return String(decoding: bytes[first...last], as: UTF8.self)
    }
}
