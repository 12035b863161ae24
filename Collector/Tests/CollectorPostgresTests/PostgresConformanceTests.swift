#if canImport(FoundationEssentials)
import FoundationEssentials
#endif
import Foundation
import CollectorPostgres
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
        let probe = ReportStoreConformance.Probe {
            var rows: [String: Int] = [:]
            for table in ["reports", "message_ids", "install_days", "install_day_counters", "installs", "day_cache", "day_versions", "collector_migrations"] {
                rows[table] = Int(try await server.psql("SELECT count(*) FROM \(table)", database: db)) ?? -1
            }
            return rows
        }
        try await ReportStoreConformance.run(name, probe: probe) { store }
    }
}
