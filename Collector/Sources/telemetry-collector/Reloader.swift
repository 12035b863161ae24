import CollectorConfiguration
import CollectorEvents
import CollectorHTTP
import CollectorEdge
import Logging
import NIOConcurrencyHelpers
import ServiceLifecycle
import Systemd
import UnixSignals

/// SIGHUP (`systemctl reload`): `RELOADING=1`, re-read collector.conf, its drop-ins, TokenFile= and ReadTokenFile=,
/// `READY=1`. Tokens, MaxBodyBytes=, MaxDistinctValues=, RetainDays=, ReadCacheSec=, the rate limits,
/// TrustedProxies= and the timeouts take effect at once (the timeouts for new connections), and the TLS certificate
/// and key are read again (a renewed certificate needs no restart); Listen=, Database=, PasswordFile=,
/// MaxConnections= and turning TLS on or off need a restart (said in the log and the status). A configuration that does not load keeps the running one.
struct Reloader: Service {
    let options: CommonOptions
    let logger: Logger
    let settings: IngestSettingsBox
    let started: CollectorConfig
    let status: Status
    let retainDays: NIOLockedValueBox<Int>
    let reads: Reads
    let gate: IngestGate
    let edge: ServerEdge
    let tls: TLSContextBox?

    func run() async throws {
        let signals = await UnixSignalsSequence(trapping: .sighup)
        for await _ in signals.cancelOnGracefulShutdown() {
            Notify.reloading()
            await reload()
            Notify.ready(status: status.text)
        }
    }

    func reload() async {
        do {
            let context = try CollectorContext.load(options, logger: logger)
            let tokens = try context.readTokens()
            let readTokens = try context.readReadTokens()
            let c = context.config
            // The certificate first: a file that does not load fails the whole reload, keeping everything running.
            if let tls, let certificate = c.tlsCertificate, let key = c.tlsKey {
                tls.replace(with: try CollectorServer.tlsContext(certificate: certificate, key: key))
            }
            settings.replace(with: IngestSettings(tokens: tokens, maxBodyBytes: c.maxBodyBytes, maxDistinctValues: c.maxDistinctValues))
            reads.access.replace(with: readTokens)
            await reads.model.setTimeToLive(c.readCache.duration)
            retainDays.withLockedValue { $0 = c.retainDays }
            gate.update(limits: c.limits, trustedProxies: c.trustedProxies)
            edge.setTimeouts(c.timeouts)
            var needRestart: [String] = []
            if c.listen != started.listen { needRestart.append("Listen=") }
            if c.database != started.database { needRestart.append("Database=") }
            if c.passwordFile != started.passwordFile { needRestart.append("PasswordFile=") }
            if (c.tlsCertificate == nil) != (started.tlsCertificate == nil) { needRestart.append("TLSCertificate=/TLSKey= (HTTPS on or off)") }
            if c.maxConnections != started.maxConnections { needRestart.append("MaxConnections=") }
            let note = needRestart.isEmpty ? nil : "\(needRestart.joined(separator: ", ")) changed: restart to apply"
            status.reloaded(tokens: tokens, readTokens: readTokens, note: note)
            logger.notice("configuration reloaded\(note.map { "; \($0)" } ?? "")", metadata: CollectorEvent.reloaded.metadata)
        } catch {
            status.reloadFailed("reload failed, running configuration kept: \(error)")
            logger.error("reload failed, keeping the running configuration: \(error)", metadata: CollectorEvent.reloadFailed.metadata)
        }
    }
}
