import CollectorConfiguration
import CollectorEvents
import CollectorHTTP
import CollectorService
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
/// MaxConnections= and turning TLS on or off need a restart (`ReloadPlan`; said in the log and the status). A configuration that does not load keeps the running one.
struct Reloader: Service {
    let options: CommonOptions
    let logger: Logger
    let settings: IngestSettingsBox
    let started: CollectorConfig
    let status: NIOLockedValueBox<ServiceStatus>
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
            Notify.ready(status: status.withLockedValue { $0.text })
        }
    }

    func reload() async {
        do {
            let context = try CollectorContext.load(options, logger: logger)
            let tokens = try context.readTokens(.ingest)
            let readTokens = try context.readTokens(.reads)
            let c = context.config
            // The certificate first: a file that does not load fails the whole reload, keeping everything running.
            if let tls, let certificate = c.tlsCertificate, let key = c.tlsKey {
                tls.replace(with: try CollectorServer.tlsContext(certificate: certificate, key: key))
            }
            settings.replace(with: IngestSettings(tokens: tokens, maxBodyBytes: c.maxBodyBytes, maxDistinctValues: c.maxDistinctValues,
                                                  publicMinInstalls: c.publicMinInstalls))
            reads.access.replace(with: readTokens)
            await reads.model.setTimeToLive(c.readCache.duration)
            retainDays.withLockedValue { $0 = c.retainDays }
            gate.update(limits: c.limits, trustedProxies: c.trustedProxies)
            edge.setTimeouts(c.timeouts)
            let note = ReloadPlan.note(running: started, loaded: c)
            status.withLockedValue { $0.reloaded(tokens: tokens, readTokens: readTokens, note: note) }
            logger.notice("configuration reloaded\(note.map { "; \($0)" } ?? "")", metadata: CollectorEvent.reloaded.metadata)
        } catch {
            status.withLockedValue { $0.reloadFailed("reload failed, running configuration kept: \(error)") }
            logger.error("reload failed, keeping the running configuration: \(error)", metadata: CollectorEvent.reloadFailed.metadata)
        }
    }
}
