import CRunSignals
#if canImport(Glibc)
import Glibc
#endif
import NIOCore
import NIOPosix

// Entry point. No async main and no libdispatch main queue: an async main parks the main thread in libdispatch's
// sigsuspend with every signal unblocked (so SIGHUP would kill the daemon), and libdispatch's worker pool would
// wake an idle daemon every second (BENCHMARKS.md, "Wakeups and CPU").
let isRun = CommandLine.arguments.dropFirst().first == "run"
// `run`: SIGTERM, SIGINT and SIGHUP are blocked in every thread by a C constructor before main (CRunSignals), and the
// main thread takes them with sigwait(2) below.
if isRun, telemetryd_run_signals_blocked() == 0 {
    SignalThread.blockDaemonSignals()
}
// Swift Concurrency runs on SwiftNIO's event loops (see IdleTimer). Must come before the first task is created.
_ = NIOSingletons.unsafeTryInstallSingletonPosixEventLoopGroupAsConcurrencyGlobalExecutor()

// The command runs on the event loops and ends the process with its exit code (Entry.main calls exit(3)).
Task.detached { await Entry.main() }

if isRun {
    SignalThread.takeSignalsForever()
} else {
    while true { pause() }
}
