#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import CollectorSummary
import ReportValidation
import CollectorStore
import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOSSL
import PostgresNIO

/// The store for many collectors behind a load balancer: PostgreSQL through postgres-nio's connection pool.
/// Every collector is stateless; the database dedups (`message_ids`), rolls up per install and day (as SQLite
/// does, so both pass `ReportStoreConformance`) and keeps raw reports in one partition per day (`PostgresSchema`).
///
/// While the database is down or stuck, every call fails within `deadline` with `StoreError.unavailable`, so the
/// ingest answers 503 + Retry-After at once and the agents keep their reports spooled; the pool reconnects by
/// itself when the server is back.
public final class PostgresReportStore: ReportStore {
    public let kind = "postgresql"
    public let url: PostgresDatabaseURL
    /// How long one store call may wait for the database (a connection from the pool, then the query).
    public let deadline: Duration
    private let client: PostgresClient
    private let runner: Task<Void, Never>
    private let logger: Logger
    /// Days whose `reports` partition is known to exist (created here or seen), so the DDL runs once a day.
    private let partitions = NIOLockedValueBox(Set<Int>())
    /// How many batches the server refused as one statement, so that their reports were stored one by one (tests
    /// check that a batch of acceptable reports is one statement; the debug log says why each fell back).
    let batchesStoredOneByOne = NIOLockedValueBox(0)
    /// For `diagnose()`: one connection of its own, outside the pool, to learn why the pool cannot connect.
    private let direct: PostgresConnection.Configuration

    /// Connects lazily (the first call opens the first connection). `password` comes from PasswordFile=.
    public init(url: PostgresDatabaseURL, password: String?, maximumConnections: Int = 16,
                deadline: Duration = .seconds(3), logger: Logger = Logger(label: "telemetry-collector.postgresql")) throws {
        self.url = url
        self.deadline = deadline
        self.logger = logger
        let tls: PostgresClient.Configuration.TLS
        switch url.tls {
        case .disable: tls = .disable
        case .prefer: tls = .prefer(.makeClientConfiguration())
        case .require: tls = .require(.makeClientConfiguration())
        }
        var config = PostgresClient.Configuration(host: url.host, port: url.port, username: url.user,
                                                  password: password, database: url.database, tls: tls)
        config.options.maximumConnections = max(1, maximumConnections)
        config.options.connectTimeout = deadline
        // The pool's timers cost memory until their deadline even when cancelled: the pool starts a keep-alive and an
        // idle timer each time it takes a connection back, and a cancelled `Task.sleep` keeps its task and dispatch
        // timer until the time it was due (swiftlang/swift#60441). At ingest rates a connection comes back hundreds of
        // times a second, so the defaults (30 s keep-alive, 60 s idle) held about 20 MiB of cancelled timers
        // (heaptrack, BENCHMARKS.md). A 10 s idle timeout holds a ninth of that; the keep-alive adds nothing then: every
        // connection is a demand connection (no minimum) and closes after 10 s idle, before a 30 s probe would run,
        // and a connection that dies while in use or idle is found by its next query either way.
        config.options.connectionIdleTimeout = PostgresReportStore.connectionIdleTimeout
        config.options.keepAliveBehavior = nil
        // Identifies the collector in pg_stat_activity.
        config.options.additionalStartupParameters = [("application_name", "telemetry-collector")]
        let directTLS: PostgresConnection.Configuration.TLS
        switch url.tls {
        case .disable: directTLS = .disable
        case .prefer: directTLS = (try? NIOSSLContext(configuration: .makeClientConfiguration())).map { .prefer($0) } ?? .disable
        case .require: directTLS = (try? NIOSSLContext(configuration: .makeClientConfiguration())).map { .require($0) } ?? .disable
        }
        var direct = PostgresConnection.Configuration(host: url.host, port: url.port, username: url.user, password: password,
                                                      database: url.database, tls: directTLS)
        direct.options.connectTimeout = .seconds(2)
        self.direct = direct
        let client = PostgresClient(configuration: config, backgroundLogger: PostgresReportStore.poolLogger(logger))
        self.client = client
        self.runner = Task { await client.run() }
    }

    /// How long the pool keeps a connection nobody uses (see `init`).
    static let connectionIdleTimeout: Duration = .seconds(10)

