import TelemetryWire

/// The agent as reports (`agent`) and the HTTP `User-Agent` name it.
public enum AgentInfo {
    public static let name = "telemetryd"
    public static let version = ProjectVersion.string
    public static var userAgent: String { "\(name)/\(version)" }
}
