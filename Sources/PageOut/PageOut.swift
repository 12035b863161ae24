#if canImport(Glibc)
import Glibc
#endif

/// Unmaps the resident pages of the program's own binary from the process with `madvise(MADV_DONTNEED)`.
///
/// A static Swift binary's text and read-only data are clean, file-backed pages. Until the kernel needs the memory it
/// keeps them mapped, so an idle daemon that ran a burst of code once shows all of it in RSS and PSS (`ps`,
/// `systemctl status`) though it holds none of it. Dropping the mappings after the burst makes those figures show
/// what the daemon really holds. The pages stay in the page cache, where the kernel reclaims them like any other
/// cached file data; code that runs again takes a minor fault (a major one, a file read, only once the kernel has
/// evicted the page), measured in BENCHMARKS.md.
///
/// Why not `MADV_PAGEOUT` (Linux 5.4), which also evicts them from the page cache: the kernel pages out file pages only
/// for a process that owns the file or may open it for writing (a side-channel rule, `can_do_file_pageout` in
/// mm/madvise.c). The unit's dynamic user may do neither with a root-owned `/usr/bin/telemetryd`, so there
/// `MADV_PAGEOUT` returns 0 and changes nothing (measured under the real unit in nspawn: 20 MiB of text stayed).
/// `MADV_DONTNEED` has no such check. On a private file mapping it drops the process's copies of the pages, which is
/// only safe for pages the process never wrote: `ProcMaps.cleanMappings` selects exactly those (never a writable or
/// RELRO mapping, whose relocated pages would be lost). Shared libraries are left alone.
/// Hand-written because no package does this: one system call over a parse of `/proc/self/maps`.
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

    /// Unmaps the clean mappings of this program's own executable (see `ProcMaps.cleanMappings`).
    public static func ownBinary() -> Result {
        let maps: [MemoryMapping]
        switch readProcFile("/proc/self/maps") {
        case .success(let text): maps = ProcMaps.parse(text)
        case .failure(let e): return Result(bytes: 0, mappings: 0, errno: e.code)
        }
        let mappings = ProcMaps.cleanMappings(ofFileContaining: ownCodeAddress(), in: maps)
        var result = Result(bytes: 0, mappings: 0, errno: nil)
        for m in mappings {
            guard let start = UnsafeMutableRawPointer(bitPattern: m.start) else { continue }
            if madvise(start, Int(m.size), adviceValue) != 0 {
                result.errno = errno
                return result
            }
            result.bytes += Int(m.size)
            result.mappings += 1
        }
        return result
    }

    /// An address inside this module's code, so inside the executable: SwiftPM links a package's modules into it in
    /// every build. (A debug build's Swift runtime is a shared library and is not paged out; the release build links
    /// it statically, so there it is.)
    static func ownCodeAddress() -> UInt {
        let f: @convention(c) () -> Void = {}
        return unsafeBitCast(f, to: UInt.self)
    }

    struct ReadError: Error { var code: Int32 }

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
