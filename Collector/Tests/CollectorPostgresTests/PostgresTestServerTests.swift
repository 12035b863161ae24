#if canImport(FoundationEssentials)
import FoundationEssentials
#endif
import Foundation
import Testing

/// The throwaway server's own plumbing: what its commands see and what comes back from them.
@Suite("PostgreSQL test server: commands run as the server's user", postgresAvailable)
struct PostgresTestServerTests {
    @Test func commandsStartInTheServersDirectory() async throws {
        let server = try await testServer()
        // From a checkout the postgres user may not enter, psql warned "could not change directory" into the rows.
        let r = try await server.runAsServerUser(["/bin/pwd"])
        #expect(r.status == 0)
        #expect(r.output.trimmingCharacters(in: .newlines) == server.directory)
        #expect(r.errors.isEmpty)
    }

    @Test func commandsRunAsThePostgresUserWithNoneOfRootsGroups() async throws {
        let server = try await testServer()
        let r = try await server.runAsServerUser(["/bin/sh", "-c", "id -u; id -G"])
        #expect(r.status == 0)
        let lines = r.output.split(separator: "\n").map(String.init)
        guard getuid() == 0, let pw = getpwnam("postgres") else {
            #expect(lines.first == String(getuid()))
            return
        }
        #expect(lines.first == String(pw.pointee.pw_uid))
        // The groups are postgres's primary group alone: root's supplementary group 0 would let it read root's files.
        #expect(lines.dropFirst().first == String(pw.pointee.pw_gid))
    }

    @Test func standardErrorStaysOutOfTheOutput() async throws {
        let server = try await testServer()
        let r = try await server.runAsServerUser(["/bin/sh", "-c", "echo row; echo warning >&2"])
        #expect(r.status == 0)
        #expect(r.output == "row\n")
        #expect(r.errors == "warning\n")
    }

    @Test func psqlReturnsOnlyTheRows() async throws {
        let server = try await testServer()
        let db = try await server.makeDatabase()
        // A NOTICE goes to standard error: never a row.
        #expect(try await server.psql("DO $$ BEGIN RAISE NOTICE 'noise'; END $$; SELECT 41 + 1", database: db) == "42")
    }
}
