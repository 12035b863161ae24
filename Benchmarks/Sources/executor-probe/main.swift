// Which Swift Concurrency executor lets an idle daemon sleep without periodic wakeups (BENCHMARKS.md).
// `executor-probe dispatch` uses the default global executor (libdispatch); `executor-probe nio` first installs
// SwiftNIO's event loop as the global executor; `nio-sleep` also sleeps on NIO timers instead of Task.sleep. All then do what the daemon does when it starts (a short
// sleep, a task group racing a long sleep against a continuation) and idle for an hour. Count the context
// switches of its threads from outside (scripts/footprint does; or `grep ctxt /proc/PID/task/*/status`).
import NIOCore
import NIOPosix
#if canImport(Glibc)
import Glibc
#endif

let mode = CommandLine.arguments.dropFirst().first ?? "dispatch"
if mode == "nio" || mode == "nio-sleep" {
    guard NIOSingletons.unsafeTryInstallSingletonPosixEventLoopGroupAsConcurrencyGlobalExecutor() else {
        print("executor-probe: could not install NIO as the global executor (too late: an executor is already in use)")
        exit(1)
    }
}

/// Task.sleep, or (mode nio-sleep) a timer on NIO's event loop, which keeps libdispatch out entirely.
@Sendable func sleep(_ d: TimeAmount) async {
    if mode == "nio-sleep" {
        let loop = MultiThreadedEventLoopGroup.singleton.next()
        await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
            loop.scheduleTask(in: d) { c.resume() }
        }
    } else {
        try? await Task.sleep(nanoseconds: UInt64(d.nanoseconds))
    }
}

@Sendable func daemonLikeIdle() async {
    await sleep(.milliseconds(10))
    await withTaskGroup(of: Void.self) { group in
        group.addTask { await sleep(.seconds(3600)) }
        group.addTask {
            await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
                // Never posted during the probe, like a reload that never comes.
                _ = c
            }
        }
        await group.next()
        group.cancelAll()
    }
}

let done = Task { await daemonLikeIdle() }
print("executor-probe: idling with the \(mode) executor, pid \(getpid())")
_ = await done.value
