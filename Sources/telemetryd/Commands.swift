import ArgumentParser
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
    func run() async throws { try setEnabled(false, global) }
}

/// The unit `enable`/`disable` reload when it runs with the default configuration.
let serviceName = "telemetryd.service"

private func setEnabled(_ enable: Bool, _ global: GlobalOptions) throws(CLIFailure) {
    let env = ProcessInfo.processInfo.environment
    let loader = ConfigLoader.forCommandLine(configOption: global.config, environment: env)
    // Refuse to write a drop-in beside a configuration that does not load: the daemon would not take it either.
    do { _ = try loader.load() } catch { throw .usage(error.description) }
    let path: String
    do {
        path = try ConfigLoader.writeCLIDropIn(enable: enable, mainPath: loader.mainPath)
    } catch {
        throw .runtime("could not write the drop-in: \(error.description)")
    }
    let word = enable ? "enabled" : "disabled"
    let reload = reloadService(configPath: loader.mainPath)
    print("Telemetry \(word): wrote \(path); \(reload)")

    // Say so when something stronger still decides otherwise.
    if let after = try? loader.load(), after.config.enable != enable {
        writeStderr("telemetryd: warning: telemetry is still \(after.config.enable ? "enabled" : "disabled") by \(after.enableOrigin.description), which overrides \(path)\n")
    }
}

/// Reloads telemetryd.service when systemd runs it with this configuration; says what happened, in words.
private func reloadService(configPath: String) -> String {
    guard configPath == ConfigLoader.defaultMainPath else {
        return "\(serviceName) reads \(ConfigLoader.defaultMainPath), not this configuration: not reloaded"
    }
    var st = stat()
    guard lstat("/run/systemd/system", &st) == 0 else {
        return "systemd is not running: a daemon started by hand reloads on SIGHUP"
    }
    guard runProgram(["systemctl", "is-active", "--quiet", serviceName]) == 0 else {
        return "\(serviceName) is not running: applies at its next start"
    }
    switch runProgram(["systemctl", "reload", serviceName], quiet: false) {
    case 0: return "reloaded \(serviceName)"
    case let code?: return "'systemctl reload \(serviceName)' failed (exit \(code)); run it yourself"
    case nil: return "could not run systemctl; run 'systemctl reload \(serviceName)' yourself"
    }
}
