import CollectorConfiguration
import NIOConcurrencyHelpers

/// Who may read `/`, `/api/v1/summary` and `/metrics`: the tokens of `ReadTokenFile=` (none: everyone). Replaced
/// as a whole on reload (SIGHUP), read per request. `/healthz` is always open; ingest has its own `TokenFile=`.
public final class ReadAccess: Sendable {
    private let box: NIOLockedValueBox<BearerTokens>
    public init(_ tokens: BearerTokens = .open) { box = NIOLockedValueBox(tokens) }
    public var tokens: BearerTokens { box.withLockedValue { $0 } }
    public func replace(with tokens: BearerTokens) { box.withLockedValue { $0 = tokens } }
    public func allows(authorization: String?) -> Bool { tokens.accepts(authorization: authorization) }
}
