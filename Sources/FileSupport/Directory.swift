#if canImport(Glibc)
import Glibc
#endif

/// The one directory lister of the project (drop-ins, spool, sent log, probe sources), over opendir(3)/readdir(3):
/// FileManager would pull in Foundation, and swift-system has no directory iteration.
public enum Directory {
    /// Names in `path` other than `.` and `..`, unsorted, at most `limit`; nil when there is no such directory
    /// (ENOENT, ENOTDIR). A name that is not valid UTF-8 is left out and counted in `invalidNames`.
    public static func names(_ path: String, limit: Int = .max, invalidNames: inout Int) throws(FileError) -> [String]? {
        guard let d = opendir(path) else {
            if errno == ENOENT || errno == ENOTDIR { return nil }
            throw FileError("opendir", path, errno: errno)
        }
        defer { closedir(d) }
        var names: [String] = []
        while names.count < limit {
            errno = 0
            guard let entry = readdir(d) else {
                if errno != 0 { throw FileError("readdir", path, errno: errno) }
                break
            }
            let name: String? = withUnsafePointer(to: entry.pointee.d_name) {
                $0.withMemoryRebound(to: CChar.self, capacity: MemoryLayout.size(ofValue: entry.pointee.d_name)) {
                    String(validatingCString: $0)
                }
            }
            guard let name else {
                invalidNames += 1
                continue
            }
            if name != "." && name != ".." { names.append(name) }
        }
        return names
    }

    /// The names, or none when the directory is missing or cannot be read.
    public static func names(_ path: String, limit: Int = .max) -> [String] {
        var ignored = 0
        return ((try? names(path, limit: limit, invalidNames: &ignored)) ?? nil) ?? []
    }
}
