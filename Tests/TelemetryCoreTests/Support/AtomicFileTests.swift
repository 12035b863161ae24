import Foundation
import Testing
import TestSupport
@testable import TelemetryCore
import FileSupport

private func tempDir(sourceLocation: SourceLocation = #_sourceLocation) throws -> String {
    try TemporaryDirectories.make("atomicfile", sourceLocation: sourceLocation)
}

@Suite(.removesTemporaryDirectories) struct AtomicFileTests {
    @Test func writeReplacesContentAndLeavesNoTemp() throws {
        let dir = try tempDir()
        let path = dir + "/f"
        try AtomicFile.write(Array("one".utf8), to: path)
        try AtomicFile.write(Array("two".utf8), to: path)
        #expect(try AtomicFile.read(path) == Array("two".utf8))
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir) == ["f"])
        let attrs = try FileManager.default.attributesOfItem(atPath: path)
        #expect((attrs[.posixPermissions] as? Int) == 0o600)
    }

    @Test func readOfMissingFileIsNilAndErrorsNamePath() throws {
        let dir = try tempDir()
        #expect(try AtomicFile.read(dir + "/none") == nil)
        do {
            try AtomicFile.write([1], to: dir + "/none/x")
            Issue.record("expected a failure")
        } catch {
            #expect(error.description.contains(dir + "/none/x"))
        }
    }

    @Test func readIsBounded() throws {
        let dir = try tempDir()
        try AtomicFile.write([UInt8](repeating: 65, count: 10_000), to: dir + "/big")
        #expect(try AtomicFile.read(dir + "/big", limit: 100)?.count == 100)
    }

    @Test func makeDirectoryIsIdempotentAndRejectsFiles() throws {
        let dir = try tempDir()
        try AtomicFile.makeDirectory(dir + "/a/b/c")
        try AtomicFile.makeDirectory(dir + "/a/b/c")
        _ = FileManager.default.createFile(atPath: dir + "/plain", contents: Data())
        #expect(throws: FileError.self) { try AtomicFile.makeDirectory(dir + "/plain") }
    }
}
