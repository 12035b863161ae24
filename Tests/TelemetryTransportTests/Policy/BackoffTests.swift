import Testing
@testable import TelemetryTransport

/// How long to wait before the next attempt: exponential with full jitter, Retry-After within bounds, a stuck attempt.
@Suite struct BackoffTests {
    @Test func backoffStaysBetweenMinAndAGrowingCeiling() {
        let min = Duration.seconds(30), max = Duration.seconds(3600)
        #expect(Backoff.delay(attempt: 0, min: min, max: max, random: { 0.99 }) == .seconds(30))
        #expect(Backoff.delay(attempt: 1, min: min, max: max, random: { 1.0 }) == .seconds(60))
        #expect(Backoff.delay(attempt: 3, min: min, max: max, random: { 1.0 }) == .seconds(240))
        #expect(Backoff.delay(attempt: 3, min: min, max: max, random: { 0 }) == .seconds(30))
        #expect(Backoff.delay(attempt: 3, min: min, max: max, random: { 0.5 }) == .seconds(135))
        #expect(Backoff.delay(attempt: 50, min: min, max: max, random: { 1.0 }) == .seconds(3600))
        #expect(Backoff.delay(attempt: Int.max, min: min, max: max, random: { 1.0 }) == .seconds(3600))
        for attempt in 0..<20 {
            let d = Backoff.delay(attempt: attempt, min: min, max: max)
            #expect(d >= min && d <= max)
        }
    }

    @Test func backoffToleratesMaxBelowMin() {
        #expect(Backoff.delay(attempt: 4, min: .seconds(10), max: .seconds(1), random: { 1 }) == .seconds(10))
    }

    @Test func retryAfterOverridesTheBackoffWithinBounds() {
        let min = Duration.seconds(30), max = Duration.seconds(3600)
        #expect(Backoff.wait(attempt: 0, retryAfter: .seconds(7200), min: min, max: max) == .seconds(7200))
        #expect(Backoff.wait(attempt: 0, retryAfter: .seconds(200_000), min: min, max: max) == RetryAfter.cap)
        #expect(Backoff.wait(attempt: 0, retryAfter: .zero, min: min, max: max) == min)
        #expect(Backoff.wait(attempt: 2, retryAfter: nil, min: min, max: max, random: { 1 }) == .seconds(120))
    }

    @Test func anAttemptIsStuckOnlyFarBeyondItsTimeouts() {
        let t0 = ContinuousClock.now
        #expect(Backoff.attemptIsHealthy(startedAt: nil, now: t0, timeout: .seconds(30)))
        #expect(Backoff.attemptIsHealthy(startedAt: t0, now: t0 + .seconds(60), timeout: .seconds(30)))
        #expect(!Backoff.attemptIsHealthy(startedAt: t0, now: t0 + .seconds(61), timeout: .seconds(30)))
    }
}
