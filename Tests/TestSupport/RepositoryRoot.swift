import Foundation

/// The repository a test file lives in: the nearest directory above `file` that holds a Package.swift, so a test
/// finds etc/, schema/ and systemd/ wherever in the test folders it sits. (Collector/ has its own Package.swift; the
/// root package's tests are not below it.)
public func repositoryRoot(of file: String = #filePath) throws -> URL {
    var dir = URL(fileURLWithPath: file).deletingLastPathComponent()
    while dir.path != "/" {
        if FileManager.default.fileExists(atPath: dir.appendingPathComponent("Package.swift").path) { return dir }
        dir = dir.deletingLastPathComponent()
    }
    throw RepositoryRootNotFound(file: file)
}

public struct RepositoryRootNotFound: Error, CustomStringConvertible {
    public var file: String
    public var description: String { "no Package.swift in a directory above \(file)" }
}
