import Testing
@testable import IdleTimer

@Suite(.timeLimit(.minutes(1))) struct WakeupTests {
    enum E: Hashable, Sendable { case a, b }

    @Test func postedEventsAreReturnedAndCoalesced() async {
        let w = Wakeup<E>()
        w.post(.a); w.post(.a); w.post(.b)
        let got = await w.wait(until: ContinuousClock.now.advanced(by: .seconds(3600)))
        #expect(got == [.a, .b])
    }

    @Test func deadlineReturnsEmpty() async {
        let w = Wakeup<E>()
        let got = await w.wait(until: ContinuousClock.now.advanced(by: .milliseconds(10)))
        #expect(got.isEmpty)
    }

    @Test func postFromAnotherTaskWakesAWaiter() async {
        let w = Wakeup<E>()
        async let got = w.wait(until: ContinuousClock.now.advanced(by: .seconds(3600)))
        try? await Task.sleep(for: .milliseconds(20))
        w.post(.b)
        #expect(await got == [.b])
    }

    @Test func cancellationEndsTheWait() async {
        let w = Wakeup<E>()
        let t = Task { await w.wait(until: ContinuousClock.now.advanced(by: .seconds(3600))) }
        try? await Task.sleep(for: .milliseconds(20))
        t.cancel()
        #expect(await t.value.isEmpty)
    }

    @Test func aDeadlineOrCancellationEndsOnlyItsOwnWait() async {
        let w = Wakeup<E>()
        let far = ContinuousClock.now.advanced(by: .seconds(3600))
        async let long = w.wait(until: far)
        let cancelled = Task { await w.wait(until: far) }
        let short = await w.wait(until: ContinuousClock.now.advanced(by: .milliseconds(50)))
        cancelled.cancel()
        #expect(short.isEmpty)
        #expect(await cancelled.value.isEmpty)
        // The waiter left is the hour-long one, still waiting: the post is what ends it.
        w.post(.b)
        #expect(await long == [.b])
    }

    @Test func aPostWakesEveryWaiter() async {
        let w = Wakeup<E>()
        let far = ContinuousClock.now.advanced(by: .seconds(3600))
        async let first = w.wait(until: far)
        async let second = w.wait(until: far)
        try? await Task.sleep(for: .milliseconds(50))
        w.post(.a)
        // Both return (before, the second waiter replaced the first, which then slept the hour); one gets the event.
        let got = await [first, second]
        #expect(got.filter { $0 == [.a] }.count == 1)
        #expect(got.filter(\.isEmpty).count == 1)
    }
}
