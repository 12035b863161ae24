import CollectorEvents
import Testing

@Suite struct DatabaseAvailabilityTests {
    @Test func anOutageIsOneChangeAtItsStartAndOneAtItsEnd() {
        var a = DatabaseAvailability()
        #expect(a.succeeded(now: 0) == nil)
        #expect(a.failed(reason: "refused", now: 10) == .becameUnavailable(reason: "refused"))
        #expect(a.failed(reason: "refused", now: 11) == nil)
        #expect(a.failed(reason: "timeout", now: 12) == nil)
        #expect(!a.isAvailable && a.failedReports == 3)
        #expect(a.succeeded(now: 40.4) == .becameAvailable(failedReports: 3, seconds: 30))
        #expect(a.succeeded(now: 41) == nil)
        #expect(a.isAvailable && a.failedReports == 0)
        // The next outage counts from zero.
        #expect(a.failed(reason: "disk full", now: 50) == .becameUnavailable(reason: "disk full"))
        #expect(a.succeeded(now: 51) == .becameAvailable(failedReports: 1, seconds: 1))
    }
}
