#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import IdleTimer
import Logging
import ServiceLifecycle
import Systemd
import TelemetryCore

/// Where the daemon gets its configuration and keeps its state.
public struct DaemonSettings: Sendable {
    public var configPath: String
    public var requireConfigFile: Bool
    public var runtimeDropInDirectory: String
    public var stateDirectory: String
    public var environment: [String: String]

    public init(configPath: String, requireConfigFile: Bool = false,
                runtimeDropInDirectory: String = ConfigLoader.runtimeDropInDirectory,
                stateDirectory: String, environment: [String: String]) {
        self.configPath = configPath
        self.requireConfigFile = requireConfigFile
        self.runtimeDropInDirectory = runtimeDropInDirectory
        self.stateDirectory = stateDirectory
        self.environment = environment
    }

    func loadConfig() throws(ConfigError) -> LoadedConfig {
        try ConfigLoader(mainPath: configPath, runtimeDropInDirectory: runtimeDropInDirectory, environment: environment,
                         requireMainFile: requireConfigFile).load()
    }
}

/// The configuration could not be loaded at start: the daemon exits with status 2.
public struct StartupError: Error, CustomStringConvertible {
    public var description: String
}

enum DaemonEvent: Hashable, Sendable {
    case reload
    case stop
    case deliveryChanged
}

/// `telemetryd run`: one loop that schedules reports, hands them to delivery, pings the watchdog and keeps
/// `STATUS=` current. Reload (SIGHUP) and stop (SIGTERM, via ServiceLifecycle) arrive as wake-ups of that loop, so
/// the watchdog ping vouches for the loop that does the work (DESIGN.md, "systemd integration").
public final class Daemon: Service, Sendable {
    let settings: DaemonSettings
    let logger: Logger
    let makeDelivery: @Sendable (LoadedConfig, DaemonSettings, Logger, @escaping @Sendable () -> Void) -> any ReportDelivery
    let wakeup = Wakeup<DaemonEvent>()
    let random: @Sendable (ClosedRange<Double>) -> Double

    public init(
        settings: DaemonSettings,
        logger: Logger,
        random: @escaping @Sendable (ClosedRange<Double>) -> Double = { Double.random(in: $0) },
        makeDelivery: @escaping @Sendable (LoadedConfig, DaemonSettings, Logger, @escaping @Sendable () -> Void) -> any ReportDelivery
    ) {
        self.settings = settings
        self.logger = logger
        self.random = random
        self.makeDelivery = makeDelivery
    }

    /// Asks the loop to re-read its configuration (SIGHUP).
    public func requestReload() { wakeup.post(.reload) }

    public func run() async throws {
        let startMicros = Monotonic.nowMicroseconds()
        // Start-up: configuration and identity, then READY=1.
        var loaded: LoadedConfig
        do {
            loaded = try settings.loadConfig()
        } catch {
            logger.critical("Configuration error: \(error.description)", metadata: TelemetryEvent.configError.metadata)
            Notify.status("Failed: \(error.description)")
            throw StartupError(description: error.description)
        }
        logWarnings(loaded)
        var loop = LoopState(loaded: loaded)
        loop.identity = loadIdentity(loaded.config)
        let delivery = makeDelivery(loaded, settings, logger) { [wakeup] in wakeup.post(.deliveryChanged) }
        let clock = ContinuousClock()
        let schedule = Schedule(stateDirectory: settings.stateDirectory, logger: logger)
        loop.nextDue = schedule.plan(config: loaded.config, now: Date(), clockNow: clock.now, random: random)

        if !loaded.config.enable {
            await delivery.purge()
            logger.notice("Telemetry disabled by \(loaded.enableOrigin.description): nothing will be sent",
                          metadata: TelemetryEvent.disabled.metadata)
        }
        let watchdog = Watchdog.interval()
        // Logged before READY=1, so the journal entry precedes the unit's activation.
        logger.info("telemetryd \(AgentInfo.version) started; \(loaded.config.enable ? (loaded.config.dryRun ? "enabled, dry run (nothing is sent)" : "enabled") : "disabled"), endpoint \(loaded.config.endpoint)",
                    metadata: TelemetryEvent.started.metadata)
        Notify.ready(status: await statusText(loop, delivery: delivery, now: clock.now).text)

        await withGracefulShutdownHandler {
            await withDiscardingTaskGroup { group in
                group.addTask { await delivery.run() }
                await self.mainLoop(&loop, delivery: delivery, schedule: schedule, clock: clock, watchdog: watchdog, startMicros: startMicros)
                group.cancelAll()
            }
        } onGracefulShutdown: { [wakeup] in
            wakeup.post(.stop)
        }
        await delivery.shutdown()
        logger.info("telemetryd stopped", metadata: TelemetryEvent.stopped.metadata)
    }

    struct LoopState {
        var loaded: LoadedConfig
        var identity: Identity?
        var nextDue: [ReportType: ContinuousClock.Instant] = [:]
        var reloadError: String?
        var lastStatus = ""
    }

