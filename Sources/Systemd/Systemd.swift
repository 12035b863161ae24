import CSystemd
#if canImport(Glibc)
import Glibc
#endif
import Logging

// STUB: replaced by the systemd work. The public surface below is the contract other code uses.

/// `sd_notify(3)`: all calls are no-ops (returning false) when not run by systemd.
public enum Notify {
    @discardableResult public static func send(_ state: String) -> Bool { sd_notify(0, state) > 0 }
    @discardableResult public static func ready(status: String? = nil) -> Bool { send("READY=1" + (status.map { "\nSTATUS=\($0)" } ?? "")) }
    @discardableResult public static func status(_ text: String) -> Bool { send("STATUS=\(text)") }
    @discardableResult public static func watchdog() -> Bool { send("WATCHDOG=1") }
    @discardableResult public static func reloading() -> Bool { send("RELOADING=1\nMONOTONIC_USEC=\(Monotonic.nowMicroseconds())") }
    @discardableResult public static func stopping() -> Bool { send("STOPPING=1") }
    @discardableResult public static func extendTimeout(microseconds: UInt64) -> Bool { send("EXTEND_TIMEOUT_USEC=\(microseconds)") }
}

public enum Watchdog {
    /// The watchdog interval systemd expects pings within, or nil when none is set for this process.
    public static func interval() -> Duration? {
        var usec: UInt64 = 0
        guard sd_watchdog_enabled(0, &usec) > 0, usec > 0 else { return nil }
        return .microseconds(Int64(clamping: usec))
    }
}

public enum Monotonic {
    public static func nowMicroseconds() -> UInt64 {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return UInt64(ts.tv_sec) * 1_000_000 + UInt64(ts.tv_nsec) / 1000
    }
}

public enum MachineIdentity {
    /// `sd_id128_get_machine_app_specific()` as a lower-case UUID string; nil without a usable machine-id.
    public static func appSpecificID(appID: [UInt8]) -> String? { nil }
}
