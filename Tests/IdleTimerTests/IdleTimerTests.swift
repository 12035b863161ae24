import Testing
@testable import IdleTimer

@Suite struct IdleTimerTests {
    @Test func sleepsAtLeastTheDuration() async {
        let clock = ContinuousClock()
        let start = clock.now
        await IdleTimer.sleep(for: .milliseconds(30))
        #expect(start.duration(to: clock.now) >= .milliseconds(30))
    }

    @Test func cancellationEndsALongSleep() async {
        let t = Task { await IdleTimer.sleep(for: .seconds(3600)) }
        try? await Task.sleep(for: .milliseconds(20))
        t.cancel()
        await t.value  // returns: a cancelled sleep does not wait the hour (the test would hang otherwise)
    }

    @Test func alreadyCancelledReturnsAtOnce() async {
        let t = Task {
            withUnsafeCurrentTask { $0?.cancel() }
            await IdleTimer.sleep(for: .seconds(3600))
            return Task.isCancelled
        }
        #expect(await t.value)
    }

    @Test func deadlineInThePastReturnsAtOnce() async {
        let clock = ContinuousClock()
        await IdleTimer.sleep(until: clock.now.advanced(by: .seconds(-5)), clock: clock)
    }

    @Test func durationsConvertWithoutOverflow() {
        #expect(IdleTimer.timeAmount(.milliseconds(1500)).nanoseconds == 1_500_000_000)
        #expect(IdleTimer.timeAmount(.seconds(Int64.max)).nanoseconds == Int64.max)
        #expect(IdleTimer.timeAmount(.seconds(-3)).nanoseconds == 0)
    }
}