    /// The logger postgres-nio's pool logs its own life to: the collector's, raised to `warning` unless the collector
    /// logs debug. The pool says "Connection creation failed" at info for every attempt while the database is down, many
    /// a second; the collector says the outage itself, once when it starts and once when it ends (`AvailabilityMonitor`).
    static func poolLogger(_ logger: Logger) -> Logger {
        var quiet = logger
        if quiet.logLevel > .debug, quiet.logLevel < .warning { quiet.logLevel = .warning }
        return quiet
    }

    /// Reads the password from `passwordFile`: its first line, without the line ending (LF, or CRLF as a file
    /// written on Windows has it). Nothing else is trimmed: a password may begin or end with spaces.
    public static func readPassword(_ passwordFile: String?) throws -> String? {
        guard let passwordFile, !passwordFile.isEmpty else { return nil }
        let text: String
        do {
            text = try String(contentsOfFile: passwordFile, encoding: .utf8)
        } catch {
            // Said plainly (CocoaError's own description is a dictionary dump; `localizedDescription` would link ICU).
            let why = switch (error as? CocoaError)?.code {
            case .fileReadNoSuchFile?, .fileNoSuchFile?: "no such file"
            case .fileReadNoPermission?: "permission denied"
            case .fileReadInapplicableStringEncoding?: "not UTF-8"
            default: "\(error)"
            }
            throw StoreError.unavailable("PasswordFile=\(passwordFile): cannot read it (\(why)); it must be readable by the collector")
        }
        // By bytes: as Characters, "\r\n" is one grapheme and never equal to "\n".
        var line = text.utf8.prefix(while: { $0 != 0x0A })
        if line.last == 0x0D { line = line.dropLast() }
        return String(Substring(line))
    }

    // MARK: - ReportStore

    public func migrate() async throws {
        try await call("cannot create or upgrade the schema", explainingTimeout: true) { [client, logger] in
            try await client.withConnection { conn in
                try await conn.query("BEGIN", logger: logger)
                do {
                    // One collector migrates at a time; the others wait here and then find nothing to do.
                    try await conn.query("SELECT pg_advisory_xact_lock(\(PostgresSchema.ddlLock))", logger: logger)
                    try await conn.query("""
                        CREATE TABLE IF NOT EXISTS collector_migrations (
                            version int PRIMARY KEY, description text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())
                        """, logger: logger)
                    var current = 0
                    for try await v in try await conn.query("SELECT coalesce(max(version), 0)::int8 FROM collector_migrations", logger: logger).decode(Int.self) {
                        current = v
                    }
                    if current > PostgresSchema.latestVersion {
                        throw StoreError.incompatible("schema version \(current) was written by a newer telemetry-collector (this one knows \(PostgresSchema.latestVersion))")
                    }
                    for m in PostgresSchema.migrations where m.version > current {
                        for sql in m.sql { try await conn.query(PostgresQuery(unsafeSQL: sql), logger: logger) }
                        try await conn.query("INSERT INTO collector_migrations (version, description) VALUES (\(m.version), \(m.description))", logger: logger)
                    }
                    try await conn.query("COMMIT", logger: logger)
                } catch {
                    _ = try? await conn.query("ROLLBACK", logger: logger)
                    throw error
                }
            }
        }
    }

    public func insert(_ report: ValidatedReport, receivedAt: Date) async throws -> InsertOutcome {
        let day = UTCDay(receivedAt)
        guard report.type != .forget else {
            throw StoreError.invalidRequest("a forget report is not stored: ReportStore.forget erases the install")
        }
        return try await call("cannot store report \(report.messageId)") { [self] in
            try await ensurePartition(day)
            do {
                do {
                    return try await insertOnce(report, receivedAt: receivedAt, day: day)
                } catch let e as PSQLError where e.sqlState == "23514" {
                    // "no partition of relation found for row": another collector pruned that day meanwhile.
                    partitions.withLockedValue { _ = $0.remove(day.daysSinceEpoch) }
                    try await ensurePartition(day)
                    return try await insertOnce(report, receivedAt: receivedAt, day: day)
                }
            } catch let e as PSQLError {
                if let why = PostgresReportStore.rejection(sqlState: e.sqlState, message: e.serverInfo?[.message]) { throw StoreError.rejected(why) }
                throw e
            }
        }
    }

