#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
#if canImport(Glibc)
import Glibc
#endif
import IdleTimer
import Logging
import ServiceLifecycle
import Systemd
import TelemetryCore
import TelemetryWire
import ConfigGrammar
import FileSupport

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
/// the watchdog ping vouches for the loop that does the work (docs/systemd.md). An idle wake does the ping alone:
/// `STATUS=` is rebuilt only after something happened, and the delivery engine is not asked anything then.
public final class Daemon: Service, Sendable {
    let settings: DaemonSettings
    let logger: Logger
    let makeDelivery: @Sendable (LoadedConfig, DaemonSettings, Logger, @escaping @Sendable () -> Void) -> any ReportDelivery
    let wakeup = Wakeup<DaemonEvent>()
    let random: @Sendable (ClosedRange<Double>) -> Double
    let afterReady: @Sendable () -> Void
    let afterIdleWake: @Sendable () -> Void
    let clock: LoopClock
    let notifier: DaemonNotifier

    /// `afterReady` runs once READY=1 is sent, `afterIdleWake` at the end of every pass that did nothing but the
    /// watchdog ping, as the loop goes back to sleep (telemetryd pages out the code they ran there).
    public convenience init(
        settings: DaemonSettings,
        logger: Logger,
        random: @escaping @Sendable (ClosedRange<Double>) -> Double = { Double.random(in: $0) },
        makeDelivery: @escaping @Sendable (LoadedConfig, DaemonSettings, Logger, @escaping @Sendable () -> Void) -> any ReportDelivery,
        afterReady: @escaping @Sendable () -> Void = {},
        afterIdleWake: @escaping @Sendable () -> Void = {}
    ) {
        self.init(settings: settings, logger: logger, random: random, clock: .continuous, notifier: .systemd,
                  makeDelivery: makeDelivery, afterReady: afterReady, afterIdleWake: afterIdleWake)
    }

    /// `clock`: what the loop reads and sleeps on (a test's clock, advanced by the test); `notifier`: where READY=1,
    /// STATUS= and the watchdog pings go (a test's recorder).
    init(
        settings: DaemonSettings,
        logger: Logger,
        random: @escaping @Sendable (ClosedRange<Double>) -> Double = { Double.random(in: $0) },
        clock: LoopClock,
        notifier: DaemonNotifier = .systemd,
        makeDelivery: @escaping @Sendable (LoadedConfig, DaemonSettings, Logger, @escaping @Sendable () -> Void) -> any ReportDelivery,
        afterReady: @escaping @Sendable () -> Void = {},
        afterIdleWake: @escaping @Sendable () -> Void = {}
    ) {
        self.settings = settings
        self.logger = logger
        self.random = random
        self.clock = clock
        self.notifier = notifier
        self.makeDelivery = makeDelivery
        self.afterReady = afterReady
        self.afterIdleWake = afterIdleWake
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
            notifier.status("Failed: \(error.description)")
            throw StartupError(description: error.description)
        }
        logWarnings(loaded)
        let stateProblem = checkStateDirectory()
        var loop = LoopState(loaded: loaded, identity: loadIdentity(loaded.config),
                             pingEvery: notifier.watchdogInterval().map { $0 / 2 }, now: clock.now(), wall: clock.wallNow())
        loop.stateProblem = stateProblem
        let delivery = makeDelivery(loaded, settings, logger) { [wakeup] in wakeup.post(.deliveryChanged) }
        let schedule = Schedule(stateDirectory: settings.stateDirectory, logger: logger)
        loop.nextDue = schedule.plan(config: loaded.config, now: clock.wallNow(), clockNow: clock.now(), random: random)

        if !loaded.config.enable {
            // Baselines first: a crash in between leaves a spool the next start purges, never baselines that would
            // send what was counted during the opt-out.
            CounterTransaction(stateDirectory: settings.stateDirectory, logger: logger).forget()
            await delivery.purge()
            logger.notice("Telemetry disabled by \(loaded.enableOrigin.description): nothing will be sent",
                          metadata: TelemetryEvent.disabled.metadata)
        }
        let startedAt = Date()
        recordDecision(&loop, startedAt: startedAt)
        // Logged before READY=1, so the journal entry precedes the unit's activation.
        logger.info("telemetryd \(AgentInfo.version) started; \(loaded.config.enable ? (loaded.config.dryRun ? "enabled, dry run (nothing is sent)" : "enabled") : "disabled"), endpoint \(loaded.config.endpoint)",
                    metadata: TelemetryEvent.started.metadata)
        let readyStatus = await statusText(loop, delivery: delivery, now: clock.now(), wall: clock.wallNow()).text
        notifier.ready(status: readyStatus)
        loop.lastStatus = readyStatus
        afterReady()

