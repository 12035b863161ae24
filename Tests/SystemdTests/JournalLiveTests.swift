import CSystemd
import Logging
import Testing
#if canImport(Glibc)
import Glibc
#endif
@testable import Systemd

/// A real round trip through journald: only where one runs and the caller asks for it
/// (`TELEMETRYD_LIVE_JOURNAL=1`, e.g. inside a throwaway systemd-nspawn container), never against the host's journal.
@Suite(.enabled(if: getenv("TELEMETRYD_LIVE_JOURNAL").map { String(cString: $0) } == "1" && Journal.isAvailable))
struct JournalLiveTests {
    /// Reads back the first entry with `TEST_TOKEN=token`, waiting for journald to store it (bounded, not asserted on).
    func readBack(token: String) throws -> [String: String]? {
        var j: OpaquePointer?
        guard sd_journal_open(&j, Int32(SD_JOURNAL_LOCAL_ONLY)) >= 0, let j else { return nil }
        defer { sd_journal_close(j) }
        let match = "TEST_TOKEN=\(token)"
        guard match.withCString({ sd_journal_add_match(j, $0, 0) }) >= 0 else { return nil }
        for _ in 0..<100 {
            if sd_journal_next(j) > 0 {
                var fields: [String: String] = [:]
                var data: UnsafeRawPointer?
                var length = 0
                sd_journal_restart_data(j)
                while sd_journal_enumerate_data(j, &data, &length) > 0, let data {
                    let text = String(decoding: UnsafeRawBufferPointer(start: data, count: length), as: UTF8.self)
                    if let eq = text.firstIndex(of: "=") {
                        fields[String(text[..<eq])] = String(text[text.index(after: eq)...])
                    }
                }
                return fields
            }
            _ = sd_journal_wait(j, 100_000)
        }
        return nil
    }

    @Test func journalLogHandlerEntryArrivesWithItsFields() throws {
        let token = String(UInt64.random(in: 1...UInt64.max), radix: 16)
        var handler = JournalLogHandler(label: "live", syslogIdentifier: "telemetryd-test")
        handler[metadataKey: "TEST_TOKEN"] = .string(token)
        let logger = Logger(label: "live") { _ in handler }
        logger.warning("live journal test\nsecond line", metadata: [
            "MESSAGE_ID": "71157fc101f646c5a128aa3658b8b131",
            "telemetry.type": "keepalive",
        ])
        let fields = try #require(try readBack(token: token))
        #expect(fields["MESSAGE"] == "live journal test\nsecond line")
        #expect(fields["PRIORITY"] == "4")
        #expect(fields["SYSLOG_IDENTIFIER"] == "telemetryd-test")
        #expect(fields["MESSAGE_ID"] == "71157fc101f646c5a128aa3658b8b131")
        #expect(fields["TELEMETRY_TYPE"] == "keepalive")
        #expect(fields["CODE_FILE"]?.hasSuffix("JournalLiveTests.swift") == true)
        #expect(fields["CODE_FUNC"]?.contains("journalLogHandlerEntryArrives") == true)
        #expect(fields["CODE_LINE"].flatMap { Int($0) } != nil)
    }
}
