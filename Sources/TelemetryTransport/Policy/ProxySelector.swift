import TelemetryCore
import ConfigGrammar

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
