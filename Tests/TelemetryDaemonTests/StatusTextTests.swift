import Testing
@testable import TelemetryDaemon

@Suite struct StatusTextTests {
    @Test(arguments: [
        (0.0, "0s"), (42.9, "42s"), (60, "1m"), (3599, "59m59s"), (21_540, "5h59m"), (21_600, "6h"),
        (21_599.5, "5h59m"), (90_061, "1d1h"), (-5, "0s"), (Double.infinity, "0s"), (3_601, "1h"),
    ])
    func compactDurations(seconds: Double, expected: String) {
        #expect(StatusText.compact(seconds: seconds) == expected)
    }

    @Test func enabledSentenceMatchesTheContract() {
        let s = StatusText(nextKeepAliveIn: 21_599, queued: 0)
        #expect(s.text == "Enabled; next keep-alive in 5h59m; 0 queued")
    }

    @Test func disabledNamesWhatDisabledIt() {
        let s = StatusText(disabledBy: "$DO_NOT_TRACK", nextKeepAliveIn: 10, queued: 3)
        #expect(s.text == "Disabled by $DO_NOT_TRACK")
    }

    @Test func unreachableDryRunAndReloadErrorAreTold() {
        let s = StatusText(dryRun: true, nextKeepAliveIn: 60, queued: 2, collectorUnreachable: true,
                           reloadError: "/etc/telemetryd/telemetry.conf:3: bad\nvalue")
        #expect(s.text == "Enabled (dry run: nothing is sent); collector unreachable, retrying; next keep-alive in 1m; 2 queued; reload failed, kept last good config: /etc/telemetryd/telemetry.conf:3: bad value")
        #expect(!s.text.contains("\n"))
    }

    @Test func anUnwritableStateDirectoryIsTold() {
        let s = StatusText(nextKeepAliveIn: 60, stateProblem: "state directory /var/lib/telemetryd not writable")
        #expect(s.text == "Enabled; next keep-alive in 1m; 0 queued; state directory /var/lib/telemetryd not writable")
        let off = StatusText(disabledBy: "$DO_NOT_TRACK", stateProblem: "state directory /x not writable")
        #expect(off.text == "Disabled by $DO_NOT_TRACK; state directory /x not writable")
    }
}
