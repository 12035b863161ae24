import Foundation
import Logging
import TelemetryCore
import Testing
import TestSupport
@testable import TelemetryTransport
import TelemetryWire

/// `telemetryd forget`'s one attempt: spooled first, then what each answer of a real collector on 127.0.0.1 means.
@Suite(.removesTemporaryDirectories) struct ForgetRequestTests {
    let quiet = Logger(label: "test") { _ in SwiftLogNoOpLogHandler() }

    func deliver(_ f: ForgetFixture, _ report: Report, endpoint: String,
                 _ change: (inout TelemetryConfig) -> Void = { _ in }) async -> ForgetRequest.Outcome {
        await ForgetRequest.deliver(report, loaded: testConfig(endpoint: endpoint, change), stateDirectory: f.dir,
                                    environment: [:], logger: quiet)
    }

    @Test func a2xxErasesTheLocalState() async throws {
        let collector = try await TestCollector.start()
        collector.script([.init(status: 202)])
        let f = try ForgetFixture("forget-request")
        let report = f.forgetReport()
        let outcome = await deliver(f, report, endpoint: collector.url)
        await collector.stop()
        guard case .erased(let status, let erasure) = outcome else { Issue.record("\(outcome)"); return }
        #expect(status == 202 && erasure.complete)
        #expect(erasure.deleted.contains("instance-id") && erasure.deleted.contains("spool/"))
        #expect(f.stateErased)
        #expect(outcome.confirmed)
        #expect(collector.received.first?.body == Array(try report.jsonData()), "the report as spooled, byte for byte")
    }

    @Test func a5xxLeavesItQueuedAndTheStateAloneAndTheNextRunSendsTheSameReport() async throws {
        let collector = try await TestCollector.start()
        collector.script([.init(status: 503)])
        let f = try ForgetFixture("forget-request")
        let first = f.forgetReport()
        let outcome = await deliver(f, first, endpoint: collector.url)
        #expect(outcome == .queued(messageId: first.messageId, reason: "HTTP 503"))
        #expect(!outcome.confirmed)
        #expect(f.identityKept)
        #expect(f.spool.entries().map(\.type) == [.forget])

        // `forget` again: the queued report goes again (same messageId), no second one joins it.
        let again = await deliver(f, f.forgetReport(), endpoint: collector.url)
        await collector.stop()
        guard case .erased = again else { Issue.record("\(again)"); return }
        #expect(collector.received.compactMap(\.messageId) == [first.messageId, first.messageId])
        #expect(f.stateErased)
    }

    @Test func aCollectorThatIsDownLeavesItQueued() async throws {
        let f = try ForgetFixture("forget-request")
        let report = f.forgetReport()
        let outcome = await deliver(f, report, endpoint: "http://127.0.0.1:\(try await closedPort())/v1/reports")
        guard case .queued(let id, let reason) = outcome else { Issue.record("\(outcome)"); return }
        #expect(id == report.messageId)
        #expect(reason.contains("refused"))
        #expect(f.identityKept)
        #expect(Spool.pendingCount(stateDirectory: f.dir) == 1)
        let text = outcome.text(endpoint: "E", stateDirectory: f.dir, daemonPID: 4242)
        #expect(text.contains("queued in \(f.dir)/spool") && text.contains("PID 4242") && text.contains("even with telemetry disabled"))
        #expect(outcome.text(endpoint: "E", stateDirectory: f.dir, daemonPID: nil).contains("systemctl start telemetryd"))
    }

    @Test func a403IsAWrongKeyDroppedWithTheStateKept() async throws {
        let collector = try await TestCollector.start()
        collector.script([.init(status: 403)])
        let f = try ForgetFixture("forget-request")
        let outcome = await deliver(f, f.forgetReport(), endpoint: collector.url)
        await collector.stop()
        #expect(outcome == .keyRefused(status: 403))
        #expect(f.identityKept)
        #expect(f.spool.entries().isEmpty, "retrying cannot change the key")
        #expect(outcome.text(endpoint: "E", stateDirectory: f.dir, daemonPID: nil).contains("Nothing was erased"))
    }

    @Test func aCollectorWithoutErasureRefusesItWith400AndNothingIsErased() async throws {
        let collector = try await TestCollector.start()
        collector.script([.init(status: 400)])
        let f = try ForgetFixture("forget-request")
        let outcome = await deliver(f, f.forgetReport(), endpoint: collector.url)
        await collector.stop()
        #expect(outcome == .rejected(status: 400, reason: "HTTP 400"))
        #expect(f.identityKept)
        #expect(f.spool.entries().isEmpty)
    }

    @Test func notDeliveredAndNotSpoolableIsSaidSo() async throws {
        let f = try ForgetFixture("forget-request")
        try Array("not a directory".utf8).write(toFile: f.dir + "/spool")
        let outcome = await deliver(f, f.forgetReport(), endpoint: "http://127.0.0.1:\(try await closedPort())/v1/reports")
        guard case .notQueued(let reason) = outcome else { Issue.record("\(outcome)"); return }
        #expect(reason.contains("cannot spool"))
        #expect(f.identityKept)
    }

    @Test func segmentIsAUsageErrorDryRunARuntimeOneAndAnOptOutNeither() {
        #expect(ForgetRequest.refusal(testConfig(endpoint: "https://c/r") { $0.format = .segment })?.isUsage == true)
        #expect(ForgetRequest.refusal(testConfig(endpoint: "https://c/r") { $0.dryRun = true })?.isUsage == false)
        #expect(ForgetRequest.refusal(testConfig(endpoint: "https://c/r") { $0.enable = false }) == nil)
        #expect(ForgetRequest.refusal(testConfig(endpoint: "https://c/r")) == nil)
    }
}

extension ForgetRequest.Refusal {
    var isUsage: Bool { if case .usage = self { true } else { false } }
}

extension Array where Element == UInt8 {
    fileprivate func write(toFile path: String) throws { try Data(self).write(to: URL(fileURLWithPath: path)) }
}
