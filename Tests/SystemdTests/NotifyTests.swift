import Testing
@testable import Systemd

@Test func monotonicClockAdvances() {
    let a = Monotonic.nowMicroseconds()
    let b = Monotonic.nowMicroseconds()
    #expect(b >= a)
}
