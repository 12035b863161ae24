#if canImport(Glibc)
import Glibc
#endif
import Synchronization

/// SIGTERM, SIGINT and SIGHUP for `telemetryd run`, taken synchronously with sigwait(2) on the main thread.
///
/// Hand-written instead of swift-service-lifecycle's UnixSignalsSequence because that one is built on libdispatch
/// signal sources, and the first signal delivered through libdispatch starts its worker-pool monitor, which then
/// wakes the process every second for good (BENCHMARKS.md). A thread blocked in sigwait(2) costs no wakeups.
enum SignalThread {
    static let signals: [Int32] = [SIGTERM, SIGINT, SIGHUP]
    private static let handler = Mutex<(@Sendable (Int32) -> Void)?>(nil)

    static func signalSet() -> sigset_t {
        var set = sigset_t()
        sigemptyset(&set)
        for s in signals { sigaddset(&set, s) }
        return set
    }

    /// Blocks the signals in the calling thread (and so in every thread it starts later).
    static func blockDaemonSignals() {
        var set = signalSet()
        pthread_sigmask(SIG_BLOCK, &set, nil)
    }

    /// Sets what a signal does from now on (called once the daemon exists).
    static func onSignal(_ body: @escaping @Sendable (Int32) -> Void) {
        handler.withLock { $0 = body }
    }

    /// The main thread's loop. Before the daemon has set a handler, SIGTERM/SIGINT end the process at once (nothing
    /// is in flight yet) and SIGHUP is dropped (the configuration is being read anyway).
    static func takeSignalsForever() -> Never {
        var set = signalSet()
        while true {
            var signal: Int32 = 0
            guard sigwait(&set, &signal) == 0 else { continue }
            if let body = handler.withLock({ $0 }) {
                body(signal)
            } else if signal != SIGHUP {
                exit(0)
            }
        }
    }
}
