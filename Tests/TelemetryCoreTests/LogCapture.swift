import Logging
import Synchronization

/// Collects the warnings (and worse) a logger receives, for tests of "logged once per change".
final class LogCapture: Sendable {
    private let lines = Mutex<[String]>([])
    var messages: [String] { lines.withLock { $0 } }

    var logger: Logger { Logger(label: "test") { _ in Handler(capture: self) } }

    fileprivate func append(_ s: String) { lines.withLock { $0.append(s) } }

    private struct Handler: LogHandler {
        let capture: LogCapture
        var metadata: Logger.Metadata = [:]
        var logLevel: Logger.Level = .trace
        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }
        func log(event: LogEvent) {
            if event.level >= .warning { capture.append("\(event.message)") }
        }
    }
}