    /// In one statement (`InsertBatch`: one round trip, one commit, one WAL flush for the batch), forget reports left
    /// out and answered `.invalidRequest`. When the server refuses anything inside it (a report's value, a day pruned
    /// meanwhile, a deadlock with another writer), the statement stores nothing and the reports are stored one by one,
    /// so a bad report costs only itself.
    public func insert(batch: [ReportToStore]) async throws -> [Result<InsertOutcome, StoreError>] {
        guard !batch.isEmpty else { return [] }
        let toStore = batch.filter { $0.report.type != .forget }
        let days = Set(toStore.map { UTCDay($0.receivedAt) })
        // More time than one insert's: the server stores the batch's reports one after another.
        let stored = try await call("cannot store \(batch.count) reports", deadline: deadline + .milliseconds(20 * batch.count)) {
            [self] () async throws -> [InsertOutcome]? in
            guard !toStore.isEmpty else { return [] }
            for day in days.sorted() { try await ensurePartition(day) }
            let statement = InsertBatch(reports: toStore)
            do {
                var row: [String] = []
                for try await r in try await client.execute(statement, logger: logger) { row = r }
                return try statement.outcomes(row)
            } catch let e as PSQLError where e.serverInfo != nil {
                logger.debug("a batch of \(toStore.count) reports is stored one by one: \(PostgresReportStore.describe(e))")
                batchesStoredOneByOne.withLockedValue { $0 += 1 }
                return nil
            }
        }
        guard let stored else { return try await insertOneByOne(batch) }
        var next = stored.makeIterator()
        return batch.map { item in
            guard item.report.type != .forget, let outcome = next.next() else {
                return .failure(.invalidRequest("a forget report is not stored: ReportStore.forget erases the install"))
            }
            return .success(outcome)
        }
    }

    /// Why the server refused a report's values, when the SQLSTATE says the report is at fault rather than the
    /// database: class 22 (data exception: 22P05 an escape it cannot store such as \u0000, 22021 a byte sequence
    /// invalid in the encoding, 22001 a value too long, 22003 a number out of range, ...) and 54000 (a value over an
    /// index's row size). Anything else (connections, locks, disk, permissions) is the database's: nil.
    static func rejection(sqlState: String?, message: String?) -> String? {
        guard let state = sqlState, state.hasPrefix("22") || state == "54000" else { return nil }
        return "\(message ?? "data exception") (SQLSTATE \(state))"
    }

    private func insertOnce(_ report: ValidatedReport, receivedAt: Date, day: UTCDay) async throws -> InsertOutcome {
        var isNew: Bool? = false
        for try await v in try await client.execute(InsertReport(report: report, receivedAt: receivedAt, day: day), logger: logger) {
            isNew = v
        }
        switch isNew {
        case true?: return .new
        case false?: return .duplicate
        case nil: return .erased
        }
    }

    private func ensurePartition(_ day: UTCDay) async throws {
        if partitions.withLockedValue({ $0.contains(day.daysSinceEpoch) }) { return }
        // Today's partition and tomorrow's, so the first reports after midnight find theirs ready.
        for d in [day, day.adding(days: 1)] {
            try await client.query("SELECT collector_ensure_partition(DATE '1970-01-01' + \(Int32(d.daysSinceEpoch))::int4)",
                                   logger: logger).collectAll()
            partitions.withLockedValue { _ = $0.insert(d.daysSinceEpoch) }
        }
    }

    public func summary(days: Int, asOf: Date, filter: SummaryFilter) async throws -> Summary {
        guard days >= 1 else { throw StoreError.invalidRequest("days must be at least 1, got \(days)") }
        let assembler = SummaryAssembler(days: days, lastDay: UTCDay(asOf))
        return try await call("cannot read the summary", deadline: Self.readDeadline) { [client, logger] in
            // A read writes nothing: closed days counted now are stored by refreshDayCache, on the collector's own
            // schedule, never because of a request.
            try await client.withConnection { conn in
                // One snapshot for every number of the summary.
                try await conn.query("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", logger: logger)
                do {
                    let s = try await PostgresSummaryQueries(connection: conn, logger: logger).run(assembler, filter: filter)
                    try await conn.query("COMMIT", logger: logger)
                    return s
                } catch {
                    _ = try? await conn.query("ROLLBACK", logger: logger)
                    throw error
                }
            }
        }
    }

