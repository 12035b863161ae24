// telemetryd's own value parsers for telemetry.conf (the shared ones are ConfigGrammar's ConfigValues).

import ConfigGrammar

extension ConfigValues {
    // MARK: UUID

    /// A UUID in the usual 8-4-4-4-12 form or as 32 hex digits (like sd_id128), any case; returns the
    /// lower-case 8-4-4-4-12 form. The all-zero UUID is rejected.
    public static func uuid(_ s: String) -> Outcome<String> {
        let expected = Expected("expected a UUID like 4f1c2a9e-8d3b-4c7a-9e21-5b6f0d8c3a17 (generate one with `systemd-id128 new -u` or `uuidgen`), or empty to generate one")
        var hex: [UInt8] = []
        let b = Array(s.utf8)
        let dashed = b.count == 36
        guard dashed || b.count == 32 else { return .failure(expected) }
        for (i, c) in b.enumerated() {
            if dashed && (i == 8 || i == 13 || i == 18 || i == 23) {
                guard c == UInt8(ascii: "-") else { return .failure(expected) }
                continue
            }
            switch c {
            case UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "a")...UInt8(ascii: "f"): hex.append(c)
            case UInt8(ascii: "A")...UInt8(ascii: "F"): hex.append(c + 0x20)
            default: return .failure(expected)
            }
        }
        if hex.allSatisfy({ $0 == UInt8(ascii: "0") }) {
            return .failure(Expected("the all-zero UUID cannot identify a cluster; expected a UUID like 4f1c2a9e-8d3b-4c7a-9e21-5b6f0d8c3a17, or empty to generate one"))
        }
        var out: [UInt8] = []
        for (i, c) in hex.enumerated() {
            if i == 8 || i == 12 || i == 16 || i == 20 { out.append(UInt8(ascii: "-")) }
            out.append(c)
        }
        return .success(String(decoding: out, as: UTF8.self))
    }

    // MARK: endpoint, proxy, format, token

    /// The collector URL: `https://host[:port][/path]`. `http://` is accepted for tests and local
    /// collectors only: reports then travel unencrypted.
    public static func endpoint(_ s: String) -> Outcome<String> {
        guard let u = splitURL(s), u.scheme == "https" || u.scheme == "http" else {
            return .failure(Expected("expected an https:// URL with a host, like \(TelemetryConfig.defaultEndpoint) (http:// only for testing; no user:password@)"))
        }
        return .success(s)
    }

    /// `http://[user:password@]host:port` of a CONNECT proxy (optionally with a trailing "/"). User and password are
    /// percent-decoded (`%40` for `@`, `%3A` for `:`), as curl reads them.
    public static func proxy(_ s: String) -> Result<ProxyAddress, Expected> {
        let expected = Expected("expected http://[user:password@]host:port of a CONNECT proxy, like http://proxy.example.com:3128, or empty to use $https_proxy")
        var rest = s
        var credentials: ProxyCredentials?
        let b = Array(s.utf8)
        let schemeEnd = (0..<max(0, b.count - 2)).first { b[$0] == UInt8(ascii: ":") && b[$0 + 1] == UInt8(ascii: "/") && b[$0 + 2] == UInt8(ascii: "/") }.map { $0 + 3 }
        if let schemeEnd, let at = b[schemeEnd...].lastIndex(of: UInt8(ascii: "@")) {
            let userinfo = b[schemeEnd..<at]
            guard !userinfo.contains(UInt8(ascii: "/")) else { return .failure(expected) }
            let colon = userinfo.firstIndex(of: UInt8(ascii: ":"))
            guard let user = percentDecoded(userinfo[..<(colon ?? at)]), !user.isEmpty,
                  let password = colon.map({ percentDecoded(userinfo[($0 + 1)...]) }) ?? ""
            else { return .failure(expected) }
            credentials = ProxyCredentials(username: user, password: password)
            rest = String(decoding: b[..<schemeEnd] + b[(at + 1)...], as: UTF8.self)
        }
        guard let u = splitURL(rest), u.scheme == "http", let port = u.port, u.rest.isEmpty || u.rest == "/" else {
            return .failure(expected)
        }
        return .success(ProxyAddress(host: u.host, port: port, credentials: credentials))
    }

    /// `%XX` escapes decoded; nil for a broken escape or a control character.
    static func percentDecoded(_ s: ArraySlice<UInt8>) -> String? {
        var out: [UInt8] = []
        var b = s
        while let c = b.popFirst() {
            if c == UInt8(ascii: "%") {
                guard b.count >= 2, let hi = hexValue(b[b.startIndex]), let lo = hexValue(b[b.startIndex + 1]) else { return nil }
                out.append(hi << 4 | lo)
                b = b.dropFirst(2)
            } else {
                out.append(c)
            }
        }
        guard !out.contains(where: { $0 < 0x20 || $0 == 0x7F }) else { return nil }
        return String(validating: out, as: UTF8.self)
    }

    private static func hexValue(_ c: UInt8) -> UInt8? {
        switch c {
        case 0x30...0x39: c - 0x30
        case 0x41...0x46: c - 0x41 + 10
        case 0x61...0x66: c - 0x61 + 10
        default: nil
        }
    }

    /// `telemetryd` or `segment`.
    public static func format(_ s: String) -> Outcome<ReportFormat> {
        guard let f = ReportFormat(rawValue: asciiLowercased(s)) else {
            return .failure(Expected("expected telemetryd (this project's JSON) or segment (Segment HTTP Tracking API track calls)"))
        }
        return .success(f)
    }

    /// An absolute path, or a plain file name inside `$CREDENTIALS_DIRECTORY` (no "/" and no "..").
    public static func tokenFile(_ s: String) -> Outcome<String> {
        let ok = !s.utf8.contains(0) && (s.hasPrefix("/") || (!s.contains("/") && s != "." && s != ".."))
        guard ok else {
            return .failure(Expected("expected an absolute path like /etc/telemetryd/token, or a credential name like token (a file in $CREDENTIALS_DIRECTORY, see LoadCredential= in systemd.exec(5)), or empty"))
        }
        return .success(s)
    }

    // MARK: paths and numbers

    /// An absolute path (not checked for existence here: that is the transport's job at use time).
    public static func absolutePath(_ s: String) -> Outcome<String> {
        guard s.utf8.first == UInt8(ascii: "/"), !s.utf8.contains(0) else {
            return .failure(Expected("expected an absolute path to a PEM file, like /etc/ssl/private-ca.pem, or empty"))
        }
        return .success(s)
    }

    /// An absolute path of a file; `what` names it in the error.
    public static func absoluteFilePath(_ s: String, _ what: String) -> Outcome<String> {
        guard s.utf8.first == UInt8(ascii: "/"), !s.utf8.contains(0) else {
            return .failure(Expected("expected the absolute path of \(what), like /var/lib/acme/\(what.hasSuffix("schema") ? "facts.schema.json" : "file"), or empty"))
        }
        return .success(s)
    }

    /// `[Product] Name=`: 1 to 64 characters of `A-Z a-z 0-9 . _ + -`, starting with a letter or digit
    /// (the report schema's `product.name` pattern), so a collector can use it as a label as it is.
    public static let productNameLimit = 64
    public static func productName(_ s: String) -> Outcome<String> {
        let b = Array(s.utf8)
        let ok = !b.isEmpty && b.count <= productNameLimit && isAlnum(b[0])
            && b.allSatisfy { isAlnum($0) || $0 == UInt8(ascii: ".") || $0 == UInt8(ascii: "_") || $0 == UInt8(ascii: "+") || $0 == UInt8(ascii: "-") }
        return ok ? .success(s) : .failure(Expected("expected a product name of 1 to \(productNameLimit) letters, digits, \".\", \"_\", \"+\" or \"-\", starting with a letter or digit, like acme-db"))
    }

    /// `[Product] Version=`: printable text without control characters; cut to the schema's limit when sent.
    public static func productVersion(_ s: String) -> Outcome<String> {
        s.unicodeScalars.allSatisfy({ $0.value >= 0x20 && $0.value != 0x7F })
            ? .success(s) : .failure(Expected("expected a version like 4.2.1 (printable text, no control characters)"))
    }

    public static let maxReportsLimit = 100_000

    /// A decimal integer in 1...maxReportsLimit.
    public static func maxReports(_ s: String) -> Outcome<Int> {
        let expected = Expected("expected a whole number from 1 to \(maxReportsLimit)")
        let b = Array(s.utf8)
        guard !b.isEmpty, b.allSatisfy(isDigit) else { return .failure(expected) }
        var v = 0
        for c in b {
            v = v * 10 + Int(c - 0x30)
            if v > maxReportsLimit { return .failure(expected) }
        }
        guard v >= 1 else { return .failure(expected) }
        return .success(v)
    }
}
