import Foundation
import CollectorSummary
import ReportValidation
import CollectorStore
@testable import CollectorSQLite
import CollectorStoreConformance
import SQLiteNIO
import Testing

private typealias C = ReportStoreConformance

/// What only the SQLite store does: its day cache, its triggers and its upgrade of older files.
@Suite struct SQLiteReportStoreTests {
    /// A second connection to the store's file, as an operator's `sqlite3` would be.
    private func sql(_ path: String, _ query: String) async throws -> [SQLiteRow] {
        let c = try await SQLiteConnection.open(storage: .file(path: path))
        do {
            let rows = try await c.query(query)
            try await c.close()
            return rows
        } catch {
            try? await c.close()
            throw error
        }
    }

    @Test func closedDaysAreAnsweredFromTheCacheAndAChangeDropsTheirRow() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let path = dir.path + "/reports.db"
        // "Today" is day 10 of the fixtures: days 0…8 are closed.
        let store = try await SQLiteReportStore.open(path: path, today: { UTCDay(C.at(day: 10)) })
        try await store.migrate()
        _ = try await store.insert(C.report(instance: 1, message: 1, at: C.at(day: 0)), receivedAt: C.at(day: 0))
        _ = try await store.insert(C.report(instance: 2, message: 2, at: C.at(day: 1)), receivedAt: C.at(day: 1))
        _ = try await store.insert(C.report(instance: 2, message: 3, at: C.at(day: 9)), receivedAt: C.at(day: 9))
        let s = try await store.summary(days: 10, asOf: C.at(day: 9))
        #expect(s.days.map(\.activeInstalls) == [1, 1, 0, 0, 0, 0, 0, 0, 0, 1])
        // A summary writes nothing; the refresh counts days 0…8 once and keeps them; day 9 (yesterday) is open.
        #expect(try await sql(path, "SELECT day FROM day_cache").isEmpty)
        #expect(try await store.refreshDayCache(days: 10, asOf: C.at(day: 9)) == 9)
        #expect(try await store.refreshDayCache(days: 10, asOf: C.at(day: 9)) == 0)
        let cached = try await sql(path, "SELECT day FROM day_cache ORDER BY day").compactMap { $0.column("day")?.string }
        #expect(cached == (0...8).map { UTCDay(C.at(day: $0)).description })
        #expect(try await store.summary(days: 10, asOf: C.at(day: 9)) == s)

        // The cache answers: a (deliberately) wrong row shows through.
        let day1 = UTCDay(C.at(day: 1)).description
        _ = try await sql(path, #"UPDATE day_cache SET totals = '{"active":99,"by":{}}' WHERE day = '\#(day1)'"#)
        #expect(try await store.summary(days: 10, asOf: C.at(day: 9)).days[1].activeInstalls == 99)

        // A report stored into day 1 drops its row (trigger), so day 1 is counted by each summary until refreshed.
        _ = try await store.insert(C.report(instance: 3, message: 4, at: C.at(day: 1)), receivedAt: C.at(day: 1))
        #expect(try await sql(path, "SELECT day FROM day_cache WHERE day = '\(day1)'").isEmpty)
        #expect(try await store.summary(days: 10, asOf: C.at(day: 9)).days[1].activeInstalls == 2)
        #expect(try await sql(path, "SELECT day FROM day_cache WHERE day = '\(day1)'").isEmpty)
        #expect(try await store.refreshDayCache(days: 10, asOf: C.at(day: 9)) == 1)
        #expect(try await sql(path, "SELECT day FROM day_cache WHERE day = '\(day1)'").count == 1)

        // A cache row this version cannot read is counted again rather than trusted or fatal, and rewritten.
        _ = try await sql(path, "UPDATE day_cache SET totals = 'not json' WHERE day = '\(day1)'")
        #expect(try await store.summary(days: 10, asOf: C.at(day: 9)).days[1].activeInstalls == 2)
        #expect(try await store.refreshDayCache(days: 10, asOf: C.at(day: 9)) == 1)
        await store.close()
    }

