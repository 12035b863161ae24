#if canImport(Glibc)
import Glibc
#endif

/// Gives the kernel back the resident pages of the program's own binary with `madvise(MADV_PAGEOUT)` (Linux 5.4).
///
/// A static Swift binary's text and read-only data are clean, file-backed pages: the kernel can drop them and read them
/// back from the file when touched again. Until it needs the memory it keeps them mapped, so an idle daemon that ran
/// a burst of code once shows all of it in RSS and PSS (`ps`, `systemctl status`) though it holds none of it. Paging
/// them out after the burst makes those figures show what the daemon really holds; the cost is a major fault (a read
/// of the file) for each page touched again, measured in BENCHMARKS.md. Shared libraries are left alone: their pages
/// are shared with other processes (the kernel would skip them anyway). Hand-written because no package does this:
/// it is one system call over a parse of `/proc/self/maps`.
public enum PageOut {
    public struct Result: Equatable, Sendable {
        /// Bytes of mappings advised (resident or not).
        public var bytes: Int
        public var mappings: Int
        /// errno of the first madvise(2) or read that failed, when one did (then the rest were not tried).
        public var errno: Int32?
    }

    /// MADV_PAGEOUT from <linux/mman.h>, spelled out for C libraries whose headers predate it.
    static let adviceValue: Int32 = 21

    /// Pages out the clean mappings of this program's own executable (see `ProcMaps.cleanMappings`).
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
