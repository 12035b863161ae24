#if canImport(Glibc)
import Glibc
#endif

/// A failed file operation: what, where, and why (the errno text, or a detail such as a decoding error).
public struct FileError: Error, Sendable, Equatable, CustomStringConvertible {
    public var operation: String
    public var path: String
    public var errno: Int32
    /// Said instead of the errno text when set ("not valid JSON: …").
    public var detail: String?

    public init(_ operation: String, _ path: String, errno: Int32, detail: String? = nil) {
        self.operation = operation
        self.path = path
        self.errno = errno
        self.detail = detail
    }

    public var description: String {
        "\(operation) \(path): \(detail ?? String(cString: strerror(errno)))"
    }
}
