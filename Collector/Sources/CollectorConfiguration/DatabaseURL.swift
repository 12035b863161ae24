import ConfigGrammar

/// `sqlite:///absolute/path` or `postgresql://user@host:port/database` (the password comes from PasswordFile=).
public enum DatabaseURL: Sendable, Equatable, CustomStringConvertible {
    case sqlite(path: String)
    case postgresql(url: String)

    public var description: String {
        switch self {
        case .sqlite(let path): return "sqlite://\(path)"
        case .postgresql(let url): return url
        }
    }

    public static let expected = "expected sqlite:///ABSOLUTE/PATH (like \(CollectorConfig.defaultDatabase)) or postgresql://USER@HOST:PORT/DATABASE (no password in the URL: use PasswordFile=)"

    public static func parse(_ s: String) -> Result<DatabaseURL, ConfigValues.Expected> {
        if s.hasPrefix("sqlite://") {
            let path = String(s.dropFirst("sqlite://".count))
            guard path.hasPrefix("/"), path.count > 1, !path.hasSuffix("/"), !path.utf8.contains(0) else {
                return .failure(ConfigValues.Expected(expected))
            }
            return .success(.sqlite(path: path))
        }
        for scheme in ["postgresql://", "postgres://"] where s.hasPrefix(scheme) {
            let rest = s.dropFirst(scheme.count)
            let authority = rest.prefix(while: { $0 != "/" && $0 != "?" })
            let userInfo = authority.lastIndex(of: "@").map { authority[..<$0] }
            let hostPort = authority.lastIndex(of: "@").map { authority[authority.index(after: $0)...] } ?? authority
            if let userInfo, userInfo.contains(":") {
                return .failure(ConfigValues.Expected("a password in Database= would be readable by anyone who can read the file; put it in PasswordFile="))
            }
            guard !hostPort.isEmpty, !hostPort.hasPrefix(":"), !s.contains(where: { $0 == " " || $0.isNewline }) else {
                return .failure(ConfigValues.Expected(expected))
            }
            return .success(.postgresql(url: s))
        }
        return .failure(ConfigValues.Expected(expected))
    }
}
