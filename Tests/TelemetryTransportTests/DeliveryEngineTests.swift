import Foundation
import InMemoryLogging
import Logging
import Synchronization
import TelemetryCore
import Testing
import TestSupport
@testable import TelemetryTransport

/// The engine end to end against a real collector on 127.0.0.1.
@Suite(.removesTemporaryDirectories) struct DeliveryEngineTests {
    /// Runs `body` with an engine whose worker runs, then stops it (bounded).
    private func withEngine(
        _ loaded: LoadedConfig, stateDirectory: String, log: InMemoryLogHandler, run: Bool = true,
        _ body: (HTTPReportDelivery) async throws -> Void
    ) async throws {
        let engine = HTTPReportDelivery(loaded: loaded, stateDirectory: stateDirectory, environment: [:],
                                        logger: log.logger, random: { 0.5 }, onChange: {})
        let worker = run ? Task { await engine.run() } : nil
        do {
            try await body(engine)
        } catch {
            worker?.cancel()
            await engine.shutdown()
            throw error
        }
        worker?.cancel()
        await engine.shutdown()
        await worker?.value
    }

    @Test func deliversAndRecordsTheResult() async throws {
        let collector = try await TestCollector.start()
        let dir = try tempDir("engine")
        let log = InMemoryLogHandler.everything()
        let report = makeReport()
        try await withEngine(testConfig(endpoint: collector.url), stateDirectory: dir, log: log) { engine in
            await engine.submit(report)
            let got = try await collector.waitFor(1)
            #expect(got[0].messageId == report.messageId)
            #expect(got[0].body == Array(try report.jsonData()))
            #expect(await eventually { await engine.queuedCount() == 0 })
            #expect(await eventually { !log.results(.sent).isEmpty })
            #expect(await engine.collectorUnreachable() == false)
            #expect(engine.isHealthy)
        }
        await collector.stop()
        #expect(log.results(.queued).map(\.messageId) == [report.messageId])
        let sent = try #require(log.results(.sent).first)
        #expect(sent.field("TELEMETRY_HTTP_STATUS") == "200")
        #expect(sent.field("TELEMETRY_TYPE") == "keepalive")
        let state = try DeliveryStateStore(stateDirectory: dir).load()
        #expect(state.lastResult(.keepalive)?.result == .sent)
        #expect(state.lastResult(.keepalive)?.messageId == report.messageId)
        #expect(state.lastSent(.keepalive) != nil)
        #expect(Spool.pendingCount(stateDirectory: dir) == 0)
    }

    @Test func retryKeepsTheSameMessageIdAndBody() async throws {
        let collector = try await TestCollector.start()
        collector.script([.init(status: 503)])
        let dir = try tempDir("engine")
        let log = InMemoryLogHandler.everything()
        let report = makeReport(.diagnostics)
        try await withEngine(testConfig(endpoint: collector.url), stateDirectory: dir, log: log) { engine in
            await engine.submit(report)
            let got = try await collector.waitFor(2)
            #expect(got[0].messageId == report.messageId)
            #expect(got[1].messageId == report.messageId)
            #expect(got[0].body == got[1].body)
            #expect(await eventually { !log.results(.sent).isEmpty })
            #expect(await engine.collectorUnreachable() == false)
        }
        await collector.stop()
        let retrying = log.results(.retrying)
        #expect(retrying.count == 1)
        #expect(retrying.first?.field("TELEMETRY_HTTP_STATUS") == "503")
        #expect(retrying.first?.messageId == report.messageId)
        #expect(Spool.pendingCount(stateDirectory: dir) == 0)
    }

    @Test func retryAfterFromTheCollectorIsHonoured() async throws {
        let collector = try await TestCollector.start()
        collector.script([.init(status: 429, headers: [("Retry-After", "1")])])
        let dir = try tempDir("engine")
        let log = InMemoryLogHandler.everything()
        try await withEngine(testConfig(endpoint: collector.url), stateDirectory: dir, log: log) { engine in
            await engine.submit(makeReport())
            #expect(await eventually { !log.results(.retrying).isEmpty })
            #expect(await engine.collectorUnreachable())
            #expect(await eventually { !log.results(.sent).isEmpty })
        }
        await collector.stop()
        // RetryMaxSec is 0.2s here: the collector's longer wish won.
        #expect(log.results(.retrying).first?.text.contains("retrying in 1s") == true)
        #expect(log.results(.retrying).first?.field("TELEMETRY_HTTP_STATUS") == "429")
    }

