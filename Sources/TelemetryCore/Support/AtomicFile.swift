#if canImport(Glibc)
import Glibc
#endif

/// A failed file operation: what, where, and the errno text.
public struct FileError: Error, Sendable, Equatable, CustomStringConvertible {
    public var operation: String
    public var path: String
    public var errno: Int32

    public init(_ operation: String, _ path: String, errno: Int32) {
        self.operation = operation
        self.path = path
        self.errno = errno
    }

    public var description: String {
        "\(operation) \(path): \(String(cString: strerror(errno)))"
    }
}

/// Small POSIX file helpers. Written against Glibc directly rather than FileManager because they must give
/// the durability guarantees (fsync of file and directory) that FileManager does not promise, and stay
/// allocation-light on the daemon's hot path.
public enum AtomicFile {
    /// Writes `bytes` to `path` so that a crash at any moment leaves either the old or the new content:
    /// temp file in the same directory, write, fsync, rename over, fsync the directory.
    public static func write(_ bytes: some Collection<UInt8>, to path: String, mode: mode_t = 0o600) throws(FileError) {
        let dir = directory(of: path)
        let tmp = "\(path).tmp.\(getpid())"
        let fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, mode)
        guard fd >= 0 else { throw FileError("create", tmp, errno: errno) }
        let array = Array(bytes)
        var written = 0
        while written < array.count {
            let n = array.withUnsafeBytes { buf in
                Glibc.write(fd, buf.baseAddress.map { $0 + written }, array.count - written)
            }
            if n < 0 {
                if errno == EINTR { continue }
                let e = errno
                close(fd)
                unlink(tmp)
                throw FileError("write", tmp, errno: e)
            }
            written += n
        }
        if fsync(fd) != 0 {
            let e = errno
            close(fd)
            unlink(tmp)
            throw FileError("fsync", tmp, errno: e)
        }
        close(fd)
        if rename(tmp, path) != 0 {
            let e = errno
            unlink(tmp)
            throw FileError("rename", path, errno: e)
        }
        syncDirectory(dir)
    }

    /// Reads a whole file; nil when it does not exist. Bounded to `limit` bytes so a planted huge file costs nothing.
    public static func read(_ path: String, limit: Int = 1 << 20) throws(FileError) -> [UInt8]? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else {
            if errno == ENOENT { return nil }
            throw FileError("open", path, errno: errno)
        }
        defer { close(fd) }
        var out: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        while out.count < limit {
            let n = chunk.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, min($0.count, limit - out.count)) }
            if n < 0 {
                if errno == EINTR { continue }
                throw FileError("read", path, errno: errno)
            }
            if n == 0 { break }
            out.append(contentsOf: chunk[0..<n])
        }
        return out
    }

    /// Creates `path` and its parents as needed (like `mkdir -p`).
    public static func makeDirectory(_ path: String, mode: mode_t = 0o700) throws(FileError) {
        var current = path.hasPrefix("/") ? "" : "."
        for part in path.split(separator: "/") {
            current += "/" + part
            if mkdir(current, mode) != 0 && errno != EEXIST {
                throw FileError("mkdir", current, errno: errno)
            }
        }
        var st = stat()
        guard stat(path, &st) == 0 else { throw FileError("stat", path, errno: errno) }
        guard (st.st_mode & S_IFMT) == S_IFDIR else { throw FileError("mkdir", path, errno: ENOTDIR) }
    }

    public static func remove(_ path: String) throws(FileError) {
        if unlink(path) != 0 && errno != ENOENT { throw FileError("unlink", path, errno: errno) }
    }

    public static func directory(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        return slash == path.startIndex ? "/" : String(path[..<slash])
    }

    static func syncDirectory(_ dir: String) {
        let dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if dfd >= 0 {
            _ = fsync(dfd)
            close(dfd)
        }
    }
}
