import Logging

// STUB: replaced by the probes work. The public surface below is the contract other code uses.

/// Reads the host's facts from a root directory (`/` in production, a fixture tree in tests).
/// Every accessor returns nil for a missing or malformed source and logs at debug level; it never throws.
public struct HostProbe: Sendable {
    public let root: String
    public let logger: Logger

    public init(root: String = "/", logger: Logger = Logger(label: "telemetryd.probe")) {
        self.root = root
        self.logger = logger
    }

    public func osInfo() -> OSInfo { OSInfo() }
    public func cpuInfo() -> CPUInfo { CPUInfo() }
    public func memoryInfo() -> MemoryInfo { MemoryInfo() }
    public func uptimeSec() -> Int? { nil }
    public func virtualization() -> String? { nil }
    public func container() -> String? { nil }
}
