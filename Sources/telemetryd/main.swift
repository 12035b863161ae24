import CRunSignals
import CommandLineSupport
import NIOCore
#if canImport(Glibc)
import Glibc
#endif

// Entry point. No async main and no libdispatch main queue: an async main parks the main thread in libdispatch's
// sigsuspend with every signal unblocked (so SIGHUP would kill the daemon), and libdispatch's worker pool would
// wake an idle daemon every second (BENCHMARKS.md, "Wakeups and CPU").
let isRun = CommandLine.arguments.dropFirst().first == "run"
// `run`: SIGTERM, SIGINT and SIGHUP are blocked in every thread by a C constructor before main (CRunSignals), and the
// main thread takes them with sigwait(2) below.
if isRun, telemetryd_run_signals_blocked() == 0 {
    SignalThread.blockDaemonSignals()
}
// Swift Concurrency runs on SwiftNIO's event loops instead of libdispatch's pool, whose monitor would wake the idle
// daemon every second (see IdleTimer and BENCHMARKS.md). Must come before the first task is created. NIO's own
// `unsafeTryInstallSingletonPosixEventLoopGroupAsConcurrencyGlobalExecutor()` finds the runtime's hook with dlsym,
// which a --static-swift-stdlib binary hides, so the hook is set through a direct reference (CRunSignals).
// False when another hook was there first: then libdispatch runs the tasks, correctly but with its wakeups.
let concurrencyOnEventLoops = telemetryd_install_enqueue_hook(enqueueOnEventLoop) == 1
// The tasks run on a loop of their own (EventLoopExecutor.swift); AsyncHTTPClient's I/O, one connection at a time,
// needs a single loop of SwiftNIO's singleton group, not one per core. Set once, before anything uses the group.
NIOSingletons.groupLoopCountSuggestion = 1

// The command runs on the event loops and ends the process with its exit code (Entry.main calls exit(3)).
Task.detached { await CommandEntry.run(Telemetryd.self, name: "telemetryd") }

if isRun {
    SignalThread.takeSignalsForever()
} else {
    while true { pause() }
}
