import Logging
import Synchronization
import Testing
@testable import Systemd

@Suite struct JournalFieldTests {
    @Test(arguments: [
        ("MESSAGE_ID", "MESSAGE_ID"),
        ("TELEMETRY_TYPE", "TELEMETRY_TYPE"),
        ("telemetry.type", "TELEMETRY_TYPE"),
        ("http-status", "HTTP_STATUS"),
        ("a b/c", "A_B_C"),
        ("_SYSTEMD_UNIT", "SYSTEMD_UNIT"),
        ("__x", "X"),
        ("9lives", "LIVES"),
        ("_1_a", "A"),
        ("Ünit", "NIT"),  // each byte of a non-ASCII scalar becomes `_`, and leading `_` are dropped
        ("grün", "GR__N"),
    ])
    func sanitize(input: String, expected: String) {
        #expect(JournalField.sanitize(input) == expected)
    }

    @Test func nothingValidLeftIsNil() {
        #expect(JournalField.sanitize("") == nil)
        #expect(JournalField.sanitize("___") == nil)
        #expect(JournalField.sanitize("123") == nil)
        #expect(JournalField.sanitize("_.-") == nil)
    }

    @Test func cutTo64Characters() throws {
        let long = String(repeating: "a", count: 100)
        let name = try #require(JournalField.sanitize(long))
        #expect(name.count == 64)
        #expect(name == String(repeating: "A", count: 64))
        #expect(JournalField.sanitize("_" + String(repeating: "b", count: 70))?.count == 64)
    }

    @Test func validity() {
        #expect(JournalField.isValid("TELEMETRY_HTTP_STATUS"))
        #expect(!JournalField.isValid("telemetry"))
        #expect(!JournalField.isValid("_PID"))
        #expect(!JournalField.isValid("1A"))
    }
}

@Suite struct JournalPayloadTests {
    @Test func entriesAreContiguousNameEqualsValue() {
        let p = JournalPayload(fields: [("MESSAGE", "hello"), ("priority", "6"), ("___", "dropped"), ("X", "a\nb"), ("EMPTY", "")])
        #expect(p.entries == ["MESSAGE=hello", "PRIORITY=6", "X=a\nb", "EMPTY="])
        #expect(p.ranges.count == 4)
        // Ranges tile the buffer in order, with no gaps: one allocation for every iovec.
        var expectedStart = 0
        for r in p.ranges {
            #expect(r.lowerBound == expectedStart)
            expectedStart = r.upperBound
        }
        #expect(expectedStart == p.bytes.count)
    }

    @Test func utf8ValuesKeepTheirBytes() {
        let p = JournalPayload(fields: [("MESSAGE", "grüße ✓")])
        #expect(p.entries == ["MESSAGE=grüße ✓"])
        #expect(p.bytes.count == "MESSAGE=".utf8.count + "grüße ✓".utf8.count)
    }

    @Test func emptyPayloadIsNotSent() {
        #expect(JournalPayload(fields: []).ranges.isEmpty)
        #expect(Journal.send(fields: [("___", "x")]) == false)
    }
}

@Suite struct JournalStreamTests {
    @Test func parse() {
        #expect(JournalStream("8:12345") == JournalStream(device: 8, inode: 12345))
        #expect(JournalStream("") == nil)
        #expect(JournalStream("8") == nil)
        #expect(JournalStream("8:") == nil)
        #expect(JournalStream("a:1") == nil)
        #expect(JournalStream("1:2:3") == nil)
        #expect(JournalStream("-1:2") == nil)
        #expect(JournalStream("8:12345")?.matches(device: 8, inode: 12345) == true)
        #expect(JournalStream("8:12345")?.matches(device: 8, inode: 1) == false)
    }
}

@Suite struct PriorityTests {
    @Test func swiftLogLevelsMapToSyslogPriorities() {
        #expect(JournalPriority.of(.trace) == 7)
        #expect(JournalPriority.of(.debug) == 7)
        #expect(JournalPriority.of(.info) == 6)
        #expect(JournalPriority.of(.notice) == 5)
        #expect(JournalPriority.of(.warning) == 4)
        #expect(JournalPriority.of(.error) == 3)
        #expect(JournalPriority.of(.critical) == 2)
    }
}

@Suite struct LogHandlerTests {
    struct Sent: Sendable {
        var fields: [(String, String)]
        var file: String
        var line: UInt
        var function: String
    }

    final class Recorder: Sendable {
        let sent = Mutex<[Sent]>([])
        let accept: Bool
        init(accept: Bool) { self.accept = accept }
        var all: [Sent] { sent.withLock { $0 } }
    }

    func handler(_ recorder: Recorder) -> JournalLogHandler {
        var h = JournalLogHandler(label: "test", syslogIdentifier: "telemetryd")
        h.sender = { fields, file, line, function in
            recorder.sent.withLock { $0.append(Sent(fields: fields, file: file, line: line, function: function)) }
            return recorder.accept
        }
        return h
    }

    func dict(_ fields: [(String, String)]) -> [String: String] {
        Dictionary(fields, uniquingKeysWith: { _, b in b })
    }

