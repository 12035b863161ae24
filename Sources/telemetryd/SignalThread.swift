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
    private static let handler = Mutex<Handler?>(nil)

    /// The handler in a struct of its own, not as a bare closure in the generic `Mutex`: read out through `withLock`'s
    /// `inout`, a bare closure comes back wrapped in reabstraction thunks and is stored again wrapped, so each signal
    /// would add a layer and run every earlier one (measured: 48 KB more stack after 1,000 reads, release build; the
    /// collector's accept gate had the same bug at one wrap per request). A struct's field has one representation.
    private struct Handler: Sendable {
        let body: @Sendable (Int32) -> Void
    }

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
        handler.withLock { $0 = Handler(body: body) }
    }

    /// The main thread's loop. Before the daemon has set a handler, SIGTERM/SIGINT end the process at once (nothing
    /// is in flight yet) and SIGHUP is dropped (the configuration is being read anyway).
    static func takeSignalsForever() -> Never {
        var set = signalSet()
        while true {
            var signal: Int32 = 0
            guard sigwait(&set, &signal) == 0 else { continue }
            if let handler = handler.withLock({ $0 }) {
                handler.body(signal)
            } else if signal != SIGHUP {
                exit(0)
            }
        }
    }
}
