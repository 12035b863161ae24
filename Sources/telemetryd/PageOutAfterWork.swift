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
/// The idle wake's own pages of the binary stay locked (`mlock`) between wakes: the second idle wake after a page-out
/// after work (the first one's page-out drops what the work's page-out mapped on its way back, such as its debug
/// message) maps what it needs, its page-out reads which pages of the binary's text and read-only data are present
/// (`/proc/self/pagemap`), locks exactly those (about 2 MiB in the release build: each of the wake's 30 faults mapped its 64 KiB window) and from then on advises only around them. Dropped
/// every wake, those pages came back as faults every wake, and on a machine that evicts page cache idle for a minute
/// (the benchmark VM) some of them as major faults, each reading megabytes ahead: most of an idle day's CPU
/// (BENCHMARKS.md). Locked, they are neither unmapped nor evicted. The page-out after work unlocks them and drops
/// everything, and the second idle wake after it learns again, so no code of the work stays locked. The libraries are paged out
/// as before (shared, so cached by other processes: their faults are minor). Locking that fails (RLIMIT_MEMLOCK, a
/// system call filter) or a pagemap that cannot be read is logged once at debug level; the page-outs then drop
/// everything as before.
///
/// When madvise fails (a system call filter returning an errno) it is logged once at debug level and not tried again.
final class PageOutAfterWork: Sendable {
    /// What the idle page-out does with the pages of the binary that the idle wake needs.
    private enum WakePages {
        /// Nothing locked, and the next idle wake learns nothing: before the first page-out after work (what is
        /// mapped then is start-up's, not a wake's), or after a learning wake that mapped more than an idle wake's.
        /// The next page-out after work arms the learning.
        case notLearned
        /// The page-out after work dropped everything; the next idle wake's page-out drops everything again (what
        /// was mapped after the page-out after work, its debug message, is not an idle wake's).
        case learnAtSecondIdleWake
        /// The next idle wake's page-out locks what the previous one left mapped and the wake mapped.
        case learnAtNextIdleWake
        /// `locked` are locked; the idle page-out advises `around`, the clean mappings without them.
        case locked(locked: [Range<UInt>], around: [Range<UInt>])
        /// Locking or reading the pagemap failed once: every page-out drops everything.
        case unavailable
    }

    private struct State {
        var pending: Scheduled<Void>?
        var disabled = false
        /// The clean mappings of the binary and its libraries, read at the first page-out.
        var mappings: [MemoryMapping]?
        var wakePages = WakePages.notLearned
    }

    /// More present pages than this at the learning wake are not an idle wake's (it ran something else): not locked,
    /// and learnt again only after the next work. An idle wake of the release build maps about 2 MiB (30 faults, each
    /// mapping its 64 KiB window), of the debug build 4.2 MiB; RLIMIT_MEMLOCK is 8 MiB by default.
    private static let lockedBytesAtMost: UInt = 6 << 20
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
        let (cached, wakePages) = state.withLock { s -> ([MemoryMapping]?, WakePages) in
            if !quiet { s.pending = nil }   // this is the pending page-out after work
            return (s.mappings, s.wakePages)
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
        let result: PageOut.Result
        if quiet {
            switch wakePages {
            case .locked(_, let around): result = PageOut.advise(ranges: around)
            case .learnAtNextIdleWake: result = lockWakePages(mappings)
            case .learnAtSecondIdleWake:
                state.withLock { $0.wakePages = .learnAtNextIdleWake }
                result = PageOut.advise(mappings)
            case .notLearned, .unavailable: result = PageOut.advise(mappings)
            }
        } else {
            // After work, also the heap's free pages (a burst's buffers are freed by now); the idle wake frees nothing.
            PageOut.trimHeap()
            result = unlockAndAdvise(mappings, wakePages)
        }
        if let code = result.errno {
            disable(errno: code, what: "madvise(MADV_DONTNEED) of the clean pages of the binary and its libraries")
        } else if !quiet {
            logger.debug("Paged out the binary's clean pages and its libraries': \(result.mappings) mappings, \(result.bytes / 1024) KiB mapped")
        }
    }

    /// The previous idle wake's page-out dropped everything: lock the binary's pages mapped since (this wake's and the
    /// previous page-out's way back to sleep, which every idle page-out takes again), then advise around them.
    private func lockWakePages(_ mappings: [MemoryMapping]) -> PageOut.Result {
        switch PageOut.presentPages(in: PageOut.binaryMappings(mappings)) {
        case .failure(let e):
            state.withLock { $0.wakePages = .unavailable }
            logger.debug("Reading /proc/self/pagemap failed (errno \(e.code)); not trying again, so every idle wake maps the binary's pages it needs back, as faults")
        case .success(let present):
            let bytes = AddressRanges.bytes(present)
            guard !present.isEmpty, bytes <= Self.lockedBytesAtMost else {
                state.withLock { $0.wakePages = .notLearned }
                logger.debug("The idle wake mapped \(bytes / 1024) KiB of the binary, more than an idle wake needs: not locked, learning again after the next work")
                break
            }
            if let code = PageOut.lock(present) {
                state.withLock { $0.wakePages = .unavailable }
                logger.debug("mlock of the idle wake's \(bytes / 1024) KiB of the binary failed (errno \(code)); not trying again, so every idle wake maps those pages back, as faults (LimitMEMLOCK= in the unit raises the limit)")
                break
            }
            let around = AddressRanges.subtracting(present, from: mappings.map { $0.start..<$0.end })
            state.withLock { $0.wakePages = .locked(locked: present, around: around) }
            logger.debug("Locked the idle wake's pages of the binary: \(bytes / 1024) KiB in \(present.count) ranges")
            return PageOut.advise(ranges: around)
        }
        return PageOut.advise(mappings)
    }

    /// After work: unlock the idle wake's pages, so that none of the work's stay locked, drop everything, and learn
    /// again at the second idle wake. Should the unlock fail, the pages stay locked and the page-outs advise around them.
    private func unlockAndAdvise(_ mappings: [MemoryMapping], _ wakePages: WakePages) -> PageOut.Result {
        switch wakePages {
        case .unavailable:
            return PageOut.advise(mappings)
        case .notLearned, .learnAtSecondIdleWake, .learnAtNextIdleWake:
            state.withLock { $0.wakePages = .learnAtSecondIdleWake }
            return PageOut.advise(mappings)
        case .locked(let locked, let around):
            if let code = PageOut.unlock(locked) {
                // Some may still be locked: keep them and advise around all of them; the next work tries again.
                logger.debug("munlock of the idle wake's pages of the binary failed (errno \(code)); they stay locked until the next page-out after work")
                return PageOut.advise(ranges: around)
            }
            state.withLock { $0.wakePages = .learnAtSecondIdleWake }
            return PageOut.advise(mappings)
        }
    }

    private func disable(errno code: Int32, what: String) {
        state.withLock { $0.disabled = true }
        logger.debug("\(what) failed (errno \(code)); not trying again, so idle RSS includes the resident text of the binary and its libraries")
    }
}
