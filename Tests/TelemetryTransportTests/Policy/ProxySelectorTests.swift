import Testing
import TelemetryCore
@testable import TelemetryTransport

/// Which proxy a report goes through: Proxy=, then https_proxy/HTTPS_PROXY (http_proxy for http://), minus no_proxy.
@Suite struct ProxySelectorTests {
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
