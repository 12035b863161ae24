import Foundation
import NIOSSL
import TelemetryCore
import Testing
import TestSupport
@testable import TelemetryTransport
import ConfigGrammar

@Suite(.removesTemporaryDirectories) struct DeliveryTransportTests {
    private func settings(_ endpoint: String, compress: Bool = true, caFile: String? = nil) -> TransportSettings {
        TransportSettings(endpoint: endpoint, timeout: TimeSpan(seconds: 5), proxy: nil, caFile: caFile, compress: compress)
    }

    @Test func postsGzippedJSONWithTheContractHeaders() async throws {
        let collector = try await TestCollector.start()
        let transport = try HTTPTransport(settings: settings(collector.url))
        let report = makeReport()
        let body = Array(try report.jsonData())
        let outcome = await transport.send(body: body, messageId: report.messageId)
        await transport.shutdown()
        await collector.stop()
        #expect(outcome == .delivered(status: 200))
        let r = try #require(collector.received.first)
        #expect(r.method == "POST")
        #expect(r.uri == "/v1/reports")
        #expect(r.headers["content-type"] == "application/json")
        #expect(r.headers["user-agent"] == "telemetryd/\(AgentInfo.version)")
        #expect(r.headers["content-encoding"] == "gzip")
        #expect(r.rawBody != body)
        #expect(r.body == body)
    }

    @Test func compressNoSendsThePlainBody() async throws {
        let collector = try await TestCollector.start()
        let transport = try HTTPTransport(settings: settings(collector.url, compress: false))
        let report = makeReport()
        let body = Array(try report.jsonData())
        let outcome = await transport.send(body: body, messageId: report.messageId)
        await transport.shutdown()
        await collector.stop()
        #expect(outcome == .delivered(status: 200))
        let r = try #require(collector.received.first)
        #expect(r.headers["content-encoding"] == nil)
        #expect(r.rawBody == body)
    }

    @Test func classifiesAnswers() async throws {
        let collector = try await TestCollector.start()
        collector.script([
            .init(status: 503, headers: [("Retry-After", "7")]),
            .init(status: 429),
            .init(status: 400),
            .init(status: 301, headers: [("Location", "/elsewhere")]),
            .init(status: 202),
        ])
        let transport = try HTTPTransport(settings: settings(collector.url))
        var outcomes: [SendOutcome] = []
        for _ in 0..<5 { outcomes.append(await transport.send(body: Array("{}".utf8), messageId: "x")) }
        await transport.shutdown()
        await collector.stop()
        #expect(outcomes[0] == .retry(status: 503, retryAfter: .seconds(7), reason: "HTTP 503"))
        #expect(outcomes[1] == .retry(status: 429, retryAfter: nil, reason: "HTTP 429"))
        #expect(outcomes[2] == .rejected(status: 400, reason: "HTTP 400"))
        guard case .rejected(301, _) = outcomes[3] else {
            Issue.record("a redirect must be rejected, got \(outcomes[3])")
            return
        }
        #expect(outcomes[4] == .delivered(status: 202))
        // The redirect was not followed: exactly five requests, all to the endpoint.
        #expect(collector.received.map(\.uri) == Array(repeating: "/v1/reports", count: 5))
    }

    @Test func connectionRefusedIsRetried() async throws {
        let port = try await closedPort()
        let transport = try HTTPTransport(settings: settings("http://127.0.0.1:\(port)/r"))
        let outcome = await transport.send(body: Array("{}".utf8), messageId: "x")
        await transport.shutdown()
        #expect(outcome == .retry(status: nil, retryAfter: nil, reason: "connection refused"))
    }

    @Test func tlsWithCAFileIsTrusted() async throws {
        let pki = try TestPKI.make()
        let collector = try await TestCollector.start(tls: try pki.serverContext())
        let transport = try HTTPTransport(settings: settings(collector.httpsURL, caFile: pki.caFile))
        let outcome = await transport.send(body: Array("{}".utf8), messageId: "x")
        await transport.shutdown()
        await collector.stop()
        #expect(outcome == .delivered(status: 200))
        #expect(collector.received.count == 1)
    }

