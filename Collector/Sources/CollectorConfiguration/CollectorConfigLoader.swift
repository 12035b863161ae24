import ConfigGrammar

/// Finds and reads collector.conf and its drop-ins with the repository's shared INI reader (the same grammar
/// and drop-in rules as telemetryd's telemetry.conf):
///   the main file (default /etc/telemetry-collector/collector.conf; missing = defaults, unless named with
///   `--config` or `$TELEMETRY_COLLECTOR_CONFIG`), then every `*.conf` in `collector.conf.d/` beside it, in
///   /run/telemetry-collector/collector.conf.d/ and in /usr/lib/telemetry-collector/collector.conf.d/, sorted by
///   file name across the three; a same-named file masks one in a later directory.
public struct CollectorConfigLoader: Sendable {
    public static let defaultMainPath = "/etc/telemetry-collector/collector.conf"
    public static let environmentVariable = "TELEMETRY_COLLECTOR_CONFIG"
    public static let dropInDirectoryName = "collector.conf.d"
    public static let otherDropInDirectories = ["/run/telemetry-collector/collector.conf.d", "/usr/lib/telemetry-collector/collector.conf.d"]

    public var files: ConfigFileSet

    public init(files: ConfigFileSet) { self.files = files }

    /// `--config PATH`, else `$TELEMETRY_COLLECTOR_CONFIG`, else the default; the main file is required when named.
    public static func forCommandLine(configOption: String?, environment: [String: String],
                                      otherDropInDirectories: [String] = CollectorConfigLoader.otherDropInDirectories) -> CollectorConfigLoader {
        let named = [configOption, environment[environmentVariable]].compactMap { $0 }.first { !$0.isEmpty }
        let main = named ?? defaultMainPath
        let dirs = [ConfigFileSet.directory(besideMainPath: main, named: dropInDirectoryName)] + otherDropInDirectories
        return CollectorConfigLoader(files: ConfigFileSet(mainPath: main, dropInDirectories: dirs, requireMainFile: named != nil))
    }

    public func load() throws(ConfigError) -> (config: CollectorConfig, warnings: [ConfigDiagnostic]) {
        var warnings: [ConfigDiagnostic] = []
        let parsed = try files.read(schema: CollectorConfigSchema.keysBySection, warnings: &warnings)
        let (config, more) = try CollectorConfigSchema.resolve(parsed)
        return (config, warnings + more)
    }
}