        await withGracefulShutdownHandler {
            await withDiscardingTaskGroup { group in
                group.addTask { await delivery.run() }
                await self.mainLoop(&loop, delivery: delivery, schedule: schedule,
                                    startMicros: startMicros, startedAt: startedAt)
                group.cancelAll()
            }
        } onGracefulShutdown: { [wakeup] in
            wakeup.post(.stop)
        }
        await delivery.shutdown()
        logger.info("telemetryd stopped", metadata: TelemetryEvent.stopped.metadata)
    }

    private func mainLoop(_ loop: inout LoopState, delivery: any ReportDelivery, schedule: Schedule,
                          startMicros: UInt64, startedAt: Date) async {
        let counters = CounterTransaction(stateDirectory: settings.stateDirectory, logger: logger)
        while true {
            let now = clock.now()
            let wall = clock.wallNow()
            if let step = loop.clockStep(wall: wall, now: now) {
                schedule.rewriteNextDue(loop.wallClockDue(wall: wall, now: now))
                logger.info("The wall clock was set (\(step > 0 ? "forward" : "back") by \(StatusText.compact(seconds: abs(step)))): next due times recorded anew; the schedule itself is unchanged",
                            metadata: TelemetryEvent.clockChanged.metadata)
                loop.statusStale = true   // STATUS= tells the next keep-alive on the wall clock
            }
            loop.clockAnchor = (wall, now)
            let plan = loop.plan(at: now)
            if !plan.due.isEmpty { await refreshIdentity(&loop, delivery: delivery) }
            // Work: every report type that is due (the plan has none while disabled).
            for type in plan.due {
                let config = loop.loaded.config
                let next = schedule.next(type, config: config, clockNow: now, random: random)
                let wallNow = clock.wallNow()
                schedule.markScheduled(type, at: wallNow, nextDue: wallNow.addingTimeInterval(durationSeconds(now.duration(to: next))))
                loop.nextDue[type] = next
                let builder = ReportBuilder(
                    config: config, probe: HostProbe(root: "/", logger: logger), identity: loop.identity,
                    proxyInUse: delivery.proxyInUse, agentStartMicroseconds: startMicros)
                switch type {
                case .keepalive:
                    await delivery.submit(builder.build(type))
                case .diagnostics:
                    // Counters are read and their baselines moved here only, with the report that carries them.
                    await counters.submitDiagnostics(build: { builder.build(.diagnostics, counting: $0) },
                                                     delivery: delivery, dryRun: config.dryRun)
                case .forget:
                    break   // never scheduled: only `telemetryd forget` builds one
                }
            }
            // Watchdog: only while delivery makes progress too (a send stuck far beyond its timeout is a hang). Read
            // without a hop to the delivery actor, so the idle wake runs no more than it must.
            if plan.ping {
                if delivery.isHealthy {
                    notifier.watchdog()
                } else {
                    logger.error("Delivery is stuck past its timeout; no longer pinging the watchdog so systemd restarts the service",
                                 metadata: TelemetryEvent.stuck.metadata)
                }
                loop.pinged(at: now)
            }
            // STATUS= only after something happened (reports scheduled, an event, a clock step): its times are
            // absolute, so an idle pass has nothing to rewrite, and no spool listing or formatting to do.
            if plan.status {
                let status = await statusText(loop, delivery: delivery, now: now, wall: wall).text
                if status != loop.lastStatus { notifier.status(status) }
                loop.statusWritten(status)
            }

            // After an idle pass, `afterIdleWake` runs once the loop is about to sleep (telemetryd then drops the
            // pages this wake mapped back in, all of them, with nothing of the wake left to run).
            let events = await clock.wait(wakeup, loop.wakeDeadline(after: now), plan.isIdle ? afterIdleWake : nil)
            loop.woke(with: events)
            var stop = Task.isCancelled
            var reloadRequested = false
            for event in events {
                switch event {
                case .stop: stop = true
                case .reload: reloadRequested = true
                case .deliveryChanged: break   // woke(with:) marked STATUS= for the next pass
                }
            }
            if stop {
                notifier.stopping()
                logger.info("Stopping: unsent reports stay in the spool", metadata: TelemetryEvent.stopping.metadata)
                return
            }
            if reloadRequested {
                await reload(&loop, delivery: delivery, schedule: schedule)
                recordDecision(&loop, startedAt: startedAt)
            }
        }
    }

    private func reload(_ loop: inout LoopState, delivery: any ReportDelivery, schedule: Schedule) async {
        notifier.reloading()
        defer { notifier.ready() }
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
        // `telemetryd forget` may have erased the identity meanwhile (it reloads the daemon then), or ClusterID= changed.
        loop.identityStale = true
        await delivery.reconfigure(new)
        if old.config.enable && !new.config.enable {
            CounterTransaction(stateDirectory: settings.stateDirectory, logger: logger).forget()
            await delivery.purge()
            logger.notice("Telemetry disabled by \(new.enableOrigin.description): spool deleted, nothing more will be sent",
                          metadata: TelemetryEvent.disabled.metadata)
        } else if !old.config.enable && new.config.enable {
            logger.notice("Telemetry enabled by \(new.enableOrigin.description)", metadata: TelemetryEvent.enabled.metadata)
        }
        loop.nextDue = schedule.plan(config: new.config, now: clock.wallNow(), clockNow: clock.now(), random: random)
        logger.info("Reloaded configuration from \(new.files.isEmpty ? settings.configPath : new.files.joined(separator: ", "))",
                    metadata: TelemetryEvent.reloaded.metadata)
    }

    /// Before READY=1: a state directory where no file can be created means no spool, no schedule and no IDs that
    /// survive a restart. Said once, clearly, with what to do; the daemon runs on (reports are still attempted).
    private func checkStateDirectory() -> String? {
        do throws(FileError) {
            try AtomicFile.makeDirectory(settings.stateDirectory)
            try AtomicFile.probeWritable(settings.stateDirectory)
            return nil
        } catch {
            logger.error("State directory \(settings.stateDirectory) is not writable (\(error.description)): reports cannot be spooled and the schedule is not kept across restarts; give it to the daemon's user (StateDirectory= in the unit) or pass --state-dir",
                         metadata: TelemetryEvent.stateDirectoryUnwritable.metadata)
            return "state directory \(settings.stateDirectory) not writable"
        }
    }

    /// `daemon.json`: what this process decided and why, for `telemetryd status`.
    private func recordDecision(_ loop: inout LoopState, startedAt: Date) {
        loop.decisions += 1
        let loaded = loop.loaded
        let pid = getpid()
        let record = DaemonRecord(
            enabled: .init(loaded.config.enable, setBy: loaded.enableOrigin.description),
            dryRun: loaded.config.dryRun,
            endpoint: .init(loaded.config.endpoint, setBy: loaded.origin(of: "Telemetry.Endpoint").description),
            product: loaded.config.product.name.map { .init($0, setBy: loaded.origin(of: "Product.Name").description) },
            configFiles: loaded.files, reloadError: loop.reloadError,
            pid: pid, processStart: DaemonRecord.processStart(pid: pid) ?? 0,
            startedAt: startedAt, decidedAt: Date(), generation: loop.decisions)
        do throws(FileError) {
            try record.write(stateDirectory: settings.stateDirectory)
        } catch {
            logger.warning("Could not record the daemon's decision in \(settings.stateDirectory): \(error.description); `telemetryd status` will show what the files alone decide",
                           metadata: TelemetryEvent.daemonRecordNotWritten.metadata)
        }
    }

    private func statusText(_ loop: LoopState, delivery: any ReportDelivery, now: ContinuousClock.Instant,
                            wall: Date) async -> StatusText {
        let config = loop.loaded.config
        var s = StatusText(now: wall, reloadError: loop.reloadError, stateProblem: loop.stateProblem)
        if !config.enable {
            s.disabledBy = loop.loaded.enableOrigin.description
            return s
        }
        s.dryRun = config.dryRun
        s.queued = await delivery.queuedCount()
        s.collectorUnreachable = await delivery.collectorUnreachable()
        // The monotonic due time told on the wall clock (a step moves it: the loop rebuilds STATUS= then).
        s.nextKeepAlive = loop.wallClockDue(wall: wall, now: now)[.keepalive]
        return s
    }

    /// Before building reports: a fresh identity once the old one was erased (by delivery, or by `telemetryd forget`
    /// before a reload), or the one on disk after a reload.
    private func refreshIdentity(_ loop: inout LoopState, delivery: any ReportDelivery) async {
        let erasures = await delivery.erasureCount()
        guard loop.identityStale || erasures != loop.erasuresSeen else { return }
        loop.erasuresSeen = erasures
        loop.identityStale = false
        loop.identity = loadIdentity(loop.loaded.config)
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
    case .forget: preconditionFailure("interval(.forget): a forget report is never scheduled (ReportType.scheduled)")
    }
}