    @Test func untrustedTLSServerIsRetriedNotDelivered() async throws {
        let pki = try TestPKI.make()
        let collector = try await TestCollector.start(tls: try pki.serverContext())
        let transport = try HTTPTransport(settings: settings(collector.httpsURL))
        let outcome = await transport.send(body: Array("{}".utf8), messageId: "x")
        await transport.shutdown()
        await collector.stop()
        #expect(outcome == .retry(status: nil, retryAfter: nil, reason: "TLS: certificate not trusted"))
        #expect(collector.received.isEmpty)
    }

    @Test func badCAFileIsAClearErrorNamingTheFile() throws {
        let dir = try tempDir("ca")
        let missing = dir + "/missing.pem"
        #expect {
            try HTTPTransport(settings: settings("https://127.0.0.1:1/r", caFile: missing))
        } throws: { error in
            "\(error)".contains("CAFile=\(missing)") && "\(error)".contains("cannot read")
        }
        let garbage = dir + "/garbage.pem"
        try Data("not a certificate".utf8).write(to: URL(fileURLWithPath: garbage))
        #expect {
            try HTTPTransport(settings: settings("https://127.0.0.1:1/r", caFile: garbage))
        } throws: { error in
            "\(error)".contains("CAFile=\(garbage)")
        }
    }

    @Test func settingsTakeTheProxyFromTheEnvironment() {
        var c = TelemetryConfig()
        c.endpoint = "https://collector.example.com/r"
        let s = TransportSettings(config: c, environment: ["https_proxy": "http://proxy:3128"])
        #expect(s.proxy == ProxyAddress(host: "proxy", port: 3128))
        let exempt = TransportSettings(config: c, environment: ["https_proxy": "http://proxy:3128", "no_proxy": ".example.com"])
        #expect(exempt.proxy == nil)
    }

    @Test func httpsThroughAProxyUsesCONNECTToTheEndpoint() async throws {
        // The test collector plays the proxy and refuses the tunnel: what matters is what it was asked.
        let proxy = try await TestCollector.start()
        proxy.script(Array(repeating: .init(status: 403), count: 50))
        let s = TransportSettings(endpoint: "https://collector.invalid/v1/reports", timeout: TimeSpan(seconds: 5),
                                  proxy: ProxyAddress(host: "127.0.0.1", port: proxy.port), caFile: nil, compress: true)
        let transport = try HTTPTransport(settings: s)
        let outcome = await transport.send(body: Array("{}".utf8), messageId: "x")
        await transport.shutdown()
        await proxy.stop()
        #expect(!proxy.received.isEmpty)
        for r in proxy.received {
            #expect(r.method == "CONNECT")
            #expect(r.uri == "collector.invalid:443")
            #expect(r.body.isEmpty)  // the report never reaches the proxy in clear
        }
        guard case .retry(nil, nil, _) = outcome else {
            Issue.record("a refused tunnel must be retried, got \(outcome)")
            return
        }
    }

    @Test func plainHTTPThroughAProxyAlsoTunnels() async throws {
        let proxy = try await TestCollector.start()
        proxy.script([.init(status: 407), .init(status: 407), .init(status: 407)])
        let s = TransportSettings(endpoint: "http://collector.invalid:8080/v1/reports", timeout: TimeSpan(seconds: 5),
                                  proxy: ProxyAddress(host: "127.0.0.1", port: proxy.port), caFile: nil, compress: false)
        let transport = try HTTPTransport(settings: s)
        let outcome = await transport.send(body: Array("{}".utf8), messageId: "x")
        await transport.shutdown()
        await proxy.stop()
        // AsyncHTTPClient keeps trying to set up the tunnel until the connect timeout; every try is a CONNECT.
        #expect(!proxy.received.isEmpty)
        #expect(proxy.received.allSatisfy { $0.method == "CONNECT" && $0.uri == "collector.invalid:8080" })
        guard case .retry(nil, nil, _) = outcome else {
            Issue.record("a refused tunnel must be retried, got \(outcome)")
            return
        }
    }

    @Test func shutdownIsIdempotent() async throws {
        let transport = try HTTPTransport(settings: settings("http://127.0.0.1:1/r"))
        #expect(await transport.shutdown() == .shutDown)
        // The second call must not reach AsyncHTTPClient, which would fail with "already shut down".
        #expect(await transport.shutdown() == .alreadyShutDown)
        #expect(await transport.shutdown() == .alreadyShutDown)
    }
}