    private func mainLoop(_ loop: inout LoopState, delivery: any ReportDelivery, schedule: Schedule,
                          clock: ContinuousClock, watchdog: Duration?, startMicros: UInt64) async {
        let pingEvery = watchdog.map { $0 / 2 }
        var nextPing = clock.now
        while true {
            let now = clock.now
            // Work: every report type that is due.
            if loop.loaded.config.enable, let identity = loop.identity {
                for type in ReportType.allCases {
                    guard let due = loop.nextDue[type], due <= now else { continue }
                    let config = loop.loaded.config
                    let next = schedule.next(type, config: config, clockNow: now, random: random)
                    let wallNow = Date()
                    schedule.markScheduled(type, at: wallNow, nextDue: wallNow.addingTimeInterval(durationSeconds(now.duration(to: next))))
                    loop.nextDue[type] = next
                    let builder = ReportBuilder(
                        config: config, probe: HostProbe(root: "/", logger: logger), identity: identity,
                        proxyInUse: delivery.proxyInUse, agentStartMicroseconds: startMicros)
                    let report = builder.build(type)
                    await delivery.submit(report)
                }
            }
            // Watchdog: only while delivery makes progress too (a send stuck far beyond its timeout is a hang).
            if let pingEvery, now >= nextPing {
                if await delivery.isHealthy() {
                    Notify.watchdog()
                } else {
                    logger.error("Delivery is stuck past its timeout; no longer pinging the watchdog so systemd restarts the service",
                                 metadata: TelemetryEvent.stuck.metadata)
                }
                nextPing = now.advanced(by: pingEvery)
            }
            let status = await statusText(loop, delivery: delivery, now: now).text
            if status != loop.lastStatus {
                Notify.status(status)
                loop.lastStatus = status
            }

            // Sleep until the next due report or watchdog ping, or until woken.
            var deadline = now.advanced(by: .seconds(60))  // STATUS= countdown refresh
            if loop.loaded.config.enable {
                for due in loop.nextDue.values { deadline = min(deadline, due) }
            }
            if pingEvery != nil { deadline = min(deadline, nextPing) }
            let events = await wakeup.wait(until: deadline, clock: clock)
            if events.contains(.stop) || Task.isCancelled {
                Notify.stopping()
                logger.info("Stopping: unsent reports stay in the spool", metadata: TelemetryEvent.stopping.metadata)
                return
            }
            if events.contains(.reload) {
                await reload(&loop, delivery: delivery, schedule: schedule, clock: clock)
            }
        }
    }

    private func reload(_ loop: inout LoopState, delivery: any ReportDelivery, schedule: Schedule, clock: ContinuousClock) async {
        Notify.reloading()
        defer { Notify.ready() }
        let new: LoadedConfig
        do {
            new = try settings.loadConfig()
        } catch {
            loop.reloadError = error.description
            logger.error("Reload failed, keeping the last good configuration: \(error.description)",
                         metadata: TelemetryEvent.reloadFailed.metadata)
            return
        }
        loop.reloadError = nil
        logWarnings(new)
        let old = loop.loaded
        loop.loaded = new
        if old.config.clusterID != new.config.clusterID || loop.identity == nil {
            loop.identity = loadIdentity(new.config)
        }
        await delivery.reconfigure(new)
        if old.config.enable && !new.config.enable {
            await delivery.purge()
            logger.notice("Telemetry disabled by \(new.enableOrigin.description): spool deleted, nothing more will be sent",
                          metadata: TelemetryEvent.disabled.metadata)
        } else if !old.config.enable && new.config.enable {
            logger.notice("Telemetry enabled by \(new.enableOrigin.description)", metadata: TelemetryEvent.enabled.metadata)
        }
        loop.nextDue = schedule.plan(config: new.config, now: Date(), clockNow: clock.now, random: random)
        logger.info("Reloaded configuration from \(new.files.isEmpty ? settings.configPath : new.files.joined(separator: ", "))",
                    metadata: TelemetryEvent.reloaded.metadata)
    }

    private func statusText(_ loop: LoopState, delivery: any ReportDelivery, now: ContinuousClock.Instant) async -> StatusText {
        let config = loop.loaded.config
        var s = StatusText(reloadError: loop.reloadError)
        if !config.enable {
            s.disabledBy = loop.loaded.enableOrigin.description
            return s
        }
        s.dryRun = config.dryRun
        s.queued = await delivery.queuedCount()
        s.collectorUnreachable = await delivery.collectorUnreachable()
        if let due = loop.nextDue[.keepalive] {
            let d = now < due ? now.duration(to: due) : .zero
            s.nextKeepAliveIn = durationSeconds(d)
        }
        return s
    }

    private func loadIdentity(_ config: TelemetryConfig) -> Identity {
        let store = IdentityStore(stateDirectory: settings.stateDirectory, machineAppID: MachineIdentity.telemetrydAppSpecificID)
        let (identity, events) = store.load(configClusterID: config.clusterID)
        for event in events { event.log(to: logger) }
        return identity
    }

    private func logWarnings(_ loaded: LoadedConfig) {
        for warning in loaded.warnings {
            logger.warning("\(warning.description)", metadata: TelemetryEvent.configWarning.metadata)
        }
    }
}

func durationSeconds(_ d: Duration) -> Double {
    Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18
}

func interval(_ type: ReportType, _ config: TelemetryConfig) -> TimeSpan {
    switch type {
    case .keepalive: config.keepAliveInterval
    case .diagnostics: config.diagnosticsInterval
    }
}

extension MachineIdentity {
    /// `sd_id128_get_machine_app_specific()` for telemetryd's application ID.
    @Sendable public static func telemetrydAppSpecificID() -> String? {
        guard let app = UUID(uuidString: IdentityStore.applicationID) else { return nil }
        return appSpecificID(appID: withUnsafeBytes(of: app.uuid) { Array($0) })
    }
}
