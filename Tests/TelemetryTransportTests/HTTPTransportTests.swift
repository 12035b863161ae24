import Foundation
import TelemetryCore
import Testing
import TestSupport
@testable import TelemetryTransport
import ConfigGrammar

/// The transport against a real HTTP server: a refused connection, the one deadline of TimeoutSec=, the credential of
/// TokenFile= as it goes on the wire.
@Suite(.removesTemporaryDirectories) struct HTTPTransportTests {
    private func settings(_ endpoint: String, timeout: TimeSpan = TimeSpan(seconds: 5), format: ReportFormat = .telemetryd,
                          credential: Credential = .none) -> TransportSettings {
        TransportSettings(endpoint: endpoint, timeout: timeout, proxy: nil, caFile: nil, compress: false,
                          format: format, credential: credential)
    }

    @Test func aRefusedConnectionFailsAtOnceNotAfterTimeoutSec() async throws {
        // The connection pool used to retry a refused connect with backoff until the connect timeout.
        let port = try await closedPort()
        let transport = try HTTPTransport(settings: settings("http://127.0.0.1:\(port)/r", timeout: TimeSpan(seconds: 20)))
        let started = ContinuousClock.now
        let outcome = await transport.send(body: Array("{}".utf8), messageId: "x")
        let took = ContinuousClock.now - started
        await transport.shutdown()
        #expect(outcome == .retry(status: nil, retryAfter: nil, reason: "connection refused"))
        #expect(took < .seconds(10), "a refused connection took \(took) with TimeoutSec=20s")
    }

    @Test func timeoutSecBoundsTheWholeAttempt() async throws {
        // A collector that accepts and never answers: one deadline, not connect + read + slack.
        let collector = try await TestCollector.start()
        collector.script([.init(status: 200, hang: true)])
        let transport = try HTTPTransport(settings: settings(collector.url, timeout: TimeSpan(seconds: 3)))
        let started = ContinuousClock.now
        let outcome = await transport.send(body: Array("{}".utf8), messageId: "x")
        let took = ContinuousClock.now - started
        await transport.shutdown()
        await collector.stop()
        guard case .retry(nil, nil, let reason) = outcome else {
            Issue.record("expected a timeout, got \(outcome)")
            return
        }
        #expect(reason.contains("timed out"))
        // Under 2×TimeoutSec: one deadline for the attempt (the old code allowed 2×TimeoutSec+5 s), with room for a
        // loaded machine.
        #expect(took >= .milliseconds(2900) && took < .seconds(6), "TimeoutSec=3s, the attempt took \(took)")
    }

    @Test func aTokenGoesAsBearerForTelemetrydAndAsBasicUserForSegment() async throws {
        let collector = try await TestCollector.start()
        collector.script([.init(status: 200), .init(status: 200), .init(status: 401), .init(status: 403)])
        for format in [ReportFormat.telemetryd, .segment] {
            let t = try HTTPTransport(settings: settings(collector.url, format: format, credential: .token("tok-1")))
            _ = await t.send(body: Array("{}".utf8), messageId: "x")
            await t.shutdown()
        }
        let refused = try HTTPTransport(settings: settings(collector.url, credential: .token("tok-1")))
        let o401 = await refused.send(body: Array("{}".utf8), messageId: "x")
        await refused.shutdown()
        let none = try HTTPTransport(settings: settings(collector.url))
        let o403 = await none.send(body: Array("{}".utf8), messageId: "x")
        await none.shutdown()
        await collector.stop()
        let got = collector.received
        #expect(got[0].headers["authorization"] == "Bearer tok-1")
        #expect(got[1].headers["authorization"] == "Basic " + Data("tok-1:".utf8).base64EncodedString())
        #expect(got[3].headers["authorization"] == nil)
        #expect(o401 == .credentialRejected(status: 401, reason: "HTTP 401: the collector refused the token of TokenFile="))
        #expect(o403 == .credentialRejected(status: 403, reason: "HTTP 403: the collector wants a token; set TokenFile="))
    }

    @Test func anUnusableTokenFileSendsNothing() async throws {
        let collector = try await TestCollector.start()
        let t = try HTTPTransport(settings: settings(collector.url, credential: .unusable("TokenFile=/x: no such file")))
        let outcome = await t.send(body: Array("{}".utf8), messageId: "x")
        await t.shutdown()
        await collector.stop()
        #expect(outcome == .credentialRejected(status: nil, reason: "TokenFile=/x: no such file"))
        #expect(collector.received.isEmpty)
    }
}
