import CommandLineSupport
import ArgumentParser
import ReportValidation
import CollectorConfiguration
import CollectorEvents
import CollectorHTTP
import CollectorService
import CollectorStore
import Foundation
import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import NIOSSL
import ServiceLifecycle
import Systemd
import UnixSignals

struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Receive reports over HTTP and answer the dashboard, the JSON API and /metrics (the unit's ExecStart).",
        discussion: "Listens on Listen=, or on the socket systemd passes (telemetry-collector.socket). SIGHUP re-reads the configuration, TokenFile= and ReadTokenFile=; SIGTERM stops.")

    @OptionGroup var options: CommonOptions

    func run() async throws {
        let logger = CollectorLogging.bootstrap()
        let context = try CollectorContext.load(options, logger: logger)
        // Everything that can fail on a bad configuration comes before the database is opened.
        let tokens = try context.readTokens(.ingest)
        let readTokens = try context.readTokens(.reads)
        let listener = try Self.listener(context.config)
        var tls: TLSContextBox?
        if let certificate = context.config.tlsCertificate, let key = context.config.tlsKey {
            do { tls = TLSContextBox(try CollectorServer.tlsContext(certificate: certificate, key: key)) } catch {
                throw CLIFailure.usage("\(error)")
            }
        }
        let config = context.config
        let files = FileDescriptorLimit.raise(forConnections: config.maxConnections)
        if !files.enough {
            logger.warning("MaxConnections=\(config.maxConnections) needs \(config.maxConnections + FileDescriptorLimit.reserve) open files but the limit is \(files.limit): raise LimitNOFILE= in the unit or lower MaxConnections=; past the limit new connections fail",
                           metadata: CollectorEvent.configWarning.metadata)
        }
        let validator: ReportValidator
        do { validator = try ReportValidator() } catch { throw CLIFailure.runtime("the embedded report schema does not compile: \(error)") }
        let store = try await context.openStore()

        let settings = IngestSettingsBox(IngestSettings(tokens: tokens, maxBodyBytes: context.config.maxBodyBytes,
                                                        maxDistinctValues: context.config.maxDistinctValues,
                                                        publicMinInstalls: context.config.publicMinInstalls))
        let metrics = CollectorMetrics()
        let gate = IngestGate(limits: config.limits, trustedProxies: config.trustedProxies)
        let edge = ServerEdge(maxConnections: config.maxConnections, timeouts: config.timeouts, logger: logger, metrics: metrics)
        let ingest = Ingest(store: store, validator: validator, settings: settings, logger: logger, gate: gate)
        let database = context.config.database.description
        // The words of STATUS=, changed by the health check, the listener and reloads.
        let status = NIOLockedValueBox(ServiceStatus(database: database, tokens: tokens, readTokens: readTokens))
        // What /healthz does not say (it answers ok or unavailable) goes to the journal and STATUS=.
        let health = HealthCheck(store: store, availability: ingest.availability, onChange: { h in
            if h.available {
                logger.notice("health check: the database answers again", metadata: CollectorEvent.databaseAvailable.metadata)
            } else {
                logger.error("health check: \(h.detail); /healthz answers unavailable", metadata: CollectorEvent.databaseUnavailable.metadata)
            }
            Notify.status(status.withLockedValue { s in
                s.health(h.available ? nil : h.detail)
                return s.text
            })
        })
        let reads = Reads(model: ReadModel(store: store, timeToLive: context.config.readCache.duration),
                          health: health, access: ReadAccess(readTokens))
        let router = CollectorRoutes.router(ingest: ingest, metrics: metrics, reads: reads)
        // Ping at half the interval, as sd_watchdog_enabled(3) recommends.
        let watchdog = Watchdog.interval().map { $0 / 2 }
        let retainDays = NIOLockedValueBox(context.config.retainDays)

        let server = CollectorServer(
            listener: listener, router: router, logger: logger, tls: tls, edge: edge,
            heartbeatInterval: watchdog ?? .seconds(30),
            heartbeat: watchdog == nil ? nil : { @Sendable in Notify.watchdog() },
            onListening: { address in
                logger.notice("listening on \(address); database \(database)", metadata: CollectorEvent.listening.metadata)
                Notify.ready(status: status.withLockedValue { s in
                    s.listening(on: address)
                    return s.text
                })
            })
        let reloader = Reloader(options: options, logger: logger, settings: settings, started: context.config,
                                status: status, retainDays: retainDays, reads: reads, gate: gate, edge: edge, tls: tls)
        let pruner = Pruner(store: store, retainDays: retainDays, logger: logger)
        let dayCache = DayCacheRefresher(store: store, retainDays: retainDays, logger: logger)
        let reporter = EdgeReporter(edge: edge, gate: gate, logger: logger)
        let group = ServiceGroup(configuration: .init(
            services: [.init(service: server), .init(service: reloader), .init(service: pruner), .init(service: dayCache),
                       .init(service: reporter)],
            gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        do {
            try await group.run()
        } catch {
            Notify.stopping()
            await store.close()
            throw CLIFailure.runtime("\(error)")
        }
        Notify.stopping()
        await store.close()
    }

    /// The socket systemd passed (socket activation), else Listen=.
    static func listener(_ config: CollectorConfig) throws -> CollectorServer.Listener {
        let fds = SocketActivation.descriptors()
        guard let fd = fds.first else { return .address(config.listen) }
        guard fds.count == 1 else { throw CLIFailure.usage("systemd passed \(fds.count) sockets; telemetry-collector.socket must have exactly one ListenStream=") }
        guard SocketActivation.isListeningStream(fd) else { throw CLIFailure.usage("the socket systemd passed (fd \(fd)) is not a listening stream socket; use ListenStream= in the .socket unit") }
        return .inherited(fd: fd)
    }
}
