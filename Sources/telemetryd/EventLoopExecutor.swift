import NIOCore
import NIOPosix

/// Swift Concurrency's global-enqueue hook target (installed in main.swift): runs every job on SwiftNIO's singleton
/// event loops, as NIO's `unsafeTryInstallSingletonPosixEventLoopGroupAsConcurrencyGlobalExecutor()` does, minus its
/// dlsym lookup that a --static-swift-stdlib binary defeats. Not in main.swift, whose top-level code is
/// main-actor isolated: this runs on any thread.
let enqueueOnEventLoop: @convention(c) (UnsafeMutableRawPointer?) -> Void = { job in
    guard let job else { return }
    // An UnownedJob is the job pointer. `any()` prefers the calling event loop, so a task that resumes on a loop
    // stays there without a thread switch.
    let unowned = unsafeBitCast(job, to: UnownedJob.self)
    MultiThreadedEventLoopGroup.singleton.any().executor.enqueue(ExecutorJob(unowned))
}