    /// In one transaction on one connection: the check (the install's pinned key locked against a concurrent forget),
    /// then every row of the install deleted (raw reports and their message ids, day rows, counters, the install's row
    /// and its key) and its ID's hash remembered.
    public func forget(instanceId: String, erasureKeyHash presented: String) async throws -> ForgetOutcome {
        let hashed = ErasureHash.ofInstance(instanceId)
        return try await call("cannot erase an install") { [client, logger] in
            try await client.withConnection { conn in
                try await conn.query("BEGIN", logger: logger)
                do {
                    let outcome = try await Self.erase(conn, instanceId: instanceId, hashed: hashed, presented: presented, logger: logger)
                    try await conn.query("COMMIT", logger: logger)
                    return outcome
                } catch {
                    _ = try? await conn.query("ROLLBACK", logger: logger)
                    throw error
                }
            }
        }
    }

    private static func erase(_ conn: PostgresConnection, instanceId: String, hashed: String, presented: String,
                              logger: Logger) async throws -> ForgetOutcome {
        for try await erasedWith in try await conn.query("SELECT key_hash FROM erased_installs WHERE instance_hash = \(hashed)",
                                                         logger: logger).decode(String.self) {
            return ErasureHash.matches(erasedWith, presented) ? .alreadyErased : .refused(.wrongKey)
        }
        guard let id = UUID(uuidString: instanceId) else { return .refused(.noPinnedKey) }
        var pinned: String?
        for try await k in try await conn.query("SELECT key_hash FROM install_keys WHERE instance_id = \(id) FOR UPDATE",
                                                logger: logger).decode(String.self) {
            pinned = k
        }
        guard let pinned else { return .refused(.noPinnedKey) }
        guard ErasureHash.matches(pinned, presented) else { return .refused(.wrongKey) }
        try await conn.query("DELETE FROM message_ids WHERE message_id IN (SELECT message_id FROM reports WHERE instance_id = \(id))",
                             logger: logger)
        var reports = 0
        for try await n in try await conn.query("WITH d AS (DELETE FROM reports WHERE instance_id = \(id) RETURNING 1) SELECT count(*)::int8 FROM d",
                                                logger: logger).decode(Int.self) {
            reports = n
        }
        // By the install's days: the counters' key starts with the day.
        try await conn.query("""
            DELETE FROM install_day_counters WHERE instance_id = \(id)
                AND day IN (SELECT day FROM install_days WHERE instance_id = \(id))
            """, logger: logger)
        try await conn.query("DELETE FROM install_days WHERE instance_id = \(id)", logger: logger)
        try await conn.query("DELETE FROM installs WHERE instance_id = \(id)", logger: logger)
        try await conn.query("DELETE FROM install_keys WHERE instance_id = \(id)", logger: logger)
        try await conn.query("INSERT INTO erased_installs (instance_hash, key_hash) VALUES (\(hashed), \(presented)) ON CONFLICT DO NOTHING",
                             logger: logger)
        return .erased(reports: reports)
    }

    public func knowsInstall(_ instanceId: String) async throws -> Bool {
        guard let id = UUID(uuidString: instanceId) else { return false }
        return try await call("cannot look up an install") { [client, logger] in
            for try await _ in try await client.query("SELECT 1 FROM installs WHERE instance_id = \(id)", logger: logger) {
                return true
            }
            return false
        }
    }

