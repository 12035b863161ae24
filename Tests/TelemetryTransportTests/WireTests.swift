import Foundation
import TelemetryCore
import Testing
import TestSupport
@testable import TelemetryTransport
import ConfigGrammar

/// What goes on the wire besides the report itself: the credential of TokenFile=, Format=segment, the one
/// deadline of TimeoutSec=.
@Suite(.removesTemporaryDirectories) struct WireTests {
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

    @Test func theTokenFileIsReadFromItsPathOrTheCredentialsDirectory() throws {
        let dir = try tempDir("token")
        try "  tok-abc \r\nsecond line\n".write(toFile: dir + "/token", atomically: false, encoding: .utf8)
        #expect(Credential.load(tokenFile: dir + "/token", environment: [:]) == .token("tok-abc"))
        #expect(Credential.load(tokenFile: "token", environment: ["CREDENTIALS_DIRECTORY": dir]) == .token("tok-abc"))
        #expect(Credential.load(tokenFile: nil, environment: [:]) == .none)
        guard case .unusable(let relative) = Credential.load(tokenFile: "token", environment: [:]) else {
            Issue.record("a relative name without $CREDENTIALS_DIRECTORY must be unusable")
            return
        }
        #expect(relative.contains("CREDENTIALS_DIRECTORY") && relative.contains("LoadCredential="))
        guard case .unusable(let missing) = Credential.load(tokenFile: dir + "/nope", environment: [:]) else {
            Issue.record("a missing file must be unusable")
            return
        }
        #expect(missing.contains(dir + "/nope"))
        try "\n".write(toFile: dir + "/empty", atomically: false, encoding: .utf8)
        #expect(Credential.load(tokenFile: dir + "/empty", environment: [:]) != .token(""))
        try "a b\n".write(toFile: dir + "/blank", atomically: false, encoding: .utf8)
        #expect(!Credential.load(tokenFile: dir + "/blank", environment: [:]).isConfigured)
        // Never shown.
        #expect(String(describing: Credential.token("tok-abc")) == "set")
        #expect(!String(describing: settings("https://c/r", credential: .token("tok-abc"))).contains("tok-abc"))
    }

    @Test func segmentTrackCallCarriesEveryFieldOfTheSpec() throws {
        let report = makeReport(.diagnostics)
        var doc = try JSONSerialization.jsonObject(with: report.jsonData()) as! [String: Any]
        doc["product"] = ["name": "acme-db", "version": "4.2.1"]   // read generically, whatever the model adds
        let body = Array(try JSONSerialization.data(withJSONObject: doc))
        let call = try JSONSerialization.jsonObject(with: Data(try SegmentTrack.body(fromReport: body))) as! [String: Any]
        #expect(Set(call.keys) == ["type", "event", "anonymousId", "messageId", "timestamp", "properties", "context"])
        #expect(call["type"] as? String == "track")
        #expect(call["event"] as? String == "Diagnostics")
        #expect(call["anonymousId"] as? String == report.instanceId)
        #expect(call["messageId"] as? String == report.messageId)
        let ts = try #require(call["timestamp"] as? String)
        #expect(ts.wholeMatch(of: /\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z/) != nil, "ISO 8601 UTC: \(ts)")
        let props = try #require(call["properties"] as? [String: Any])
        #expect(props["clusterId"] as? String == report.clusterId)
        #expect((props["product"] as? [String: String]) == ["name": "acme-db", "version": "4.2.1"])
        #expect((props["cpu"] as? [String: Any])?["logicalCores"] as? Int == 2)
        #expect(props["virtualization"] as? String == "none")
        let library = try #require((call["context"] as? [String: Any])?["library"] as? [String: String])
        #expect(library == ["name": "telemetryd", "version": AgentInfo.version])
        let keepalive = try JSONSerialization.jsonObject(with: Data(try SegmentTrack.body(fromReport: Array(makeReport().jsonData())))) as! [String: Any]
        #expect(keepalive["event"] as? String == "Instance Active")
        #expect((keepalive["properties"] as? [String: Any])?["product"] == nil, "no product block: no product property")
        #expect((keepalive["properties"] as? [String: Any])?["agentUptimeSec"] as? Int == 3)
        #expect(try SegmentTrack.wireBody(body, format: .telemetryd) == body)
    }

    @Test func segmentCarriesCountersInProperties() throws {
        let report = makeReport(.diagnostics).carrying(CounterStep(increments: ["flowsExecuted": 412], sinceSec: 21600, next: nil))
        let call = try JSONSerialization.jsonObject(with: Data(try SegmentTrack.body(fromReport: Array(report.jsonData())))) as! [String: Any]
        let props = try #require(call["properties"] as? [String: Any])
        #expect(props["counters"] as? [String: Int] == ["flowsExecuted": 412])
        #expect(props["countersSinceSec"] as? Int == 21600)
        let withheld = try JSONSerialization.jsonObject(with: Data(try SegmentTrack.body(fromReport: Array(makeReport(.diagnostics).jsonData())))) as! [String: Any]
        #expect((withheld["properties"] as? [String: Any])?["counters"] is NSNull, "null, as in the report")
    }
}
