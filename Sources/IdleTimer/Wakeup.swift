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
public final class Wakeup<Event: Hashable & Sendable>: Sendable {
    private struct State {
        var pending: Set<Event> = []
        var waiters: [UInt64: CheckedContinuation<Void, Never>] = [:]
        var nextWaiter: UInt64 = 0
    }
    private let state = Mutex(State())

    public init() {}

    public func post(_ event: Event) {
        let waiters = state.withLock { s -> [CheckedContinuation<Void, Never>] in
            s.pending.insert(event)
            defer { s.waiters = [:] }
            return Array(s.waiters.values)
        }
        for waiter in waiters { waiter.resume() }
    }

    /// Waits like `wait(until:clock:)`, or with no deadline (until posted or cancelled) when `deadline` is nil.
    public func wait(until deadline: ContinuousClock.Instant?) async -> Set<Event> {
        // A year is "forever" for an event-loop timer that costs nothing while it waits.
        await wait(until: deadline ?? ContinuousClock.now.advanced(by: .seconds(365 * 86_400)), clock: ContinuousClock())
    }

    /// Returns the events posted since the last call (empty when the deadline passed first or the task was cancelled).
    public func wait<C: Clock>(until deadline: C.Instant, clock: C) async -> Set<Event> where C.Duration == Duration {
        if let ready = take(), !ready.isEmpty { return ready }
        await withTaskGroup(of: Void.self) { group in
            group.addTask {
                await IdleTimer.sleep(until: deadline, clock: clock)
            }
            group.addTask { await self.waitForPost() }
            await group.next()
            group.cancelAll()
        }
        return take() ?? []
    }

    private func take() -> Set<Event>? {
        state.withLock { s in
            defer { s.pending = [] }
            return s.pending
        }
    }

    private func waitForPost() async {
        let id = state.withLock { s -> UInt64 in
            defer { s.nextWaiter &+= 1 }
            return s.nextWaiter
        }
        await withTaskCancellationHandler {
            await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
                let resumeNow = state.withLock { s -> Bool in
                    if !s.pending.isEmpty || Task.isCancelled { return true }
                    s.waiters[id] = c
                    return false
                }
                if resumeNow { c.resume() }
            }
        } onCancel: {
            let waiter = state.withLock { s in s.waiters.removeValue(forKey: id) }
            waiter?.resume()
        }
    }
}
