import CollectorConfiguration
import CollectorService
import Testing

@Suite struct ReloadPlanTests {
    @Test func whatAppliesAtOnceNeedsNoRestart() {
        let running = CollectorConfig()
        var loaded = running
        loaded.retainDays = 30
        loaded.maxBodyBytes = 1 << 20
        loaded.limits.networkReportsPerMinute = 5
        loaded.timeouts.idle = 5
        loaded.tokenFile = "/etc/telemetry-collector/tokens"
        #expect(ReloadPlan.keysNeedingRestart(running: running, loaded: loaded).isEmpty)
        #expect(ReloadPlan.note(running: running, loaded: loaded) == nil)
    }

    @Test func listenerAndDatabaseKeysNeedARestartInTheDocumentsOrder() {
        let running = CollectorConfig()
        var loaded = running
        loaded.maxConnections = 2048
        loaded.listen = ListenAddress(host: "0.0.0.0", port: 8080)
        loaded.passwordFile = "/etc/telemetry-collector/password"
        loaded.database = .postgresql(url: "postgresql://telemetry@db/telemetry")
        #expect(ReloadPlan.keysNeedingRestart(running: running, loaded: loaded) == ["Listen=", "Database=", "PasswordFile=", "MaxConnections="])
        #expect(ReloadPlan.note(running: running, loaded: loaded) == "Listen=, Database=, PasswordFile=, MaxConnections= changed: restart to apply")
    }

    @Test func aRenewedCertificateAppliesButTurningHTTPSOnDoesNot() {
        var running = CollectorConfig()
        running.tlsCertificate = "/etc/ssl/a.pem"
        running.tlsKey = "/etc/ssl/a.key"
        var renewed = running
        renewed.tlsCertificate = "/etc/ssl/b.pem"
        renewed.tlsKey = "/etc/ssl/b.key"
        #expect(ReloadPlan.keysNeedingRestart(running: running, loaded: renewed).isEmpty)
        #expect(ReloadPlan.keysNeedingRestart(running: running, loaded: CollectorConfig()) == ["TLSCertificate=/TLSKey= (HTTPS on or off)"])
    }
}
