import Logging
import NIOCore
import PageOut
import Synchronization

/// Drops the binary's own clean pages from the process (`PageOut.ownBinary()`) once a burst of work has settled: after READY=1 and
/// after each delivery (the spool changing, a send finishing). Each `workDone()` pushes the page-out back by `settle`,
/// so a burst of reports is followed by one page-out, not one per report. It runs as a timer on the tasks event loop,
/// never on the HTTP I/O loop.
///
/// Not after the once-a-minute idle wake (watchdog ping, `STATUS=` countdown): that wake touches about 4 MiB of text
/// again each minute, so dropping it every minute would only trade RSS for faults (BENCHMARKS.md, "RSS").
/// When madvise fails (a system call filter returning an errno) it is logged once at debug level and not tried again.
final class PageOutAfterWork: Sendable {
    private struct State {
        var pending: Scheduled<Void>?
        var disabled = false
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
                s.pending = loop.scheduleTask(in: settle) { [self] in pageOut() }
            }
            return s.pending
        }
        previous?.cancel()
    }

    private func pageOut() {
        let result = PageOut.ownBinary()
        if let code = result.errno {
            state.withLock { $0.disabled = true }
            logger.debug("madvise(MADV_DONTNEED) of the binary's own pages failed (errno \(code)); not trying again, so idle RSS includes the binary's resident text")
        } else {
            logger.debug("Paged out the binary's clean pages: \(result.mappings) mappings, \(result.bytes / 1024) KiB mapped")
        }
    }
}
