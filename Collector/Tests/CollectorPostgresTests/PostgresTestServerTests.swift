#if canImport(FoundationEssentials)
import FoundationEssentials
#endif
import Foundation
import Testing

/// The throwaway server's own plumbing: what its commands see and what comes back from them.
@Suite("PostgreSQL test server: commands run as the server's user", postgresAvailable)
struct PostgresTestServerTests {
    @Test func commandsStartInTheServersDirectory() throws {
        let server = try testServer()
        // From a checkout the postgres user may not enter, psql warned "could not change directory" into the rows.
        let r = try server.runAsServerUser(["/bin/pwd"])
        #expect(r.status == 0)
        #expect(r.output.trimmingCharacters(in: .newlines) == server.directory)
        #expect(r.errors.isEmpty)
    }

    @Test func standardErrorStaysOutOfTheOutput() throws {
        let server = try testServer()
        let r = try server.runAsServerUser(["/bin/sh", "-c", "echo row; echo warning >&2"])
        #expect(r.status == 0)
        #expect(r.output == "row\n")
        #expect(r.errors == "warning\n")
    }

    @Test func psqlReturnsOnlyTheRows() throws {
        let server = try testServer()
        let db = try server.makeDatabase()
        // A NOTICE goes to standard error: never a row.
        #expect(try server.psql("DO $$ BEGIN RAISE NOTICE 'noise'; END $$; SELECT 41 + 1", database: db) == "42")
    }
}
