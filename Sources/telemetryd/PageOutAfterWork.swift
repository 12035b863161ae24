import Logging
import NIOCore
import PageOut
import Synchronization

/// Drops the clean pages of the binary and its libraries from the process (`PageOut`) once work has settled: after
/// READY=1 and each delivery (the spool changing, a send finishing), and at the end of every idle wake.
///
/// After work, each `workDone()` pushes the page-out back by `settle`, so a burst of reports is followed by one
/// page-out, not one per report. It runs as a timer on the tasks event loop, never on the HTTP I/O loop.
///
/// After an idle wake (`idleWakeDone()`, from the daemon loop: the watchdog ping and nothing else) it runs in the same
/// wake, so it costs no wake of its own, as the loop's next job: after the daemon's task has gone back to sleep, so
/// the code left mapped until the next wake is only the event loop's way back into `epoll_wait`. That wake is slim
/// (BENCHMARKS.md, "RSS"), and with the unit's WatchdogSec=10min it comes every five minutes: mapping its pages back
/// costs a few dozen minor faults each time, against several MiB kept resident otherwise. The mappings are read from
/// `/proc/self/smaps` at the first page-out and kept (they do not change), so the idle page-out is the madvise calls
/// alone; nothing is logged for it.
///
/// When madvise fails (a system call filter returning an errno) it is logged once at debug level and not tried again.
final class PageOutAfterWork: Sendable {
    private struct State {
        var pending: Scheduled<Void>?
        var disabled = false
        /// The clean mappings of the binary and its libraries, read at the first page-out.
        var mappings: [MemoryMapping]?
    }
    private let state = Mutex(State())
    private let loop: any EventLoop
    private let settle: TimeAmount
    private let logger: Logger

    init(loop: any EventLoop, settle: TimeAmount = .seconds(2), logger: Logger) {
        self.loop = loop
        self.settle = settle
        self.logger = logger
    }

    func workDone() {
        let previous = state.withLock { s -> Scheduled<Void>? in
            if s.disabled { return nil }
            defer {
                s.pending = loop.scheduleTask(in: settle) { [self] in pageOut(quiet: false) }
            }
            return s.pending
        }
        previous?.cancel()
    }

    /// The daemon loop's idle wake is over: page out once its task sleeps again, unless a page-out after work is
    /// pending anyway.
    func idleWakeDone() {
        let skip = state.withLock { $0.disabled || $0.pending != nil }
        if !skip { loop.execute { [self] in pageOut(quiet: true) } }
    }

    private func pageOut(quiet: Bool) {
        let cached = state.withLock { s -> [MemoryMapping]? in
            if !quiet { s.pending = nil }   // this is the pending page-out after work
            return s.mappings
        }
        let mappings: [MemoryMapping]
        if let cached {
            mappings = cached
        } else {
            switch PageOut.cleanMappings() {
            case .success(let m): mappings = m
            case .failure(let e):
                disable(errno: e.code, what: "reading /proc/self/smaps")
                return
            }
            state.withLock { $0.mappings = mappings }
            // Once: what is dropped comes back a page at a time, without read-around (a hint; failing changes nothing).
            if let code = PageOut.readPagesAlone(mappings) {
                logger.debug("madvise(MADV_RANDOM) of the binary's and libraries' clean mappings failed (errno \(code)); pages read back after a page-out come with read-around")
            }
        }
        // After work, also the heap's free pages (a burst's buffers are freed by now); the idle wake frees nothing.
        if !quiet { PageOut.trimHeap() }
        let result = PageOut.advise(mappings)
        if let code = result.errno {
            disable(errno: code, what: "madvise(MADV_DONTNEED) of the clean pages of the binary and its libraries")
        } else if !quiet {
            logger.debug("Paged out the binary's clean pages and its libraries': \(result.mappings) mappings, \(result.bytes / 1024) KiB mapped")
        }
    }

    private func disable(errno code: Int32, what: String) {
        state.withLock { $0.disabled = true }
        logger.debug("\(what) failed (errno \(code)); not trying again, so idle RSS includes the resident text of the binary and its libraries")
    }
}
