// A program's whole schema: its `ConfigKey` rows and the configuration they start from. The parser learns the
// sections and keys from it (`keysBySection`), and every assignment is applied by looking up its row, so the list
// of keys and the code that applies them cannot drift apart.

public struct ConfigTable<Config: Sendable>: Sendable {
    /// The rows, in the order the program documents them (its shipped configuration file).
    public let keys: [ConfigKey<Config>]
    /// The built-in defaults, which `Key=` puts back.
    public let defaults: Config
    /// What `ConfigParser.parse(…, schema:)` takes: the known keys of each section.
    public let keysBySection: [String: [String]]
    private let rowIndex: [String: Int]

    public init(defaults: Config, keys: [ConfigKey<Config>]) {
        var index: [String: Int] = [:]
        var bySection: [String: [String]] = [:]
        for (i, row) in keys.enumerated() {
            // Two rows for one key would make the second silently unreachable: a programming error.
            precondition(index[row.qualifiedKey] == nil, "ConfigTable: [\(row.section)] \(row.key)= has two rows")
            index[row.qualifiedKey] = i
            bySection[row.section, default: []].append(row.key)
        }
        self.keys = keys
        self.defaults = defaults
        self.keysBySection = bySection
        self.rowIndex = index
    }

    /// Applies one assignment (later ones win); an empty value resets the key to its built-in default.
    public func apply(_ assignment: ConfigAssignment, to config: inout Config) throws(ConfigError) {
        guard let i = rowIndex[assignment.qualifiedKey] else {
            // The parser only passes keys of the schema; anything else is a programming error, but still
            // reported as a config error rather than a crash.
            throw ConfigError(location: assignment.location, key: assignment.key,
                              message: "\(assignment.key)= is not a known key of section [\(assignment.section)]")
        }
        try keys[i].apply(assignment, to: &config, defaults: defaults)
    }
}