    /// Counts the closed days of the range missing from `day_cache` (or cached at an older version) and stores
    /// them, newest first, a month at a time: each step is one read-only snapshot and one write, within `deadline`.
    @discardableResult
    public func refreshDayCache(days: Int, asOf: Date) async throws -> Int {
        guard days >= 1 else { throw StoreError.invalidRequest("days must be at least 1, got \(days)") }
        let lastDay = Int32(UTCDay(asOf).daysSinceEpoch)
        let firstDay = lastDay - Int32(days - 1)
        var stored = 0
        var hi = lastDay
        while hi >= firstDay, !Task.isCancelled {
            let lo = max(firstDay, hi - 30)
            let toCache = try await call("cannot count closed days for the day cache", deadline: Self.longDeadline) { [client, logger, lo, hi] in
                try await client.withConnection { conn in
                    try await conn.query("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", logger: logger)
                    do {
                        let t = try await PostgresSummaryQueries(connection: conn, logger: logger).uncachedClosedDays(first: lo, last: hi)
                        try await conn.query("COMMIT", logger: logger)
                        return t
                    } catch {
                        _ = try? await conn.query("ROLLBACK", logger: logger)
                        throw error
                    }
                }
            }
            if !toCache.isEmpty {
                try await call("cannot store \(toCache.count) days in the day cache", deadline: Self.longDeadline) { [client, logger] in
                    try await PostgresSummaryQueries.cache(toCache, client: client, logger: logger)
                }
                stored += toCache.count
            }
            hi = lo - 1
        }
        return stored
    }

    /// `ANALYZE` of the tables an import grows. Until autovacuum gets to them (a minute or more after the load) the
    /// planner takes freshly filled tables for nearly empty: right after importing a 100-day history of 1,000 installs, the
    /// day cache's first count of 31 days did not finish within its minute (nested loops over what it took for a few
    /// rows), and every read counted the whole history itself until the next attempt.
    public func updateStatistics() async throws {
        _ = try await call("cannot update the planner's statistics (ANALYZE)", deadline: Self.longDeadline) { [client, logger] in
            try await client.query("ANALYZE install_days, installs, install_day_counters, day_versions, install_keys, message_ids",
                                   logger: logger)
        }
    }

    /// Counts the final retention cells of the range that `retention_cache` lacks (or holds at an older stamp) and
    /// stores them, one cohort at a time, newest first: each step is one read-only snapshot and one write, within
    /// `deadline`. Then drops the cells of cohorts older than the 26 weeks any summary shows.
    @discardableResult
    public func refreshRetentionCache(days: Int, asOf: Date) async throws -> Int {
        guard days >= 1 else { throw StoreError.invalidRequest("days must be at least 1, got \(days)") }
        let range = SummaryAssembler(days: days, lastDay: UTCDay(asOf))
        let (plan, missing) = try await call("cannot read the retention cache", deadline: Self.longDeadline) { [client, logger] in
            try await client.withConnection { conn in
                let queries = PostgresSummaryQueries(connection: conn, logger: logger)
                let plan = RetentionPlan(range, closed: UTCDay(daysSinceEpoch: Int(try await queries.closedDay())))
                let cached = try await queries.cachedRetention(plan, filter: .all)
                return (plan, plan.finalCells.filter { cached[$0] == nil })
            }
        }
        var stored = 0
        for (week, cells) in Dictionary(grouping: missing, by: \.week).sorted(by: { $0.key > $1.key }) {
            if Task.isCancelled { break }
            let counted = try await call("cannot count the retention cohort of \(week.isoWeek)", deadline: Self.longDeadline) { [client, logger] in
                try await client.withConnection { conn in
                    try await conn.query("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", logger: logger)
                    do {
                        let c = try await PostgresSummaryQueries(connection: conn, logger: logger).countForCache(plan, cells: cells)
                        try await conn.query("COMMIT", logger: logger)
                        return c
                    } catch {
                        _ = try? await conn.query("ROLLBACK", logger: logger)
                        throw error
                    }
                }
            }
            try await call("cannot store the retention cohort of \(week.isoWeek)", deadline: Self.longDeadline) { [client, logger] in
                try await PostgresSummaryQueries.cacheRetention(counted.rows, stamps: counted.stamps, client: client, logger: logger)
            }
            stored += cells.count
        }
        let oldest = Int32(RetentionCell.weekNumber(plan.lastDay) - (SummaryAssembler.maxCohorts - 1))
        try await call("cannot drop old cohorts from the retention cache", deadline: Self.longDeadline) { [client, logger] in
            try await client.query("DELETE FROM retention_cache WHERE cohort_week < \(oldest)", logger: logger).collectAll()
        }
        return stored
    }

