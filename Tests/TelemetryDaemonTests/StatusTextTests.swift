import Foundation
import Testing
@testable import TelemetryDaemon

@Suite struct StatusTextTests {
    /// 2026-12-07 12:00:00 UTC.
    static let noon = Date(timeIntervalSince1970: 1_796_644_800)

    @Test(arguments: [
        (0.0, "0s"), (42.9, "42s"), (60, "1m"), (3599, "59m59s"), (21_540, "5h59m"), (21_600, "6h"),
        (21_599.5, "5h59m"), (90_061, "1d1h"), (-5, "0s"), (Double.infinity, "0s"), (3_601, "1h"),
    ])
    func compactDurations(seconds: Double, expected: String) {
        #expect(StatusText.compact(seconds: seconds) == expected)
    }

    @Test func enabledSentenceMatchesTheContract() {
        let s = StatusText(nextKeepAlive: Self.noon.addingTimeInterval(4 * 60 + 59), now: Self.noon, queued: 0)
        #expect(s.text == "Enabled; next keep-alive 12:04 UTC; 0 queued")
    }

    /// The same day is told by the time alone, any other day with its date; to the minute, rounded down. The sentence
    /// holds no "in …": the same state gives the same text however much later it is written.
    @Test(arguments: [
        (0.0, 0.0, "12:00 UTC"), (59.9, 0.0, "12:00 UTC"), (60.0, 0.0, "12:01 UTC"), (43_199.0, 0.0, "23:59 UTC"),
        (43_200.0, 0.0, "2026-12-08 00:00 UTC"), (-43_201.0, 0.0, "2026-12-06 23:59 UTC"),
        (21_600.0, 43_140.0, "18:00 UTC"), (21_600.0, 45_000.0, "2026-12-07 18:00 UTC"), (-3600.0, 0.0, "11:00 UTC"),
    ] as [(Double, Double, String)])
    func absoluteTimes(due: Double, written: Double, expected: String) {
        #expect(StatusText.utc(Self.noon.addingTimeInterval(due), today: Self.noon.addingTimeInterval(written)) == expected)
    }

    @Test func theSameStateGivesTheSameTextLater() {
        let due = Self.noon.addingTimeInterval(6 * 3600)
        let early = StatusText(nextKeepAlive: due, now: Self.noon, queued: 1)
        let late = StatusText(nextKeepAlive: due, now: Self.noon.addingTimeInterval(5 * 3600 + 59 * 60), queued: 1)
        #expect(early.text == "Enabled; next keep-alive 18:00 UTC; 1 queued")
        #expect(late.text == early.text)
    }

    /// Against the calendar: month and year boundaries, leap days, the epoch and before it.
    @Test(arguments: [
        (0 as Int64, "1970-01-01"), (-1, "1969-12-31"), (59, "1970-03-01"), (11_016, "2000-02-29"),
        (11_017, "2000-03-01"), (20_794, "2026-12-07"), (20_795, "2026-12-08"), (20_819, "2027-01-01"), (51_134, "2110-01-01"),
    ])
    func civilDates(day: Int64, expected: String) {
        let (y, m, d) = StatusText.civilDate(daysSinceEpoch: day)
        #expect(String(format: "%04lld-%02lld-%02lld", y, m, d) == expected)
    }

    @Test func disabledNamesWhatDisabledIt() {
        let s = StatusText(disabledBy: "$DO_NOT_TRACK", nextKeepAlive: Self.noon, now: Self.noon, queued: 3)
        #expect(s.text == "Disabled by $DO_NOT_TRACK")
    }

    @Test func unreachableDryRunAndReloadErrorAreTold() {
        let s = StatusText(dryRun: true, nextKeepAlive: Self.noon.addingTimeInterval(60), now: Self.noon, queued: 2,
                           collectorUnreachable: true, reloadError: "/etc/telemetryd/telemetry.conf:3: bad\nvalue")
        #expect(s.text == "Enabled (dry run: nothing is sent); collector unreachable, retrying; next keep-alive 12:01 UTC; 2 queued; reload failed, kept last good config: /etc/telemetryd/telemetry.conf:3: bad value")
        #expect(!s.text.contains("\n"))
    }

    @Test func anUnwritableStateDirectoryIsTold() {
        let s = StatusText(nextKeepAlive: Self.noon.addingTimeInterval(60), now: Self.noon,
                           stateProblem: "state directory /var/lib/telemetryd not writable")
        #expect(s.text == "Enabled; next keep-alive 12:01 UTC; 0 queued; state directory /var/lib/telemetryd not writable")
        let off = StatusText(disabledBy: "$DO_NOT_TRACK", stateProblem: "state directory /x not writable")
        #expect(off.text == "Disabled by $DO_NOT_TRACK; state directory /x not writable")
        #expect(StatusText(now: Self.noon).text == "Enabled; 0 queued", "no keep-alive scheduled: no time told")
    }
}
