import CollectorPostgres
import CollectorStoreConformance
import Foundation
import Testing

@Suite("PasswordFile=: the first line, as written")
struct PostgresPasswordFileTests {
    func password(_ contents: String) throws -> String? {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let path = dir.path + "/password"
        try Data(contents.utf8).write(to: URL(fileURLWithPath: path))
        return try PostgresReportStore.readPassword(path)
    }

    @Test func aLineFeedEndsIt() throws {
        #expect(try password("s3cret\n") == "s3cret")
        #expect(try password("s3cret\nnot this\n") == "s3cret")
        #expect(try password("s3cret") == "s3cret")
    }

    @Test func aWindowsLineEndingIsNotPartOfIt() throws {
        #expect(try password("s3cret\r\n") == "s3cret")
        #expect(try password("s3cret\r\nnot this\r\n") == "s3cret")
    }

    @Test func spacesAreKept() throws {
        #expect(try password("  two words  \r\n") == "  two words  ")
        #expect(try password("\tpadded \n") == "\tpadded ")
    }

    @Test func noFileSetIsNoPassword() throws {
        #expect(try PostgresReportStore.readPassword(nil) == nil)
        #expect(try PostgresReportStore.readPassword("") == nil)
    }
}