    @Test func rejectedIsDroppedNotRetried() async throws {
        let collector = try await TestCollector.start()
        collector.script([.init(status: 400)])
        let dir = try tempDir("engine")
        let log = InMemoryLogHandler.everything()
        let first = makeReport(), second = makeReport()
        try await withEngine(testConfig(endpoint: collector.url), stateDirectory: dir, log: log) { engine in
            await engine.submit(first)
            #expect(await eventually { !log.results(.rejected).isEmpty })
            await engine.submit(second)
            #expect(await eventually { !log.results(.sent).isEmpty })
        }
        await collector.stop()
        // Had the rejected report been retried, it would have come before the second one.
        #expect(collector.received.compactMap(\.messageId) == [first.messageId, second.messageId])
        #expect(log.results(.rejected).first?.field("TELEMETRY_HTTP_STATUS") == "400")
        #expect(log.results(.retrying).isEmpty)
        #expect(try DeliveryStateStore(stateDirectory: dir).load().lastResult(.keepalive)?.messageId == second.messageId)
        #expect(Spool.pendingCount(stateDirectory: dir) == 0)
    }

    @Test func spoolSurvivesAnEngineRestart() async throws {
        let refused = try await closedPort()
        let dir = try tempDir("engine")
        let log = InMemoryLogHandler.everything()
        let report = makeReport()
        try await withEngine(testConfig(endpoint: "http://127.0.0.1:\(refused)/r"), stateDirectory: dir, log: log) { engine in
            await engine.submit(report)
            #expect(await eventually { !log.results(.retrying).isEmpty })
            #expect(await engine.collectorUnreachable())
        }
        #expect(log.results(.retrying).first?.text.contains("connection refused") == true)
        #expect(Spool.pendingCount(stateDirectory: dir) == 1)

        // A new engine (as after a daemon restart) picks the file up and sends the same report.
        let collector = try await TestCollector.start()
        let log2 = InMemoryLogHandler.everything()
        try await withEngine(testConfig(endpoint: collector.url), stateDirectory: dir, log: log2) { engine in
            let got = try await collector.waitFor(1)
            #expect(got[0].messageId == report.messageId)
            #expect(await eventually { await engine.queuedCount() == 0 })
        }
        await collector.stop()
        #expect(log2.results(.sent).map(\.messageId) == [report.messageId])
    }

    @Test func purgeDeletesTheSpoolAndSendsNothingAfter() async throws {
        let refused = try await closedPort()
        let dir = try tempDir("engine")
        let log = InMemoryLogHandler.everything()
        try await withEngine(testConfig(endpoint: "http://127.0.0.1:\(refused)/r"), stateDirectory: dir, log: log) { engine in
            for _ in 0..<3 { await engine.submit(makeReport()) }
            #expect(await engine.queuedCount() == 3)
            await engine.purge()
            #expect(await engine.queuedCount() == 0)
            #expect(Spool.pendingCount(stateDirectory: dir) == 0)
            // Submitted after the opt-out: not spooled.
            await engine.submit(makeReport())
            #expect(await engine.queuedCount() == 0)
        }
        let purged = try #require(log.event(.spoolPurged).first)
        #expect(purged.field("TELEMETRY_PURGED") == "3")
    }

    @Test func enablingAgainAfterPurgeSendsNewReports() async throws {
        let collector = try await TestCollector.start()
        let dir = try tempDir("engine")
        let log = InMemoryLogHandler.everything()
        let loaded = testConfig(endpoint: collector.url)
        try await withEngine(loaded, stateDirectory: dir, log: log) { engine in
            await engine.purge()
            await engine.reconfigure(loaded)
            let report = makeReport()
            await engine.submit(report)
            let got = try await collector.waitFor(1)
            #expect(got[0].messageId == report.messageId)
        }
        await collector.stop()
    }

    @Test func dryRunSendsNothingAndLogsTheReport() async throws {
        let collector = try await TestCollector.start()
        let dir = try tempDir("engine")
        let log = InMemoryLogHandler.everything()
        let report = makeReport()
        try await withEngine(testConfig(endpoint: collector.url) { $0.dryRun = true }, stateDirectory: dir, log: log) { engine in
            await engine.submit(report)
            #expect(await engine.queuedCount() == 0)
        }
        await collector.stop()
        #expect(collector.received.isEmpty)
        #expect(Spool.pendingCount(stateDirectory: dir) == 0)
        let line = try #require(log.results(.dryRun).first)
        #expect(line.messageId == report.messageId)
        #expect(line.level == .info)
        #expect(line.text.contains(String(decoding: try report.jsonData(), as: UTF8.self)))
        #expect(try DeliveryStateStore(stateDirectory: dir).load().lastResult(.keepalive)?.result == .dryRun)
    }

