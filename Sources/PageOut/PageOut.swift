import CShims
#if canImport(Glibc)
import Glibc
#endif

/// Unmaps the resident clean pages of the program's binary and of its shared libraries from the process with
/// `madvise(MADV_DONTNEED)`.
///
/// A static Swift binary's text and read-only data are clean, file-backed pages, and so are the text and read-only
/// data of glibc, libstdc++, libsystemd and the others it links. Until the kernel needs the memory it keeps them
/// mapped, so an idle daemon that ran a burst of code once shows all of it in RSS and PSS (`ps`, `systemctl status`)
/// though it holds none of it. Dropping the mappings after the burst makes those figures show what the daemon really
/// holds. The pages stay in the page cache (a library's, shared with every process that maps it, stay mapped there),
/// where the kernel reclaims them like any other cached file data; code that runs again takes a minor fault (a major
/// one, a file read, only once the kernel has evicted the page), measured in BENCHMARKS.md.
///
/// Why not `MADV_PAGEOUT` (Linux 5.4), which also evicts them from the page cache: the kernel pages out file pages only
/// for a process that owns the file or may open it for writing (a side-channel rule, `can_do_file_pageout` in
/// mm/madvise.c). The unit's dynamic user may do neither with a root-owned `/usr/bin/telemetryd`, so there
/// `MADV_PAGEOUT` returns 0 and changes nothing (measured under the real unit in nspawn: 20 MiB of text stayed).
/// `MADV_DONTNEED` has no such check. On a private file mapping it drops the process's copies of the pages, which is
/// only safe for pages the process never wrote: `ProcMaps.cleanFileMappings` selects exactly those, from what
/// `/proc/self/smaps` says each mapping holds (never a writable mapping, nor a read-only one holding a private copy,
/// such as the RELRO part relocated at start, whose pages would be lost).
///
/// An idle daemon that wakes often can keep the pages its wake needs: `presentPages(in:)` reads which pages of a
/// mapping this process maps now (`/proc/self/pagemap`), `lock(_:)` holds them (`mlock`, page-granular: the kernel
/// splits the mapping), and `advise(ranges:)` drops the rest around them (`AddressRanges.subtracting`), since
/// `MADV_DONTNEED` refuses a locked range with EINVAL.
///
/// Hand-written because no package does this: no Swift package reads smaps or pagemap or decides which of a
/// process's own pages may be dropped or should be held; what remains is a few Glibc calls (`madvise`, `mlock`,
/// `munlock`, `pread`) over those two parses.
public enum PageOut {
    public struct Result: Equatable, Sendable {
        /// Bytes of mappings advised (resident or not).
        public var bytes: Int
        public var mappings: Int
        /// errno of the first madvise(2) or read that failed, when one did (then the rest were not tried).
        public var errno: Int32?
    }

    /// MADV_DONTNEED (<sys/mman.h>; 4 on every Linux architecture but alpha, parisc and mips, which Swift does not
    /// target).
    static let adviceValue: Int32 = 4
    /// MADV_RANDOM (<sys/mman.h>; 1 on every Linux architecture).
    static let randomAccess: Int32 = 1

    /// The clean file mappings of this process (its binary's and its libraries'), from `/proc/self/smaps`. A caller
    /// that pages out often reads them once, after start-up, and passes them to `advise(_:)` each time: the binary's
    /// and the libraries' mappings stay as they are while the process runs (an upgrade replaces the file, not the
    /// mapping; libraries linked at start are never unloaded).
    public static func cleanMappings() -> Swift.Result<[MemoryMapping], ReadError> {
        readProcFile("/proc/self/smaps").map { ProcMaps.cleanFileMappings(ProcMaps.parseSmaps($0)) }
    }

    /// Those of `clean` (from `cleanMappings()`) that map this program's binary: its text and read-only data.
    public static func binaryMappings(_ clean: [MemoryMapping]) -> [MemoryMapping] {
        ProcMaps.mappingsOfFile(containing: ownCodeAddress(), in: clean)
    }

    /// `madvise(MADV_RANDOM)` on each of `mappings`: a page that has to be read back from the file is read alone, not
    /// with the read-around of a sequential reader. Code dropped after every wake comes back a page at a time, and
    /// once the kernel has evicted it (a machine that reclaims cold page cache early, as the benchmark VM does), each
    /// of the wake's few dozen faults would otherwise read `read_ahead_kb` around it (8 MiB there: milliseconds of
    /// CPU per wake, BENCHMARKS.md). Honoured by Debian 12's kernel; kernels since 6.16 ignore it for executable
    /// mappings (they read ahead within the mapping anyway), so there it helps the read-only data only. A hint:
    /// returns the errno of the first call that failed, and nothing else changes then.
    public static func readPagesAlone(_ mappings: [MemoryMapping]) -> Int32? {
        for m in mappings {
            guard let start = UnsafeMutableRawPointer(bitPattern: m.start) else { continue }
            if madvise(start, Int(m.size), randomAccess) != 0 { return errno }
        }
        return nil
    }

