import CollectorEdge
import ConfigGrammar

/// The keys of collector.conf and how assignments become a `CollectorConfig`. Pure: no I/O.
public enum CollectorConfigSchema {
    public static let section = "Collector"
    public static let keys = ["Listen", "Database", "PasswordFile", "TokenFile", "MaxBodyBytes", "RetainDays",
                              "TLSCertificate", "TLSKey",
                              "MaxConnections", "RequestTimeoutSec", "IdleTimeoutSec", "WriteTimeoutSec",
                              "NetworkReportsPerMinute", "NetworkNewInstallsPerDay", "InstanceReportsPerDay", "TrustedProxies",
                              "MaxDistinctValues", "ReadTokenFile", "ReadCacheSec"]
    public static let keysBySection: [String: [String]] = [section: keys]

    public static let maxBodyBytesRange = 1024...(16 << 20)
    public static let retainDaysRange = 1...36_500
    public static let maxConnectionsRange = 16...1_000_000
    /// 0 turns a rate limit off.
    public static let limitRange = 0...100_000_000
    public static let edgeTimeoutRange = TimeSpan(seconds: 1)...TimeSpan(seconds: 3600)
    public static let maxDistinctValuesRange = 1...100_000
    /// ReadCacheSec=: at least a second (a shorter one would let readers load the database again), at most an hour.
    public static let readCacheRange = TimeSpan(seconds: 1)...TimeSpan(seconds: 3600)

    /// Merges parsed files in order (later assignments win; `Key=` resets to the default), then checks
    /// the keys that go together.
    public static func resolve(_ files: [ParsedConfigFile]) throws(ConfigError) -> (CollectorConfig, [ConfigDiagnostic]) {
        var c = CollectorConfig()
        var warnings: [ConfigDiagnostic] = []
        var origins: [String: ConfigLocation] = [:]
        for f in files {
            warnings += f.warnings
            for a in f.assignments {
                try apply(a, to: &c)
                origins[a.key] = a.location
            }
        }
        if (c.tlsCertificate == nil) != (c.tlsKey == nil) {
            let set = c.tlsCertificate == nil ? "TLSKey" : "TLSCertificate"
            let missing = c.tlsCertificate == nil ? "TLSCertificate" : "TLSKey"
            throw ConfigError(location: origins[set], key: set, message: "\(set)= is set but \(missing)= is not; set both (PEM files) or neither")
        }
        if case .postgresql = c.database, c.passwordFile == nil {
            // Fine for trust or peer authentication; say it once so a missing password is not a mystery.
            warnings.append(ConfigDiagnostic(location: origins["Database"], message: "Database= is PostgreSQL and PasswordFile= is empty: connecting without a password"))
        }
        return (c, warnings)
    }

    public static func apply(_ a: ConfigAssignment, to c: inout CollectorConfig) throws(ConfigError) {
        let d = CollectorConfig()
        switch a.key {
        case "Listen": c.listen = try a.parsed(or: d.listen, listen)
        case "Database": c.database = try a.parsed(or: d.database, DatabaseURL.parse)
        case "PasswordFile": c.passwordFile = try a.parsed(or: d.passwordFile) { path($0).map(Optional.some) }
        case "TokenFile": c.tokenFile = try a.parsed(or: d.tokenFile) { path($0).map(Optional.some) }
        case "MaxBodyBytes": c.maxBodyBytes = try a.parsed(or: d.maxBodyBytes) { size($0, in: maxBodyBytesRange) }
        case "RetainDays": c.retainDays = try a.parsed(or: d.retainDays) { integer($0, in: retainDaysRange) }
        case "TLSCertificate": c.tlsCertificate = try a.parsed(or: d.tlsCertificate) { path($0).map(Optional.some) }
        case "TLSKey": c.tlsKey = try a.parsed(or: d.tlsKey) { path($0).map(Optional.some) }
        case "MaxConnections": c.maxConnections = try a.parsed(or: d.maxConnections) { integer($0, in: maxConnectionsRange) }
        case "RequestTimeoutSec": c.timeouts.request = try a.parsed(or: d.timeouts.request, seconds)
        case "IdleTimeoutSec": c.timeouts.idle = try a.parsed(or: d.timeouts.idle, seconds)
        case "WriteTimeoutSec": c.timeouts.write = try a.parsed(or: d.timeouts.write, seconds)
        case "NetworkReportsPerMinute":
            c.limits.networkReportsPerMinute = try a.parsed(or: d.limits.networkReportsPerMinute) { integer($0, in: limitRange) }
        case "NetworkNewInstallsPerDay":
            c.limits.networkNewInstallsPerDay = try a.parsed(or: d.limits.networkNewInstallsPerDay) { integer($0, in: limitRange) }
        case "InstanceReportsPerDay":
            c.limits.instanceReportsPerDay = try a.parsed(or: d.limits.instanceReportsPerDay) { integer($0, in: limitRange) }
        case "TrustedProxies": c.trustedProxies = try a.parsed(or: d.trustedProxies, trustedProxies)
        case "MaxDistinctValues": c.maxDistinctValues = try a.parsed(or: d.maxDistinctValues) { integer($0, in: maxDistinctValuesRange) }
        case "ReadTokenFile": c.readTokenFile = try a.parsed(or: d.readTokenFile) { path($0).map(Optional.some) }
        case "ReadCacheSec": c.readCache = try a.parsed(or: d.readCache) { timeSpan($0, in: readCacheRange) }
        default:
            throw ConfigError(location: a.location, key: a.key, message: "\(a.key)= is not a known key of section [\(a.section)]")
        }
    }


