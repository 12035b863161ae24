import CommandLineSupport
import ArgumentParser
import Systemd
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import TelemetryCore
#if canImport(Glibc)
import Glibc
#endif

struct Enable: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Enable telemetry: writes telemetry.conf.d/50-cli.conf and reloads a running daemon.")
    @OptionGroup var global: GlobalOptions
    func run() async throws { try setEnabled(true, global) }
}

struct Disable: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Disable telemetry at once: writes telemetry.conf.d/50-cli.conf and reloads a running daemon, which deletes its spool.")
    @OptionGroup var global: GlobalOptions

    @Flag(name: .long, help: "Also ask the collector to erase everything it holds about this install, as 'telemetryd forget' does; exit 0 only once it confirmed.")
    var forget = false

    func run() async throws {
        guard forget else { try setEnabled(false, global); return }
        // The erasure is requested (spooled, tried once) before the daemon is told to disable: the opt-out's purge
        // keeps a forget report, and the reload wakes the daemon to deliver one left queued.
        let request = try await ForgetCommand.request(global)
        let reloaded = try setEnabled(false, global)
        try ForgetCommand.finish(request, global: global, daemonReloaded: reloaded)
    }
}

/// The unit `enable`/`disable` reload when it runs with the default configuration.
let serviceName = "telemetryd.service"

/// Returns whether the running service was reloaded.
@discardableResult
private func setEnabled(_ enable: Bool, _ global: GlobalOptions) throws(CLIFailure) -> Bool {
    let env = ProcessInfo.processInfo.environment
    var loader = ConfigLoader.forCommandLine(configOption: global.config, environment: env)
    // The service never sees this shell's opt-out variables: judge by the files (and, below, by the daemon).
    for name in ConfigSchema.disableVariables { loader.environment[name] = nil }
    // Refuse to write a drop-in beside a configuration that does not load: the daemon would not take it either.
    do { _ = try loader.load() } catch { throw .usage(error.description) }
    let path: String
    do {
        path = try ConfigLoader.writeCLIDropIn(enable: enable, mainPath: loader.mainPath)
    } catch {
        throw .runtime("could not write the drop-in: \(error.description)")
    }
    let word = enable ? "enabled" : "disabled"
    let stateDirectory = Context.stateDirectory(cliOverride: global.stateDir, environment: env)
    if !enable {
        // The opt-out forgets the counter baselines even when no daemon runs to see it (the daemon forgets them
        // too when it reloads or starts disabled): what the product counts from now on never leaves the host.
        try? CounterLedger(stateDirectory: stateDirectory).forget()
    }
    let before = (try? DaemonRecord.load(stateDirectory: stateDirectory)) ?? nil
    let reload = reloadService(configPath: loader.mainPath)
    print("Telemetry \(word): wrote \(path); \(reload.text)")

    // Say so when something stronger still decides otherwise: the running daemon's own decision once it has
    // reloaded (its environment, e.g. Environment=DO_NOT_TRACK=1 in the unit), else the files.
    if reload.reloaded, let record = awaitDecision(stateDirectory: stateDirectory, after: before) {
        if record.enabled.value != enable {
            StandardError.write("telemetryd: warning: the running daemon is still \(record.enabled.value ? "enabled" : "disabled") by \(record.enabled.setBy), which overrides \(path)\n")
        }
    } else if let after = try? loader.load(), after.config.enable != enable {
        StandardError.write("telemetryd: warning: telemetry is still \(after.config.enable ? "enabled" : "disabled") by \(after.enableOrigin.description), which overrides \(path)\n")
    }
    return reload.reloaded
}

/// The daemon's record once it has decided again after `before` (a reload is asynchronous under systemd 252's
/// Type=notify): a later generation of the same process, or a new process. Nil after five seconds without one.
private func awaitDecision(stateDirectory: String, after before: DaemonRecord?) -> DaemonRecord? {
    for _ in 0..<50 {
        if let record = (try? DaemonRecord.load(stateDirectory: stateDirectory)) ?? nil, record.isLive(),
           before.map({ $0.pid != record.pid || $0.generation < record.generation }) ?? true {
            return record
        }
        usleep(100_000)
    }
    return nil
}

/// Reloads telemetryd.service when systemd runs it with this configuration; says what happened, in words.
func reloadService(configPath: String) -> (text: String, reloaded: Bool) {
    guard configPath == ConfigLoader.defaultMainPath else {
        return ("\(serviceName) reads \(ConfigLoader.defaultMainPath), not this configuration: not reloaded", false)
    }
    var st = stat()
    guard lstat("/run/systemd/system", &st) == 0 else {
        return ("systemd is not running: a daemon started by hand reloads on SIGHUP", false)
    }
    guard runProgram(["systemctl", "is-active", "--quiet", serviceName]) == 0 else {
        return ("\(serviceName) is not running: applies at its next start", false)
    }
    switch runProgram(["systemctl", "reload", serviceName], quiet: false) {
    case 0: return ("reloaded \(serviceName)", true)
    case let code?: return ("'systemctl reload \(serviceName)' failed (exit \(code)); run it yourself", false)
    case nil: return ("could not run systemctl; run 'systemctl reload \(serviceName)' yourself", false)
    }
}
