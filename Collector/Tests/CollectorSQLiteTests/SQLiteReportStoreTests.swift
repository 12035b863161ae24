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
        // Now is noon of day 10 of the fixtures: days 0…9 are closed (yesterday since 00:10).
        let store = try await SQLiteReportStore.open(path: path, now: { C.at(day: 10) })
        try await store.migrate()
        _ = try await store.insert(C.report(instance: 1, message: 1, at: C.at(day: 0)), receivedAt: C.at(day: 0))
        _ = try await store.insert(C.report(instance: 2, message: 2, at: C.at(day: 1)), receivedAt: C.at(day: 1))
        _ = try await store.insert(C.report(instance: 2, message: 3, at: C.at(day: 9)), receivedAt: C.at(day: 9))
        let s = try await store.summary(days: 10, asOf: C.at(day: 9))
        #expect(s.days.map(\.activeInstalls) == [1, 1, 0, 0, 0, 0, 0, 0, 0, 1])
        // A summary writes nothing; the refresh counts days 0…9 once and keeps them (day 10, today, is open).
        #expect(try await sql(path, "SELECT day FROM day_cache").isEmpty)
        #expect(try await store.refreshDayCache(days: 11, asOf: C.at(day: 10)) == 10)
        #expect(try await store.refreshDayCache(days: 11, asOf: C.at(day: 10)) == 0)
        let cached = try await sql(path, "SELECT day FROM day_cache WHERE scope = 0 ORDER BY day").compactMap { $0.column("day")?.string }
        #expect(cached == (0...9).map { UTCDay(C.at(day: $0)).description })
        #expect(try await store.summary(days: 10, asOf: C.at(day: 9)) == s)

        // The cache answers: a (deliberately) wrong row shows through.
        let day1 = UTCDay(C.at(day: 1)).description
        _ = try await sql(path, #"UPDATE day_cache SET totals = '{"active":99,"established":0,"returning":0,"resurrected":0,"by":{}}' WHERE day = '\#(day1)' AND scope = 0"#)
        #expect(try await store.summary(days: 10, asOf: C.at(day: 9)).days[1].activeInstalls == 99)

        // A report stored into day 1 drops its row (trigger), so day 1 is counted by each summary until refreshed.
        _ = try await store.insert(C.report(instance: 3, message: 4, at: C.at(day: 1)), receivedAt: C.at(day: 1))
        #expect(try await sql(path, "SELECT day FROM day_cache WHERE day = '\(day1)'").isEmpty)
        #expect(try await store.summary(days: 10, asOf: C.at(day: 9)).days[1].activeInstalls == 2)
        #expect(try await sql(path, "SELECT day FROM day_cache WHERE day = '\(day1)'").isEmpty)
        #expect(try await store.refreshDayCache(days: 10, asOf: C.at(day: 9)) == 1)
        #expect(try await sql(path, "SELECT day FROM day_cache WHERE day = '\(day1)' AND scope = 0").count == 1)

        // A cache row this version cannot read is counted again rather than trusted or fatal, and rewritten.
        _ = try await sql(path, "UPDATE day_cache SET totals = 'not json' WHERE day = '\(day1)' AND scope = 0")
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

    @Test func aVersion2FileIsUpgradedInPlaceLearningEachDaysProductFromItsReports() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let path = dir.path + "/reports.db"
        // A file as version 2 of the store left it: install 1 of acme on days 0 and 1, install 2 of a product named
        // "other" on day 0 (a report's own name, quoted), install 3 without a product; day 0 cached.
        let old = try await SQLiteConnection.open(storage: .file(path: path))
        _ = try await old.query("CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
        for statement in SQLiteReportStore.migrations[0] + SQLiteReportStore.migrations[1] { _ = try await old.query(statement) }
        _ = try await old.query("INSERT INTO meta VALUES ('schema_version', '2')")
        let rows: [(instance: Int, message: Int, day: Int, product: String?)] = [
            (1, 1, 0, "acme"), (1, 2, 1, "acme"), (2, 3, 0, "other"), (3, 4, 0, nil),
        ]
        for r in rows {
            let report = C.report(instance: r.instance, message: r.message, at: C.at(day: r.day))
            let product = r.product.map { #","product":{"name":"\#($0)","version":"1.0"}"# } ?? ""
            _ = try await old.query("""
                INSERT INTO reports (message_id, received_day, received_at, type, timestamp, instance_id, cluster_id, product_version, body)
                VALUES (?1, ?2, ?3, 'keepalive', ?3, ?4, ?5, ?6, ?7)
                """, [.text(report.messageId), .text(UTCDay(C.at(day: r.day)).description), .integer(Int(C.at(day: r.day).timeIntervalSince1970)),
                      .text(report.instanceId), .text(report.clusterId), r.product == nil ? .null : .text("1.0"),
                      .text(#"{"messageId":"\#(report.messageId)"\#(product)}"#)])
        }
        _ = try await old.query(#"INSERT INTO day_cache VALUES ('\#(UTCDay(C.at(day: 0)).description)', '{"active":3,"by":{}}')"#)
        try await old.close()

        let store = try await SQLiteReportStore.open(path: path, now: { C.at(day: 10) })
        try await store.migrate()
        #expect(try await sql(path, "SELECT value FROM meta WHERE key = 'schema_version'").first?.column("value")?.string
                == String(SQLiteReportStore.schemaVersion))
        let products = try await sql(path, "SELECT day, instance_id, product FROM install_days ORDER BY instance_id, day")
        #expect(products.map { $0.column("product")?.string } == ["acme", "acme", #""other""#, nil])
        let installs = try await sql(path, "SELECT product FROM installs ORDER BY instance_id")
        #expect(installs.map { $0.column("product")?.string } == ["acme", #""other""#, nil])
        // The old day cache is gone (it knew no products): day 0 is counted from the rollups again.
        #expect(try await sql(path, "SELECT day FROM day_cache").isEmpty)
        let acme = try await store.summary(days: 2, asOf: C.at(day: 1), filter: SummaryFilter(product: "acme"))
        #expect(acme.days.map(\.activeInstalls) == [1, 1])
        #expect(acme.products == [#""other""#, "acme", "unknown"])
        // The old reports are still known, new ones carry facts and counters.
        #expect(try await store.insert(C.report(instance: 1, message: 1, at: C.at(day: 0)), receivedAt: C.at(day: 0)) == .duplicate)
        _ = try await store.insert(C.diagnostics(instance: 1, message: 9, at: C.at(day: 1), facts: ["tls": .boolean(true)], counters: ["flows": 2]),
                                   receivedAt: C.at(day: 1))
        let day1 = try await store.summary(days: 1, asOf: C.at(day: 1), filter: SummaryFilter(product: "acme")).days[0]
        #expect(day1.facts == ["tls": .boolean(installs: 1, isTrue: 1)])
        #expect(day1.counters == ["flows": CounterSummary(increments: 2, installs: 1, p50: 2, p95: 2)])
        #expect(try await store.refreshDayCache(days: 2, asOf: C.at(day: 1)) == 2)
        #expect(try await store.summary(days: 2, asOf: C.at(day: 1), filter: SummaryFilter(product: "acme")).days[1] == day1)
        await store.close()
    }

    @Test func aVersion3FileLearnsFirstAndLastArrivalsFromItsReportsElseFromTheDays() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let path = dir.path + "/reports.db"
        // Version 3: install 1 on day 0 at 12:00 and day 1 at 13:00; install 2 on day 0 at 20:00 (that report pruned
        // since) and day 1 at 10:00; day 0 cached.
        let old = try await SQLiteConnection.open(storage: .file(path: path))
        _ = try await old.query("CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
        for statement in SQLiteReportStore.migrations[0...2].joined() { _ = try await old.query(statement) }
        _ = try await old.query("INSERT INTO meta VALUES ('schema_version', '3')")
        for (instance, message, day, hour) in [(1, 1, 0, 12), (1, 2, 1, 13), (2, 3, 0, 20), (2, 4, 1, 10)] {
            let r = C.report(instance: instance, message: message, at: C.at(day: day, hour: hour))
            let at = C.at(day: day, hour: hour)
            var binds: [SQLiteData] = [.text(r.messageId), .text(UTCDay(at).description), .integer(Int(at.timeIntervalSince1970)),
                                       .text("keepalive"), .integer(0), .text(r.instanceId), .text(r.clusterId)]
            binds += Dimension.allCases.map { _ in SQLiteData.null } + [.null, .null, .null, .text("{}")]
            // Version 3's own insert (today's also consults erased_installs, which version 3 lacks).
            let columns = Dimension.allCases.map(\.column).joined(separator: ", ")
            _ = try await old.query("""
                INSERT INTO reports (message_id, received_day, received_at, type, timestamp, instance_id, cluster_id, \(columns), product, facts, counters, body)
                VALUES (\((1...binds.count).map { "?\($0)" }.joined(separator: ", ")))
                """, binds)
        }
        _ = try await old.query("DELETE FROM reports WHERE message_id = ?1", [.text(C.report(instance: 2, message: 3, at: C.at(day: 0)).messageId)])
        _ = try await old.query(#"INSERT INTO day_cache VALUES ('\#(UTCDay(C.at(day: 0)).description)', 0, '', '', '{"active":2,"by":{}}')"#)
        try await old.close()

        let store = try await SQLiteReportStore.open(path: path, now: { C.at(day: 10) })
        try await store.migrate()
        let firsts = try await sql(path, "SELECT first_at FROM installs ORDER BY instance_id").map { $0.column("first_at")?.integer }
        #expect(firsts == [Int(C.at(day: 0, hour: 12).timeIntervalSince1970), Int(UTCDay(C.at(day: 0)).start.timeIntervalSince1970)])
        let lasts = try await sql(path, "SELECT last_at FROM install_days ORDER BY instance_id, day").map { $0.column("last_at")?.integer }
        let day0 = Int(UTCDay(C.at(day: 0)).start.timeIntervalSince1970)
        #expect(lasts == [12 * 3600, 37 * 3600, 86_399, 34 * 3600].map { day0 + $0 })
        #expect(try await sql(path, "SELECT day FROM day_cache").isEmpty)
        // Install 1: 25 h; install 2: its first day's 00:00 stands for the pruned report, 34 h.
        #expect(try await store.summary(days: 2, asOf: C.at(day: 1)).days.map(\.establishedInstalls) == [0, 2])
        await store.close()
    }

    @Test func oneStatementKeepsTheDaysFactsAndAddsUpItsCounters() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let path = dir.path + "/reports.db"
        let store = try await SQLiteReportStore.open(path: path)
        try await store.migrate()
        _ = try await store.insert(C.diagnostics(instance: 1, message: 1, at: C.at(day: 0), facts: ["tls": .boolean(true), "ratio": .number(0.5)],
                                                 counters: ["flows": 3, "idle": 0]), receivedAt: C.at(day: 0))
        _ = try await store.insert(C.diagnostics(instance: 1, message: 2, at: C.at(day: 0), facts: nil, counters: ["flows": 4]),
                                   receivedAt: C.at(day: 0))
        // Facts: numbers as their bucket codes; the second report (no facts) left the first one's.
        let code = NumberHistogram.code(of: 0.5)
        #expect(try await sql(path, "SELECT facts FROM install_days").first?.column("facts")?.string == #"{"ratio":\#(code),"tls":true}"#)
        #expect(try await sql(path, "SELECT product, facts FROM installs").first?.column("product")?.string == "acme")
        let counters = try await sql(path, "SELECT counter, increments FROM install_day_counters")
        #expect(counters.map { $0.column("counter")?.string } == ["flows"])
        #expect(counters.first?.column("increments")?.integer == 7)
        // A sum never passes the wire's largest increment.
        _ = try await store.insert(C.diagnostics(instance: 1, message: 3, at: C.at(day: 0), facts: nil, counters: ["flows": 9_007_199_254_740_991]),
                                   receivedAt: C.at(day: 0))
        #expect(try await sql(path, "SELECT increments FROM install_day_counters").first?.column("increments")?.integer == 9_007_199_254_740_991)
        await store.close()
    }

    /// The counters' buckets are made in SQL: the same codes as in Swift.
    @Test func theSQLBucketOfAnIntegerIsSwifts() async throws {
        let c = try await SQLiteConnection.open(storage: .memory)
        // Every integer a per-install sum can be (at most 2^53 − 1, where a Double holds every integer exactly).
        var values: [Int64] = [0, 1, 2, 1022, 1023, 1024, 1025, 2047, 2048, 3000, 65_535, 65_536, 1_000_000, 9_007_199_254_740_991]
        for k in 10...52 { values += [(Int64(1) << k) - 1, Int64(1) << k, (Int64(1) << k) + 12_345] }
        for v in values {
            let row = try await c.query("SELECT \(NumberHistogram.sqlCode(ofNonNegativeInteger: "?1")) AS code", [.integer(Int(v))]).first
            #expect(row?.column("code")?.integer == NumberHistogram.code(of: Double(v)), "\(v)")
        }
        try await c.close()
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
