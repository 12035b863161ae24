#if canImport(Glibc)
import Glibc
#endif
import Logging
import Synchronization

/// syslog priorities (`PRIORITY=`) of swift-log levels.
public enum JournalPriority {
    public static func of(_ level: Logger.Level) -> Int {
        switch level {
        case .trace, .debug: 7
        case .info: 6
        case .notice: 5
        case .warning: 4
        case .error: 3
        case .critical: 2
        }
    }
}

/// A swift-log handler writing structured entries to journald: `MESSAGE`, `PRIORITY`, `SYSLOG_IDENTIFIER`,
/// `CODE_FILE`/`CODE_LINE`/`CODE_FUNC` and every metadata key as a field (name sanitized by `JournalField`, so
/// `MESSAGE_ID` and `TELEMETRY_TYPE` pass unchanged). A line journald does not take goes to `StderrLogHandler`.
public struct JournalLogHandler: LogHandler {
    /// Fields this handler sets itself, or journald/the manager owns; metadata under these names is left out.
    public static let reservedFields: Set<String> = [
        "MESSAGE", "PRIORITY", "SYSLOG_IDENTIFIER", "CODE_FILE", "CODE_LINE", "CODE_FUNC", "UNIT",
    ]

    public var label: String
    public var syslogIdentifier: String
    public var metadata: Logger.Metadata = [:]
    public var metadataProvider: Logger.MetadataProvider?
    public var logLevel: Logger.Level = .info
    /// Sends one entry; `Journal.send` unless a test swaps it.
    var sender: @Sendable (_ fields: [(String, String)], _ file: String, _ line: UInt, _ function: String) -> Bool
    /// Where the stderr fallback writes its lines; fd 2 unless a test swaps it.
    var fallbackWriter: @Sendable (String) -> Void = StandardError.write

    public init(label: String, syslogIdentifier: String, metadataProvider: Logger.MetadataProvider? = nil) {
        self.label = label
        self.syslogIdentifier = syslogIdentifier
        self.metadataProvider = metadataProvider
        self.sender = { Journal.send(fields: $0, file: $1, line: $2, function: $3) }
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        let fields = Self.fields(
            event: event,
            syslogIdentifier: syslogIdentifier,
            metadata: mergedMetadata(handler: metadata, provider: metadataProvider, event: event.metadata)
        )
        if !sender(fields, event.file, event.line, event.function) {
            var fallback = StderrLogHandler(label: label, identifier: syslogIdentifier)
            fallback.logLevel = logLevel
            fallback.writer = fallbackWriter
            fallback.log(event: event)
        }
    }

    /// The fields of one entry, without `CODE_*` (those come from `sd_journal_sendv_with_location`): MESSAGE,
    /// PRIORITY, SYSLOG_IDENTIFIER, then the metadata sorted by field name. Metadata keys are sanitized; keys that
    /// sanitize to nothing or to a reserved field are dropped.
    public static func fields(event: LogEvent, syslogIdentifier: String, metadata: Logger.Metadata) -> [(String, String)] {
        var fields: [(String, String)] = [
            ("MESSAGE", messageText(event)),
            ("PRIORITY", String(JournalPriority.of(event.level))),
            ("SYSLOG_IDENTIFIER", syslogIdentifier),
        ]
        var extra: [String: String] = [:]
        for (key, value) in metadata {
            guard let name = JournalField.sanitize(key), !reservedFields.contains(name) else { continue }
            extra[name] = "\(value)"
        }
        for name in extra.keys.sorted() {
            if let value = extra[name] { fields.append((name, value)) }
        }
        return fields
    }
}

/// A swift-log handler writing plain one-line `telemetryd: <level>: message` to stderr, without metadata: for
/// terminals, and for services whose stderr is not the journal.
public struct StderrLogHandler: LogHandler {
    public var label: String
    /// The line prefix, usually the program name.
    public var identifier: String
    public var metadata: Logger.Metadata = [:]
    public var metadataProvider: Logger.MetadataProvider?
    public var logLevel: Logger.Level = .info
    /// Writes one finished line (newline included); fd 2 unless a test swaps it.
    var writer: @Sendable (String) -> Void = StandardError.write

    public init(label: String, identifier: String = "telemetryd") {
        self.label = label
        self.identifier = identifier
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        writer(Self.line(event: event, identifier: identifier) + "\n")
    }

