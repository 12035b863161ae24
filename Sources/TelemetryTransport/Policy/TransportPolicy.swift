#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import TelemetryCore
#if canImport(Glibc)
import Glibc
#endif

/// Retry delays of a failed send (`RetryMinSec=`, `RetryMaxSec=`): exponential with full jitter, never
/// shorter than the minimum nor longer than the maximum. Pure.
public enum Backoff {
    /// The wait after the `attempt`-th consecutive failure (0 for the first). The ceiling grows as
    /// `min × 2^attempt` up to `max`; the delay is uniform between `min` and that ceiling. `random` returns a value
    /// in 0..<1 (injected so tests are deterministic).
    public static func delay(attempt: Int, min: Duration, max: Duration, random: () -> Double = { Double.random(in: 0..<1) }) -> Duration {
        let lo = Swift.max(0, min.inSeconds)
        let hi = Swift.max(lo, max.inSeconds)
        let exponent = Double(Swift.min(Swift.max(0, attempt), 62))
        let ceiling = Swift.min(hi, lo * Double(sign: .plus, exponent: Int(exponent), significand: 1))
        let r = Swift.min(Swift.max(random(), 0), 1)
        let value = lo + r * (Swift.max(ceiling, lo) - lo)
        return .seconds(Swift.min(Swift.max(value, lo), hi))
    }

    /// The wait before the next attempt after a retryable failure: the collector's `Retry-After` when it sent one
    /// (honoured beyond `max`, up to `RetryAfter.cap`, but never below `min`), else `delay(attempt:…)`.
    public static func wait(attempt: Int, retryAfter: Duration?, min: Duration, max: Duration,
                            random: () -> Double = { Double.random(in: 0..<1) }) -> Duration {
        if let retryAfter { return Swift.min(Swift.max(retryAfter, min), Swift.max(RetryAfter.cap, min)) }
        return delay(attempt: attempt, min: min, max: max, random: random)
    }

    /// Whether an attempt started at `startedAt` is still within what its deadline allows (TimeoutSec + 30s);
    /// beyond that the worker is considered stuck and the daemon stops pinging the watchdog.
    public static func attemptIsHealthy(startedAt: ContinuousClock.Instant?, now: ContinuousClock.Instant, timeout: Duration) -> Bool {
        guard let startedAt else { return true }
        return now - startedAt <= timeout + .seconds(30)
    }
}

/// `Retry-After` (RFC 9110 §10.2.3): delta-seconds or an IMF-fixdate. Pure.
public enum RetryAfter {
    /// A collector may ask for a long pause, but never for more than a day.
    public static let cap: Duration = .seconds(24 * 3600)

    /// The requested wait, at most `cap`; zero for a date in the past; nil when the header is not valid.
    public static func parse(_ header: String, now: Date) -> Duration? {
        let s = header.trimmedASCII()
        guard !s.isEmpty else { return nil }
        if s.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) {
            guard s.utf8.count <= 12, let v = Int64(s) else { return cap }  // absurdly long number: the cap
            return Swift.min(.seconds(v), cap)
        }
        guard let date = imfFixdate(s) else { return nil }
        let delta = date.timeIntervalSince(now)
        if delta <= 0 { return .zero }
        return Swift.min(.seconds(delta), cap)
    }

    /// `Sun, 06 Nov 1994 08:49:37 GMT`.
    static func imfFixdate(_ s: String) -> Date? {
        let f = s.split(separator: " ", omittingEmptySubsequences: true)
        guard f.count == 6, f[0].count == 4, f[0].hasSuffix(","), f[5] == "GMT",
              let day = Int(f[1]), f[1].count == 2, (1...31).contains(day),
              let month = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"].firstIndex(of: String(f[2])),
              let year = Int(f[3]), f[3].count == 4
        else { return nil }
        let t = f[4].split(separator: ":", omittingEmptySubsequences: false)
        guard t.count == 3, t.allSatisfy({ $0.count == 2 }), let hh = Int(t[0]), let mm = Int(t[1]), let ss = Int(t[2]),
              hh < 24, mm < 60, ss < 61 else { return nil }
        // Days from civil (Howard Hinnant's algorithm), no calendar or time zone database needed.
        let m = month + 1
        let y = m <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        let days = era * 146_097 + doe - 719_468
        return Date(timeIntervalSince1970: Double(days * 86400 + hh * 3600 + mm * 60 + ss))
    }
}

/// What an HTTP status means for a report (README, "Reports"). Pure.
public enum ResponseClassifier {
    public enum Verdict: Sendable, Equatable {
        case delivered
        case retry
        /// 401, 403: a credential problem the operator can fix; the report stays spooled.
        case credentialRejected
        case rejected
    }

    /// 2xx delivered; 408, 429 and 5xx retried; 401 and 403 kept for a fixed token; everything else rejected,
    /// including 3xx: redirects are not followed, so a report is never re-posted somewhere the operator did not
    /// configure.
    public static func classify(status: Int) -> Verdict {
        switch status {
        case 200...299: .delivered
        case 408, 429, 500...599: .retry
        case 401, 403: .credentialRejected
        default: .rejected
        }
    }
}

