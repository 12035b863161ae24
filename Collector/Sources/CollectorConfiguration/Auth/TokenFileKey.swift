/// `TokenFile=` (who may send reports) and `ReadTokenFile=` (who may read): where each names its file, and why a
/// file that names no token is refused rather than taken as "open" (an empty key is how to say open).
public enum TokenFileKey: Sendable, CaseIterable {
    case ingest
    case reads

    /// The key as written in collector.conf.
    public var key: String {
        switch self {
        case .ingest: "TokenFile"
        case .reads: "ReadTokenFile"
        }
    }

    /// The file the configuration names; nil: no tokens, open.
    public func path(in config: CollectorConfig) -> String? {
        switch self {
        case .ingest: config.tokenFile
        case .reads: config.readTokenFile
        }
    }

    /// The tokens of the file `path` holding `text`; a file without one is a mistake (an emptied file would
    /// otherwise open what the operator meant to close).
    public func tokens(fileText text: String, path: String) -> Result<BearerTokens, TokenFileError> {
        let tokens = BearerTokens(fileText: text)
        guard tokens.isOpen else { return .success(tokens) }
        let open = switch self {
        case .ingest: "to accept every report"
        case .reads: "to let anyone read"
        }
        return .failure(TokenFileError(description: "\(key)=\(path): no token in the file (one a line); \(open), leave \(key)= empty"))
    }
}

/// A token file that names no token: which key, which file, and how to mean "open" instead.
public struct TokenFileError: Error, Sendable, Equatable, CustomStringConvertible {
    public var description: String
    public init(description: String) { self.description = description }
}
