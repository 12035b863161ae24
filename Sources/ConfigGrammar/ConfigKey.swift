// One row of a configuration schema, as systemd's `src/timesync/timesyncd-gperf.gperf` has one line a key
// (`Time.PollIntervalMinSec, config_parse_sec, 0, offsetof(Manager, poll_interval_min_usec)`): the section and
// the key's name, the parser of its value, and where the parsed value lands in the program's configuration.
// Adding a key is adding a row; `ConfigTable` applies any row the same way.

public struct ConfigKey<Config>: Sendable {
    public let section: String
    /// The key's name as written in the file (`KeepAliveIntervalSec`).
    public let key: String
    private let assign: @Sendable (ConfigAssignment, inout Config, Config) throws(ConfigError) -> Void

    /// A key whose parsed value is stored as is at `path`.
    public init<Value>(_ section: String, _ key: String,
                       _ parse: @escaping @Sendable (String) -> Result<Value, ConfigValues.Expected>,
                       at path: any WritableKeyPath<Config, Value> & Sendable) {
        self.section = section
        self.key = key
        assign = { assignment, config, defaults throws(ConfigError) in
            config[keyPath: path] = try assignment.parsed(or: defaults[keyPath: path], parse)
        }
    }

    /// A key that is unset (nil) by default: a value sets it, `Key=` clears it again.
    public init<Value>(_ section: String, _ key: String,
                       _ parse: @escaping @Sendable (String) -> Result<Value, ConfigValues.Expected>,
                       at path: any WritableKeyPath<Config, Value?> & Sendable) {
        self.section = section
        self.key = key
        assign = { assignment, config, defaults throws(ConfigError) in
            config[keyPath: path] = try assignment.parsed(or: defaults[keyPath: path]) { parse($0).map(Optional.some) }
        }
    }

    /// "Section.Key", as `ConfigAssignment.qualifiedKey`.
    public var qualifiedKey: String { "\(section).\(key)" }

    /// Stores `assignment`'s value in `config`; an empty value (`Key=`) puts back the key's value in `defaults`.
    public func apply(_ assignment: ConfigAssignment, to config: inout Config, defaults: Config) throws(ConfigError) {
        try assign(assignment, &config, defaults)
    }
}
