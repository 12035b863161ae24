import CollectorConfiguration
import Testing
import ConfigGrammar

/// ReadCacheSec= and ReadTokenFile=.
@Suite struct ReadsConfigTests {
    func load(_ text: String) throws -> CollectorConfig {
        try CollectorConfigSchema.resolve([try ConfigParser.parse(text, fileName: "collector.conf", schema: CollectorConfigSchema.keysBySection)]).0
    }

    @Test func defaultsAreTenSecondsAndOpenReads() throws {
        let c = try load("")
        #expect(c.readCache == TimeSpan(seconds: 10))
        #expect(c.readCache.duration == .seconds(10))
        #expect(c.readTokenFile == nil)
    }

    @Test(arguments: [("30s", 30_000_000), ("1min", 60_000_000), ("1min 30s", 90_000_000), ("2", 2_000_000), ("1h", 3_600_000_000)] as [(String, UInt64)])
    func readCacheSecTakesSystemdTimeSpans(_ text: String, _ microseconds: UInt64) throws {
        #expect(try load("[Collector]\nReadCacheSec=\(text)\n").readCache.microseconds == microseconds)
    }

    @Test func emptyResetsAndTokenFileIsAnAbsolutePath() throws {
        let c = try load("[Collector]\nReadCacheSec=1min\nReadCacheSec=\nReadTokenFile=/etc/telemetry-collector/read-tokens\n")
        #expect(c.readCache == TimeSpan(seconds: 10))
        #expect(c.readTokenFile == "/etc/telemetry-collector/read-tokens")
    }

    @Test(arguments: [
        ("ReadCacheSec=500ms", "collector.conf:2: ReadCacheSec=500ms: expected a time span from 1s to 1h"),
        ("ReadCacheSec=2h", "expected a time span from 1s to 1h"),
        ("ReadCacheSec=infinity", "expected a time span from 1s to 1h"),
        ("ReadCacheSec=ten", "expected a time span"),
        ("ReadCacheSec=-5s", "expected a time span"),
        ("ReadTokenFile=read-tokens", "expected an absolute path"),
    ])
    func badValuesNameFileLineAndKey(_ line: String, _ expected: String) {
        do {
            _ = try load("[Collector]\n\(line)\n")
            Issue.record("accepted \(line)")
        } catch {
            #expect("\(error)".contains(expected), "\(error)")
        }
    }
}