    /// `identifier: level: message`, the message folded onto one line. Metadata whose key starts with one of
    /// `fieldPrefixes` follows as ` | KEY=value …` (sorted), so plain logs stay greppable the way the journal's
    /// fields are (`grep TELEMETRY_RESULT=sent`); other metadata (MESSAGE_ID and the like) is left out.
    public static func line(event: LogEvent, identifier: String, fieldPrefixes: [String] = ["TELEMETRY_"]) -> String {
        var text = "\(identifier): \(event.level.rawValue): \(NotifyMessage.oneLine(messageText(event)))"
        let fields = (event.metadata ?? [:])
            .filter { key, _ in fieldPrefixes.contains { key.hasPrefix($0) } }
            .map { "\($0.key)=\(NotifyMessage.oneLine($0.value.description).replacingSpaces())" }
            .sorted()
        if !fields.isEmpty { text += " | " + fields.joined(separator: " ") }
        return text
    }
}

/// The message of an event, with its error (if any) appended.
func messageText(_ event: LogEvent) -> String {
    guard let error = event.error else { return event.message.description }
    return "\(event.message): \(error)"
}

/// Handler metadata, then the provider's, then the call's; later wins.
func mergedMetadata(handler: Logger.Metadata, provider: Logger.MetadataProvider?, event: Logger.Metadata?) -> Logger.Metadata {
    var merged = handler
    if let provided = provider?.get(), !provided.isEmpty {
        merged.merge(provided) { _, new in new }
    }
    if let event, !event.isEmpty {
        merged.merge(event) { _, new in new }
    }
    return merged
}

/// Chooses where logs go and makes handlers for it.
public struct LogHandlerFactory: Sendable {
    public enum Destination: String, Sendable, Equatable {
        case journal, stderr
    }

    public var syslogIdentifier: String
    public var level: Logger.Level
    public var destination: Destination

    /// - Parameter destination: nil decides from this process's environment (`LogHandlerFactory.detect()`).
    public init(syslogIdentifier: String, debug: Bool, destination: Destination? = nil) {
        self.syslogIdentifier = syslogIdentifier
        self.level = debug ? .debug : .info
        self.destination = destination ?? Self.detect()
    }

    /// A handler for `label` (non-global: for tests and for code that does not want the process-wide setup).
    public func makeHandler(label: String) -> any LogHandler {
        switch destination {
        case .journal:
            var h = JournalLogHandler(label: label, syslogIdentifier: syslogIdentifier)
            h.logLevel = level
            return h
        case .stderr:
            var h = StderrLogHandler(label: label, identifier: syslogIdentifier)
            h.logLevel = level
            return h
        }
    }

    /// The journal when stderr is the journal, or when run by systemd (`$INVOCATION_ID`) with journald's socket
    /// present; stderr otherwise.
    public static func detect() -> Destination {
        choose(
            stderrIsJournal: Journal.stderrIsJournal,
            hasInvocationID: getenv("INVOCATION_ID").map { $0.pointee != 0 } ?? false,
            journalAvailable: Journal.isAvailable
        )
    }

    /// The decision of `detect()`, pure.
    public static func choose(stderrIsJournal: Bool, hasInvocationID: Bool, journalAvailable: Bool) -> Destination {
        if stderrIsJournal { return .journal }
        if hasInvocationID && journalAvailable { return .journal }
        return .stderr
    }

    private static let bootstrapped = Mutex(false)

    /// Calls `LoggingSystem.bootstrap` once per process with handlers for the detected destination, at `.debug`
    /// when `debug` else `.info`. Later calls do nothing and return false.
    @discardableResult
    public static func bootstrap(syslogIdentifier: String, debug: Bool) -> Bool {
        bootstrapped.withLock { done in
            guard !done else { return false }
            done = true
            let factory = LogHandlerFactory(syslogIdentifier: syslogIdentifier, debug: debug)
            LoggingSystem.bootstrap { label in factory.makeHandler(label: label) }
            return true
        }
    }
}

extension String {
    /// Spaces as `_`, so a `KEY=value` field stays one token.
    fileprivate func replacingSpaces() -> String {
        String(unicodeScalars.map { $0 == " " ? "_" : Character($0) })
    }
}

/// The one writer of stderr: log lines of the stderr handler and the command line's messages alike.
public enum StandardError {
    /// One write(2) per text (retried on EINTR and short writes), so lines from concurrent tasks do not interleave.
    public static func write(_ text: String) {
        var line = text
        line.withUTF8 { buf in
            var offset = 0
            while offset < buf.count {
                let n = Glibc.write(2, buf.baseAddress.map { $0 + offset }, buf.count - offset)
                if n > 0 {
                    offset += n
                } else if n < 0 && errno == EINTR {
                    continue
                } else {
                    return
                }
            }
        }
    }
}
