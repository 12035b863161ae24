#if canImport(Glibc)
import Glibc
#endif
import FileSupport

/// Bounded, non-blocking reads of small kernel and configuration files below a root directory.
public struct ProbeFiles: Sendable {
    /// Every file read is capped here: `/proc/cpuinfo` of a 256-CPU host is about 400 KiB.
    public static let readCap = 1 << 20

    public let root: String

    public init(root: String) {
        self.root = root
    }

    /// `relative` (no leading slash) under the root.
    public func path(_ relative: String) -> String {
        if root.isEmpty || root == "/" { return "/" + relative }
        return root.hasSuffix("/") ? root + relative : root + "/" + relative
    }

    /// Why a read gave nothing, for the debug log.
    public enum Failure: Error, Sendable, Equatable, CustomStringConvertible {
        case open(errno: Int32)
        case notRegularFile
        case read(errno: Int32)

        public var description: String {
            switch self {
            case .open(let e): return "cannot open: \(String(cString: strerror(e)))"
            case .notRegularFile: return "not a regular file"
            case .read(let e): return "cannot read: \(String(cString: strerror(e)))"
            }
        }
    }

    /// The first `cap` bytes of a regular file (procfs and sysfs files are regular, with size 0).
    /// FIFOs, devices and directories are refused so a planted file can neither block nor stream forever.
    public func read(_ relative: String, cap: Int = ProbeFiles.readCap) -> Result<[UInt8], Failure> {
        let full = path(relative)
        let fd = open(full, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY)
        guard fd >= 0 else { return .failure(.open(errno: errno)) }
        defer { close(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0, (st.st_mode & S_IFMT) == S_IFREG else { return .failure(.notRegularFile) }
        var out: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 16384)
        while out.count < cap {
            let want = min(chunk.count, cap - out.count)
            let n = chunk.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, want) }
            if n < 0 {
                if errno == EINTR { continue }
                if errno == EAGAIN && !out.isEmpty { break }
                return .failure(.read(errno: errno))
            }
            if n == 0 { break }
            out.append(contentsOf: chunk[0..<n])
        }
        return .success(out)
    }

    /// Whether anything exists at `relative` (a marker like `/.dockerenv`), without reading it.
    public func exists(_ relative: String) -> Bool {
        access(path(relative), F_OK) == 0
    }

    /// Whether `relative` is a directory.
    public func isDirectory(_ relative: String) -> Bool {
        var st = stat()
        return stat(path(relative), &st) == 0 && (st.st_mode & S_IFMT) == S_IFDIR
    }

    /// Names in a directory (without `.` and `..`), at most `limit`; empty when it cannot be listed.
    public func list(_ relative: String, limit: Int = 4096) -> [String] {
        Directory.names(path(relative), limit: limit)
    }
}

/// Executes CPUID. Injected so tests can play a hypervisor; by default real CPUID on the live root only.
public struct CPUIDReader: Sendable {
    public typealias Registers = (eax: UInt32, ebx: UInt32, ecx: UInt32, edx: UInt32)
    private let body: @Sendable (UInt32, UInt32) -> Registers?

    public init(_ body: @escaping @Sendable (_ leaf: UInt32, _ subleaf: UInt32) -> Registers?) {
        self.body = body
    }

    /// Registers for `leaf`/`subleaf`, nil where the CPU has no CPUID (not x86).
    public func callAsFunction(_ leaf: UInt32, _ subleaf: UInt32 = 0) -> Registers? {
        body(leaf, subleaf)
    }

    /// No CPUID: fixture roots and non-x86 machines.
    public static let unavailable = CPUIDReader { _, _ in nil }
}

/// CPUID leaf 0x40000000's 12-byte vendor signature (EBX, ECX, EDX little-endian), trailing NULs dropped.
public func cpuidSignature(ebx: UInt32, ecx: UInt32, edx: UInt32) -> String {
    var bytes: [UInt8] = []
    for reg in [ebx, ecx, edx] {
        for shift in stride(from: 0, to: 32, by: 8) { bytes.append(UInt8(truncatingIfNeeded: reg >> UInt32(shift))) }
    }
    let text = bytes.prefix(while: { $0 != 0 })
    return String(decoding: text, as: UTF8.self)
}
