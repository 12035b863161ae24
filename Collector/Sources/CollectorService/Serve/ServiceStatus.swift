import CollectorConfiguration

/// The words of `STATUS=` (`systemctl status` shows them): where it listens, the database, how ingest and reads
/// are guarded, what the last health check found and what the last reload said. A value: `serve` keeps it behind
/// a lock and sends `text` to systemd after each change.
public struct ServiceStatus: Sendable, Equatable {
    public private(set) var address: String?
    public private(set) var database: String
    public private(set) var tokens: BearerTokens
    public private(set) var readTokens: BearerTokens
    /// What the last health check found wrong with the database; nil: fine.
    public private(set) var unhealthy: String?
    /// What the last reload said (a key that needs a restart, a failure); nil: nothing to say.
    public private(set) var note: String?

    public init(database: String, tokens: BearerTokens, readTokens: BearerTokens) {
        self.database = database
        self.tokens = tokens
        self.readTokens = readTokens
    }

    public var text: String {
        let place = address.map { "Listening on \($0)" } ?? "Starting"
        let auth = tokens.isOpen ? "open ingest (no TokenFile=)" : "\(tokens.tokens.count) token\(tokens.tokens.count == 1 ? "" : "s")"
        let reads = readTokens.isOpen ? "open reads" : "reads need one of \(readTokens.tokens.count) token\(readTokens.tokens.count == 1 ? "" : "s")"
        let db = unhealthy.map { "database \(database) UNAVAILABLE: \($0)" } ?? "database \(database)"
        return "\(place); \(db); \(auth); \(reads)" + (note.map { "; \($0)" } ?? "")
    }

    public mutating func listening(on address: String) { self.address = address }

    public mutating func reloaded(tokens: BearerTokens, readTokens: BearerTokens, note: String?) {
        self.tokens = tokens
        self.readTokens = readTokens
        self.note = note
    }

    /// What the health check found wrong; nil: the database answers.
    public mutating func health(_ problem: String?) { unhealthy = problem }

    public mutating func reloadFailed(_ note: String) { self.note = note }
}
