import CollectorConfiguration
import CollectorEdge
import Testing
import ConfigGrammar

@Suite("collector.conf: the HTTP edge's keys")
struct CollectorConfigEdgeTests {
    func load(_ text: String) throws -> CollectorConfig {
        try CollectorConfigSchema.resolve([try ConfigParser.parse(text, fileName: "collector.conf", schema: CollectorConfigSchema.keysBySection)]).0
    }

    @Test func defaultsAreTheContracts() throws {
        let c = try load("")
        #expect(c.maxConnections == 1024)
        #expect(c.timeouts == ConnectionTimeouts(request: 10, idle: 15, write: 10))
        #expect(c.limits == IngestLimits(networkReportsPerMinute: 600, networkNewInstallsPerDay: 1000, instanceReportsPerDay: 600))
        #expect(c.trustedProxies.ranges.map(\.description) == ["127.0.0.0/8", "::1/128"])
    }

    @Test func everyEdgeKey() throws {
        let c = try load("""
            [Collector]
            MaxConnections=4096
            RequestTimeoutSec=5s
            IdleTimeoutSec=1min
            WriteTimeoutSec=2s 500ms
            NetworkReportsPerMinute=0
            NetworkNewInstallsPerDay=20000
            InstanceReportsPerDay=100
            TrustedProxies=10.0.0.0/8  2001:db8::/32 192.0.2.7
            """)
        #expect(c.maxConnections == 4096)
        #expect(c.timeouts == ConnectionTimeouts(request: 5, idle: 60, write: 2.5))
        #expect(c.limits == IngestLimits(networkReportsPerMinute: 0, networkNewInstallsPerDay: 20_000, instanceReportsPerDay: 100))
        #expect(c.trustedProxies.ranges.map(\.description) == ["10.0.0.0/8", "2001:db8::/32", "192.0.2.7/32"])
    }

    @Test func noneTrustsNoProxyAndEmptyIsTheDefault() throws {
        #expect(try load("[Collector]\nTrustedProxies=none\n").trustedProxies.ranges.isEmpty)
        #expect(try load("[Collector]\nTrustedProxies=none\nTrustedProxies=\n").trustedProxies == .loopback)
    }

    @Test(arguments: [
        ("MaxConnections=8", "expected a whole number from 16 to 1000000"),
        ("RequestTimeoutSec=500ms", "too short; expected at least 1s"),
        ("IdleTimeoutSec=2h", "too long; expected at most 1h"),
        ("WriteTimeoutSec=soon", "expected a time span"),
        ("NetworkReportsPerMinute=-1", "expected a whole number from 0"),
        ("TrustedProxies=10.0.0.0/8 proxy.internal", "\"proxy.internal\" is not an address or CIDR range"),
        ("TrustedProxies=10.0.0.0/33", "is not an address or CIDR range"),
    ])
    func badValuesNameTheKey(_ line: String, _ expected: String) {
        do {
            _ = try load("[Collector]\n\(line)\n")
            Issue.record("accepted \(line)")
        } catch {
            #expect("\(error)".contains("collector.conf:2: "), "\(error)")
            #expect("\(error)".contains(expected), "\(error)")
        }
    }
}