    public func retentionCellsToCount(days: Int, asOf: Date, filter: SummaryFilter) async throws -> Int {
        guard days >= 1 else { throw StoreError.invalidRequest("days must be at least 1, got \(days)") }
        let range = SummaryAssembler(days: days, lastDay: UTCDay(asOf))
        return try await call("cannot read the retention cache", deadline: Self.longDeadline) { [client, logger] in
            try await client.withConnection { conn in
                try await conn.query("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", logger: logger)
                do {
                    let queries = PostgresSummaryQueries(connection: conn, logger: logger)
                    let plan = RetentionPlan(range, closed: UTCDay(daysSinceEpoch: Int(try await queries.closedDay())))
                    let n = plan.toCount(cached: Set(try await queries.cachedRetention(plan, filter: filter).keys)).count
                    try await conn.query("COMMIT", logger: logger)
                    return n
                } catch {
                    _ = try? await conn.query("ROLLBACK", logger: logger)
                    throw error
                }
            }
        }
    }

    @discardableResult
    public func prune(before: Date) async throws -> Int {
        let cutoff = Int32(UTCDay(before).daysSinceEpoch)
        let removed = try await call("cannot prune", deadline: Self.longDeadline) { [client, logger] in
            var n = 0
            for try await v in try await client.query("SELECT collector_prune(DATE '1970-01-01' + \(cutoff)::int4)::int8",
                                                      logger: logger).decode(Int.self) {
                n = v
            }
            return n
        }
        partitions.withLockedValue { $0 = $0.filter { $0 >= Int(cutoff) } }
        return removed
    }

    public func health() async -> StoreHealth {
        do {
            // Through the pool only: a health check during an outage must not open a connection of its own.
            let version = try await call("cannot read the schema version") { [client, logger] in
                var v = 0
                for try await x in try await client.query(
                    "SELECT coalesce(max(version), 0)::int8 FROM collector_migrations", logger: logger).decode(Int.self) {
                    v = x
                }
                return v
            }
            guard version > 0 else { return StoreHealth(available: false, detail: "\(url): not migrated") }
            return StoreHealth(available: true, detail: "ok")
        } catch {
            return StoreHealth(available: false, detail: "\(error)")
        }
    }

    /// Why a connection cannot be made (wrong password, unknown database, refused, TLS), from one attempt of its
    /// own outside the pool; nil when it connects. Only for start-up (`migrate()`), never per report nor per health
    /// check: an outage must not turn every request into a new connection attempt.
    func diagnose() async -> String? {
        do {
            let connection = try await withDeadline(.seconds(3), onTimeout: { StoreError.unavailable("no answer within 3 s") }) { [direct, logger] in
                try await PostgresConnection.connect(configuration: direct, id: 0, logger: logger)
            }
            try? await connection.close()
            return nil
        } catch let e as StoreError {
            return e.description
        } catch {
            return PostgresReportStore.describe(error)
        }
    }

    public func close() async {
        runner.cancel()
        await runner.value
    }

    // MARK: - Failures

    /// Runs one store operation within `deadline`; every failure to reach or use the database becomes
    /// `StoreError.unavailable` naming the database and what failed (never the password). With `explainingTimeout`
    /// (start-up only, see `diagnose()`), a deadline that passed is followed by one direct connection
    /// attempt whose error says why: the pool retries a refused login quietly until the deadline.
    private func call<T: Sendable>(_ what: String, explainingTimeout: Bool = false, deadline: Duration? = nil,
                                   _ body: @escaping @Sendable () async throws -> T) async throws -> T {
        let deadline = deadline ?? self.deadline
        do {
            return try await withDeadline(deadline, onTimeout: { DeadlinePassed() }, body)
        } catch is DeadlinePassed {
            var message = "\(url): \(what): no answer within \(deadline)"
            if explainingTimeout, let why = await diagnose() { message += "; connecting directly: \(why)" }
            throw StoreError.unavailable(message)
        } catch let e as StoreError {
            throw e
        } catch {
            throw StoreError.unavailable("\(url): \(what): \(PostgresReportStore.describe(error))")
        }
    }

