import CommandLineSupport
import ArgumentParser
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Logging
import ServiceLifecycle
import Systemd
import TelemetryCore
import TelemetryDaemon
import TelemetryTransport
#if canImport(Glibc)
import Glibc
#endif

struct Run: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run the daemon (the unit's ExecStart).",
        discussion: "Under systemd: Type=notify, logs to the journal. In a terminal: logs to stderr; Ctrl-C stops, SIGHUP reloads."
    )
    @OptionGroup var global: GlobalOptions

    func run() async throws {
        let env = ProcessInfo.processInfo.environment
        LogHandlerFactory.bootstrap(syslogIdentifier: "telemetryd", debug: debugFlag(env))
        let logger = Logger(label: "telemetryd")
        // Says which executor runs this very task (a test of the built binary reads it): libdispatch here would mean
        // its 1 Hz pool monitor wakes the idle daemon every second.
        let executor = currentExecutorDescription()
        if executor.onEventLoop {
            logger.debug("Swift Concurrency runs on: \(executor.text)")
        } else {
            logger.warning("Swift Concurrency runs on: \(executor.text) (enqueue hook installed: \(concurrencyOnEventLoops)), not on telemetryd's event loop: expect a wakeup per second when idle")
        }
        let pageOut = PageOutAfterWork(loop: concurrencyEventLoop, logger: logger)
        // The daemon loads the configuration itself, and on an error logs it with its MESSAGE_ID, says so in
        // STATUS= and fails with StartupError (exit 2): nothing to load here first.
        let loader = ConfigLoader.forCommandLine(configOption: global.config, environment: env)
        let daemon = Daemon(
            settings: DaemonSettings(configPath: loader.mainPath, requireConfigFile: loader.requireMainFile,
                                     stateDirectory: Context.stateDirectory(cliOverride: global.stateDir, environment: env),
                                     environment: env),
            logger: logger,
            makeDelivery: { loaded, settings, logger, onChange in
                HTTPReportDelivery(loaded: loaded, stateDirectory: settings.stateDirectory,
                                   environment: settings.environment, logger: logger,
                                   onChange: { onChange(); pageOut.workDone() })
            },
            afterReady: { pageOut.workDone() },
            afterIdleWake: { pageOut.idleWakeDone() }
        )
        // The signals are blocked in every thread and taken by the main thread (main.swift): a SIGHUP before READY=1
        // cannot kill us.
        let group = ServiceGroup(configuration: .init(
            services: [.init(service: daemon)],
            gracefulShutdownSignals: [],
            logger: logger
        ))
        SignalThread.onSignal { signal in
            if signal == SIGHUP {
                daemon.requestReload()
            } else {
                Task { await group.triggerGracefulShutdown() }
            }
        }
        do {
            try await group.run()
        } catch let error as ServiceGroupError where error.errorCode == .alreadyFinished {
            // A stop that won the race against run(): nothing was started, nothing is lost; a stop is success.
            logger.debug("Stopped before the daemon started")
        } catch let error as StartupError {
            throw CLIFailure.usage(error.description)
        } catch {
            throw CLIFailure.runtime("\(error)")
        }
    }
}
