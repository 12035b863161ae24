import Foundation
import Testing
@testable import TelemetryCore
@testable import TelemetryTransport

@Suite struct TransportPolicyTests {
    // MARK: Backoff

    @Test func backoffStaysBetweenMinAndAGrowingCeiling() {
        let min = Duration.seconds(30), max = Duration.seconds(3600)
        #expect(Backoff.delay(attempt: 0, min: min, max: max, random: { 0.99 }) == .seconds(30))
        #expect(Backoff.delay(attempt: 1, min: min, max: max, random: { 1.0 }) == .seconds(60))
        #expect(Backoff.delay(attempt: 3, min: min, max: max, random: { 1.0 }) == .seconds(240))
        #expect(Backoff.delay(attempt: 3, min: min, max: max, random: { 0 }) == .seconds(30))
        #expect(Backoff.delay(attempt: 3, min: min, max: max, random: { 0.5 }) == .seconds(135))
        #expect(Backoff.delay(attempt: 50, min: min, max: max, random: { 1.0 }) == .seconds(3600))
        #expect(Backoff.delay(attempt: Int.max, min: min, max: max, random: { 1.0 }) == .seconds(3600))
        for attempt in 0..<20 {
            let d = Backoff.delay(attempt: attempt, min: min, max: max)
            #expect(d >= min && d <= max)
        }
    }

    @Test func backoffToleratesMaxBelowMin() {
        #expect(Backoff.delay(attempt: 4, min: .seconds(10), max: .seconds(1), random: { 1 }) == .seconds(10))
    }

    @Test func retryAfterOverridesTheBackoffWithinBounds() {
        let min = Duration.seconds(30), max = Duration.seconds(3600)
        #expect(Backoff.wait(attempt: 0, retryAfter: .seconds(7200), min: min, max: max) == .seconds(7200))
        #expect(Backoff.wait(attempt: 0, retryAfter: .seconds(200_000), min: min, max: max) == RetryAfter.cap)
        #expect(Backoff.wait(attempt: 0, retryAfter: .zero, min: min, max: max) == min)
        #expect(Backoff.wait(attempt: 2, retryAfter: nil, min: min, max: max, random: { 1 }) == .seconds(120))
    }

    @Test func anAttemptIsStuckOnlyFarBeyondItsTimeouts() {
        let t0 = ContinuousClock.now
        #expect(Backoff.attemptIsHealthy(startedAt: nil, now: t0, timeout: .seconds(30)))
        #expect(Backoff.attemptIsHealthy(startedAt: t0, now: t0 + .seconds(60), timeout: .seconds(30)))
        #expect(!Backoff.attemptIsHealthy(startedAt: t0, now: t0 + .seconds(61), timeout: .seconds(30)))
    }

    // MARK: Retry-After

    @Test func retryAfterDeltaSeconds() {
        let now = Date(timeIntervalSince1970: 0)
        #expect(RetryAfter.parse("120", now: now) == .seconds(120))
        #expect(RetryAfter.parse(" 0 ", now: now) == .zero)
        #expect(RetryAfter.parse("999999999", now: now) == RetryAfter.cap)
        #expect(RetryAfter.parse("99999999999999999999999", now: now) == RetryAfter.cap)
        #expect(RetryAfter.parse("-5", now: now) == nil)
        #expect(RetryAfter.parse("soon", now: now) == nil)
        #expect(RetryAfter.parse("", now: now) == nil)
    }

    @Test func retryAfterIMFFixdate() {
        // Sun, 06 Nov 1994 08:49:37 GMT is 784111777.
        let date = "Sun, 06 Nov 1994 08:49:37 GMT"
        #expect(RetryAfter.parse(date, now: Date(timeIntervalSince1970: 784_111_777 - 90)) == .seconds(90))
        #expect(RetryAfter.parse(date, now: Date(timeIntervalSince1970: 784_111_777 + 5)) == .zero)
        #expect(RetryAfter.parse(date, now: Date(timeIntervalSince1970: 0)) == RetryAfter.cap)
        #expect(RetryAfter.parse("Sun, 06 Nov 1994 08:49:37 CET", now: Date()) == nil)
        #expect(RetryAfter.parse("Sunday, 06-Nov-94 08:49:37 GMT", now: Date()) == nil)
        #expect(RetryAfter.parse("Mon, 29 Feb 2027 25:00:00 GMT", now: Date()) == nil)
        // Leap day handled by the civil-date arithmetic: Thu, 29 Feb 2024 00:00:00 GMT = 1709164800.
        #expect(RetryAfter.parse("Thu, 29 Feb 2024 00:00:10 GMT", now: Date(timeIntervalSince1970: 1_709_164_800)) == .seconds(10))
    }

    // MARK: classification

