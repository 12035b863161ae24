import Synchronization

/// A monotonic clock the test moves by hand: cache expiry without sleeping.
final class ManualClock: Sendable {
    private let instant = Mutex(ContinuousClock.now)
    var now: ContinuousClock.Instant { instant.withLock { $0 } }
    func advance(by d: Duration) { instant.withLock { $0 = $0.advanced(by: d) } }
    var function: @Sendable () -> ContinuousClock.Instant { { [self] in now } }
}

/// Holds computations in flight until the test opens it.
final class Gate: Sendable {
    private let state = Mutex<(open: Bool, waiters: [CheckedContinuation<Void, Never>])>((false, []))
    func wait() async {
        await withCheckedContinuation { c in
            let resumeNow = state.withLock { s -> Bool in
                if s.open { return true }
                s.waiters.append(c)
                return false
            }
            if resumeNow { c.resume() }
        }
    }
    func open() {
        let waiters = state.withLock { s -> [CheckedContinuation<Void, Never>] in
            s.open = true
            defer { s.waiters = [] }
            return s.waiters
        }
        for w in waiters { w.resume() }
    }
}

/// Counts calls from concurrent tasks.
final class Counter: Sendable {
    private let n = Mutex(0)
    @discardableResult func next() -> Int { n.withLock { $0 += 1; return $0 } }
    var value: Int { n.withLock { $0 } }
}
