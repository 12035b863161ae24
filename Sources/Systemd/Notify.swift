import CSystemd
#if canImport(Glibc)
import Glibc
#endif

/// `sd_notify(3)`: every call is a no-op returning false when the process was not started by systemd with a
/// notification socket (`$NOTIFY_SOCKET` unset), and false when sending failed.
public enum Notify {
    /// Sends `state` (newline-separated `KEY=VALUE` assignments) as it is. Prefer the typed calls below.
    @discardableResult public static func send(_ state: String) -> Bool { sd_notify(0, state) > 0 }

    /// `READY=1`, with a `STATUS=` line when given.
    @discardableResult public static func ready(status: String? = nil) -> Bool { send(NotifyMessage.ready(status: status)) }

    /// `STATUS=` with `text` folded onto one line.
    @discardableResult public static func status(_ text: String) -> Bool { send(NotifyMessage.status(text)) }

    /// `WATCHDOG=1`: call from the loop whose progress it vouches for, at half of `Watchdog.interval()` (sd_watchdog_enabled(3)).
    @discardableResult public static func watchdog() -> Bool { send(NotifyMessage.watchdog) }

    /// `RELOADING=1` with `MONOTONIC_USEC=` (ignored by systemd 252, required by `Type=notify-reload` in 253+).
    /// Follow it with `ready()` once the reload is done, whether it succeeded or not.
    @discardableResult public static func reloading() -> Bool {
        send(NotifyMessage.reloading(monotonicMicroseconds: Monotonic.nowMicroseconds()))
    }

    /// `STOPPING=1`.
    @discardableResult public static func stopping() -> Bool { send(NotifyMessage.stopping) }
}

/// The notification payloads, pure so they are tested without a socket.
public enum NotifyMessage {
    public static let watchdog = "WATCHDOG=1"
    public static let stopping = "STOPPING=1"

    public static func ready(status: String?) -> String {
        guard let status else { return "READY=1" }
        return "READY=1\n" + Self.status(status)
    }

    /// `STATUS=` must be a single line: CR/LF runs become one space, surrounding blanks are trimmed.
    public static func status(_ text: String) -> String { "STATUS=" + oneLine(text) }

    public static func reloading(monotonicMicroseconds: UInt64) -> String {
        "RELOADING=1\nMONOTONIC_USEC=\(monotonicMicroseconds)"
    }

    /// `text` with every run of CR/LF replaced by a single space and leading/trailing white space dropped.
    public static func oneLine(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        var pendingBreak = false
        for ch in text {
            if ch == "\n" || ch == "\r" || ch == "\r\n" {
                pendingBreak = true
                continue
            }
            if pendingBreak {
                if !out.isEmpty && out.last != " " { out.append(" ") }
                pendingBreak = false
            }
            out.append(ch)
        }
        while let last = out.last, last == " " || last == "\t" { out.removeLast() }
        while let first = out.first, first == " " || first == "\t" { out.removeFirst() }
        return out
    }
}

public enum Watchdog {
    /// The watchdog interval systemd expects pings within (`WatchdogSec=`), or nil when none is set for this
    /// process (`$WATCHDOG_USEC` unset, zero, or `$WATCHDOG_PID` naming another process).
    public static func interval() -> Duration? {
        var usec: UInt64 = 0
        guard sd_watchdog_enabled(0, &usec) > 0, usec > 0 else { return nil }
        return .microseconds(Int64(clamping: usec))
    }
}

public enum Monotonic {
    /// `CLOCK_MONOTONIC` in microseconds, the clock systemd's `MONOTONIC_USEC=` and `$WATCHDOG_USEC` use.
    public static func nowMicroseconds() -> UInt64 {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return UInt64(ts.tv_sec) * 1_000_000 + UInt64(ts.tv_nsec) / 1000
    }
}
