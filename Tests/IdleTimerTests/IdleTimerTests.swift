import Testing
@testable import IdleTimer

@Suite(.timeLimit(.minutes(1))) struct IdleTimerTests {
    @Test func sleepsAtLeastTheDuration() async {
        let clock = ContinuousClock()
        let start = clock.now
        await IdleTimer.sleep(for: .milliseconds(30))
        #expect(start.duration(to: clock.now) >= .milliseconds(30))
    }

    @Test func cancellationEndsALongSleep() async {
        let clock = ContinuousClock()
        let start = clock.now
        let t = Task { await IdleTimer.sleep(for: .seconds(3600)) }
        try? await Task.sleep(for: .milliseconds(20))
        t.cancel()
        await t.value
        #expect(start.duration(to: clock.now) < .seconds(30), "a cancelled sleep does not wait the hour")
    }

    @Test func alreadyCancelledReturnsAtOnce() async {
        let t = Task {
            withUnsafeCurrentTask { $0?.cancel() }
            let start = ContinuousClock.now
            await IdleTimer.sleep(for: .seconds(3600))
            return start.duration(to: ContinuousClock.now) < .seconds(30)
        }
        #expect(await t.value)
    }

    @Test func deadlineInThePastReturnsAtOnce() async {
        let clock = ContinuousClock()
        let start = clock.now
        await IdleTimer.sleep(until: clock.now.advanced(by: .seconds(-5)), clock: clock)
        #expect(start.duration(to: clock.now) < .seconds(5))
    }

    @Test func durationsConvertWithoutOverflow() {
        #expect(IdleTimer.timeAmount(.milliseconds(1500)).nanoseconds == 1_500_000_000)
        #expect(IdleTimer.timeAmount(.seconds(Int64.max)).nanoseconds == Int64.max)
        #expect(IdleTimer.timeAmount(.seconds(-3)).nanoseconds == 0)
    }
}
