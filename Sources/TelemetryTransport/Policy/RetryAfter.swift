#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import TelemetryCore

/// `Retry-After` (RFC 9110 §10.2.3): delta-seconds or an IMF-fixdate. Pure.
public enum RetryAfter {
    /// A collector may ask for a long pause, but never for more than a day.
    public static let cap: Duration = .seconds(24 * 3600)

    /// The requested wait, at most `cap`; zero for a date in the past; nil when the header is not valid.
    public static func parse(_ header: String, now: Date) -> Duration? {
        let s = header.trimmedASCII()
        guard !s.isEmpty else { return nil }
        if s.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) {
            guard s.utf8.count <= 12, let v = Int64(s) else { return cap }  // absurdly long number: the cap
            return Swift.min(.seconds(v), cap)
        }
        guard let date = imfFixdate(s) else { return nil }
        let delta = date.timeIntervalSince(now)
        if delta <= 0 { return .zero }
        return Swift.min(.seconds(delta), cap)
    }

    /// `Sun, 06 Nov 1994 08:49:37 GMT`.
    static func imfFixdate(_ s: String) -> Date? {
        let f = s.split(separator: " ", omittingEmptySubsequences: true)
        guard f.count == 6, f[0].count == 4, f[0].hasSuffix(","), f[5] == "GMT",
              let day = Int(f[1]), f[1].count == 2, (1...31).contains(day),
              let month = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"].firstIndex(of: String(f[2])),
              let year = Int(f[3]), f[3].count == 4
        else { return nil }
        let t = f[4].split(separator: ":", omittingEmptySubsequences: false)
        guard t.count == 3, t.allSatisfy({ $0.count == 2 }), let hh = Int(t[0]), let mm = Int(t[1]), let ss = Int(t[2]),
              hh < 24, mm < 60, ss < 61 else { return nil }
        // Days from civil (Howard Hinnant's algorithm), no calendar or time zone database needed.
        let m = month + 1
        let y = m <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        let days = era * 146_097 + doe - 719_468
        return Date(timeIntervalSince1970: Double(days * 86400 + hh * 3600 + mm * 60 + ss))
    }
}
