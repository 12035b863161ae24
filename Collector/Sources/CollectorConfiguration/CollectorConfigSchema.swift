import CollectorEdge
import ConfigGrammar

/// The keys of collector.conf and how assignments become a `CollectorConfig`. Pure: no I/O.
public enum CollectorConfigSchema {
    public static let section = "Collector"
    /// Every key of collector.conf, in the order of the shipped etc/telemetry-collector/collector.conf: one row a key
    /// (name, parser, where the value lands). Adding a key is adding a row here.
    public static let table = ConfigTable<CollectorConfig>(defaults: CollectorConfig(), keys: [
        Row(section, "Listen", listen, at: \.listen),
        Row(section, "Database", DatabaseURL.parse, at: \.database),
        Row(section, "PasswordFile", path, at: \.passwordFile),
        Row(section, "TokenFile", path, at: \.tokenFile),
        Row(section, "MaxBodyBytes", { size($0, in: maxBodyBytesRange) }, at: \.maxBodyBytes),
        Row(section, "RetainDays", { integer($0, in: retainDaysRange) }, at: \.retainDays),
        Row(section, "TLSCertificate", path, at: \.tlsCertificate),
        Row(section, "TLSKey", path, at: \.tlsKey),
        Row(section, "MaxConnections", { integer($0, in: maxConnectionsRange) }, at: \.maxConnections),
        Row(section, "RequestTimeoutSec", seconds, at: \.timeouts.request),
        Row(section, "IdleTimeoutSec", seconds, at: \.timeouts.idle),
        Row(section, "WriteTimeoutSec", seconds, at: \.timeouts.write),
        Row(section, "NetworkReportsPerMinute", { integer($0, in: limitRange) }, at: \.limits.networkReportsPerMinute),
        Row(section, "NetworkNewInstallsPerDay", { integer($0, in: limitRange) }, at: \.limits.networkNewInstallsPerDay),
        Row(section, "InstanceReportsPerDay", { integer($0, in: limitRange) }, at: \.limits.instanceReportsPerDay),
        Row(section, "TrustedProxies", trustedProxies, at: \.trustedProxies),
        Row(section, "MaxDistinctValues", { integer($0, in: maxDistinctValuesRange) }, at: \.maxDistinctValues),
        Row(section, "ReadTokenFile", path, at: \.readTokenFile),
        Row(section, "ReadCacheSec", { timeSpan($0, in: readCacheRange) }, at: \.readCache),
        Row(section, "PublicMinInstalls", { integer($0, in: publicMinInstallsRange) }, at: \.publicMinInstalls),
    ])
    public typealias Row = ConfigKey<CollectorConfig>
    public static var keys: [Row] { table.keys }
    public static var keysBySection: [String: [String]] { table.keysBySection }

    public static let maxBodyBytesRange = 1024...(16 << 20)
    public static let retainDaysRange = 1...36_500
    public static let maxConnectionsRange = 16...1_000_000
    /// 0 turns a rate limit off.
    public static let limitRange = 0...100_000_000
    public static let edgeTimeoutRange = TimeSpan(seconds: 1)...TimeSpan(seconds: 3600)
    public static let maxDistinctValuesRange = 1...100_000
    /// ReadCacheSec=: at least a second (a shorter one would let readers load the database again), at most an hour.
    public static let readCacheRange = TimeSpan(seconds: 1)...TimeSpan(seconds: 3600)
    /// PublicMinInstalls=: 0 turns the public page off; 1 would publish every cell, so the least that hides is 2.
    public static let publicMinInstallsRange = 0...1_000_000

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
        try table.apply(a, to: &c)
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
