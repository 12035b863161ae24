/// `Database=postgresql://user@host:port/dbname?sslmode=…` taken apart, as libpq reads such a URL (the parts this
/// collector uses). The password never comes from the URL: it is read from `PasswordFile=`, so the URL can be
/// logged and shown in `systemctl status` as it is.
public struct PostgresDatabaseURL: Sendable, Equatable, CustomStringConvertible {
    public enum TLSMode: String, Sendable, Equatable, CaseIterable {
        /// Plain TCP (a database on the same host or a private network).
        case disable
        /// TLS when the server offers it, with certificate verification; else plain (libpq's default).
        case prefer
        /// TLS, with certificate verification, or no connection.
        case require
    }

    public var user: String
    public var host: String
    public var port: Int
    public var database: String
    public var tls: TLSMode

    public init(user: String, host: String, port: Int = 5432, database: String, tls: TLSMode = .prefer) {
        self.user = user
        self.host = host
        self.port = port
        self.database = database
        self.tls = tls
    }

    public struct ParseError: Error, Equatable, CustomStringConvertible {
        public var description: String
    }

    /// Parses `postgresql://` or `postgres://` URLs: a user is required, the port defaults to 5432, the database
    /// to the user's name; `[::1]` for IPv6; percent-escapes are decoded. A password in the URL is refused (it would
    /// end up in logs and `ps`); `sslmode=` takes disable, prefer, require (verify-full is what require does here).
    public init(parsing text: String) throws {
        func fail(_ why: String, show: Bool = true) -> ParseError {
            ParseError(description: "Database=\(show ? text : "…"): \(why); expected postgresql://USER@HOST[:PORT]/DATABASE, the password in PasswordFile=")
        }
        var rest = Substring(text)
        if rest.hasPrefix("postgresql://") {
            rest = rest.dropFirst("postgresql://".count)
        } else if rest.hasPrefix("postgres://") {
            rest = rest.dropFirst("postgres://".count)
        } else {
            throw fail("not a postgresql:// URL")
        }
        var query = Substring("")
        if let q = rest.firstIndex(of: "?") {
            query = rest[rest.index(after: q)...]
            rest = rest[..<q]
        }
        var path = Substring("")
        if let slash = rest.firstIndex(of: "/") {
            path = rest[rest.index(after: slash)...]
            rest = rest[..<slash]
        }
        guard let at = rest.lastIndex(of: "@") else { throw fail("no user name") }
        let userInfo = rest[..<at]
        var hostPort = rest[rest.index(after: at)...]
        if userInfo.contains(":") { throw fail("a password in the URL is not accepted", show: false) }
        guard let user = Self.percentDecoded(userInfo), !user.isEmpty else { throw fail("no user name") }

        var host: Substring
        var portText: Substring? = nil
        if hostPort.hasPrefix("[") {
            guard let close = hostPort.firstIndex(of: "]") else { throw fail("unclosed [ in the host") }
            host = hostPort[hostPort.index(after: hostPort.startIndex)..<close]
            hostPort = hostPort[hostPort.index(after: close)...]
            if hostPort.hasPrefix(":") { portText = hostPort.dropFirst() } else if !hostPort.isEmpty { throw fail("junk after the host") }
        } else if let colon = hostPort.firstIndex(of: ":") {
            host = hostPort[..<colon]
            portText = hostPort[hostPort.index(after: colon)...]
        } else {
            host = hostPort
        }
        guard !host.isEmpty else { throw fail("no host") }
        var port = 5432
        if let portText {
            guard let p = Int(portText), (1...65535).contains(p) else { throw fail("bad port '\(portText)'") }
            port = p
        }
        guard let database = Self.percentDecoded(path), !database.contains("/") else { throw fail("bad database name") }

        var tls = TLSMode.prefer
        for pair in query.split(separator: "&") where !pair.isEmpty {
            let kv = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let key = kv[0], value = kv.count > 1 ? kv[1] : ""
            switch key {
            case "sslmode":
                switch value {
                case "disable": tls = .disable
                case "allow", "prefer": tls = .prefer
                case "require", "verify-ca", "verify-full": tls = .require
                default: throw fail("sslmode=\(value) is not one of disable, prefer, require")
                }
            default:
                throw fail("unknown parameter '\(key)'")
            }
        }
        self.init(user: user, host: String(host), port: port, database: database.isEmpty ? user : database, tls: tls)
    }

    public var description: String {
        let h = host.contains(":") ? "[\(host)]" : host
        return "postgresql://\(user)@\(h):\(port)/\(database)" + (tls == .prefer ? "" : "?sslmode=\(tls.rawValue)")
    }

    private static func percentDecoded<S: StringProtocol>(_ s: S) -> String? {
        var bytes: [UInt8] = []
        var it = Array(s.utf8).makeIterator()
        while let b = it.next() {
            if b == UInt8(ascii: "%") {
                guard let h = it.next(), let l = it.next(), let hi = hexValue(h), let lo = hexValue(l) else { return nil }
                bytes.append(hi << 4 | lo)
            } else {
                bytes.append(b)
            }
        }
        return String(validating: bytes, as: UTF8.self)
    }

    private static func hexValue(_ c: UInt8) -> UInt8? {
        switch c {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return c - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return c - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return c - UInt8(ascii: "A") + 10
        default: return nil
        }
    }
}