    @Test func aSummaryRunsBesideAnOpenWriteTransaction() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let path = dir.path + "/reports.db"
        let store = try await SQLiteReportStore.open(path: path)
        try await store.migrate()
        _ = try await store.insert(C.report(instance: 1, message: 1, at: C.at(day: 0)), receivedAt: C.at(day: 0))
        // Another process holds the write lock (as a long import would): the reader does not wait for it.
        let other = try await SQLiteConnection.open(storage: .file(path: path))
        _ = try await other.query("BEGIN IMMEDIATE")
        _ = try await other.query("DELETE FROM day_cache")
        // A reader that needed the lock would wait busy_timeout (5 s) and then fail.
        #expect(try await store.summary(days: 1, asOf: C.at(day: 0)).activeInstalls == 1)
        #expect(await store.health().available)
        _ = try await other.query("ROLLBACK")
        try await other.close()
        await store.close()
    }

    @Test func oneStatementStoresTheReportItsValuesAndTheRollups() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let path = dir.path + "/reports.db"
        let store = try await SQLiteReportStore.open(path: path)
        try await store.migrate()
        let breakdown = BreakdownValues(productVersion: "4.2.1", os: "debian 12", arch: "x86_64")
        _ = try await store.insert(C.report(instance: 1, message: 1, at: C.at(day: 0), breakdown: breakdown), receivedAt: C.at(day: 0))
        let raw = try await sql(path, "SELECT product_version, os, arch, memory FROM reports")
        #expect(raw.count == 1)
        #expect(raw.first?.column("product_version")?.string == "4.2.1")
        #expect(raw.first?.column("os")?.string == "debian 12")
        #expect(raw.first?.column("memory")?.isNull == true)
        let days = try await sql(path, "SELECT day, product_version FROM install_days")
        #expect(days.map { $0.column("day")?.string } == [UTCDay(C.at(day: 0)).description])
        let installs = try await sql(path, "SELECT first_day, last_day, arch FROM installs")
        #expect(installs.first?.column("arch")?.string == "x86_64")
        await store.close()
    }

    @Test func aVersion1FileIsUpgradedInPlaceKeepingItsReports() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let path = dir.path + "/reports.db"
        // A file as version 1 of the store left it: its tables, one report and its rollups.
        let r = C.report(instance: 1, message: 1, at: C.at(day: 0))
        let day = UTCDay(C.at(day: 0)).description
        let old = try await SQLiteConnection.open(storage: .file(path: path))
        _ = try await old.query("CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
        for statement in SQLiteReportStore.migrations[0] { _ = try await old.query(statement) }
        _ = try await old.query("INSERT INTO meta VALUES ('schema_version', '1')")
        _ = try await old.query("""
            INSERT INTO reports VALUES ('\(r.messageId)', '\(day)', 0, 'keepalive', 0, '\(r.instanceId)', '\(r.clusterId)', '{}')
            """)
        _ = try await old.query("INSERT INTO install_days (day, instance_id, cluster_id) VALUES ('\(day)', '\(r.instanceId)', '\(r.clusterId)')")
        _ = try await old.query("INSERT INTO installs (instance_id, first_day, last_day) VALUES ('\(r.instanceId)', '\(day)', '\(day)')")
        try await old.close()

        let store = try await SQLiteReportStore.open(path: path)
        try await store.migrate()
        #expect(try await sql(path, "SELECT value FROM meta WHERE key = 'schema_version'").first?.column("value")?.string
                == String(SQLiteReportStore.schemaVersion))
        // The old report is still known (a duplicate), and new ones go through the new path.
        #expect(try await store.insert(r, receivedAt: C.at(day: 0)) == .duplicate)
        #expect(try await store.insert(C.report(instance: 2, message: 2, at: C.at(day: 0)), receivedAt: C.at(day: 0)) == .new)
        #expect(try await store.summary(days: 1, asOf: C.at(day: 0)).activeInstalls == 2)
        // Migrating again changes nothing.
        try await store.migrate()
        #expect(try await store.summary(days: 1, asOf: C.at(day: 0)).activeInstalls == 2)
        await store.close()
    }

    @Test func aFileFromANewerCollectorIsRefused() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let path = dir.path + "/reports.db"
        _ = try await sql(path, "CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
        _ = try await sql(path, "INSERT INTO meta VALUES ('schema_version', '\(SQLiteReportStore.schemaVersion + 1)')")
        let store = try await SQLiteReportStore.open(path: path)
        await #expect(throws: StoreError.self) { try await store.migrate() }
        await store.close()
    }
}