    @Test func journalEntryCarriesMessagePriorityIdentifierLocationAndMetadata() throws {
        let recorder = Recorder(accept: true)
        var h = handler(recorder)
        h[metadataKey: "component"] = "delivery"
        var logger = Logger(label: "test") { _ in h }
        logger.logLevel = .debug
        logger.warning("report queued", metadata: [
            "MESSAGE_ID": "b3a3d0e9f4e047bfbadbc0a5620b7a21",
            "TELEMETRY_TYPE": "keepalive",
            "TELEMETRY_HTTP_STATUS": .stringConvertible(503),
            "retry.after-sec": "30",
        ])
        let sent = try #require(recorder.all.first)
        let f = dict(sent.fields)
        #expect(f["MESSAGE"] == "report queued")
        #expect(f["PRIORITY"] == "4")
        #expect(f["SYSLOG_IDENTIFIER"] == "telemetryd")
        #expect(f["MESSAGE_ID"] == "b3a3d0e9f4e047bfbadbc0a5620b7a21")
        #expect(f["TELEMETRY_TYPE"] == "keepalive")
        #expect(f["TELEMETRY_HTTP_STATUS"] == "503")
        #expect(f["RETRY_AFTER_SEC"] == "30")
        #expect(f["COMPONENT"] == "delivery")
        #expect(sent.fields.count == 8)
        #expect(sent.fields.allSatisfy { JournalField.isValid($0.0) })
        #expect(sent.file.hasSuffix("JournalTests.swift"))
        #expect(sent.line > 0)
        #expect(sent.function.contains("journalEntryCarries"))
    }

    @Test func metadataCannotOverrideHandlerFields() throws {
        let recorder = Recorder(accept: true)
        let logger = Logger(label: "test") { _ in handler(recorder) }
        logger.error("real", metadata: ["message": "fake", "PRIORITY": "7", "UNIT": "other.service", "_PID": "1"])
        let sent = try #require(recorder.all.first)
        #expect(sent.fields.filter { $0.0 == "MESSAGE" }.map(\.1) == ["real"])
        #expect(sent.fields.filter { $0.0 == "PRIORITY" }.map(\.1) == ["3"])
        #expect(!sent.fields.contains { $0.0 == "UNIT" })
        // `_PID` sanitizes to `PID`: a plain field, not journald's trusted `_PID`.
        #expect(dict(sent.fields)["PID"] == "1")
    }

    @Test func callMetadataWinsOverHandlerAndProvider() throws {
        let recorder = Recorder(accept: true)
        var h = handler(recorder)
        h.metadataProvider = Logger.MetadataProvider { ["A": "provider", "B": "provider"] }
        h[metadataKey: "A"] = "handler"
        h[metadataKey: "C"] = "handler"
        let logger = Logger(label: "test") { _ in h }
        logger.info("x", metadata: ["B": "call"])
        let f = dict(try #require(recorder.all.first).fields)
        #expect(f["A"] == "provider")
        #expect(f["B"] == "call")
        #expect(f["C"] == "handler")
        #expect(f["PRIORITY"] == "6")
    }

    @Test func failedJournalSendFallsBackToAPlainStderrLine() throws {
        let recorder = Recorder(accept: false)
        let lines = Mutex<[String]>([])
        var h = handler(recorder)
        h.fallbackWriter = { line in lines.withLock { $0.append(line) } }
        let logger = Logger(label: "test") { _ in h }
        logger.error("collector unreachable", metadata: ["MESSAGE_ID": "69087f7c7d994a1b809744718b554561"])
        #expect(recorder.all.count == 1)
        #expect(lines.withLock { $0 } == ["telemetryd: error: collector unreachable\n"])
    }

    @Test func successfulJournalSendWritesNothingToStderr() {
        let recorder = Recorder(accept: true)
        let lines = Mutex<[String]>([])
        var h = handler(recorder)
        h.fallbackWriter = { line in lines.withLock { $0.append(line) } }
        Logger(label: "test") { _ in h }.info("fine")
        #expect(lines.withLock { $0 }.isEmpty)
    }

    @Test func levelsBelowThresholdAreNotSent() {
        let recorder = Recorder(accept: true)
        let logger = Logger(label: "test") { _ in handler(recorder) }
        logger.debug("hidden")
        #expect(recorder.all.isEmpty)
    }

    @Test func stderrLineIsPlainAndOneLine() {
        let event = LogEvent(
            level: .warning, message: "unknown key\nFoo", metadata: ["MESSAGE_ID": "x"], source: nil,
            file: "f.swift", function: "g()", line: 1
        )
        #expect(StderrLogHandler.line(event: event, identifier: "telemetryd") == "telemetryd: warning: unknown key Foo")
    }

    @Test func factoryDecision() {
        #expect(LogHandlerFactory.choose(stderrIsJournal: true, hasInvocationID: false, journalAvailable: false) == .journal)
        #expect(LogHandlerFactory.choose(stderrIsJournal: false, hasInvocationID: true, journalAvailable: true) == .journal)
        #expect(LogHandlerFactory.choose(stderrIsJournal: false, hasInvocationID: true, journalAvailable: false) == .stderr)
        #expect(LogHandlerFactory.choose(stderrIsJournal: false, hasInvocationID: false, journalAvailable: true) == .stderr)
    }

    @Test func factoryMakesHandlersAtItsLevel() {
        let journal = LogHandlerFactory(syslogIdentifier: "telemetryd", debug: true, destination: .journal)
        let j = journal.makeHandler(label: "x")
        #expect(j is JournalLogHandler)
        #expect(j.logLevel == .debug)
        let stderr = LogHandlerFactory(syslogIdentifier: "telemetryd", debug: false, destination: .stderr)
        let s = stderr.makeHandler(label: "x")
        #expect(s is StderrLogHandler)
        #expect(s.logLevel == .info)
    }
}
