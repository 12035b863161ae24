import NIOCore
import NIOPosix
import Synchronization

/// Sleeps on an event-loop timer (of the loop the caller runs on, else SwiftNIO's singleton group) instead of
/// `Task.sleep`.
///
/// Why by hand: on Linux `Task.sleep` schedules through libdispatch, and once libdispatch's worker pool is in use its
/// pool monitor wakes a thread every second for the life of the process (BENCHMARKS.md, "Wakeups and CPU"). An idle
/// daemon that must wake at most once per second, for the watchdog only, cannot afford that. NIO's timers live in
/// the event loop's epoll wait and cost nothing until they fire. No package offers a cancellable async sleep on an
/// event loop, so this is the small piece that does.
public enum IdleTimer {
    /// Returns after `duration`, or at once when the task is (or gets) cancelled.
    public static func sleep(for duration: Duration) async {
        guard duration > .zero, !Task.isCancelled else { return }
        // The loop the calling task runs on (telemetryd's own tasks loop, not the HTTP I/O loop); the singleton group
        // when the caller is not on an event loop (tests, libdispatch).
        let loop = MultiThreadedEventLoopGroup.currentEventLoop ?? MultiThreadedEventLoopGroup.singleton.next()
        let box = Box()
        await withTaskCancellationHandler {
            await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
                guard box.store(c) else { return c.resume() }  // cancelled before we got here
                let scheduled = loop.scheduleTask(in: timeAmount(duration)) { box.finish() }
                if !box.remember(scheduled) { scheduled.cancel() }
            }
        } onCancel: {
            box.finish()
        }
    }

    /// Runs `body` after `duration` on the caller's event loop (else the singleton group's): one event-loop timer,
    /// nothing at all while it waits. Cancel the result to drop it.
    static func schedule(after duration: Duration, _ body: @escaping @Sendable () -> Void) -> Scheduled<Void> {
        let loop = MultiThreadedEventLoopGroup.currentEventLoop ?? MultiThreadedEventLoopGroup.singleton.next()
        return loop.scheduleTask(in: timeAmount(duration), body)
    }

    /// Returns at `deadline` of `clock`, or at once when cancelled.
    public static func sleep<C: Clock>(until deadline: C.Instant, clock: C) async where C.Duration == Duration {
        await sleep(for: clock.now.duration(to: deadline))
    }

    static func timeAmount(_ d: Duration) -> TimeAmount {
        let (seconds, attoseconds) = d.components
        let (ns, overflow) = seconds.multipliedReportingOverflow(by: 1_000_000_000)
        if overflow { return .nanoseconds(seconds < 0 ? 0 : .max) }
        let (total, overflow2) = ns.addingReportingOverflow(attoseconds / 1_000_000_000)
        return .nanoseconds(overflow2 ? .max : max(0, total))
    }

    /// The continuation and the scheduled timer, resumed exactly once by whichever comes first.
    private final class Box: Sendable {
        private struct State {
            var continuation: CheckedContinuation<Void, Never>?
            var scheduled: Scheduled<Void>?
            var finished = false
        }
        private let state = Mutex(State())

        /// False when already finished (cancelled): the caller resumes at once.
        func store(_ c: CheckedContinuation<Void, Never>) -> Bool {
            state.withLock { s in
                if s.finished { return false }
                s.continuation = c
                return true
            }
        }

        /// False when already finished: the caller cancels the timer.
        func remember(_ scheduled: Scheduled<Void>) -> Bool {
            state.withLock { s in
                if s.finished { return false }
                s.scheduled = scheduled
                return true
            }
        }

        func finish() {
            let (c, scheduled) = state.withLock { s -> (CheckedContinuation<Void, Never>?, Scheduled<Void>?) in
                s.finished = true
                defer { s.continuation = nil; s.scheduled = nil }
                return (s.continuation, s.scheduled)
            }
            scheduled?.cancel()
            c?.resume()
        }
    }
}
