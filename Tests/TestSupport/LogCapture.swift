import Logging
import Synchronization

/// Every line a logger receives, with its level and metadata (as strings), for assertions on what was logged.
public final class LogCapture: Sendable {
    public struct Line: Sendable {
        public var level: Logger.Level
        public var message: String
        public var metadata: [String: String]
    }
    private let lines = Mutex<[Line]>([])

    public init() {}

    public var all: [Line] { lines.withLock { $0 } }
    /// The messages of the warnings and worse.
    public var warnings: [String] { all.filter { $0.level >= .warning }.map(\.message) }

    public var logger: Logger {
        Logger(label: "test") { _ in Handler(capture: self) }
    }

    fileprivate func append(_ l: Line) { lines.withLock { $0.append(l) } }

    private struct Handler: LogHandler {
        let capture: LogCapture
        var metadata: Logger.Metadata = [:]
        var logLevel: Logger.Level = .trace
        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }
        func log(event: LogEvent) {
            var m: [String: String] = [:]
            for (k, v) in metadata.merging(event.metadata ?? [:], uniquingKeysWith: { $1 }) { m[k] = "\(v)" }
            capture.append(Line(level: event.level, message: "\(event.message)", metadata: m))
        }
    }
}
