#if canImport(Glibc)
import Glibc
#endif
import FileSupport

/// Small POSIX file helpers. Written against Glibc directly rather than FileManager because they must give
/// the durability guarantees (fsync of file and directory) that FileManager does not promise, and stay
/// allocation-light on the daemon's hot path.
public enum AtomicFile {
    /// Writes `bytes` to `path` so that a crash at any moment leaves either the old or the new content:
    /// temp file in the same directory, write, fsync, rename over, fsync the directory. The file gets exactly `mode`
    /// (whatever the umask) and, run as root, the directory's owner (see `giveToDirectoryOwner`). The one atomic
    /// writer of the project: state, identity, spool, sent log and the CLI's drop-in all go through it.
    public static func write(_ bytes: some Collection<UInt8>, to path: String, mode: mode_t = 0o600) throws(FileError) {
        let dir = directory(of: path)
        let tmp = "\(path).tmp.\(getpid())"
        let fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, mode)
        guard fd >= 0 else { throw FileError("create", tmp, errno: errno) }
        var isOpen = true
        var renamed = false
        defer {
            if isOpen { close(fd) }
            if !renamed { unlink(tmp) }
        }
        let array = Array(bytes)
        var written = 0
        while written < array.count {
            let n = array.withUnsafeBytes { buf in
                Glibc.write(fd, buf.baseAddress.map { $0 + written }, array.count - written)
            }
            if n < 0 {
                if errno == EINTR { continue }
                throw FileError("write", tmp, errno: errno)
            }
            written += n
        }
        giveToDirectoryOwner(fd, directory: dir)
        guard fchmod(fd, mode) == 0 else { throw FileError("chmod", tmp, errno: errno) }
        guard fsync(fd) == 0 else { throw FileError("fsync", tmp, errno: errno) }
        isOpen = false
        guard close(fd) == 0 else { throw FileError("close", tmp, errno: errno) }
        guard rename(tmp, path) == 0 else { throw FileError("rename", path, errno: errno) }
        renamed = true
        syncDirectory(dir)
    }

    /// Run as root (`telemetryd send` by an administrator), gives a file the daemon will read the owner of its
    /// directory, as systemd-timesyncd does for its clock file: under `DynamicUser=yes` the state directory belongs
    /// to the daemon's user, and a root-owned 0600 file there is one the daemon can no longer read. Does nothing
    /// for other users or a root-owned directory; a failure only means the file stays root's.
    public static func giveToDirectoryOwner(_ fd: Int32, directory: String) {
        guard geteuid() == 0 else { return }
        var st = stat()
        guard stat(directory, &st) == 0, st.st_uid != 0 else { return }
        _ = fchown(fd, st.st_uid, st.st_gid)
    }

    /// Opens (creating as needed) a lock file beside the state it guards, owned like `write` leaves files.
    public static func openLockFile(_ path: String) throws(FileError) -> Int32 {
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0o600)
        guard fd >= 0 else { throw FileError("open", path, errno: errno) }
        giveToDirectoryOwner(fd, directory: directory(of: path))
        return fd
    }

    /// Whether a new file can be created in `directory` (made and removed at once): the daemon checks this before
    /// READY=1, so an unwritable state directory is reported at start, not at the first report.
    public static func probeWritable(_ directory: String) throws(FileError) {
        let probe = "\(directory)/.probe.\(getpid())"
        let fd = open(probe, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0o600)
        guard fd >= 0 else { throw FileError("create", probe, errno: errno) }
        close(fd)
        unlink(probe)
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
            if mkdir(current, mode) == 0 {
                let fd = open(current, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
                if fd >= 0 { giveToDirectoryOwner(fd, directory: directory(of: current)); close(fd) }
            } else if errno != EEXIST {
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
