import CollectorSummary

/// Links between views of the page: the same page with another `days=`, `product=`, `version=` or `established=`. Relative (a query
/// only), so the page works under any path a reverse proxy gives it; every value percent-encoded, so a version such
/// as `1.0 beta&x=<y>` stays one value and the link stays inert text in an attribute.
enum PageLink {
    /// `?days=30&product=acme-db&version=4.2.1&established=1` (absent parts left out).
    static func query(days: Int, filter: SummaryFilter) -> String {
        var parts = ["days=\(days)"]
        if let p = filter.product { parts.append("product=" + encode(p)) }
        if let v = filter.version { parts.append("version=" + encode(v)) }
        if filter.established { parts.append("established=1") }
        return "?" + parts.joined(separator: "&")
    }

    /// `href="…"` of `query`: percent-encoded, then escaped for the attribute.
    static func href(days: Int, filter: SummaryFilter) -> String {
        "href=\"\(HTML.escape(query(days: days, filter: filter)))\""
    }

    /// Every byte but RFC 3986's unreserved characters as `%XX`.
    static func encode(_ s: String) -> String {
        var out = ""
        for b in s.utf8 {
            switch b {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                 UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"):
                out.unicodeScalars.append(Unicode.Scalar(b))
            default:
                let hex = Array("0123456789ABCDEF".unicodeScalars)
                out.unicodeScalars.append("%")
                out.unicodeScalars.append(hex[Int(b >> 4)])
                out.unicodeScalars.append(hex[Int(b & 0xF)])
            }
        }
        return out
    }
}