    @Test(arguments: [200, 201, 202, 204, 299])
    func twoHundredsAreDelivered(status: Int) { #expect(ResponseClassifier.classify(status: status) == .delivered) }

    @Test(arguments: [408, 429, 500, 502, 503, 504, 599])
    func transientStatusesAreRetried(status: Int) { #expect(ResponseClassifier.classify(status: status) == .retry) }

    @Test(arguments: [100, 301, 302, 307, 308, 400, 404, 405, 407, 409, 413, 422, 600])
    func otherStatusesAreRejected(status: Int) { #expect(ResponseClassifier.classify(status: status) == .rejected) }

    @Test(arguments: [401, 403])
    func credentialStatusesAreKept(status: Int) { #expect(ResponseClassifier.classify(status: status) == .credentialRejected) }

    // MARK: proxy selection

    private let https = "https://telemetry.example.com/v1/reports"

    @Test func configuredProxyWinsOverTheEnvironment() {
        let p = ProxySelector.select(endpoint: https, configured: "http://proxy.local:3128",
                                     environment: ["https_proxy": "http://other:1", "no_proxy": "*"])
        #expect(p == ProxyAddress(host: "proxy.local", port: 3128))
    }

    @Test func environmentProxyForHTTPS() {
        #expect(ProxySelector.select(endpoint: https, configured: nil, environment: ["HTTPS_PROXY": "http://p:8080"])
                == ProxyAddress(host: "p", port: 8080))
        #expect(ProxySelector.select(endpoint: https, configured: nil, environment: ["https_proxy": "http://a:1", "HTTPS_PROXY": "http://b:2"])
                == ProxyAddress(host: "a", port: 1))
        #expect(ProxySelector.select(endpoint: https, configured: "", environment: ["https_proxy": "p:3128"])
                == ProxyAddress(host: "p", port: 3128))
        #expect(ProxySelector.select(endpoint: https, configured: nil, environment: ["http_proxy": "http://p:1"]) == nil)
        #expect(ProxySelector.select(endpoint: https, configured: nil, environment: [:]) == nil)
        #expect(ProxySelector.select(endpoint: https, configured: nil, environment: ["https_proxy": "socks5://p:1"]) == nil)
    }

    @Test func environmentProxyForHTTPUsesLowerCaseHttpProxyOnly() {
        let http = "http://127.0.0.1:8080/r"
        #expect(ProxySelector.select(endpoint: http, configured: nil, environment: ["http_proxy": "http://p:1"]) == ProxyAddress(host: "p", port: 1))
        #expect(ProxySelector.select(endpoint: http, configured: nil, environment: ["HTTP_PROXY": "http://p:1"]) == nil)
        #expect(ProxySelector.select(endpoint: http, configured: nil, environment: ["https_proxy": "http://p:1"]) == nil)
    }

    @Test func noProxyExemptsMatchingHosts() {
        let env = ["https_proxy": "http://p:3128"]
        func sel(_ noProxy: String, _ endpoint: String = "https://telemetry.example.com/v1") -> ProxyAddress? {
            var e = env
            e["no_proxy"] = noProxy
            return ProxySelector.select(endpoint: endpoint, configured: nil, environment: e)
        }
        #expect(sel("*") == nil)
        #expect(sel("example.com") == nil)
        #expect(sel(".example.com") == nil)
        #expect(sel("telemetry.example.com") == nil)
        #expect(sel("Example.COM") == nil)
        #expect(sel("localhost, example.com") == nil)
        #expect(sel("example.com:443") == nil)
        #expect(sel("example.com:8443") != nil)
        #expect(sel("ample.com") != nil)
        #expect(sel("other.org,localhost") != nil)
        #expect(sel("") != nil)
        #expect(sel("127.0.0.1", "https://127.0.0.1:9/x") == nil)
        #expect(sel("[::1]:9", "https://[::1]:9/x") == nil)
        #expect(sel("::1", "https://[::1]:9/x") == nil)
        #expect(ProxySelector.select(endpoint: "https://a.example.com", configured: nil,
                                     environment: ["https_proxy": "http://p:1", "NO_PROXY": "example.com"]) == nil)
    }

    @Test func noProxyCIDRRangesMatchAddressesOnly() {
        func sel(_ noProxy: String, _ endpoint: String) -> ProxyAddress? {
            ProxySelector.select(endpoint: endpoint, configured: nil, environment: ["https_proxy": "http://p:3128", "no_proxy": noProxy])
        }
        #expect(sel("127.0.0.0/8", "https://127.0.0.1:9/x") == nil)
        #expect(sel("10.0.0.0/8, 192.168.1.0/24", "https://192.168.1.77/x") == nil)
        #expect(sel("192.168.1.0/24", "https://192.168.2.1/x") != nil)
        #expect(sel("10.1.2.3/32", "https://10.1.2.3/x") == nil)
        #expect(sel("10.1.2.3/32", "https://10.1.2.4/x") != nil)
        #expect(sel("0.0.0.0/0", "https://203.0.113.9/x") == nil)
        #expect(sel("fd00::/8", "https://[fd12::5]/x") == nil)
        #expect(sel("[fd00::]/8", "https://[fd12::5]/x") == nil)
        #expect(sel("fd00::/16", "https://[fd12::5]/x") != nil)
        #expect(sel("::1/128", "https://[::1]:9/x") == nil)
        // A name is never resolved for a CIDR entry, and families do not mix.
        #expect(sel("127.0.0.0/8", "https://localhost:9/x") != nil)
        #expect(sel("::/0", "https://127.0.0.1/x") != nil)
        #expect(sel("10.0.0.0/33", "https://10.0.0.1/x") != nil)
        #expect(sel("10.0.0.0/x", "https://10.0.0.1/x") != nil)
        // An address entry is an exact match, not a suffix.
        #expect(sel("0.0.1", "https://10.0.0.1/x") != nil)
    }

    @Test func environmentProxyKeepsItsCredentials() {
        let p = ProxySelector.select(endpoint: https, configured: nil, environment: ["https_proxy": "http://user:pa%3Ass@proxy:3128"])
        #expect(p == ProxyAddress(host: "proxy", port: 3128, credentials: .init(username: "user", password: "pa:ss")))
        let bare = ProxySelector.select(endpoint: https, configured: nil, environment: ["https_proxy": "u:p@proxy:3128/"])
        #expect(bare?.credentials == .init(username: "u", password: "p"))
        let configured = ProxySelector.select(endpoint: https, configured: "http://a:b@proxy:1", environment: [:])
        #expect(configured?.credentials == .init(username: "a", password: "b"))
    }
}
