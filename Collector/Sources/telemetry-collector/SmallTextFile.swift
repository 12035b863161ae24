import Foundation
#if canImport(Glibc)
import Glibc
#endif

struct FileReadError: Error, CustomStringConvertible {
    var description: String
}

/// A text file of at most `limit` bytes, as UTF-8.
func readSmallTextFile(_ path: String, limit: Int = 1 << 20) throws -> String {
    guard let handle = FileHandle(forReadingAtPath: path) else {
        throw FileReadError(description: "cannot open: \(String(cString: strerror(errno)))")
    }
    defer { try? handle.close() }
    let data = try handle.read(upToCount: limit + 1) ?? Data()
    if data.count > limit { throw FileReadError(description: "larger than \(limit) bytes") }
    guard let text = String(data: data, encoding: .utf8) else { throw FileReadError(description: "not UTF-8 text") }
    return text
}
