/// Retry delays of a failed send (`RetryMinSec=`, `RetryMaxSec=`): exponential with full jitter, never
/// shorter than the minimum nor longer than the maximum. Pure.
public enum Backoff {
    /// The wait after the `attempt`-th consecutive failure (0 for the first). The ceiling grows as
    /// `min × 2^attempt` up to `max`; the delay is uniform between `min` and that ceiling. `random` returns a value
    /// in 0..<1 (injected so tests are deterministic).
    public static func delay(attempt: Int, min: Duration, max: Duration, random: () -> Double = { Double.random(in: 0..<1) }) -> Duration {
        let lo = Swift.max(0, min.inSeconds)
        let hi = Swift.max(lo, max.inSeconds)
        let exponent = Double(Swift.min(Swift.max(0, attempt), 62))
        let ceiling = Swift.min(hi, lo * Double(sign: .plus, exponent: Int(exponent), significand: 1))
        let r = Swift.min(Swift.max(random(), 0), 1)
        let value = lo + r * (Swift.max(ceiling, lo) - lo)
        return .seconds(Swift.min(Swift.max(value, lo), hi))
    }

    /// The wait before the next attempt after a retryable failure: the collector's `Retry-After` when it sent one
    /// (honoured beyond `max`, up to `RetryAfter.cap`, but never below `min`), else `delay(attempt:…)`.
    public static func wait(attempt: Int, retryAfter: Duration?, min: Duration, max: Duration,
                            random: () -> Double = { Double.random(in: 0..<1) }) -> Duration {
        if let retryAfter { return Swift.min(Swift.max(retryAfter, min), Swift.max(RetryAfter.cap, min)) }
        return delay(attempt: attempt, min: min, max: max, random: random)
    }

    /// Whether an attempt started at `startedAt` is still within what its deadline allows (TimeoutSec + 30s);
    /// beyond that the worker is considered stuck and the daemon stops pinging the watchdog.
    public static func attemptIsHealthy(startedAt: ContinuousClock.Instant?, now: ContinuousClock.Instant, timeout: Duration) -> Bool {
        guard let startedAt else { return true }
        return now - startedAt <= timeout + .seconds(30)
    }
}
