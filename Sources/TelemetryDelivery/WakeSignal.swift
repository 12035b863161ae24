import IdleTimer
import Synchronization

/// A coalescing doorbell for the delivery worker: `wait(until:)` returns when rung (now or since the last wait),
/// at the deadline, or when the task is cancelled. Same shape as TelemetryDaemon's `Wakeup`, which this target
/// cannot import.
final class WakeSignal: Sendable {
    private struct State {
        var rung = false
        var waiter: CheckedContinuation<Void, Never>?
    }
    private let state = Mutex(State())

    func ring() {
        let waiter = state.withLock { s -> CheckedContinuation<Void, Never>? in
            s.rung = true
            defer { s.waiter = nil }
            return s.waiter
        }
        waiter?.resume()
    }

    /// Waits for a ring, at most until `deadline` (forever when nil).
    func wait(until deadline: ContinuousClock.Instant?) async {
        if take() { return }
        await withTaskGroup(of: Void.self) { group in
            if let deadline {
                group.addTask { await IdleTimer.sleep(until: deadline, clock: ContinuousClock()) }
            }
            group.addTask { await self.waitForRing() }
            await group.next()
            group.cancelAll()
        }
        _ = take()
    }

    private func take() -> Bool {
        state.withLock { s in
            defer { s.rung = false }
            return s.rung
        }
    }

    private func waitForRing() async {
        await withTaskCancellationHandler {
            await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
                let resumeNow = state.withLock { s -> Bool in
                    if s.rung || Task.isCancelled { return true }
                    s.waiter = c
                    return false
                }
                if resumeNow { c.resume() }
            }
        } onCancel: {
            let waiter = state.withLock { s -> CheckedContinuation<Void, Never>? in
                defer { s.waiter = nil }
                return s.waiter
            }
            waiter?.resume()
        }
    }
}
