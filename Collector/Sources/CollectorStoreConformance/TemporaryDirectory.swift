#if canImport(Glibc)
import Glibc
#endif

/// A fresh directory under $TMPDIR (else /tmp) for a test's database, removed by `remove()`.
public struct TemporaryDirectory: Sendable {
    public let path: String

    public init() throws {
        let base = getenv("TMPDIR").map { String(cString: $0) }.flatMap { $0.isEmpty ? nil : $0 } ?? "/tmp"
        var template = Array("\(base)/collector-test.XXXXXX".utf8CString)
        let made = template.withUnsafeMutableBufferPointer { buf -> Bool in
            guard let p = buf.baseAddress else { return false }
            return mkdtemp(p) != nil
        }
        guard made else { throw ReportStoreConformance.Failure(description: "mkdtemp in \(base) failed: errno \(errno)") }
        path = template.withUnsafeBufferPointer { buf in buf.baseAddress.map { String(cString: $0) } ?? "" }
    }

    /// `rm -r` of the directory's files (one level: databases and their -wal/-shm files).
    public func remove() {
        if let d = opendir(path) {
            while let e = readdir(d) {
                let name = withUnsafePointer(to: e.pointee.d_name) {
                    $0.withMemoryRebound(to: CChar.self, capacity: 256) { String(cString: $0) }
                }
                if name != "." && name != ".." { unlink("\(path)/\(name)") }
            }
            closedir(d)
        }
        rmdir(path)
    }
}
