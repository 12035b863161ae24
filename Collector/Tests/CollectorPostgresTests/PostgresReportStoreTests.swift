#if canImport(FoundationEssentials)
import FoundationEssentials
#endif
import Foundation
import CollectorSummary
@testable import CollectorPostgres
import CollectorStore
import CollectorStoreConformance
import Testing

private typealias C = ReportStoreConformance

// Serialized: the outage tests measure how soon a call gives up, which a neighbour's reconnecting pool would skew.
@Suite("PostgreSQL store: schema, partitions, outages", postgresAvailable, .serialized)
struct PostgresReportStoreTests {
    @Test func migrationsAreRecordedOnceAndConcurrentCollectorsAgree() async throws {
        let (a, db) = try await makePostgresStore()
        let (b, _) = try await makePostgresStore(database: db)
        // Two collectors starting at once against an empty database: one creates, the other waits and finds it done.
        async let ma: Void = a.migrate()
        async let mb: Void = b.migrate()
        _ = try await (ma, mb)
        try await a.migrate()
        let server = try await testServer()
        #expect(try await server.psql("SELECT version FROM collector_migrations ORDER BY version", database: db)
                == (1...PostgresSchema.latestVersion).map(String.init).joined(separator: "\n"))
        await a.close()
        await b.close()
    }

    @Test func aNewerSchemaIsRefused() async throws {
        let (store, db) = try await makePostgresStore()
        try await store.migrate()
        try await testServer().psql("INSERT INTO collector_migrations (version, description) VALUES (99, 'from the future')", database: db)
        await #expect(throws: StoreError.self) { try await store.migrate() }
        do {
            try await store.migrate()
        } catch let e as StoreError {
            guard case .incompatible(let why) = e else { Issue.record("expected .incompatible, got \(e)"); return }
            #expect(why.contains("99"))
        }
        await store.close()
    }

    @Test func rawReportsGoToADayPartitionAndPruneDropsWholeDays() async throws {
        let (store, db) = try await makePostgresStore()
        try await store.migrate()
        for day in 0..<3 {
            _ = try await store.insert(C.report(instance: 1, message: day, at: C.at(day: day)), receivedAt: C.at(day: day))
        }
        let server = try await testServer()
        func partitions() async throws -> [String] {
            try await server.psql("""
                SELECT c.relname FROM pg_inherits h JOIN pg_class c ON c.oid = h.inhrelid
                WHERE h.inhparent = 'reports'::regclass ORDER BY 1
                """, database: db).split(separator: "\n").map(String.init)
        }
        // Days 0, 1, 2 and the day after the last one, made ahead of midnight.
        #expect(try await partitions() == ["reports_20261201", "reports_20261202", "reports_20261203", "reports_20261204"])
        #expect(try await server.psql("SELECT count(*) FROM reports_20261202", database: db) == "1")
        #expect(try await store.prune(before: C.at(day: 2, hour: 0)) == 2)
        #expect(try await partitions() == ["reports_20261203", "reports_20261204"])
        #expect(try await server.psql("SELECT count(*) FROM message_ids", database: db) == "1")
        // A pruned day can be written again (an old report imported late): its partition comes back.
        #expect(try await store.insert(C.report(instance: 1, message: 50, at: C.at(day: 0)), receivedAt: C.at(day: 0)) == .new)
        #expect(try await partitions().first == "reports_20261201")
        await store.close()
    }

    @Test func twoCollectorsRacingOnOneMessageIdStoreItOnce() async throws {
        let (a, db) = try await makePostgresStore()
        let (b, _) = try await makePostgresStore(database: db)
        try await a.migrate()
        let r = C.report(instance: 1, message: 1, at: C.at(day: 0))
        let outcomes = try await withThrowingTaskGroup(of: InsertOutcome.self) { group in
            for i in 0..<8 {
                let store = i.isMultiple(of: 2) ? a : b
                group.addTask { try await store.insert(r, receivedAt: C.at(day: 0)) }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        #expect(outcomes.filter { $0 == .new }.count == 1)
        #expect(try await testServer().psql("SELECT count(*) FROM reports", database: db) == "1")
        await a.close()
        await b.close()
    }

    @Test func updatingStatisticsAnalyzesTheTablesAnImportGrows() async throws {
        let (store, db) = try await makePostgresStore()
        try await store.migrate()
        _ = try await store.insert(C.report(instance: 1, message: 1, at: C.at(day: 0)), receivedAt: C.at(day: 0))
        // reltuples is -1 until a table is first analyzed (or vacuumed), and ANALYZE sets it in its own transaction (the
        // statistics views lag behind).
        let analyzed = "SELECT count(*) FROM pg_class WHERE relname IN ('install_days', 'installs', 'message_ids') AND reltuples >= 0"
        #expect(try await testServer().psql(analyzed, database: db) == "0")
        try await store.updateStatistics()
        #expect(try await testServer().psql(analyzed, database: db) == "3")
        await store.close()
    }

    @Test func theRawReportIsKeptAsJSON() async throws {
        let (store, db) = try await makePostgresStore()
        try await store.migrate()
        var r = C.report(instance: 1, message: 1, type: .diagnostics, at: C.at(day: 0))
        r.json = #"{"messageId":"\#(r.messageId)","data":{"os":{"id":"debian"}}}"#
        _ = try await store.insert(r, receivedAt: C.at(day: 0, hour: 3))
        let row = try await testServer().psql("SELECT type, body->'data'->'os'->>'id', received_at = '2026-12-01T03:00:00Z' FROM reports", database: db)
        #expect(row == "diagnostics|debian|t")
        await store.close()
    }

    @Test func closedDaysAreCountedOnceAndALateImportRecountsItsDay() async throws {
        let (store, db) = try await makePostgresStore()
        try await store.migrate()
        // Three days of last month: closed (two days or more before the database's today).
        let base = UTCDay(Date()).adding(days: -30).start.addingTimeInterval(12 * 3600)
        func at(_ d: Int) -> Date { base.addingTimeInterval(Double(d) * 86_400) }
        _ = try await store.insert(C.report(instance: 1, message: 1, at: at(0)), receivedAt: at(0))
        _ = try await store.insert(C.report(instance: 2, message: 2, at: at(1)), receivedAt: at(1))
        #expect(try await store.summary(days: 3, asOf: at(2)).days.map(\.activeInstalls) == [1, 1, 0])
        let server = try await testServer()
        // A summary writes nothing; the collector's scheduled refresh keeps the counts.
        #expect(try await server.psql("SELECT count(*) FROM day_cache", database: db) == "0")
        #expect(try await store.refreshDayCache(days: 3, asOf: at(2)) == 3)
        #expect(try await server.psql("SELECT count(*) FROM day_cache WHERE scope = 0", database: db) == "3")
        // The cache answers now: a (deliberately) wrong cached count shows through.
        let day1 = UTCDay(at(1)).description
        try await server.psql("UPDATE day_cache SET totals = jsonb_set(totals, '{active}', '99') WHERE day = '\(day1)' AND scope = 0", database: db)
        #expect(try await store.summary(days: 3, asOf: at(2)).days.map(\.activeInstalls) == [1, 99, 0])
        // An air-gapped report imported into day 1: its day's version moves on, so it is counted again.
        let version = { @Sendable () async throws -> String in try await server.psql("SELECT version FROM day_versions WHERE day = '\(day1)'", database: db) }
        let before = try await version()
        _ = try await store.insert(C.report(instance: 3, message: 3, at: at(1)), receivedAt: at(1))
        #expect(Int(try await version()) == Int(before).map { $0 + 1 })
        let s = try await store.summary(days: 3, asOf: at(2))
        #expect(s.days.map(\.activeInstalls) == [1, 2, 0])
        #expect(s.days[1].byProductVersion == ["unknown": 2])
        #expect(try await store.refreshDayCache(days: 3, asOf: at(2)) == 1)
        #expect(try await store.summary(days: 3, asOf: at(2)) == s)
        // A duplicate changes nothing, not even the day's version.
        let after = try await version()
        #expect(try await store.insert(C.report(instance: 3, message: 3, at: at(1)), receivedAt: at(1)) == .duplicate)
        #expect(try await version() == after)
        await store.close()
    }

    @Test func aVersion1DatabaseIsUpgradedInPlaceLearningEachDaysProductFromItsReports() async throws {
        let (store, db) = try await makePostgresStore()
        let server = try await testServer()
        // A database as version 1 of the store left it: install 1 of acme on days 0 and 1, install 2 of a product
        // named "other" (a report's own name, quoted), install 3 without a product; day 0 cached.
        try await server.psql("CREATE TABLE collector_migrations (version int PRIMARY KEY, description text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())", database: db)
        for sql in PostgresSchema.migrations[0].sql { try await server.psql(sql, database: db) }
        try await server.psql("INSERT INTO collector_migrations (version, description) VALUES (1, 'version 1')", database: db)
        let rows: [(instance: Int, message: Int, day: Int, product: String?)] = [
            (1, 1, 0, "acme"), (1, 2, 1, "acme"), (2, 3, 0, "other"), (3, 4, 0, nil),
        ]
        for r in rows {
            let report = C.report(instance: r.instance, message: r.message, at: C.at(day: r.day))
            let day = UTCDay(C.at(day: r.day)).description
            let product = r.product.map { #","product":{"name":"\#($0)","version":"1.0"}"# } ?? ""
            let version = r.product == nil ? "NULL" : "'1.0'"
            try await server.psql("SELECT collector_ensure_partition('\(day)')", database: db)
            try await server.psql("""
                SELECT collector_insert('\(report.messageId)', 'keepalive', '\(day)', '\(report.instanceId)', '\(report.clusterId)',
                    '\(day)', '\(day)', \(version), NULL, NULL, NULL, NULL, NULL, NULL, '{"messageId":"\(report.messageId)"\(product)}')
                """, database: db)
        }
        try await server.psql(#"INSERT INTO day_cache VALUES ('\#(UTCDay(C.at(day: 0)).description)', 0, '{"active":3,"by":{}}')"#, database: db)

        try await store.migrate()
        #expect(try await server.psql("SELECT max(version) FROM collector_migrations", database: db) == String(PostgresSchema.latestVersion))
        #expect(try await server.psql("SELECT coalesce(product, '-') FROM install_days ORDER BY instance_id, day", database: db)
                == "acme\nacme\n\"other\"\n-")
        #expect(try await server.psql("SELECT coalesce(product, '-') FROM installs ORDER BY instance_id", database: db) == "acme\n\"other\"\n-")
        #expect(try await server.psql("SELECT count(*) FROM day_cache", database: db) == "0")
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
        await store.close()
    }

    @Test func countersAddUpInTheFunctionAndTheSQLBucketIsSwifts() async throws {
        let (store, db) = try await makePostgresStore()
        try await store.migrate()
        _ = try await store.insert(C.diagnostics(instance: 1, message: 1, at: C.at(day: 0), facts: ["ratio": .number(0.5)],
                                                 counters: ["flows": 3, "idle": 0]), receivedAt: C.at(day: 0))
        _ = try await store.insert(C.diagnostics(instance: 1, message: 2, at: C.at(day: 0), facts: nil,
                                                 counters: ["flows": 9_007_199_254_740_991]), receivedAt: C.at(day: 0))
        let server = try await testServer()
        #expect(try await server.psql("SELECT counter, increments FROM install_day_counters", database: db) == "flows|9007199254740991")
        #expect(try await server.psql("SELECT facts::text, product FROM install_days", database: db)
                == #"{"ratio": \#(NumberHistogram.code(of: 0.5))}|acme"#)
        var values: [Int64] = [0, 1, 1023, 1024, 2047, 2048, 3000, 1_000_000, 9_007_199_254_740_991]
        for k in 10...52 { values += [(Int64(1) << k) - 1, (Int64(1) << k) + 12_345] }
        let codes = try await server.psql("SELECT \(NumberHistogram.sqlCode(ofNonNegativeInteger: "v")) FROM unnest(ARRAY[\(values.map(String.init).joined(separator: ","))]::int8[]) WITH ORDINALITY AS u(v, i) ORDER BY i", database: db)
        #expect(codes.split(separator: "\n").map { Int($0) } == values.map { NumberHistogram.code(of: Double($0)) })
        await store.close()
    }

    @Test func aRefusedConnectionIsUnavailableAtOnce() async throws {
        // A port nothing listens on: connection refused.
        let url = PostgresDatabaseURL(user: "telemetry", host: "127.0.0.1", port: 1, database: "telemetry", tls: .disable)
        let store = try PostgresReportStore(url: url, password: "x", deadline: .seconds(2))
        let start = ContinuousClock.now
        await #expect(throws: StoreError.self) {
            try await store.insert(C.report(instance: 1, message: 1, at: C.at(day: 0)), receivedAt: C.at(day: 0))
        }
        #expect(ContinuousClock.now - start < .seconds(5))
        let health = await store.health()
        #expect(!health.available)
        #expect(health.detail.contains("127.0.0.1:1"))
        await store.close()
    }

    @Test func aServerThatNeverAnswersIsUnavailableWithinTheDeadline() async throws {
        // A socket that listens (the TCP handshake completes in the backlog) but never speaks PostgreSQL.
        let listener = try SilentListener()
        defer { listener.close() }
        let url = PostgresDatabaseURL(user: "telemetry", host: "127.0.0.1", port: listener.port, database: "telemetry", tls: .disable)
        let store = try PostgresReportStore(url: url, password: "x", deadline: .milliseconds(500))
        let start = ContinuousClock.now
        do {
            _ = try await store.insert(C.report(instance: 1, message: 1, at: C.at(day: 0)), receivedAt: C.at(day: 0))
            Issue.record("insert against a silent server succeeded")
        } catch let e as StoreError {
            guard case .unavailable(let why) = e else { Issue.record("expected .unavailable, got \(e)"); return }
            #expect(why.contains("no answer within"))
        }
        #expect(ContinuousClock.now - start < .seconds(3))
        await store.close()
    }

    @Test func aWrongPasswordIsUnavailableAndSaysWhy() async throws {
        let server = try await testServer()
        let url = PostgresDatabaseURL(user: PostgresTestServer.role, host: "127.0.0.1", port: server.port,
                                      database: "postgres", tls: .disable)
        let store = try PostgresReportStore(url: url, password: "wrong", deadline: .seconds(5))
        do {
            try await store.migrate()
            Issue.record("migrate with a wrong password succeeded")
        } catch let e as StoreError {
            // The pool keeps retrying until the deadline; a direct attempt then gives the server's reason. The error
            // names the database and never the password.
            guard case .unavailable(let why) = e else { Issue.record("expected .unavailable, got \(e)"); return }
            #expect(why.contains("127.0.0.1:\(server.port)/postgres"))
            #expect(why.contains("password authentication failed"), "\(why)")
            #expect(why.contains("28P01"), "\(why)")
            #expect(!why.contains("wrong"))
        }
        // A health check goes through the pool only (no connection of its own per check): it says unavailable and
        // where, never the password.
        let health = await store.health()
        #expect(!health.available)
        #expect(health.detail.contains("127.0.0.1:\(server.port)/postgres"), "\(health.detail)")
        #expect(!health.detail.contains("wrong"))
        await store.close()
    }
}

/// A listening TCP socket on 127.0.0.1 that never accepts.
final class SilentListener: @unchecked Sendable {
    let fd: Int32
    let port: Int
    init() throws {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        let ok = withUnsafeMutablePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, len) == 0 && listen(fd, 16) == 0 && getsockname(fd, $0, &len) == 0
            }
        }
        guard ok else { throw PostgresTestServer.Failure(description: "listen: errno \(errno)") }
        self.fd = fd
        port = Int(UInt16(bigEndian: addr.sin_port))
    }
    func close() { _ = Glibc.close(fd) }
}
