import NIOCore
import Synchronization

/// A one-slot mailbox the daemon loop sleeps on: `wait(until:)` returns at the deadline or as soon as something is
/// posted, whichever comes first, and hands back what was posted since the last wait. Posting never blocks and
/// coalesces (a reload requested twice before the loop wakes is one reload).
///
/// Any number of tasks may wait at once: a post wakes every one of them; the events go to the first that takes
/// them, and the others return an empty set, as at their deadline.
///
/// Used by the daemon loop (reload, stop, delivery changes) and by the delivery worker (new report, purge, stop).
/// Hand-written because the standard pieces do not fit: an AsyncStream iterator cannot be raced against a sleep
/// without being shared across tasks, and swift-async-algorithms' channels have no deadline.
///
/// One continuation per wait, resumed by whichever comes first of a post, an event-loop timer at the deadline
/// (`IdleTimer.schedule`) and cancellation: no task group and no child tasks, so the daemon's idle wake (the deadline
/// passing) runs as little code as it can. For the same reason the waiters are a short array of a non-generic type
/// (a wait has one or two at a time) and the deadline is the continuous clock's: a dictionary or a generic clock
/// runs the standard library's unspecialized hashing, dictionary and clock code, whose pages lie apart from the
/// rest of the wake's (BENCHMARKS.md, "The idle wake").
public final class Wakeup<Event: Hashable & Sendable>: Sendable {
    private struct State {
        var pending: Set<Event> = []
        var waiters: [WakeupWaiter] = []
        var nextWaiter: UInt64 = 0
    }
    private let state = Mutex(State())

    public init() {}

    public func post(_ event: Event) {
        let waiters = state.withLock { s -> [WakeupWaiter] in
            s.pending.insert(event)
            defer { s.waiters = [] }
            return s.waiters
        }
        for waiter in waiters {
            waiter.timer?.cancel()
            waiter.continuation.resume()
        }
    }

    /// Returns the events posted since the last call (empty when the deadline passed first or the task was cancelled);
    /// with no deadline (nil), only when posted or cancelled.
    /// `parked` runs once the wait is set up and the task is about to suspend (not when it returns at once): what it
    /// hands to the event loop runs after the task sleeps, when nothing of the waiting task's code is left to run.
    public func wait(until deadline: ContinuousClock.Instant?, parked: (@Sendable () -> Void)? = nil) async -> Set<Event> {
        if let ready = take(), !ready.isEmpty { return ready }
        // A year is "forever" for an event-loop timer that costs nothing while it waits.
        let delay = deadline.map { ContinuousClock.now.duration(to: $0) } ?? .seconds(365 * 86_400)
        let id = state.withLock { s -> UInt64 in
            defer { s.nextWaiter &+= 1 }
            return s.nextWaiter
        }
        await withTaskCancellationHandler {
            // Unsafe, not checked: every path below resumes exactly once (under the lock, whoever removes the waiter).
            await withUnsafeContinuation { (c: UnsafeContinuation<Void, Never>) in
                let resumeNow = state.withLock { s -> Bool in
                    if !s.pending.isEmpty || Task.isCancelled || delay <= .zero { return true }
                    s.waiters.append(WakeupWaiter(id: id, continuation: c))
                    return false
                }
                if resumeNow { return c.resume() }
                let timer = IdleTimer.schedule(after: delay) { [self] in wake(id) }
                // Woken already (a post or a cancellation between the two locks): the timer is not needed.
                let kept = state.withLock { s -> Bool in
                    guard let i = s.waiters.firstIndex(where: { $0.id == id }) else { return false }
                    s.waiters[i].timer = timer
                    return true
                }
                if !kept { timer.cancel() }
                parked?()
            }
        } onCancel: {
            wake(id)
        }
        return take() ?? []
    }

    private func take() -> Set<Event>? {
        state.withLock { s in
            defer { s.pending = [] }
            return s.pending
        }
    }

    /// Resumes waiter `id` if it still waits (its deadline, or its task cancelled).
    private func wake(_ id: UInt64) {
        let waiter = state.withLock { s -> WakeupWaiter? in
            s.waiters.firstIndex(where: { $0.id == id }).map { s.waiters.remove(at: $0) }
        }
        waiter?.timer?.cancel()
        waiter?.continuation.resume()
    }
}
