#if canImport(FoundationEssentials)
import FoundationEssentials
#endif
import Foundation
@testable import CollectorPostgres
import CollectorStore
import CollectorStoreConformance
import Testing

/// Skips (loudly: the reason is in the test report) only when PostgreSQL's binaries are missing; a server that is
/// installed but fails to start is a failure.
let postgresAvailable = Testing.ConditionTrait.enabled(
    if: PostgresTestServer.missingReason == nil,
    Comment(rawValue: PostgresTestServer.missingReason ?? ""))

func testServer() async throws -> PostgresTestServer {
    guard let server = await PostgresTestServer.shared else {
        throw PostgresTestServer.Failure(description: "the PostgreSQL test server did not start (see stderr)")
    }
    return server
}

/// A store on a fresh database of the shared test server (not migrated).
func makePostgresStore(database: String? = nil, deadline: Duration = .seconds(10)) async throws -> (PostgresReportStore, String) {
    let server = try await testServer()
    let db: String
    if let database { db = database } else { db = try await server.makeDatabase() }
    let url = PostgresDatabaseURL(user: PostgresTestServer.role, host: "127.0.0.1", port: server.port, database: db, tls: .disable)
    return (try PostgresReportStore(url: url, password: server.password, deadline: deadline), db)
}

@Suite("PostgreSQL store: ReportStoreConformance", postgresAvailable)
struct PostgresConformanceTests {
    @Test(arguments: ReportStoreConformance.checks.map(\.name))
    func conformance(_ name: String) async throws {
        let (store, db) = try await makePostgresStore()
        let server = try await testServer()
        let probe = ReportStoreConformance.Probe(tableRows: {
            var rows: [String: Int] = [:]
            for table in ["reports", "message_ids", "install_days", "install_day_counters", "installs", "day_cache", "day_versions",
                          "install_keys", "erased_installs", "collector_migrations"] {
                rows[table] = Int(try await server.psql("SELECT count(*) FROM \(table)", database: db)) ?? -1
            }
            return rows
        }, rowsMentioning: { text in
            try await Self.rowsMentioning(text, server: server, database: db)
        })
        try await ReportStoreConformance.run(name, probe: probe) { store }
        // Every batch of the checks is acceptable: each is one statement, none stored one by one.
        #expect(store.batchesStoredOneByOne.withLockedValue { $0 } == 0, "\(name)")
    }

    /// Every table of the database (partitions too), each row as its text (`t::text`), searched in one psql call.
    static func rowsMentioning(_ text: String, server: PostgresTestServer, database: String) async throws -> [String: Int] {
        guard text.allSatisfy({ $0.isHexDigit || $0 == "-" }) else {
            throw ReportStoreConformance.Failure(description: "the probe searches only for IDs and hex keys, not \(text)")
        }
        let out = try await server.psql("""
            SELECT table_name || '|' || (xpath('/row/n/text()', query_to_xml(format(
                'SELECT count(*) AS n FROM %I t WHERE lower(t::text) LIKE %L', table_name, '%\(text.lowercased())%'), false, true, '')))[1]::text
            FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE'
            """, database: database)
        var rows: [String: Int] = [:]
        for line in out.split(separator: "\n") {
            let parts = line.split(separator: "|")
            if parts.count == 2 { rows[String(parts[0])] = Int(parts[1]) ?? -1 }
        }
        guard rows["installs"] != nil else { throw ReportStoreConformance.Failure(description: "no tables found: \(out)") }
        return rows
    }
}
