import InMemoryLogging
import Logging

/// swift-log's `InMemoryLogHandler` as the tests use it: every level kept, a logger that writes into it, and the
/// warnings as text.
extension InMemoryLogHandler {
    /// A handler that keeps every level from trace up (`InMemoryLogHandler()` starts at info, and the engine's
    /// outcomes of a dry run or a queued report are logged below that).
    public static func everything() -> InMemoryLogHandler {
        var handler = InMemoryLogHandler()
        handler.logLevel = .trace
        return handler
    }

    /// A logger whose every line lands in this handler's `entries` (the copies share one store).
    public var logger: Logger {
        let handler = self
        return Logger(label: "test") { _ in handler }
    }

    /// The messages of the warnings and worse.
    public var warnings: [String] { entries.filter { $0.level >= .warning }.map(\.message.description) }
}

extension InMemoryLogHandler.Entry {
    /// A metadata field as text, the way the journal gets it.
    public func field(_ name: String) -> String? { metadata[name].map { "\($0)" } }
}
