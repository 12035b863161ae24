import Testing
@testable import TelemetryCore
import ConfigGrammar

@Suite("Config: telemetryd's value types")
struct ConfigValueTests {
    static let uuids: [(String, String?)] = [
        ("4f1c2a9e-8d3b-4c7a-9e21-5b6f0d8c3a17", "4f1c2a9e-8d3b-4c7a-9e21-5b6f0d8c3a17"),
        ("4F1C2A9E-8D3B-4C7A-9E21-5B6F0D8C3A17", "4f1c2a9e-8d3b-4c7a-9e21-5b6f0d8c3a17"),
        ("4f1c2a9e8d3b4c7a9e215b6f0d8c3a17", "4f1c2a9e-8d3b-4c7a-9e21-5b6f0d8c3a17"),
        ("4f1c2a9e-8d3b-4c7a-9e21-5b6f0d8c3a1", nil), ("4f1c2a9e-8d3b-4c7a-9e21-5b6f0d8c3a177", nil),
        ("4f1c2a9e_8d3b-4c7a-9e21-5b6f0d8c3a17", nil), ("4f1c2a9e-8d3b-4c7a-9e21-5b6f0d8c3a1g", nil),
        ("{4f1c2a9e-8d3b-4c7a-9e21-5b6f0d8c3a17}", nil), ("00000000-0000-0000-0000-000000000000", nil),
        ("cluster-a", nil),
    ]

    @Test("UUIDs: any case in, lower-case 8-4-4-4-12 out", arguments: uuids)
    func uuid(_ input: String, _ expected: String?) {
        #expect((try? ConfigValues.uuid(input).get()) == expected)
    }

    static let endpoints: [(String, Bool)] = [
        ("https://telemetry.example.com/v1/reports", true), ("HTTPS://telemetry.example.com", true),
        ("https://telemetry.example.com:8443/v1/reports?x=1", true), ("http://127.0.0.1:8080/r", true),
        ("https://[::1]:8443/v1", true), ("https://collector_1.internal/", true),
        ("ftp://telemetry.example.com/", false), ("telemetry.example.com/v1", false), ("https://", false),
        ("https:///v1", false), ("https://user:pw@telemetry.example.com/", false),
        ("https://telemetry.example.com:0/", false), ("https://telemetry.example.com:65536/", false),
        ("https://telemetry.example.com:/", false), ("https://telemetry.example.com/v1 # comment", false),
        ("https://tele metry.example.com/", false), ("https://[zz]/", false), ("https://-bad.example/", false),
        ("https://telemetry.exämple.com/", false), ("https//telemetry.example.com", false),
    ]

    @Test("Endpoint: http(s) URL with a host", arguments: endpoints)
    func endpoint(_ input: String, _ ok: Bool) {
        #expect((try? ConfigValues.endpoint(input).get()) == (ok ? input : nil))
    }

    static let proxies: [(String, ProxyAddress?)] = [
        ("http://proxy.example.com:3128", ProxyAddress(host: "proxy.example.com", port: 3128)),
        ("HTTP://10.0.0.1:8080/", ProxyAddress(host: "10.0.0.1", port: 8080)),
        ("http://[fd00::1]:3128", ProxyAddress(host: "fd00::1", port: 3128)),
        ("http://proxy.example.com", nil), ("https://proxy.example.com:3128", nil), ("proxy.example.com:3128", nil),
        ("http://user:pw@proxy.example.com:3128",
         ProxyAddress(host: "proxy.example.com", port: 3128, credentials: .init(username: "user", password: "pw"))),
        ("http://us%40er:p%3Aw@p@ss@proxy:3128",
         ProxyAddress(host: "proxy", port: 3128, credentials: .init(username: "us@er", password: "p:w@p@ss"))),
        ("http://user@proxy:3128", ProxyAddress(host: "proxy", port: 3128, credentials: .init(username: "user", password: ""))),
        ("http://:pw@proxy:3128", nil), ("http://u:%zz@proxy:3128", nil), ("http://u:p@proxy", nil),
        ("http://proxy.example.com:3128/path", nil),
        ("socks5://proxy:1080", nil), ("http://proxy:99999", nil),
    ]

    @Test("Proxy: http://[user:password@]host:port", arguments: proxies)
    func proxy(_ input: String, _ expected: ProxyAddress?) {
        #expect((try? ConfigValues.proxy(input).get()) == expected)
    }

    @Test func proxyDescriptionNeverShowsThePassword() throws {
        let p = try ConfigValues.proxy("http://alice:s3cret@proxy:3128").get()
        #expect(p.description == "http://alice:***@proxy:3128")
        #expect(!String(describing: p).contains("s3cret") && !String(reflecting: p.credentials).contains("s3cret"))
    }

    @Test func formatAndTokenFile() {
        #expect((try? ConfigValues.format("Segment").get()) == .segment)
        #expect((try? ConfigValues.format("telemetryd").get()) == .telemetryd)
        #expect((try? ConfigValues.format("json").get()) == nil)
        #expect((try? ConfigValues.tokenFile("/etc/telemetryd/token").get()) == "/etc/telemetryd/token")
        #expect((try? ConfigValues.tokenFile("token").get()) == "token")
        #expect((try? ConfigValues.tokenFile("../token").get()) == nil)
        #expect((try? ConfigValues.tokenFile("sub/token").get()) == nil)
        #expect((try? ConfigValues.tokenFile("..").get()) == nil)
    }

    @Test func caFileMustBeAbsolute() {
        #expect((try? ConfigValues.absolutePath("/etc/ssl/private-ca.pem").get()) == "/etc/ssl/private-ca.pem")
        #expect((try? ConfigValues.absolutePath("private-ca.pem").get()) == nil)
        #expect((try? ConfigValues.absolutePath("./ca.pem").get()) == nil)
        #expect((try? ConfigValues.absolutePath("~/ca.pem").get()) == nil)
    }

    static let maxReportsCases: [(String, Int?)] = [
        ("1", 1), ("512", 512), ("100000", 100_000), ("0", nil), ("100001", nil), ("-1", nil), ("+5", nil),
        ("5k", nil), ("1e3", nil), ("99999999999999999999999", nil), ("12 3", nil),
    ]

    @Test("MaxReports: 1...100000", arguments: maxReportsCases)
    func maxReports(_ input: String, _ expected: Int?) {
        #expect((try? ConfigValues.maxReports(input).get()) == expected)
    }
}
