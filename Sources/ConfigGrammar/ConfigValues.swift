// Pure value parsers any schema of this repository uses (telemetry.conf, collector.conf). Each returns the parsed
// value or, on failure, the text that follows "Key=value: " in the error ("expected a time span like 6h, 15min,
// 1h 30min"). telemetryd's own values (Endpoint=, Proxy=, MaxReports=, …) extend this in TelemetryCore.

import Systemd

public enum ConfigValues {
    public typealias Outcome<T> = Result<T, Expected>

    /// What a value should have looked like; becomes the end of a ConfigError message.
    public struct Expected: Error, Sendable, Equatable, CustomStringConvertible {
        public var text: String
        public init(_ text: String) { self.text = text }
        public var description: String { text }
    }

    // MARK: booleans

    /// systemd's parse_boolean(): 1/yes/y/true/t/on and 0/no/n/false/f/off, ASCII case-insensitive
    /// (`SystemdBoolean`, the parser the environment flags use too).
    public static func parseBoolean(_ s: String) -> Bool? {
        SystemdBoolean.parse(s)
    }

    public static func boolean(_ s: String) -> Outcome<Bool> {
        parseBoolean(s).map { .success($0) } ?? .failure(Expected("expected a boolean: yes or no (also true/false, on/off, 1/0)"))
    }

    // MARK: time spans

    public static let timeSpanExample = "a time span like 6h, 15min, 1h 30min"
    /// Longest accepted time span: keeps later arithmetic (due times, Duration) far from overflow.
    public static let maximumTimeSpan = TimeSpan(seconds: 31_557_600)   // 1y

    /// A time span in `minimum...maximumTimeSpan`; "infinity" is rejected (to stop sending, set Enable=no).
    public static func timeSpan(_ s: String, minimum: TimeSpan) -> Outcome<TimeSpan> {
        let t: TimeSpan
        do {
            t = try TimeSpan(parsing: s)
        } catch {
            switch error {
            case .invalid: return .failure(Expected("expected \(timeSpanExample)"))
            case .negative: return .failure(Expected("expected \(timeSpanExample); negative values are not allowed"))
            case .overflow: return .failure(Expected("time span too large; expected at most \(maximumTimeSpan)"))
            }
        }
        if t.isInfinity {
            return .failure(Expected("\"infinity\" is not allowed here; expected \(timeSpanExample) (to stop sending reports, set Enable=no)"))
        }
        if t < minimum { return .failure(Expected("too short; expected at least \(minimum)")) }
        if t > maximumTimeSpan { return .failure(Expected("too long; expected at most \(maximumTimeSpan)")) }
        return .success(t)
    }

    // MARK: URLs

    public struct URLParts: Equatable, Sendable {
        public var scheme: String      // lower-case
        public var host: String        // without IPv6 brackets
        public var port: Int?
        public var rest: String        // path, query, fragment ("" or starting with / ? #)
    }

    /// A minimal RFC 3986 check: scheme://host[:port][/path][?query][#fragment], printable ASCII only,
    /// no user info (credentials do not belong in a world-readable config, nor in `telemetryd status`).
    public static func splitURL(_ s: String) -> URLParts? {
        let b = Array(s.utf8)
        guard b.allSatisfy({ $0 > 0x20 && $0 < 0x7F }) else { return nil }
        guard let colon = b.firstIndex(of: UInt8(ascii: ":")),
              b.count >= colon + 3, b[colon + 1] == UInt8(ascii: "/"), b[colon + 2] == UInt8(ascii: "/")
        else { return nil }
        let scheme = asciiLowercased(String(decoding: b[..<colon], as: UTF8.self))
        let authStart = colon + 3
        var authEnd = authStart
        while authEnd < b.count, ![UInt8(ascii: "/"), UInt8(ascii: "?"), UInt8(ascii: "#")].contains(b[authEnd]) { authEnd += 1 }
        let auth = Array(b[authStart..<authEnd])
        let rest = String(decoding: b[authEnd...], as: UTF8.self)
        guard !auth.contains(UInt8(ascii: "@")) else { return nil }

        var host: [UInt8]
        var portPart: [UInt8]?
        if auth.first == UInt8(ascii: "[") {
            guard let close = auth.firstIndex(of: UInt8(ascii: "]")) else { return nil }
            host = Array(auth[1..<close])
            guard !host.isEmpty, host.allSatisfy({ isHexDigit($0) || $0 == UInt8(ascii: ":") || $0 == UInt8(ascii: ".") }),
                  host.contains(UInt8(ascii: ":")) else { return nil }
            let after = auth[(close + 1)...]
            if let first = after.first {
                guard first == UInt8(ascii: ":") else { return nil }
                portPart = Array(after.dropFirst())
            }
        } else {
            if let c = auth.firstIndex(of: UInt8(ascii: ":")) {
                host = Array(auth[..<c])
                portPart = Array(auth[(c + 1)...])
            } else {
                host = auth
            }
            guard let first = host.first, first != UInt8(ascii: "."), first != UInt8(ascii: "-"),
                  host.allSatisfy({ isAlnum($0) || $0 == UInt8(ascii: "-") || $0 == UInt8(ascii: ".") || $0 == UInt8(ascii: "_") })
            else { return nil }
        }
        var port: Int?
        if let pp = portPart {
            guard !pp.isEmpty, pp.count <= 5, pp.allSatisfy(isDigit) else { return nil }
            let v = pp.reduce(0) { $0 * 10 + Int($1 - 0x30) }
            guard v >= 1 && v <= 65535 else { return nil }
            port = v
        }
        return URLParts(scheme: scheme, host: String(decoding: host, as: UTF8.self), port: port, rest: rest)
    }

    // MARK: helpers

    public static func asciiLowercased(_ s: String) -> String {
        String(decoding: s.utf8.map { $0 >= 0x41 && $0 <= 0x5A ? $0 + 0x20 : $0 }, as: UTF8.self)
    }
    package static func isDigit(_ c: UInt8) -> Bool { c >= 0x30 && c <= 0x39 }
    package static func isHexDigit(_ c: UInt8) -> Bool { isDigit(c) || (c | 0x20 >= 0x61 && c | 0x20 <= 0x66) }
    package static func isAlnum(_ c: UInt8) -> Bool { isDigit(c) || (c | 0x20 >= 0x61 && c | 0x20 <= 0x7A) }
}
