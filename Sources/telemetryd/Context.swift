#if canImport(FoundationEssentials)
import CommandLineSupport
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
    static func load(_ options: GlobalOptions, logger: Logger) throws(CLIFailure) -> Context {
        let env = ProcessInfo.processInfo.environment
        let loader = ConfigLoader.forCommandLine(configOption: options.config, environment: env)
        let path = loader.mainPath
        let loaded: LoadedConfig
        do {
            loaded = try loader.load()
        } catch {
            throw .usage(error.description)
        }
        for warning in loaded.warnings {
            logger.warning("\(warning.description)")
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

    /// The configuration as the files alone decide it: the caller's opt-out variables ($DO_NOT_TRACK,
    /// $TELEMETRYD_DISABLE) are left out, because the service never sees this shell's environment.
    func filesAlone() throws(CLIFailure) -> LoadedConfig {
        var env = environment
        for name in ConfigSchema.disableVariables { env[name] = nil }
        do {
            return try ConfigLoader(mainPath: configPath, environment: env, requireMainFile: requireConfigFile).load()
        } catch {
            throw .usage(error.description)
        }
    }

    /// Refuses, like `show` and `send`, a state directory the caller cannot read (the daemon's, under
    /// /var/lib/private, for anyone but root) instead of telling "never" and "Queued: 0".
    func requireReadableState() throws(CLIFailure) {
        if access(stateDirectory, R_OK | X_OK) != 0 && (errno == EACCES || errno == EPERM) {
            throw .runtime("cannot read \(stateDirectory): permission denied; run as root (the state belongs to the daemon)")
        }
        for name in [DeliveryStateStore.fileName, DaemonRecord.fileName, IdentityStore.instanceFile] {
            let file = stateDirectory + "/" + name
            if access(file, R_OK) != 0 && (errno == EACCES || errno == EPERM) {
                throw .runtime("cannot read \(file): permission denied; run as root (the state belongs to the daemon)")
            }
        }
    }

    /// Loads (and unless `persist` is false, creates or repairs) the instance and cluster IDs.
    func identity(persist: Bool = true) throws(CLIFailure) -> Identity {
        // The daemon's state belongs to its dynamic user under /var/lib/private: a user who cannot read it must not
        // get made-up IDs that look real (or a warning that calls the files corrupt).
        // The erasure key (mode 0600) too: one that cannot be read must not be taken for a missing one and replaced.
        for name in [IdentityStore.instanceFile, IdentityStore.erasureKeyFile] {
            let file = stateDirectory + "/" + name
            if access(file, R_OK) != 0 && (errno == EACCES || errno == EPERM) {
                throw .runtime("cannot read \(file): permission denied; run as root (the state belongs to the daemon)")
            }
        }
        let store = IdentityStore(stateDirectory: stateDirectory, machineAppID: MachineIdentity.telemetrydAppSpecificID)
        let (identity, events) = store.load(configClusterID: config.clusterID, persist: persist)
        for event in events { event.log(to: logger) }
        return identity
    }

    /// The proxy reports go through, chosen exactly as the daemon chooses it (`Proxy=`, else the environment's
    /// `https_proxy`/`HTTPS_PROXY` honouring `no_proxy`); nil for a direct connection.
    var proxy: ProxyAddress? {
        ProxySelector.select(endpoint: config.endpoint, configured: config.proxy, environment: environment)
    }

    /// Whether reports would go through a proxy (for the `config` feature flags; never the proxy's address).
    var proxyInUse: Bool { proxy != nil }

    /// "http://proxy:3128 (Proxy= at FILE:LINE)" or "http://proxy:3128 (from the environment)"; nil without a proxy.
    /// Only host and port: credentials in a proxy variable never reach the output.
    var proxyDescription: String? {
        guard let proxy else { return nil }
        let origin = config.proxy != nil
            ? "Proxy= at \(loaded.origins["Transport.Proxy"]?.description ?? "configuration")"
            : "from the environment"
        let host = proxy.host.contains(":") ? "[\(proxy.host)]" : proxy.host
        return "http://\(host):\(proxy.port) (\(origin))"
    }

    func reportBuilder(identity: Identity, agentStart: UInt64 = Monotonic.nowMicroseconds()) -> ReportBuilder {
        ReportBuilder(config: config, probe: HostProbe(root: "/", logger: logger), identity: identity,
                      proxyInUse: proxyInUse, agentStartMicroseconds: agentStart)
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

/// Whether TELEMETRYD_DEBUG asks for debug logging, read as the configuration reads it (`EnvironmentFlag`).
func debugFlag(_ environment: [String: String]) -> Bool {
    EnvironmentFlag(environment[ConfigSchema.debugVariable]).isSet
}