    /// The deadlines of the work the ingest never waits for. Counting a hundred closed days of a large fleet's facts
    /// takes seconds: the day cache's and retention cache's refresh and the pruner get a minute; a summary (computed
    /// once per ReadCacheSec= however many ask, from the day cache once the refresher has filled it) 15 s, so that a
    /// page asked for while the database is down still says so within a reasonable wait. The ingest's calls keep
    /// `deadline`, so that a stuck database is answered with 503 at once.
    static let longDeadline: Duration = .seconds(60)
    static let readDeadline: Duration = .seconds(15)

    /// `call`'s deadline passed (turned into `StoreError.unavailable` there).
    private struct DeadlinePassed: Error {}

    /// What went wrong, for logs and STATUS= (never for an HTTP answer): the SQLSTATE and server message, or the connection error.
    static func describe(_ error: any Error) -> String {
        if let e = error as? PSQLError {
            if let info = e.serverInfo {
                let state = info[.sqlState] ?? "?"
                return "\(info[.message] ?? "server error") (SQLSTATE \(state))"
            }
            if let underlying = e.underlying { return "\(e.code): \(underlying)" }
            return "\(e.code)"
        }
        return "\(error)"
    }
}

/// The ingest's one statement, prepared once per connection (postgres-nio keeps it by name): the server parses
/// and plans it once instead of once per report. The facts go as text cast to jsonb: a statement prepared with a
/// NULL first lets the server infer jsonb, whose binary form a String is not.
///
/// Erasure rides along in the same statement (no extra round trip): an erased install (`erased_installs` holds its ID's
/// hash) stores nothing and answers NULL; otherwise the report's `erasureKeyHash`, when it has one, is pinned unless
/// the install has one already, atomically with the insert.
struct InsertReport: PostgresPreparedStatement {
    static let name = "telemetry_collector_insert_v3"
    static let sql: String = {
        let n = Dimension.allCases.count
        let dimParams = (0..<n).map { "$\($0 + 8)::text" }.joined(separator: ", ")
        return """
            WITH erased AS (SELECT EXISTS (SELECT 1 FROM erased_installs WHERE instance_hash = $\(n + 14)::text) AS yes),
            pin AS (INSERT INTO install_keys (instance_id, key_hash)
                    SELECT $4::uuid, $\(n + 13)::text FROM erased WHERE NOT erased.yes AND $\(n + 13)::text IS NOT NULL
                    ON CONFLICT (instance_id) DO NOTHING)
            SELECT CASE WHEN erased.yes THEN NULL ELSE
                collector_insert($1::uuid, $2::text, $3::timestamptz, $4::uuid, $5::uuid, $6::timestamptz,
                DATE '1970-01-01' + $7::int4, \(dimParams), $\(n + 8)::text, $\(n + 9)::text::jsonb, $\(n + 10)::text[],
                $\(n + 11)::int8[], $\(n + 12)::jsonb) END
            FROM erased
            """
    }()
    typealias Row = Bool?

    let report: ValidatedReport
    let receivedAt: Date
    let day: UTCDay

    func makeBindings() throws -> PostgresBindings {
        var binds = PostgresBindings(capacity: 14 + Dimension.allCases.count)
        binds.append(report.messageId)
        binds.append(report.type.rawValue)
        binds.append(report.timestamp)
        binds.append(report.instanceId)
        binds.append(report.clusterId)
        binds.append(receivedAt)
        binds.append(Int32(day.daysSinceEpoch))
        for dim in Dimension.allCases { binds.append(report.breakdown[dim]) }
        binds.append(report.product)
        binds.append(report.factsRollupJSON)
        let counters = report.counters.filter { $0.value > 0 }.sorted { $0.key < $1.key }
        binds.append(counters.map(\.key))
        binds.append(counters.map { Int64($0.value) })
        binds.append(report.json)
        binds.append(report.erasureKeyHash)
        binds.append(ErasureHash.ofInstance(report.instanceId))
        return binds
    }

    func decodeRow(_ row: PostgresRow) throws -> Bool? { try row.decode(Bool?.self) }
}

extension PSQLError {
    var sqlState: String? { serverInfo?[.sqlState] }
}

extension PostgresRowSequence {
    /// Drains the rows (the pool gets its connection back only once the sequence ends).
    func collectAll() async throws {
        for try await _ in self {}
    }
}