    // MARK: - Values

    /// `HOST:PORT`, `[IPv6]:PORT`; port 0 picks a free port (printed at start).
    public static func listen(_ s: String) -> Result<ListenAddress, ConfigValues.Expected> {
        let expected = ConfigValues.Expected("expected HOST:PORT like 127.0.0.1:8080 or [::1]:8080 (0.0.0.0:8080 for every interface)")
        let host: Substring, portText: Substring
        if s.hasPrefix("[") {
            guard let close = s.firstIndex(of: "]"), s[s.index(after: close)...].hasPrefix(":") else { return .failure(expected) }
            host = s[s.index(after: s.startIndex)..<close]
            portText = s[s.index(close, offsetBy: 2)...]
        } else {
            guard let colon = s.lastIndex(of: ":"), !s[..<colon].contains(":") else { return .failure(expected) }
            host = s[..<colon]
            portText = s[s.index(after: colon)...]
        }
        guard !host.isEmpty, !host.contains(where: { $0 == " " || $0 == "/" }),
              !portText.isEmpty, portText.allSatisfy(\.isASCII), portText.allSatisfy(\.isNumber),
              let port = Int(portText), (0...65_535).contains(port) else { return .failure(expected) }
        return .success(ListenAddress(host: String(host), port: port))
    }

    /// A time span from 1s to 1h, in seconds: `10s`, `1min 30s`, `500ms` is too short.
    public static func seconds(_ s: String) -> Result<Double, ConfigValues.Expected> {
        ConfigValues.timeSpan(s, minimum: edgeTimeoutRange.lowerBound).flatMap { t in
            t <= edgeTimeoutRange.upperBound ? .success(t.seconds) : .failure(ConfigValues.Expected("too long; expected at most 1h"))
        }
    }

    /// CIDR ranges or addresses separated by spaces (`127.0.0.0/8 ::1 10.1.2.0/24`), or `none` to believe no
    /// proxy (every client is its peer address).
    public static func trustedProxies(_ s: String) -> Result<TrustedProxies, ConfigValues.Expected> {
        let words = s.split(whereSeparator: { $0 == " " || $0 == "\t" })
        if words.count == 1, words[0] == "none" { return .success(TrustedProxies([])) }
        var ranges: [CIDR] = []
        for w in words {
            guard let r = CIDR(w) else {
                return .failure(ConfigValues.Expected("\"\(w)\" is not an address or CIDR range; expected a list like 127.0.0.0/8 ::1 10.0.0.0/8, or none"))
            }
            ranges.append(r)
        }
        return .success(TrustedProxies(ranges))
    }

    /// An absolute path.
    public static func path(_ s: String) -> Result<String, ConfigValues.Expected> {
        guard s.hasPrefix("/"), !s.utf8.contains(0) else {
            return .failure(ConfigValues.Expected("expected an absolute path, or empty"))
        }
        return .success(s)
    }

    /// Bytes with an optional K, M or G suffix (powers of 1024, as systemd's sizes): `64K`, `1M`, `65536`.
    public static func size(_ s: String, in range: ClosedRange<Int>) -> Result<Int, ConfigValues.Expected> {
        let expected = ConfigValues.Expected("expected a size from 1K to 16M, like 64K (K, M, G are powers of 1024)")
        var digits = Substring(s)
        var factor = 1
        switch digits.last {
        case "K", "k": factor = 1 << 10; digits = digits.dropLast()
        case "M", "m": factor = 1 << 20; digits = digits.dropLast()
        case "G", "g": factor = 1 << 30; digits = digits.dropLast()
        default: break
        }
        guard !digits.isEmpty, digits.count <= 12, digits.allSatisfy({ $0.isASCII && $0.isNumber }), let n = Int(digits) else {
            return .failure(expected)
        }
        let (v, overflow) = n.multipliedReportingOverflow(by: factor)
        guard !overflow, range.contains(v) else { return .failure(expected) }
        return .success(v)
    }

    /// A systemd time span (`10s`, `1min`, `500ms`; the agent's parser) within `range`.
    public static func timeSpan(_ s: String, in range: ClosedRange<TimeSpan>) -> Result<TimeSpan, ConfigValues.Expected> {
        let expected = ConfigValues.Expected("expected a time span from \(range.lowerBound) to \(range.upperBound), like 10s or 1min")
        guard let t = try? TimeSpan(parsing: s), range.contains(t) else { return .failure(expected) }
        return .success(t)
    }

    public static func integer(_ s: String, in range: ClosedRange<Int>) -> Result<Int, ConfigValues.Expected> {
        let expected = ConfigValues.Expected("expected a whole number from \(range.lowerBound) to \(range.upperBound)")
        guard !s.isEmpty, s.count <= 12, s.allSatisfy({ $0.isASCII && $0.isNumber }), let n = Int(s), range.contains(n) else {
            return .failure(expected)
        }
        return .success(n)
    }
}
