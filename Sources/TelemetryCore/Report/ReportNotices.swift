import Synchronization

/// Remembers what was last said about each topic (a facts file's dropped keys, an unreadable version file), so a
/// report loop logs a problem once when it appears or changes, not at every report.
public final class ReportNotices: Sendable {
    private let last = Mutex<[String: String]>([:])

    public init() {}

    /// One set for the whole process: the daemon builds a new ReportBuilder for each report.
    public static let shared = ReportNotices()

    /// True when `signature` differs from the last one recorded for `topic` (and records it). An empty signature
    /// means "all well" and resets the topic silently.
    public func changed(_ topic: String, to signature: String) -> Bool {
        last.withLock { map in
            let previous = map[topic] ?? ""
            map[topic] = signature
            return signature != previous && !signature.isEmpty
        }
    }
}
