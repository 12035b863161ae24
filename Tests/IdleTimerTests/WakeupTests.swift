import Testing
@testable import IdleTimer

@Suite struct WakeupTests {
    enum E: Hashable, Sendable { case a, b }

    @Test func postedEventsAreReturnedAndCoalesced() async {
        let w = Wakeup<E>()
        w.post(.a); w.post(.a); w.post(.b)
        let got = await w.wait(until: ContinuousClock.now.advanced(by: .seconds(3600)), clock: ContinuousClock())
        #expect(got == [.a, .b])
    }

    @Test func deadlineReturnsEmpty() async {
        let w = Wakeup<E>()
        let got = await w.wait(until: ContinuousClock.now.advanced(by: .milliseconds(10)), clock: ContinuousClock())
        #expect(got.isEmpty)
    }

    @Test func postFromAnotherTaskWakesAWaiter() async {
        let w = Wakeup<E>()
        async let got = w.wait(until: ContinuousClock.now.advanced(by: .seconds(3600)), clock: ContinuousClock())
        try? await Task.sleep(for: .milliseconds(20))
        w.post(.b)
        #expect(await got == [.b])
    }

    @Test func cancellationEndsTheWait() async {
        let w = Wakeup<E>()
        let t = Task { await w.wait(until: ContinuousClock.now.advanced(by: .seconds(3600)), clock: ContinuousClock()) }
        try? await Task.sleep(for: .milliseconds(20))
        t.cancel()
        #expect(await t.value.isEmpty)
    }
}
