import CommandLineSupport
import ArgumentParser
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
#if canImport(Glibc)
import Glibc
#endif
import Logging
import Systemd
import TelemetryCore
import TelemetryTransport
import TelemetryWire

struct Forget: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Ask the collector to erase everything it holds about this install; exit 0 only once it confirmed.",
        discussion: """
            Spools a report of type forget carrying this install's erasure key and tries to deliver it at once. Once \
            the collector confirms (2xx) it has deleted the install's raw reports and per-install rows (closed days' \
            totals, already anonymous, stay), and telemetryd deletes its own state: instance-id, erasure-key, \
            cluster-id, machine-app-id, state.json, counters.json, spool/ and sent/; a fresh identity is made before \
            the next report. When the collector cannot take it now, the report stays queued (exit 1) and the daemon \
            delivers it as soon as it can, even with telemetry disabled. A collector that does not accept the key \
            answers 403 (exit 1, nothing erased). Format=segment has no erasure call (exit 2). \
            'telemetryd disable --forget' also disables telemetry.
            """)
    @OptionGroup var global: GlobalOptions

    func run() async throws {
        let request = try await ForgetCommand.request(global)
        try ForgetCommand.finish(request, global: global, daemonReloaded: false)
    }
}

/// The steps `forget` and `disable --forget` share; what the collector's answer means is `ForgetRequest`'s.
enum ForgetCommand {
    struct Request {
        var endpoint: String
        var stateDirectory: String
        var configPath: String
        /// nil: nothing to forget (no instance ID in the state directory).
        var outcome: ForgetRequest.Outcome?
    }

    /// Refuses what cannot be forgotten before anything is written, then spools the forget report and tries it once.
    static func request(_ global: GlobalOptions) async throws(CLIFailure) -> Request {
        let ctx = try Context.load(global, logger: commandLogger())
        switch ForgetRequest.refusal(ctx.loaded) {
        case .usage(let why)?: throw .usage(why)
        case .runtime(let why)?: throw .runtime(why)
        case nil: break
        }
        try ctx.requireReadableState()
        var request = Request(endpoint: ctx.config.endpoint, stateDirectory: ctx.stateDirectory, configPath: ctx.configPath)
        let store = IdentityStore(stateDirectory: ctx.stateDirectory, machineAppID: { nil })
        guard store.stored().instanceId != nil else { return request }
        let report = ctx.reportBuilder(identity: try ctx.identity()).build(.forget)
        // The outcome is told in one line; the payload only with TELEMETRYD_DEBUG=1.
        let logger = ctx.config.debug ? commandLogger() : Logger(label: "telemetryd") { _ in SwiftLogNoOpLogHandler() }
        request.outcome = await ForgetRequest.deliver(report, loaded: ctx.loaded, stateDirectory: ctx.stateDirectory,
                                                      environment: ctx.environment, logger: logger)
        return request
    }

    /// Tells the running daemon (it must drop the erased identity, or deliver the queued report), prints the outcome
    /// and fails unless the collector confirmed.
    static func finish(_ request: Request, global: GlobalOptions, daemonReloaded: Bool) throws(CLIFailure) {
        guard let outcome = request.outcome else {
            print("Nothing to forget: there is no instance ID in \(request.stateDirectory), so this install has not reported under it (or was erased already)")
            return
        }
        let daemon = liveDaemon(stateDirectory: request.stateDirectory)
        switch outcome {
        case .erased, .queued:
            if !daemonReloaded, let line = wake(daemon, configPath: request.configPath) { print(line) }
        case .notQueued, .keyRefused, .rejected:
            break
        }
        let text = outcome.text(endpoint: request.endpoint, stateDirectory: request.stateDirectory, daemonPID: daemon?.pid)
        guard outcome.confirmed else { throw .runtime(text) }
        print(text)
    }

    private static func liveDaemon(stateDirectory: String) -> DaemonRecord? {
        guard let record = (try? DaemonRecord.load(stateDirectory: stateDirectory)) ?? nil, record.isLive() else { return nil }
        return record
    }

    /// Reloads the service as `enable`/`disable` do; a daemon started by hand on this state directory gets SIGHUP (the
    /// reload that makes it look at its spool and identity again). nil when there is nothing to say.
    private static func wake(_ daemon: DaemonRecord?, configPath: String) -> String? {
        guard let daemon else { return nil }
        if reloadService(configPath: configPath).reloaded { return "Reloaded \(serviceName)" }
        if kill(daemon.pid, SIGHUP) == 0 { return "Asked the running daemon (PID \(daemon.pid)) to reload" }
        let why = String(cString: strerror(errno))
        StandardError.write("telemetryd: warning: could not signal the running daemon (PID \(daemon.pid)): \(why); run 'systemctl reload \(serviceName)' (or send it SIGHUP)\n")
        return nil
    }
}
