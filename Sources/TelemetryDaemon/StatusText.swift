#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The one-line `STATUS=` sentence systemd shows in `systemctl status` ("Enabled; next keep-alive 12:04 UTC;
/// 0 queued", "Disabled by …"). Its times are absolute, so the sentence stays true while nothing happens and the
/// daemon never wakes to rewrite it: it is rebuilt only when the state changes (a report scheduled, the spool or the
/// collector's reachability changing, a reload, a wall-clock step). Pure, so every wording is unit-tested.
public struct StatusText: Sendable, Equatable {
    public var disabledBy: String?
    public var dryRun: Bool
    /// When the next keep-alive is due, on the wall clock; nil when none is scheduled.
    public var nextKeepAlive: Date?
    /// When the sentence is written: a due time on the same UTC day is told by its time alone, any other with its date.
    public var now: Date
    public var queued: Int
    /// Set while the collector cannot be reached.
    public var collectorUnreachable: Bool
    /// Set when the last reload was refused: the error naming file:line.
    public var reloadError: String?
    /// Set when the state directory is not writable.
    public var stateProblem: String?

    public init(disabledBy: String? = nil, dryRun: Bool = false, nextKeepAlive: Date? = nil, now: Date = Date(),
                queued: Int = 0, collectorUnreachable: Bool = false, reloadError: String? = nil,
                stateProblem: String? = nil) {
        self.stateProblem = stateProblem
        self.disabledBy = disabledBy
        self.dryRun = dryRun
        self.nextKeepAlive = nextKeepAlive
        self.now = now
        self.queued = queued
        self.collectorUnreachable = collectorUnreachable
        self.reloadError = reloadError
    }

    public var text: String {
        var parts: [String] = []
        if let disabledBy {
            parts.append("Disabled by \(disabledBy)")
        } else {
            parts.append(dryRun ? "Enabled (dry run: nothing is sent)" : "Enabled")
            if collectorUnreachable { parts.append("collector unreachable, retrying") }
            if let next = nextKeepAlive { parts.append("next keep-alive \(StatusText.utc(next, today: now))") }
            parts.append("\(queued) queued")
        }
        if let stateProblem { parts.append(stateProblem) }
        if let reloadError {
            parts.append("reload failed, kept last good config: \(reloadError)")
        }
        // STATUS= is one line.
        return parts.joined(separator: "; ").map { $0 == "\n" || $0 == "\r" ? " " : $0 }.reduce(into: "") { $0.append($1) }
    }

    /// "12:04 UTC" when `date` falls on the same UTC day as `today`, else "2026-12-08 00:04 UTC": to the minute,
    /// rounded down (a keep-alive due at 12:04:50 goes within the minute told). Either form stays true until the
    /// keep-alive goes, which a countdown ("in 5h59m") would not without being rewritten every minute. By integer arithmetic on the Unix time: no
    /// calendar or locale code on this path.
    public static func utc(_ date: Date, today: Date) -> String {
        let seconds = Int64(date.timeIntervalSince1970.rounded(.down))
        let day = floorDivide(seconds, 86_400)
        let ofDay = seconds - day * 86_400
        let time = twoDigits(ofDay / 3_600) + ":" + twoDigits(ofDay % 3_600 / 60) + " UTC"
        if day == floorDivide(Int64(today.timeIntervalSince1970.rounded(.down)), 86_400) { return time }
        let (y, m, d) = civilDate(daysSinceEpoch: day)
        return "\(y)-\(twoDigits(m))-\(twoDigits(d)) " + time
    }

    /// Year, month, day of a day counted from 1970-01-01 in the proleptic Gregorian calendar (Howard Hinnant's
    /// `civil_from_days`).
    static func civilDate(daysSinceEpoch: Int64) -> (year: Int64, month: Int64, day: Int64) {
        let z = daysSinceEpoch + 719_468
        let era = floorDivide(z, 146_097)
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1_460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let mp = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        return (yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }

    private static func floorDivide(_ a: Int64, _ b: Int64) -> Int64 {
        let q = a / b
        return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q
    }

    private static func twoDigits(_ n: Int64) -> String { n < 10 ? "0\(n)" : "\(n)" }

    /// "5h59m", "59m", "42s", "3d2h": the two largest units, rounded down (for log lines about durations).
    public static func compact(seconds: Double) -> String {
        let total = seconds.isFinite && seconds > 0 ? Int(seconds.rounded(.down)) : 0
        let units: [(Int, String)] = [(86_400, "d"), (3_600, "h"), (60, "m"), (1, "s")]
        var rest = total
        var out = ""
        var used = 0
        for (size, name) in units where used < 2 {
            let n = rest / size
            if n > 0 || (used > 0) {
                if n > 0 { out += "\(n)\(name)" }
                rest -= n * size
                used += 1
            }
        }
        return out.isEmpty ? "0s" : out
    }
}
