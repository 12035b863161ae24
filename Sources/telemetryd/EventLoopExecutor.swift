import NIOCore
import NIOPosix

/// The one event loop Swift Concurrency runs on: every task of the CLI and the daemon (the daemon loop, the delivery
/// worker, probes, spool and state writes with their fsyncs and locks, page-outs) runs on this loop's thread, named
/// `NIO-ELT-<n>-#0`.
///
/// It is not the loop AsyncHTTPClient does its I/O on. That one is SwiftNIO's singleton group
/// (`HTTPClient.defaultEventLoopGroup`, sized to one loop in main.swift, thread `NIO-SGLTN-<n>-#0`). NIO's rule is that
/// nothing blocks an I/O loop; the daemon's tasks do block (fsync of a spool file, `flock` of the state file, reading
/// `/proc`), so they get a loop of their own and never delay a TLS handshake or a response being read. Both loops sleep
/// in `epoll_wait` until a timer or a socket needs them, so the idle daemon still wakes only when it has work.
///
/// Created on first use, from the first job enqueued (main.swift's `Task.detached`); never shut down (the process
/// ends with exit(3)).
let concurrencyEventLoopGroup = MultiThreadedEventLoopGroup(numberOfThreads: 1)
let concurrencyEventLoop: any EventLoop = concurrencyEventLoopGroup.next()

/// Swift Concurrency's global-enqueue hook target (installed in main.swift): runs every job on `concurrencyEventLoop`,
/// as NIO's `unsafeTryInstallSingletonPosixEventLoopGroupAsConcurrencyGlobalExecutor()` does with its singleton group,
/// minus its dlsym lookup that a --static-swift-stdlib binary defeats. Not in main.swift, whose top-level code is
/// main-actor isolated: this runs on any thread.
let enqueueOnEventLoop: @convention(c) (UnsafeMutableRawPointer?) -> Void = { job in
    guard let job else { return }
    // An UnownedJob is the job pointer.
    let unowned = unsafeBitCast(job, to: UnownedJob.self)
    concurrencyEventLoop.executor.enqueue(ExecutorJob(unowned))
}

/// Which executor runs the calling task, in words, for the daemon's start-up line. True only when the task really
/// runs on `concurrencyEventLoop`'s thread; anything else (the hook not installed, another hook first, a job routed
/// elsewhere) means libdispatch's pool runs the tasks, and its 1 Hz pool monitor wakes the idle daemon every second.
func currentExecutorDescription() -> (onEventLoop: Bool, text: String) {
    if concurrencyEventLoop.inEventLoop {
        return (true, "SwiftNIO event loop (tasks), HTTP I/O on a separate event loop")
    }
    return (false, "libdispatch")
}