    @Test func overflowDropsTheOldestEachLogged() async throws {
        let dir = try tempDir("engine")
        let log = InMemoryLogHandler.everything()
        let reports = (0..<4).map { _ in makeReport() }
        try await withEngine(testConfig(endpoint: "http://127.0.0.1:1/r") { $0.maxReports = 2 }, stateDirectory: dir, log: log, run: false) { engine in
            for r in reports { await engine.submit(r) }
            #expect(await engine.queuedCount() == 2)
        }
        #expect(log.results(.dropped).map(\.messageId) == reports.prefix(2).map(\.messageId))
        #expect(Spool(stateDirectory: dir).entries().map(\.messageId) == reports.suffix(2).map(\.messageId))
    }

    @Test func untrustedTLSCollectorIsRetriedAndKeptSpooled() async throws {
        let pki = try TestPKI.make()
        let collector = try await TestCollector.start(tls: try pki.serverContext())
        let dir = try tempDir("engine")
        let log = InMemoryLogHandler.everything()
        try await withEngine(testConfig(endpoint: collector.httpsURL), stateDirectory: dir, log: log) { engine in
            await engine.submit(makeReport())
            #expect(await eventually { !log.results(.retrying).isEmpty })
            // Trusting the CA (a reload with CAFile=) delivers it.
            await engine.reconfigure(testConfig(endpoint: collector.httpsURL) { $0.caFile = pki.caFile })
            #expect(await eventually { !log.results(.sent).isEmpty })
        }
        await collector.stop()
        #expect(log.results(.retrying).first?.text.contains("TLS: certificate not trusted") == true)
        #expect(collector.received.count == 1)
    }

    @Test func debugLogsEveryPayloadSent() async throws {
        let collector = try await TestCollector.start()
        let dir = try tempDir("engine")
        let log = InMemoryLogHandler.everything()
        let report = makeReport()
        try await withEngine(testConfig(endpoint: collector.url) { $0.debug = true }, stateDirectory: dir, log: log) { engine in
            await engine.submit(report)
            _ = try await collector.waitFor(1)
        }
        await collector.stop()
        let payload = try #require(log.event(.payload).first)
        #expect(payload.text == "[telemetry] " + String(decoding: try report.jsonData(), as: UTF8.self))
    }

    @Test func aCredentialAcceptedAgainHasItsOwnMessageID() async throws {
        let collector = try await TestCollector.start()
        collector.script([.init(status: 401)])
        let dir = try tempDir("engine")
        let log = InMemoryLogHandler.everything()
        let report = makeReport()
        try await withEngine(testConfig(endpoint: collector.url), stateDirectory: dir, log: log) { engine in
            await engine.submit(report)
            _ = try await collector.waitFor(2)
            #expect(await eventually { !log.event(.credentialAccepted).isEmpty })
        }
        await collector.stop()
        #expect(log.event(.credentialRefused).count == 1)
        let accepted = log.event(.credentialAccepted)
        #expect(accepted.count == 1)
        #expect(accepted.first?.level == .notice)
        #expect(accepted.first?.text.contains("accepts the credential again") == true)
        // The collector was never unreachable: nothing may say it is reachable again (the catalog entry of that ID
        // speaks of failed attempts and an outage).
        #expect(log.event(.collectorReachable).isEmpty)
        #expect(TelemetryEvent.credentialAccepted.messageID != TelemetryEvent.collectorReachable.messageID)
    }

    @Test func unwritableSpoolStillAttemptsOnceFromMemory() async throws {
        let collector = try await TestCollector.start()
        let dir = try tempDir("engine")
        try Data("not a directory".utf8).write(to: URL(fileURLWithPath: dir + "/spool"))
        let log = InMemoryLogHandler.everything()
        let report = makeReport()
        try await withEngine(testConfig(endpoint: collector.url), stateDirectory: dir, log: log) { engine in
            await engine.submit(report)
            let got = try await collector.waitFor(1)
            #expect(got[0].messageId == report.messageId)
            #expect(await eventually { !log.results(.sent).isEmpty })
            // A second report while the spool is still broken: attempted too, but no second error (one clear
            // error, not one per report).
            await engine.submit(makeReport(.diagnostics))
            _ = try await collector.waitFor(2)
            // Fixed: the next report is spooled, and that notice has an ID of its own, not the error's.
            try FileManager.default.removeItem(atPath: dir + "/spool")
            await engine.submit(makeReport())
            _ = try await collector.waitFor(3)
        }
        await collector.stop()
        let spoolErrors = log.event(.spoolError)
        #expect(spoolErrors.count == 2)
        #expect(spoolErrors.filter { $0.level == .error }.count == 1)
        let writable = log.event(.spoolWritable)
        #expect(writable.count == 1)
        #expect(writable.first?.level == .notice)
    }

