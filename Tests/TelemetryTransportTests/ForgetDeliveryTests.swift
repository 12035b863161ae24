import Foundation
import InMemoryLogging
import Logging
import TelemetryCore
import Testing
import TestSupport
@testable import TelemetryTransport
import TelemetryWire

/// The daemon's engine and a queued forget report, against a real collector on 127.0.0.1.
@Suite(.removesTemporaryDirectories) struct ForgetDeliveryTests {
    /// `prepare` runs before the worker starts.
    private func withEngine(_ loaded: LoadedConfig, stateDirectory: String, log: InMemoryLogHandler,
                            prepare: (HTTPReportDelivery) async -> Void = { _ in },
                            _ body: (HTTPReportDelivery) async throws -> Void) async throws {
        let engine = HTTPReportDelivery(loaded: loaded, stateDirectory: stateDirectory, environment: [:],
                                        logger: log.logger, random: { 0.5 }, onChange: {})
        await prepare(engine)
        let worker = Task { await engine.run() }
        do { try await body(engine) } catch {
            worker.cancel()
            await engine.shutdown()
            throw error
        }
        worker.cancel()
        await engine.shutdown()
        await worker.value
    }

    @Test func disabledTheEngineDeliversTheForgetReportAloneThenErasesTheState() async throws {
        let collector = try await TestCollector.start()
        collector.script([.init(status: 202)])
        let f = try ForgetFixture("forget-engine")
        // Left from before the opt-out: a keep-alive, then the request to erase.
        let old = makeReport()
        try f.spool.add(body: Array(try old.jsonData()), type: .keepalive, messageId: old.messageId, maxReports: 10)
        let forget = try f.spoolForget()
        let log = InMemoryLogHandler.everything()
        let loaded = testConfig(endpoint: collector.url) { $0.enable = false }
        // The purge is what the daemon does when it starts disabled.
        try await withEngine(loaded, stateDirectory: f.dir, log: log, prepare: { await $0.purge() }) { engine in
            #expect(await eventually { await engine.erasureCount() == 1 })
            await engine.submit(makeReport())
            #expect(await engine.queuedCount() == 0, "disabled: a new report is not even spooled")
        }
        await collector.stop()
        #expect(collector.received.compactMap(\.messageId) == [forget.messageId], "nothing but the forget report was sent")
        let sent = try #require(collector.received.first?.json)
        #expect((sent["data"] as? [String: Any])?["erasureKey"] as? String == f.identity.erasureKey.hex)
        #expect(sent["erasureKeyHash"] as? String == f.identity.erasureKey.hashHex)
        #expect(f.stateErased)
        #expect(log.results(.sent).first?.field("TELEMETRY_TYPE") == "forget")
        let erased = try #require(log.event(.erased).first)
        #expect(erased.field("TELEMETRY_MESSAGE_ID") == forget.messageId)
        #expect(erased.field("TELEMETRY_RESULT") == nil, "the delivery was the one TELEMETRY_RESULT=sent")
        #expect(log.event(.spoolPurged).first?.message.description.contains("request to erase this install (1 forget report)") == true)
    }

    @Test func a5xxKeepsTheStateAndTheReportAndALaterDeliveryErases() async throws {
        let down = try await TestCollector.start()
        down.script(Array(repeating: .init(status: 503), count: 100))
        let f = try ForgetFixture("forget-engine")
        let forget = try f.spoolForget()
        let log = InMemoryLogHandler.everything()
        try await withEngine(testConfig(endpoint: down.url) { $0.enable = false }, stateDirectory: f.dir, log: log) { engine in
            _ = try await down.waitFor(2)
            #expect(await engine.erasureCount() == 0)
        }
        await down.stop()
        #expect(Set(down.received.compactMap(\.messageId)) == [forget.messageId], "retried with the same messageId")
        #expect(f.identityKept && f.spool.entries().map(\.messageId) == [forget.messageId])
        #expect(log.event(.erased).isEmpty)

        // The collector answers at last (the next start of the daemon).
        let up = try await TestCollector.start()
        try await withEngine(testConfig(endpoint: up.url) { $0.enable = false }, stateDirectory: f.dir, log: log) { engine in
            #expect(await eventually { await engine.erasureCount() == 1 })
        }
        await up.stop()
        #expect(up.received.compactMap(\.messageId) == [forget.messageId])
        #expect(f.stateErased)
    }

    @Test func a403IsAWrongKeyTheReportIsDroppedAndTheStateKept() async throws {
        let collector = try await TestCollector.start()
        collector.script([.init(status: 403)])
        let f = try ForgetFixture("forget-engine")
        let forget = try f.spoolForget()
        let log = InMemoryLogHandler.everything()
        let next = makeReport()
        try await withEngine(testConfig(endpoint: collector.url), stateDirectory: f.dir, log: log) { engine in
            #expect(await eventually { !log.event(.erasureRefused).isEmpty })
            await engine.submit(next)
            #expect(await eventually { !log.results(.sent).isEmpty })
            #expect(await engine.erasureCount() == 0)
        }
        await collector.stop()
        // Had the forget report been kept for a credential retry, it would have come again before the keep-alive.
        #expect(collector.received.compactMap(\.messageId) == [forget.messageId, next.messageId])
        let refused = try #require(log.event(.erasureRefused).first)
        #expect(refused.field("TELEMETRY_RESULT") == "rejected")
        #expect(refused.field("TELEMETRY_HTTP_STATUS") == "403")
        #expect(refused.field("TELEMETRY_TYPE") == "forget")
        #expect(log.event(.credentialRefused).isEmpty, "not told as a token problem")
        #expect(f.identityKept)
        #expect(f.spool.entries().isEmpty)
    }

    @Test func underFormatSegmentAForgetReportIsDroppedUnsentAndHoldsUpNothing() async throws {
        let collector = try await TestCollector.start()
        let f = try ForgetFixture("forget-engine")
        let forget = try f.spoolForget()
        let log = InMemoryLogHandler.everything()
        let next = makeReport()
        try await withEngine(testConfig(endpoint: collector.url) { $0.format = .segment }, stateDirectory: f.dir, log: log) { engine in
            await engine.submit(next)
            #expect(await eventually { !log.results(.sent).isEmpty })
        }
        await collector.stop()
        #expect(collector.received.count == 1)
        #expect(collector.received.first.flatMap(\.json)?["messageId"] as? String == next.messageId)
        let dropped = try #require(log.event(.forgetUndeliverable).first)
        #expect(dropped.field("TELEMETRY_MESSAGE_ID") == forget.messageId)
        #expect(dropped.field("TELEMETRY_RESULT") == "dropped")
        #expect(f.identityKept)
    }
}
