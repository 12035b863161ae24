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
import TelemetryDaemon

/// What every command starts from: the environment, the loaded configuration and where state lives.
struct Context {
    var environment: [String: String]
    var configPath: String
    var requireConfigFile: Bool
    var loaded: LoadedConfig
    var stateDirectory: String
    var logger: Logger

    static let defaultStateDirectory = "/var/lib/telemetryd"

    /// Loads the configuration; a configuration error is a usage error (exit 2) naming file:line.
    static func load(_ options: GlobalOptions, logger: Logger, validateOnly: Bool = false) throws(CLIFailure) -> Context {
        let env = ProcessInfo.processInfo.environment
        let loader = ConfigLoader.forCommandLine(configOption: options.config, environment: env)
        let path = loader.mainPath
        let loaded: LoadedConfig
        do {
            loaded = try loader.load()
        } catch {
            throw .usage(error.description)
        }
        if !validateOnly {
            for warning in loaded.warnings {
                logger.warning("\(warning.description)")
            }
        }
        return Context(
            environment: env,
            configPath: path,
            requireConfigFile: loader.requireMainFile,
            loaded: loaded,
            stateDirectory: stateDirectory(cliOverride: options.stateDir, environment: env),
            logger: logger
        )
    }

    /// `--state-dir`, else systemd's `$STATE_DIRECTORY` (first entry of its colon-separated list), else the default.
    static func stateDirectory(cliOverride: String?, environment: [String: String]) -> String {
        if let dir = cliOverride, !dir.isEmpty { return dir }
        if let dirs = environment["STATE_DIRECTORY"], let first = dirs.split(separator: ":").first, !first.isEmpty {
            return String(first)
        }
        return defaultStateDirectory
    }

    var config: TelemetryConfig { loaded.config }

    /// Loads (and unless `persist` is false, creates or repairs) the instance and cluster IDs.
    func identity(persist: Bool = true) throws(CLIFailure) -> Identity {
        // The daemon's state belongs to its dynamic user under /var/lib/private: a user who cannot read it must not
        // get made-up IDs that look real (or a warning that calls the files corrupt).
        let file = stateDirectory + "/" + IdentityStore.instanceFile
        if access(file, R_OK) != 0 && (errno == EACCES || errno == EPERM) {
            throw .runtime("cannot read \(file): permission denied; run as root (the state belongs to the daemon)")
        }
        let store = IdentityStore(stateDirectory: stateDirectory, machineAppID: MachineIdentity.telemetrydAppSpecificID)
        let (identity, events) = store.load(configClusterID: config.clusterID, persist: persist)
        for event in events { event.log(to: logger) }
        return identity
    }

    /// Whether reports would go through a proxy (for the `config` feature flags; never the proxy's address).
    var proxyInUse: Bool {
        if config.proxy != nil { return true }
        return !(environment["https_proxy"] ?? environment["HTTPS_PROXY"] ?? "").isEmpty
    }

    /// "http://proxy:3128 (Proxy= at FILE:LINE)" or "http://proxy:3128 ($https_proxy)"; nil without a proxy.
    var proxyDescription: String? {
        if let p = config.proxy {
            return "\(p) (Proxy= at \(loaded.origins["Transport.Proxy"]?.description ?? "configuration"))"
        }
        for name in ["https_proxy", "HTTPS_PROXY"] {
            if let v = environment[name], !v.isEmpty { return "\(redactingUserInfo(v)) ($\(name))" }
        }
        return nil
    }

    func reportBuilder(identity: Identity, agentStart: UInt64 = Monotonic.nowMicroseconds()) -> ReportBuilder {
        ReportBuilder(
            probe: HostProbe(root: "/", logger: logger),
            identity: identity,
            features: ConfigFeatures(config: config, proxyInUse: proxyInUse),
            agentStartMicroseconds: agentStart
        )
    }

    /// "Disabled by /etc/telemetryd/telemetry.conf.d/50-cli.conf:2" or "Disabled by $DO_NOT_TRACK".
    var disabledReason: String? {
        guard !config.enable else { return nil }
        return "Disabled by \(loaded.enableOrigin.description)"
    }
}

/// The logger for commands run by hand: plain lines on stderr, warnings and up unless TELEMETRYD_DEBUG is set.
func commandLogger() -> Logger {
    var logger = Logger(label: "telemetryd") { StderrLogHandler(label: $0) }
    logger.logLevel = debugFlag(ProcessInfo.processInfo.environment) ? .debug : .warning
    return logger
}

/// Whether TELEMETRYD_DEBUG asks for debug logging (set, not empty, not "0").
func debugFlag(_ environment: [String: String]) -> Bool {
    environment["TELEMETRYD_DEBUG"].map { !$0.isEmpty && $0 != "0" } ?? false
}

/// `http://user:secret@proxy:3128` → `http://***@proxy:3128`, so `status` output can be pasted into a ticket.
func redactingUserInfo(_ url: String) -> String {
    let parts = url.split(separator: "://", maxSplits: 1, omittingEmptySubsequences: false)
    guard parts.count == 2, let at = parts[1].firstIndex(of: "@") else { return url }
    let hostEnd = parts[1].firstIndex(of: "/") ?? parts[1].endIndex
    guard at < hostEnd else { return url }
    return "\(parts[0])://***\(parts[1][at...])"
}