    /// `madvise(MADV_DONTNEED)` on each of `mappings`, which must be clean (as `cleanMappings()` selects them).
    public static func advise(_ mappings: [MemoryMapping]) -> Result {
        advise(ranges: mappings.map { $0.start..<$0.end })
    }

    /// `madvise(MADV_DONTNEED)` on each of `ranges`, which must lie in clean mappings and in none that is locked
    /// (`AddressRanges.subtracting` cuts the locked pages out). `Result.mappings` counts the ranges.
    public static func advise(ranges: [Range<UInt>]) -> Result {
        var result = Result(bytes: 0, mappings: 0, errno: nil)
        for r in ranges {
            guard let start = UnsafeMutableRawPointer(bitPattern: r.lowerBound) else { continue }
            if madvise(start, r.count, adviceValue) != 0 {
                result.errno = errno
                return result
            }
            result.bytes += r.count
            result.mappings += 1
        }
        return result
    }

    /// The present pages of `mappings` (`Pagemap`: mapped by this process now, not merely cached), read from
    /// `/proc/self/pagemap`, in address order.
    public static func presentPages(in mappings: [MemoryMapping]) -> Swift.Result<[Range<UInt>], ReadError> {
        let pageSize = UInt(sysconf(Int32(_SC_PAGESIZE)))
        guard pageSize > 0 else { return .failure(ReadError(code: EINVAL)) }
        let fd = open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return .failure(ReadError(code: errno)) }
        defer { close(fd) }
        var present: [Range<UInt>] = []
        for m in mappings {
            var entries = [UInt64](repeating: 0, count: Int(m.size / pageSize))
            let offset = off_t(m.start / pageSize) * off_t(Pagemap.entrySize)
            let failure = entries.withUnsafeMutableBytes { buffer -> Int32? in
                var done = 0
                while done < buffer.count {
                    let n = pread(fd, buffer.baseAddress.map { $0 + done }, buffer.count - done, offset + off_t(done))
                    if n < 0 {
                        if errno == EINTR { continue }
                        return errno
                    }
                    if n == 0 { return EIO }   // the mapping went away under us: not the daemon's own mappings
                    done += n
                }
                return nil
            }
            if let failure { return .failure(ReadError(code: failure)) }
            present += Pagemap.presentRanges(entries, start: m.start, pageSize: pageSize)
        }
        return .success(present)
    }

    /// `mlock` of each of `ranges` (page-aligned, mapped): their pages stay mapped and in memory, out of reach of
    /// reclaim, until `unlock(_:)`. On failure (RLIMIT_MEMLOCK: ENOMEM or EPERM; a system call filter) unlocks what
    /// it locked and returns the errno; nothing else changes then.
    public static func lock(_ ranges: [Range<UInt>]) -> Int32? {
        for (i, r) in ranges.enumerated() {
            if mlock(UnsafeRawPointer(bitPattern: r.lowerBound), r.count) != 0 {
                let code = errno
                _ = unlock(Array(ranges[..<i]))
                return code
            }
        }
        return nil
    }

    /// `munlock` of each of `ranges`; the errno of the first that failed, when one did (the rest are still tried).
    @discardableResult public static func unlock(_ ranges: [Range<UInt>]) -> Int32? {
        var failure: Int32?
        for r in ranges where munlock(UnsafeRawPointer(bitPattern: r.lowerBound), r.count) != 0 {
            failure = failure ?? errno
        }
        return failure
    }

    /// Gives the free pages of every malloc arena back to the kernel (`malloc_trim(0)`): after a burst of work, the
    /// buffers it freed. True when some were released.
    @discardableResult public static func trimHeap() -> Bool { telemetryd_malloc_trim() == 1 }

    /// An address inside this module's code, so inside the executable: SwiftPM links a package's modules into it in
    /// every build (the tests check that the selection holds the executable's text).
    static func ownCodeAddress() -> UInt {
        let f: @convention(c) () -> Void = {}
        return unsafeBitCast(f, to: UInt.self)
    }

    public struct ReadError: Error { public var code: Int32 }

    /// Reads a /proc file to the end (they report size 0, so no fstat-sized read).
    static func readProcFile(_ path: String) -> Swift.Result<String, ReadError> {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return .failure(ReadError(code: errno)) }
        defer { close(fd) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 16_384)
        while true {
            let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                return .failure(ReadError(code: errno))
            }
            if n == 0 { break }
            bytes.append(contentsOf: chunk[0..<n])
        }
        return .success(String(decoding: bytes, as: UTF8.self))
    }
}
