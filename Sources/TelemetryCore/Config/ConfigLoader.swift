// Where telemetry.conf and its drop-ins are, and the CLI drop-in `enable`/`disable` write. The reading itself is
// ConfigGrammar's `ConfigFileSet`, shared with the collector.
//
// Order, as systemd does drop-ins (systemd.unit(5), "Drop-in files"; conf_files_list() of systemd):
//   1. the main file (default /etc/telemetryd/telemetry.conf); missing = built-in defaults, unless the
//      caller asked for that exact file (`--config PATH`, `$TELEMETRYD_CONFIG`): then "PATH: no such file";
//   2. every `*.conf` in `<dir of main>/telemetry.conf.d/`, in the runtime directory
//      (/run/telemetryd/telemetry.conf.d/) and in the vendor's directory (/usr/lib/telemetryd/telemetry.conf.d/,
//      shipped in the product's package; also /usr/local/lib/…, which systemd puts between /run and /usr/lib),
//      merged and sorted by file name (byte order, like strcmp) across all; a same-named file in /etc masks
//      /run, which masks /usr/lib. This is exactly the list `systemd-analyze cat-config
//      telemetryd/telemetry.conf` prints (systemd 252, merged /usr).
//      Hidden files (".name.conf") and non-*.conf names are ignored; a drop-in that is a symlink to
//      /dev/null is an empty file (so it masks by name).
// Later assignments win; `Key=` resets to the default; the environment is stronger than any file.

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import ConfigGrammar
import FileSupport

public struct ConfigLoader: Sendable {
    public static let defaultMainPath = "/etc/telemetryd/telemetry.conf"
    public static let runtimeDropInDirectory = "/run/telemetryd/telemetry.conf.d"
    /// The vendor's defaults, shipped in the product's package: weaker than /etc and /run, in systemd's
    /// order (`/usr/local/lib` before `/usr/lib`).
    public static let vendorDropInDirectories = ["/usr/local/lib/telemetryd/telemetry.conf.d", "/usr/lib/telemetryd/telemetry.conf.d"]
    public static let dropInDirectoryName = "telemetry.conf.d"
    public static let cliDropInName = "50-cli.conf"
    /// Larger files are rejected (systemd's LONG_LINE_MAX is 1 MiB too).
    public static let maximumFileSize = ConfigFileSet.maximumFileSize

    public var mainPath: String
    public var runtimeDropInDirectory: String
    public var vendorDropInDirectories: [String]
    public var environment: [String: String]
    /// The main file was asked for explicitly (`--config PATH`, `$TELEMETRYD_CONFIG`): missing is an error.
    public var requireMainFile: Bool

    public init(mainPath: String, runtimeDropInDirectory: String = ConfigLoader.runtimeDropInDirectory,
                vendorDropInDirectories: [String] = ConfigLoader.vendorDropInDirectories,
                environment: [String: String], requireMainFile: Bool = false) {
        self.mainPath = mainPath
        self.runtimeDropInDirectory = runtimeDropInDirectory
        self.vendorDropInDirectories = vendorDropInDirectories
        self.environment = environment
        self.requireMainFile = requireMainFile
    }

    /// `--config PATH`, else `$TELEMETRYD_CONFIG`, else the default.
    public static func mainPath(cliOverride: String?, environment: [String: String]) -> String {
        if let p = cliOverride, !p.isEmpty { return p }
        if let p = environment["TELEMETRYD_CONFIG"], !p.isEmpty { return p }
        return defaultMainPath
    }

    /// The loader the CLI and daemon use: the main file is required when it was named explicitly.
    public static func forCommandLine(configOption: String?, environment: [String: String],
                                      runtimeDropInDirectory: String = ConfigLoader.runtimeDropInDirectory) -> ConfigLoader {
        let explicit = !(configOption ?? "").isEmpty || !(environment["TELEMETRYD_CONFIG"] ?? "").isEmpty
        return ConfigLoader(mainPath: mainPath(cliOverride: configOption, environment: environment),
                            runtimeDropInDirectory: runtimeDropInDirectory, environment: environment,
                            requireMainFile: explicit)
    }

    /// `<dir of main>/telemetry.conf.d`.
    public static func dropInDirectory(forMainPath mainPath: String) -> String {
        ConfigFileSet.directory(besideMainPath: mainPath, named: dropInDirectoryName)
    }

    public var dropInDirectory: String { ConfigLoader.dropInDirectory(forMainPath: mainPath) }

    /// The files to read, in the shared reader's terms (the collector's collector.conf is read the same way).
    public var files: ConfigFileSet {
        ConfigFileSet(mainPath: mainPath, dropInDirectories: [dropInDirectory, runtimeDropInDirectory] + vendorDropInDirectories,
                      requireMainFile: requireMainFile)
    }

    public func load() throws(ConfigError) -> LoadedConfig {
        var merger = ConfigSchema.Merger()
        var warnings: [ConfigDiagnostic] = []
        try files.read(schema: ConfigSchema.keysBySection, warnings: &warnings) { file throws(ConfigError) in
            try merger.add(file)
        }
        var loaded = try merger.finish(environment: environment)
        loaded.warnings.insert(contentsOf: warnings, at: 0)
        return loaded
    }

    // MARK: - The CLI drop-in

    /// Writes `<dir of main>/telemetry.conf.d/50-cli.conf` atomically (temp file, fsync, rename, fsync of
    /// the directory), creating the directory 0755 if needed; the file is 0644 so the daemon's
    /// dynamic user can read it. Returns the path written.
    @discardableResult
    public static func writeCLIDropIn(enable: Bool, mainPath: String) throws(ConfigError) -> String {
        let dir = dropInDirectory(forMainPath: mainPath)
        let path = "\(dir)/\(cliDropInName)"
        try makeDirectories(dir)
        let content = """
            # Written by `telemetryd \(enable ? "enable" : "disable")`. Remove this file to fall back to the
            # other configuration files; files sorted after it (and the environment variables
            # TELEMETRYD_DISABLE=1, DO_NOT_TRACK=1) still override it.
            [Telemetry]
            Enable=\(enable ? "yes" : "no")

            """
        do throws(FileError) {
            try AtomicFile.write(Array(content.utf8), to: path, mode: 0o644)
        } catch {
            throw ConfigFileSet.fileError(path, error.operation == "rename" ? "cannot replace" : "cannot write", error.errno)
        }
        return path
    }

    // MARK: - I/O helpers

    /// `mkdir -p` with mode 0755 for every directory created (independent of the umask).
    static func makeDirectories(_ dir: String) throws(ConfigError) {
        var st = stat()
        if stat(dir, &st) == 0 {
            if (st.st_mode & S_IFMT) == S_IFDIR { return }
            throw ConfigError(location: nil, key: nil, message: "\(dir): exists and is not a directory")
        }
        let parent = ConfigFileSet.directoryName(dir)
        if parent != dir && parent != "." { try makeDirectories(parent) }
        if mkdir(dir, 0o755) != 0 {
            let e = errno
            if e != EEXIST { throw ConfigFileSet.fileError(dir, "cannot create directory", e) }
            return
        }
        _ = chmod(dir, 0o755)
    }
}