    @Test func sendOnceDeliversWithoutTheSpool() async throws {
        let collector = try await TestCollector.start()
        collector.script([.init(status: 500)])
        let dir = try tempDir("engine")
        let log = InMemoryLogHandler.everything()
        let loaded = testConfig(endpoint: collector.url)
        let first = makeReport(), second = makeReport(.diagnostics)
        let failed = await HTTPReportDelivery.sendOnce(first, loaded: loaded, stateDirectory: dir, environment: [:], logger: log.logger)
        let sent = await HTTPReportDelivery.sendOnce(second, loaded: loaded, stateDirectory: dir, environment: [:], logger: log.logger)
        await collector.stop()
        #expect(failed == .retry(status: 500, retryAfter: nil, reason: "HTTP 500"))
        #expect(sent == .delivered(status: 200))
        #expect(collector.received.compactMap(\.messageId) == [first.messageId, second.messageId])
        #expect(Spool.pendingCount(stateDirectory: dir) == 0)
        let state = try DeliveryStateStore(stateDirectory: dir).load()
        #expect(state.lastResult(.keepalive)?.result == .retrying)
        #expect(state.lastResult(.diagnostics)?.result == .sent)
    }

    @Test func proxyInUseFollowsTheConfiguration() async throws {
        let dir = try tempDir("engine")
        let engine = HTTPReportDelivery(loaded: testConfig(endpoint: "https://c.example.com/r") { $0.proxy = "http://127.0.0.1:3128" },
                                        stateDirectory: dir, environment: [:], logger: InMemoryLogHandler.everything().logger, onChange: {})
        #expect(engine.proxyInUse)
        await engine.reconfigure(testConfig(endpoint: "https://c.example.com/r"))
        #expect(engine.proxyInUse == false)
        await engine.shutdown()
    }

    @Test func onChangeFiresWhenTheQueueChanges() async throws {
        let dir = try tempDir("engine")
        let count = Locked(0)
        let engine = HTTPReportDelivery(loaded: testConfig(endpoint: "http://127.0.0.1:1/r"), stateDirectory: dir, environment: [:],
                                        logger: InMemoryLogHandler.everything().logger, onChange: { count.update { $0 += 1 } })
        await engine.submit(makeReport())
        await engine.submit(makeReport())
        #expect(count.value == 2)
        await engine.purge()
        #expect(count.value == 3)
        await engine.shutdown()
    }

    @Test func submitLogsWhatTheSpoolScanDeletes() async throws {
        let dir = try tempDir("engine")
        let log = InMemoryLogHandler.everything()
        try FileManager.default.createDirectory(atPath: dir + "/spool", withIntermediateDirectories: true)
        try Data("x".utf8).write(to: URL(fileURLWithPath: dir + "/spool/stray.txt"))
        // No worker: only the submit's own scan can find the stray file.
        try await withEngine(testConfig(endpoint: "http://127.0.0.1:1/r"), stateDirectory: dir, log: log, run: false) { engine in
            await engine.submit(makeReport())
        }
        let lines = log.event(.spoolFileDiscarded)
        #expect(lines.count == 1)
        #expect(lines.first?.text.contains("stray.txt") == true)
        #expect(lines.first?.level == .warning)
        #expect(!FileManager.default.fileExists(atPath: dir + "/spool/stray.txt"))
    }

    @Test func shutdownStopsTheWorkerAndKeepsTheReportSpooled() async throws {
        let refused = try await closedPort()
        let dir = try tempDir("engine")
        let log = InMemoryLogHandler.everything()
        let engine = HTTPReportDelivery(loaded: testConfig(endpoint: "http://127.0.0.1:\(refused)/r"), stateDirectory: dir,
                                        environment: [:], logger: log.logger, onChange: {})
        let worker = Task { await engine.run() }
        await engine.submit(makeReport())
        #expect(await eventually { !log.results(.retrying).isEmpty })
        await engine.shutdown()
        await worker.value  // returns without being cancelled
        #expect(Spool.pendingCount(stateDirectory: dir) == 1)
    }
}
