import CollectorConfiguration
import Testing
import ConfigGrammar

@Suite struct CollectorConfigTests {
    func load(_ text: String) throws -> (CollectorConfig, [ConfigDiagnostic]) {
        try CollectorConfigSchema.resolve([try ConfigParser.parse(text, fileName: "collector.conf", schema: CollectorConfigSchema.keysBySection)])
    }

    @Test func defaults() throws {
        let (c, w) = try load("")
        #expect(c == CollectorConfig())
        #expect(c.listen == ListenAddress(host: "127.0.0.1", port: 8080))
        #expect(c.database == .sqlite(path: "/var/lib/telemetry-collector/reports.db"))
        #expect(c.database.description == CollectorConfig.defaultDatabase)
        #expect(CollectorConfig.defaultDatabasePath == "/var/lib/telemetry-collector/reports.db")
        #expect(CollectorConfig.defaultDatabase == "sqlite:///var/lib/telemetry-collector/reports.db")
        #expect(c.maxBodyBytes == 65_536)
        #expect(c.retainDays == 400)
        #expect(c.maxDistinctValues == 100)
        #expect(w.isEmpty)
    }

    @Test func everyKey() throws {
        let (c, _) = try load("""
            [Collector]
            Listen=[::1]:9000
            Database=postgresql://telemetry@db.internal:5432/telemetry
            PasswordFile=/etc/telemetry-collector/db-password
            TokenFile=/etc/telemetry-collector/tokens
            MaxBodyBytes=1M
            RetainDays=30
            TLSCertificate=/etc/ssl/c.pem
            TLSKey=/etc/ssl/k.pem
            MaxDistinctValues=5
            """)
        #expect(c.listen == ListenAddress(host: "::1", port: 9000))
        #expect(c.listen.description == "[::1]:9000")
        #expect(c.database == .postgresql(url: "postgresql://telemetry@db.internal:5432/telemetry"))
        #expect(c.maxBodyBytes == 1 << 20)
        #expect(c.retainDays == 30)
        #expect(c.tokenFile == "/etc/telemetry-collector/tokens")
        #expect(c.tlsKey == "/etc/ssl/k.pem")
        #expect(c.maxDistinctValues == 5)
    }

    @Test func laterWinsAndEmptyResets() throws {
        let (c, _) = try load("[Collector]\nRetainDays=10\nRetainDays=20\nMaxBodyBytes=1K\nMaxBodyBytes=\n")
        #expect(c.retainDays == 20)
        #expect(c.maxBodyBytes == 65_536)
    }

    @Test(arguments: [
        ("Listen=8080", "collector.conf:2: Listen=8080: expected HOST:PORT"),
        ("Listen=127.0.0.1:70000", "expected HOST:PORT"),
        ("Database=sqlite://relative.db", "expected sqlite:///ABSOLUTE/PATH"),
        ("Database=mysql://x", "expected sqlite:///ABSOLUTE/PATH"),
        ("Database=postgresql://u:secret@h/db", "put it in PasswordFile="),
        ("MaxBodyBytes=64 K", "expected a size from 1K to 16M"),
        ("MaxBodyBytes=17M", "expected a size from 1K to 16M"),
        ("MaxBodyBytes=99999999999999999K", "expected a size"),
        ("RetainDays=0", "expected a whole number from 1 to 36500"),
        ("MaxDistinctValues=0", "expected a whole number from 1 to 100000"),
        ("MaxDistinctValues=many", "expected a whole number from 1 to 100000"),
        ("TokenFile=tokens", "expected an absolute path"),
        ("TLSKey=/k.pem", "TLSKey= is set but TLSCertificate= is not"),
    ])
    func badValuesNameFileLineAndKey(_ line: String, _ expected: String) {
        do {
            _ = try load("[Collector]\n\(line)\n")
            Issue.record("accepted \(line)")
        } catch {
            #expect("\(error)".contains(expected), "\(error)")
        }
    }

    @Test func unknownKeyIsAWarningWithItsLine() throws {
        let (_, w) = try load("[Collector]\nListn=1.2.3.4:5\n")
        #expect(w.map(\.description) == ["collector.conf:2: Unknown key name 'Listn' in section 'Collector', ignoring."])
    }
}
