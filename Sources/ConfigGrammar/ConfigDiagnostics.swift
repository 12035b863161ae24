// Where a configuration problem is (file:line) and what it is: shared by every program's schema.

public struct ConfigLocation: Sendable, Hashable, CustomStringConvertible {
    public var file: String
    public var line: Int
    public init(file: String, line: Int) { self.file = file; self.line = line }
    public var description: String { "\(file):\(line)" }
}

public struct ConfigDiagnostic: Sendable, Equatable, CustomStringConvertible {
    public var location: ConfigLocation?
    public var message: String
    public init(location: ConfigLocation?, message: String) { self.location = location; self.message = message }
    public var description: String { location.map { "\($0): \(message)" } ?? message }
}

/// A configuration error. `description` is the one-line reason for stderr / STATUS=, e.g.
/// `/etc/telemetryd/telemetry.conf:7: KeepAliveIntervalSec=6 hourz: expected a time span like 6h, 15min, 1h 30min`.
/// Every error found inside a file carries its location; errors about a whole file (missing, unreadable)
/// carry the path in the message and no location.
public struct ConfigError: Error, Sendable, Equatable, CustomStringConvertible {
    public var location: ConfigLocation?
    public var key: String?
    public var message: String
    public init(location: ConfigLocation?, key: String?, message: String) { self.location = location; self.key = key; self.message = message }
    public var description: String { location.map { "\($0): \(message)" } ?? message }
}
