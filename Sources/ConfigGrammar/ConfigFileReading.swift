// Reading one configuration file and listing a drop-in directory (the only I/O of the configuration grammar).

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import FileSupport

extension ConfigFileSet {
    /// Largest configuration file read; anything bigger is not a configuration file.
    public static let maximumFileSize = 1 << 20

    package static func directoryName(_ path: String) -> String {
        var p = Substring(path)
        while p.count > 1 && p.hasSuffix("/") { p = p.dropLast() }
        guard let slash = p.lastIndex(of: "/") else { return "." }
        var dir = p[..<slash]
        while dir.count > 1 && dir.hasSuffix("/") { dir = dir.dropLast() }
        return dir.isEmpty ? "/" : String(dir)
    }

    package static func errnoText(_ e: Int32) -> String { String(cString: strerror(e)) }

    package static func fileError(_ path: String, _ what: String, _ e: Int32) -> ConfigError {
        var message = "\(path): \(what): \(errnoText(e))"
        if e == EACCES || e == EPERM || e == EROFS { message += " (run as root?)" }
        return ConfigError(location: nil, key: nil, message: message)
    }

    private static func isDevNull(_ st: stat) -> Bool {
        var null = stat()
        guard stat("/dev/null", &null) == 0 else { return false }
        return (st.st_mode & S_IFMT) == S_IFCHR && st.st_rdev == null.st_rdev
    }

    /// The file's bytes; nil when it does not exist. /dev/null (a masking symlink) reads as empty.
    package static func readFile(_ path: String) throws(ConfigError) -> [UInt8]? {
        let fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK)
        if fd < 0 {
            let e = errno
            if e == ENOENT || e == ENOTDIR { return nil }
            throw fileError(path, "cannot open", e)
        }
        defer { close(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0 else { throw fileError(path, "cannot stat", errno) }
        switch st.st_mode & S_IFMT {
        case S_IFREG: break
        case S_IFDIR: throw ConfigError(location: nil, key: nil, message: "\(path): is a directory, expected a configuration file")
        default:
            if isDevNull(st) { return [] }
            throw ConfigError(location: nil, key: nil, message: "\(path): not a regular file")
        }
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 64 * 1024)
        while true {
            let n = buffer.withUnsafeMutableBytes { readFD(fd, $0.baseAddress, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                throw fileError(path, "cannot read", errno)
            }
            if n == 0 { break }
            bytes += buffer[0..<n]
            if bytes.count > maximumFileSize {
                throw ConfigError(location: nil, key: nil, message: "\(path): larger than \(maximumFileSize) bytes; is this a configuration file?")
            }
        }
        return bytes
    }

    /// Names of `*.conf` drop-ins in `dir` (unsorted); none when the directory does not exist.
    package static func listDropIns(_ dir: String, warnings: inout [ConfigDiagnostic]) throws(ConfigError) -> [String] {
        var invalid = 0
        let listed: [String]?
        do throws(FileError) {
            listed = try Directory.names(dir, invalidNames: &invalid)
        } catch {
            throw fileError(dir, "cannot list drop-in directory", error.errno)
        }
        if invalid > 0 {
            warnings.append(ConfigDiagnostic(location: nil, message: "\(dir): ignoring \(invalid == 1 ? "a file whose name is" : "\(invalid) files whose names are") not UTF-8"))
        }
        var names: [String] = []
        for name in listed ?? [] {
            guard name.hasSuffix(".conf"), !name.hasPrefix(".") else { continue }
            let path = dir.hasSuffix("/") ? dir + name : "\(dir)/\(name)"
            var st = stat()
            guard stat(path, &st) == 0 else {
                warnings.append(ConfigDiagnostic(location: nil, message: "\(path): ignoring: \(errnoText(errno))"))
                continue
            }
            switch st.st_mode & S_IFMT {
            case S_IFREG: names.append(name)
            case S_IFDIR: continue
            default:
                if isDevNull(st) { names.append(name) } else {
                    warnings.append(ConfigDiagnostic(location: nil, message: "\(path): ignoring: not a regular file"))
                }
            }
        }
        return names
    }
}

/// read(2), named apart from `ConfigFileSet.read(schema:warnings:)`, which hides it inside the type.
private func readFD(_ fd: Int32, _ buffer: UnsafeMutableRawPointer?, _ count: Int) -> Int { read(fd, buffer, count) }