/// Which CONNECT proxy, if any, carries the reports (`Proxy=`; empty means `$https_proxy`/`$HTTPS_PROXY`
/// honoring `$no_proxy`). Pure: the environment is passed in.
public enum ProxySelector {
    /// `configured` (Proxy=) wins. Otherwise the scheme's variable: `https_proxy` then `HTTPS_PROXY` for https://
    /// endpoints, `http_proxy` for http:// ones (like curl, not `HTTP_PROXY`, which a CGI environment can
    /// inject), unless `no_proxy`/`NO_PROXY` exempts the endpoint's host. A variable that is not
    /// `http://host:port` (or `host:port`) is ignored.
    public static func select(endpoint: String, configured: String?, environment: [String: String]) -> ProxyAddress? {
        if let configured, !configured.isEmpty {
            return try? ConfigValues.proxy(configured).get()
        }
        guard let url = ConfigValues.splitURL(endpoint) else { return nil }
        let names = url.scheme == "https" ? ["https_proxy", "HTTPS_PROXY"] : ["http_proxy"]
        guard let raw = names.lazy.compactMap({ environment[$0] }).first(where: { !$0.trimmedASCII().isEmpty }) else {
            return nil
        }
        let port = url.port ?? (url.scheme == "https" ? 443 : 80)
        let noProxy = environment["no_proxy"] ?? environment["NO_PROXY"] ?? ""
        if exempts(noProxy: noProxy, host: url.host, port: port) { return nil }
        return parseEnvironmentProxy(raw)
    }

    /// `http://[user:password@]host:port[/]` or bare `[user:password@]host:port`.
    static func parseEnvironmentProxy(_ raw: String) -> ProxyAddress? {
        let s = raw.trimmedASCII()
        let withScheme = s.contains("://") ? s : "http://" + s
        return try? ConfigValues.proxy(withScheme).get()
    }

    /// Whether a `no_proxy` list exempts `host`, as curl reads it: entries separated by commas (and blanks); `*`
    /// exempts all; a name matches the host itself or any subdomain (`example.com` and `.example.com` both match
    /// `api.example.com`); an IP address or CIDR range (`10.0.0.0/8`, `fd00::/8`) matches an endpoint given as an
    /// IP address in it (no name is resolved for this); `host:port` matches only that port; IPv6 in brackets or
    /// bare. Case-insensitive.
    public static func exempts(noProxy: String, host: String, port: Int) -> Bool {
        let h = normalize(host)
        let hostIP = IPAddressBytes(h)
        for rawEntry in noProxy.split(whereSeparator: { $0 == "," || $0 == " " || $0 == "\t" }) {
            var entry = Substring(normalize(String(rawEntry)))
            if entry.isEmpty { continue }
            if entry == "*" { return true }
            if let slash = entry.firstIndex(of: "/") {
                // CIDR: only an endpoint written as an address can match.
                guard let hostIP, let bits = Int(entry[entry.index(after: slash)...]) else { continue }
                var net = entry[..<slash]
                if net.hasPrefix("["), net.hasSuffix("]") { net = net.dropFirst().dropLast() }
                if let netIP = IPAddressBytes(String(net)), netIP.contains(hostIP, prefixLength: bits) { return true }
                continue
            }
            var entryPort: Int?
            if entry.hasPrefix("[") {
                guard let close = entry.firstIndex(of: "]") else { continue }
                let after = entry[entry.index(after: close)...]
                if after.hasPrefix(":") { entryPort = Int(after.dropFirst()) }
                entry = entry[entry.index(after: entry.startIndex)..<close]
            } else if entry.filter({ $0 == ":" }).count == 1, let c = entry.firstIndex(of: ":") {
                entryPort = Int(entry[entry.index(after: c)...])
                entry = entry[..<c]
            }
            if let entryPort, entryPort != port { continue }
            if let hostIP {
                // An address is matched as an address only, never as a name suffix (curl does the same).
                if let entryIP = IPAddressBytes(String(entry)), entryIP == hostIP { return true }
                continue
            }
            while entry.hasPrefix(".") { entry = entry.dropFirst() }
            if entry.hasPrefix("*.") { entry = entry.dropFirst(2) }
            if entry.isEmpty { continue }
            if h == entry || h.hasSuffix("." + entry) { return true }
        }
        return false
    }

    private static func normalize(_ s: String) -> String {
        var t = ConfigValues.asciiLowercased(s.trimmedASCII())
        while t.hasSuffix(".") { t.removeLast() }
        return t
    }
}

/// An IPv4 or IPv6 address as its bytes (4 or 16), for `no_proxy` CIDR matching. Pure (inet_pton only parses).
struct IPAddressBytes: Equatable {
    let bytes: [UInt8]

    init?(_ text: String) {
        var v4 = in_addr()
        var v6 = in6_addr()
        if inet_pton(AF_INET, text, &v4) == 1 {
            bytes = withUnsafeBytes(of: &v4) { Array($0) }
        } else if inet_pton(AF_INET6, text, &v6) == 1 {
            bytes = withUnsafeBytes(of: &v6) { Array($0) }
        } else {
            return nil
        }
    }

    /// Whether `other` lies in this network of `prefixLength` bits (same family only).
    func contains(_ other: IPAddressBytes, prefixLength: Int) -> Bool {
        guard bytes.count == other.bytes.count, (0...(bytes.count * 8)).contains(prefixLength) else { return false }
        var left = prefixLength
        for (a, b) in zip(bytes, other.bytes) where left > 0 {
            let mask: UInt8 = left >= 8 ? 0xFF : ~(0xFF >> UInt8(left))
            if a & mask != b & mask { return false }
            left -= 8
        }
        return true
    }
}

extension Duration {
    /// Seconds as a Double (attoseconds folded in).
    public var inSeconds: Double {
        let c = components
        return Double(c.seconds) + Double(c.attoseconds) / 1e18
    }
}
