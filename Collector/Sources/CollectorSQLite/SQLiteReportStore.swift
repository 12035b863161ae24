#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import CollectorSummary
import ReportValidation
import CollectorStore
import Logging
import NIOPosix
import SQLiteNIO
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// The embedded store for one machine: one SQLite file in WAL mode, a writer connection and a reader connection,
/// each with its own thread and its own bounded queue of operations (one at a time on each).
///
/// Reads never slow ingest: summaries and the health check run on the reader connection in a deferred read
/// transaction, which in WAL mode reads a snapshot beside the writer and never takes the write lock
/// (`PRAGMA query_only` makes sure), so a summary neither waits for inserts nor makes them wait. Only the writer
/// writes: reports, and `refreshDayCache` / `refreshRetentionCache` (the collector's own scheduled work), never a summary.
///
/// Tables: `reports` (raw reports with the values they were counted under, unique `message_id`, pruned after
/// RetainDays=), `install_days` (the rollup: one row per install and UTC day with that day's breakdown values, product
/// name and facts), `install_day_counters` (per install, day and counter the day's summed increments), `installs`
/// (first and last day seen, the latest known value of each breakdown, product and facts, the first report's arrival),
/// `day_cache` (each closed day's counts as `DayTotals` JSON, one row for the day, one per product, one per product
/// version, and the same over its established installs: `DayGroups`), `retention_cache` (the final cells of the weekly
/// retention cohorts: `RetentionCacheRow`, with `through_week`, the cell's activity week), `install_keys` (the `erasureKeyHash` pinned
/// per install), `erased_installs` (SHA-256 of each erased install's ID and the key hash it was erased with),
/// `meta` (schema version). Triggers keep the rollups: a new row in `reports` updates `install_days`, `installs` and
/// `install_day_counters` and drops its day's `day_cache` rows and the `retention_cache` cells from its week on. So storing
/// a report is one statement (one trip to SQLite's thread, atomic by itself), and a late `import` into a closed day is
/// counted from the rollups by every summary until the day is cached again.
public final class SQLiteReportStore: ReportStore {
    public static var schemaVersion: Int { migrations.count }
    /// Operations that may wait for the writer (inserts, prune, the day cache): beyond, `StoreError.unavailable`.
    public static let maxWaitingWrites = 256
    /// Summaries and health checks that may wait for the reader (the read model sends one per key at a time).
    public static let maxWaitingReads = 32
    public let kind = "sqlite"
    public let path: String
    private let connection: SQLiteConnection
    private let reader: SQLiteConnection
    /// One thread each: a long summary on the reader never holds the thread an insert needs.
    private let pools: [NIOThreadPool]
    private let gate = AsyncSerialGate(name: "writer", maxWaiting: SQLiteReportStore.maxWaitingWrites)
    private let readGate = AsyncSerialGate(name: "reader", maxWaiting: SQLiteReportStore.maxWaitingReads)
    /// The machine's clock, for which days are closed (cacheable: `ClosedDay`); tests move it.
    private let now: @Sendable () -> Date
    /// Installs whose erasure key hash this process saw pinned: the pin statement runs once per install, not once per
    /// report (a pin never changes, so a stale entry is harmless; bounded, emptied when full).
    private let pinned = Mutex<Set<String>>([])
    static let maxPinnedRemembered = 100_000

    private init(path: String, connection: SQLiteConnection, reader: SQLiteConnection, pools: [NIOThreadPool],
                 now: @escaping @Sendable () -> Date) {
        self.path = path
        self.connection = connection
        self.reader = reader
        self.pools = pools
        self.now = now
    }

    /// Opens (creating) the database file; `migrate()` creates the tables.
    public static func open(path: String, logger: Logger = Logger(label: "telemetry-collector.sqlite"),
                            now: @escaping @Sendable () -> Date = { Date() }) async throws -> SQLiteReportStore {
        let pools = [NIOThreadPool(numberOfThreads: 1), NIOThreadPool(numberOfThreads: 1)]
        for pool in pools { pool.start() }
        func shutDown() async { for pool in pools { try? await pool.shutdownGracefully() } }
        let loop = MultiThreadedEventLoopGroup.singleton.any()
        let connection: SQLiteConnection
        do {
            connection = try await SQLiteConnection.open(storage: .file(path: path), threadPool: pools[0], logger: logger, on: loop)
        } catch {
            await shutDown()
            throw StoreError.unavailable("\(path): cannot open: \(SQLiteReportStore.describe(error))")
        }
        do {
            // WAL first (it is a property of the file): readers never block the writer, nor the writer readers;
            // NORMAL is durable across process crashes in WAL mode.
            _ = try await connection.query("PRAGMA journal_mode=WAL")
            _ = try await connection.query("PRAGMA synchronous=NORMAL")
            _ = try await connection.query("PRAGMA busy_timeout=5000")
        } catch {
            try? await connection.close()
            await shutDown()
            throw StoreError.unavailable("\(path): cannot configure: \(SQLiteReportStore.describe(error))")
        }
        let reader: SQLiteConnection
        do {
            reader = try await SQLiteConnection.open(storage: .file(path: path), threadPool: pools[1], logger: logger, on: loop)
            do {
                _ = try await reader.query("PRAGMA busy_timeout=5000")
                // A bug that made a read write would fail here instead of taking the write lock.
                _ = try await reader.query("PRAGMA query_only=1")
            } catch {
                try? await reader.close()
                throw error
            }
        } catch {
            try? await connection.close()
            await shutDown()
            throw StoreError.unavailable("\(path): cannot open a reader connection: \(SQLiteReportStore.describe(error))")
        }
        let store = SQLiteReportStore(path: path, connection: connection, reader: reader, pools: pools, now: now)
        store.giveFilesToDirectoryOwner()
        return store
    }

    // MARK: - Schema

    private static let dims = Dimension.allCases
    private static let columns = dims.map(\.column)
    /// What a new day row takes from the install's row when the report does not tell: the breakdowns, product, facts.
    private static let carried = columns + ["product", "facts"]
    /// Per-install daily sums of a counter stop here (the wire's largest increment, 2^53 − 1), so no sum overflows.
    static let maxCounterSum: Int64 = 9_007_199_254_740_991

    /// The schema's versions in order; `meta.schema_version` is how many of them a database has.
    static let migrations: [[String]] = [
        // 1: raw reports and the rollups, written by four statements per report.
        [
            """
            CREATE TABLE IF NOT EXISTS reports (
                message_id TEXT PRIMARY KEY, received_day TEXT NOT NULL, received_at INTEGER NOT NULL,
                type TEXT NOT NULL, timestamp INTEGER NOT NULL, instance_id TEXT NOT NULL,
                cluster_id TEXT NOT NULL, body TEXT NOT NULL) WITHOUT ROWID
            """,
            "CREATE INDEX IF NOT EXISTS reports_by_day ON reports (received_day)",
            """
            CREATE TABLE IF NOT EXISTS install_days (
                day TEXT NOT NULL, instance_id TEXT NOT NULL, cluster_id TEXT NOT NULL,
                \(columns.map { "\($0) TEXT" }.joined(separator: ", ")), PRIMARY KEY (day, instance_id)) WITHOUT ROWID
            """,
            "CREATE INDEX IF NOT EXISTS install_days_by_instance ON install_days (instance_id, day)",
            """
            CREATE TABLE IF NOT EXISTS installs (
                instance_id TEXT PRIMARY KEY, first_day TEXT NOT NULL, last_day TEXT NOT NULL,
                \(columns.map { "\($0) TEXT" }.joined(separator: ", "))) WITHOUT ROWID
            """,
            "CREATE INDEX IF NOT EXISTS installs_by_first_day ON installs (first_day)",
        ],
        // 2: one statement per report (the rollups in triggers), raw reports in a rowid table (their ~2 KB bodies
        // in key order under random UUID keys split pages), each with its breakdown values, and day_cache.
        [
            """
            CREATE TABLE reports_v2 (
                message_id TEXT NOT NULL UNIQUE, received_day TEXT NOT NULL, received_at INTEGER NOT NULL,
                type TEXT NOT NULL, timestamp INTEGER NOT NULL, instance_id TEXT NOT NULL, cluster_id TEXT NOT NULL,
                \(columns.map { "\($0) TEXT" }.joined(separator: ", ")), body TEXT NOT NULL)
            """,
            """
            INSERT INTO reports_v2 (message_id, received_day, received_at, type, timestamp, instance_id, cluster_id, body)
            SELECT message_id, received_day, received_at, type, timestamp, instance_id, cluster_id, body FROM reports
            ORDER BY received_at
            """,
            "DROP TABLE reports",
            "ALTER TABLE reports_v2 RENAME TO reports",
            "CREATE INDEX reports_by_day ON reports (received_day)",
            "CREATE INDEX installs_by_last_day ON installs (last_day)",
            "CREATE TABLE day_cache (day TEXT PRIMARY KEY, totals TEXT NOT NULL) WITHOUT ROWID",
            // A new day row starts from the install's latest known values, then this report's values win; the
            // install's row keeps its first and last day and the latest value of each breakdown.
            """
            CREATE TRIGGER reports_rollup AFTER INSERT ON reports BEGIN
                INSERT INTO install_days (day, instance_id, cluster_id, \(columns.joined(separator: ", ")))
                SELECT NEW.received_day, NEW.instance_id, NEW.cluster_id, \(columns.map { "COALESCE(NEW.\($0), i.\($0))" }.joined(separator: ", "))
                FROM (SELECT 1) LEFT JOIN installs i ON i.instance_id = NEW.instance_id WHERE true
                ON CONFLICT (day, instance_id) DO UPDATE SET cluster_id = NEW.cluster_id,
                    \(columns.map { "\($0) = COALESCE(NEW.\($0), \($0))" }.joined(separator: ", "));
                INSERT INTO installs (instance_id, first_day, last_day, \(columns.joined(separator: ", ")))
                VALUES (NEW.instance_id, NEW.received_day, NEW.received_day, \(columns.map { "NEW.\($0)" }.joined(separator: ", ")))
                ON CONFLICT (instance_id) DO UPDATE SET first_day = MIN(first_day, excluded.first_day),
                    last_day = MAX(last_day, excluded.last_day),
                    \(columns.map { "\($0) = COALESCE(excluded.\($0), installs.\($0))" }.joined(separator: ", "));
            END
            """,
            "CREATE TRIGGER install_days_added AFTER INSERT ON install_days BEGIN DELETE FROM day_cache WHERE day = NEW.day; END",
            "CREATE TRIGGER install_days_changed AFTER UPDATE ON install_days BEGIN DELETE FROM day_cache WHERE day = NEW.day; END",
            "CREATE TRIGGER install_days_removed AFTER DELETE ON install_days BEGIN DELETE FROM day_cache WHERE day = OLD.day; END",
        ],
        // 3 (issue 17): product name, facts and counters per install and day; the day cache per product and version.
        [
            "ALTER TABLE reports ADD COLUMN product TEXT",
            "ALTER TABLE reports ADD COLUMN facts TEXT",
            "ALTER TABLE reports ADD COLUMN counters TEXT",
            "ALTER TABLE install_days ADD COLUMN product TEXT",
            "ALTER TABLE install_days ADD COLUMN facts TEXT",
            "ALTER TABLE installs ADD COLUMN product TEXT",
            "ALTER TABLE installs ADD COLUMN facts TEXT",
            """
            CREATE TABLE install_day_counters (
                day TEXT NOT NULL, instance_id TEXT NOT NULL, counter TEXT NOT NULL, increments INTEGER NOT NULL,
                PRIMARY KEY (day, instance_id, counter)) WITHOUT ROWID
            """,
            // The days still holding raw reports learn their product from them (the last report of the day naming
            // one), so filters work on the history kept; facts were not kept before and start now.
            """
            UPDATE install_days SET product = s.name FROM (
                SELECT received_day, instance_id,
                       CASE WHEN lower(name) IN ('unknown', 'other') THEN '"' || name || '"' ELSE name END AS name
                FROM (SELECT received_day, instance_id, name,
                             row_number() OVER (PARTITION BY received_day, instance_id ORDER BY received_at DESC, rowid DESC) AS n
                      FROM (SELECT received_day, instance_id, received_at, rowid,
                                   CASE WHEN json_valid(body) THEN json_extract(body, '$.product.name') END AS name FROM reports)
                      WHERE typeof(name) = 'text')
                WHERE n = 1) AS s
            WHERE install_days.day = s.received_day AND install_days.instance_id = s.instance_id
            """,
            """
            UPDATE installs SET product = (SELECT d.product FROM install_days d
                WHERE d.instance_id = installs.instance_id AND d.product IS NOT NULL ORDER BY d.day DESC LIMIT 1)
            """,
            "DROP TABLE day_cache",
            """
            CREATE TABLE day_cache (
                day TEXT NOT NULL, scope INTEGER NOT NULL, product TEXT NOT NULL, product_version TEXT NOT NULL,
                totals TEXT NOT NULL, PRIMARY KEY (day, scope, product, product_version)) WITHOUT ROWID
            """,
            "DROP TRIGGER reports_rollup",
            // SQLiteNIO prepares each statement anew, triggers included: every trigger an insert may fire costs its
            // compilation on every report. So the day cache is dropped by the rollup trigger itself rather than by
            // two more triggers on install_days (which only this trigger writes).
            "DROP TRIGGER install_days_added",
            "DROP TRIGGER install_days_changed",
            // As in version 2, and: product and facts are carried like the breakdowns (a report without facts leaves
            // the last known ones); then each counter's increments are added to the install's day.
            """
            CREATE TRIGGER reports_rollup AFTER INSERT ON reports BEGIN
                DELETE FROM day_cache WHERE day = NEW.received_day;
                INSERT INTO install_days (day, instance_id, cluster_id, \(carried.joined(separator: ", ")))
                SELECT NEW.received_day, NEW.instance_id, NEW.cluster_id, \(carried.map { "COALESCE(NEW.\($0), i.\($0))" }.joined(separator: ", "))
                FROM (SELECT 1) LEFT JOIN installs i ON i.instance_id = NEW.instance_id WHERE true
                ON CONFLICT (day, instance_id) DO UPDATE SET cluster_id = NEW.cluster_id,
                    \(carried.map { "\($0) = COALESCE(NEW.\($0), \($0))" }.joined(separator: ", "));
                INSERT INTO installs (instance_id, first_day, last_day, \(carried.joined(separator: ", ")))
                VALUES (NEW.instance_id, NEW.received_day, NEW.received_day, \(carried.map { "NEW.\($0)" }.joined(separator: ", ")))
                ON CONFLICT (instance_id) DO UPDATE SET first_day = MIN(first_day, excluded.first_day),
                    last_day = MAX(last_day, excluded.last_day),
                    \(carried.map { "\($0) = COALESCE(excluded.\($0), installs.\($0))" }.joined(separator: ", "));
            END
            """,
            // A trigger of its own, skipped (WHEN) by the reports that carry no increments: most of them. Only
            // increments above 0 reach it (`ValidatedReport.countersRollupJSON`).
            """
            CREATE TRIGGER reports_counters AFTER INSERT ON reports WHEN NEW.counters IS NOT NULL BEGIN
                INSERT INTO install_day_counters (day, instance_id, counter, increments)
                SELECT NEW.received_day, NEW.instance_id, key, value FROM json_each(NEW.counters) WHERE true
                ON CONFLICT (day, instance_id, counter) DO UPDATE
                    SET increments = MIN(increments + excluded.increments, \(maxCounterSum));
            END
            """,
        ],
        // 4 (issue 18): established installs. The install's first report's arrival (`installs.first_at`) and each
        // install-day's last (`install_days.last_at`), seconds since 1970; established on a day when they are 86 400 s
        // or more apart. Rows from before learn them from the raw reports still kept, else from their days (first_at
        // the first day's 00:00, last_at the day's 23:59:59). The day cache is counted again (rows now hold
        // `established`, `returning`, `resurrected`), and a report older than its install's first one drops the cache
        // of the days after it (those days' established installs may change), any report that of the install's next
        // active day (its previous active day may change: returning, resurrected).
        [
            "ALTER TABLE installs ADD COLUMN first_at INTEGER",
            "ALTER TABLE install_days ADD COLUMN last_at INTEGER",
            "UPDATE installs SET first_at = CAST(strftime('%s', first_day) AS INTEGER)",
            """
            UPDATE installs SET first_at = s.t FROM (
                SELECT instance_id, MIN(received_at) AS t, MIN(received_day) AS d FROM reports GROUP BY instance_id) AS s
            WHERE installs.instance_id = s.instance_id AND installs.first_day = s.d
            """,
            "UPDATE install_days SET last_at = CAST(strftime('%s', day) AS INTEGER) + 86399",
            """
            UPDATE install_days SET last_at = s.t FROM (
                SELECT received_day, instance_id, MAX(received_at) AS t FROM reports GROUP BY received_day, instance_id) AS s
            WHERE install_days.day = s.received_day AND install_days.instance_id = s.instance_id
            """,
            "DELETE FROM day_cache",
            "DROP TRIGGER reports_rollup",
            // As in version 3, and: the day row keeps the day's last arrival, the install's row its first.
            rollupTriggerV4(),
        ],
        // Erasure on request (issue 18): the erasure key hash pinned per install, the erased installs by the hash of
        // their ID, the raw reports findable by install. Deleting an install's day rows no longer drops the day cache:
        // only `forget` deletes them, and a closed day's cached totals, anonymous, stay.
        [
            "CREATE TABLE install_keys (instance_id TEXT PRIMARY KEY, key_hash TEXT NOT NULL) WITHOUT ROWID",
            "CREATE TABLE erased_installs (instance_hash TEXT PRIMARY KEY, key_hash TEXT NOT NULL) WITHOUT ROWID",
            "CREATE INDEX reports_by_instance ON reports (instance_id)",
            "DROP TRIGGER install_days_removed",
            // The reports kept from agents that already sent a hash pin it: the earliest one wins.
            """
            INSERT INTO install_keys (instance_id, key_hash)
            SELECT instance_id, h FROM (SELECT instance_id, json_extract(body, '$.erasureKeyHash') AS h, received_at, rowid
                                        FROM reports WHERE json_valid(body))
            WHERE typeof(h) = 'text' AND length(h) = 64 ORDER BY received_at, rowid
            ON CONFLICT (instance_id) DO NOTHING
            """,
        ],
        // 6: the retention cache: final cells of the weekly cohorts (`RetentionCacheRow`), keyed by the week numbers
        // since 1970 (`RetentionCell.weekNumber`) of the cohort and of its activity (`through_week`). A report into a
        // day may add an install to that day's week's cohort, move an install's first report (its cohort and the weeks
        // it counts as established) back to that week, or make it active that week: every cell whose activity week is
        // that week or later goes, one indexed delete in the rollup trigger (nothing to delete for today's reports).
        [
            """
            CREATE TABLE retention_cache (
                cohort_week INTEGER NOT NULL, weeks_later INTEGER NOT NULL, scope INTEGER NOT NULL, product TEXT NOT NULL,
                product_version TEXT NOT NULL, through_week INTEGER NOT NULL, installs INTEGER NOT NULL,
                PRIMARY KEY (cohort_week, weeks_later, scope, product, product_version)) WITHOUT ROWID
            """,
            "CREATE INDEX retention_cache_by_through_week ON retention_cache (through_week)",
            "DROP TRIGGER reports_rollup",
            rollupTriggerV4(also: retentionCacheDrop),
        ],
        // 7: the install's row is written only when the report changes it (`installChanged`): most reports of a known
        // install change nothing there (the same day, the same values), and an upsert that sets the same values still
        // writes the row, its page and its WAL frame.
        [
            "DROP TRIGGER reports_rollup",
            rollupTriggerV4(also: retentionCacheDrop, installWhere: installChanged),
        ],
    ]

    /// Version 6's first statement of the rollup trigger: the retention cache's cells from the report's week on.
    static let retentionCacheDrop = "\n    DELETE FROM retention_cache WHERE through_week >= \(week("NEW.received_day"));"

    /// The condition under which the rollup's upsert into `installs` changes the row (`excluded`: the report's values,
    /// `installs`: the row's): each SET of the upsert, true exactly when it would write another value.
    static let installChanged = (["installs.first_day > excluded.first_day", "installs.last_day < excluded.last_day",
                                  "installs.first_at IS NULL OR installs.first_at > excluded.first_at"]
                                 + carried.map { "(excluded.\($0) IS NOT NULL AND excluded.\($0) IS NOT installs.\($0))" })
        .joined(separator: "\n                OR ")

    /// The week number since 1970 (`RetentionCell.weekNumber`) of the day `day` (an SQL expression, `YYYY-MM-DD`).
    static func week(_ day: String) -> String { "((CAST(julianday(\(day)) - 2440587.5 AS INTEGER) + 3) / 7)" }

    /// The rollup trigger of version 4; version 6 adds `also` (statements run first, like the day cache's drops),
    /// version 7 `installWhere` (the install's row is updated only when it holds).
    static func rollupTriggerV4(also: String = "", installWhere: String? = nil) -> String {
        """
        CREATE TRIGGER reports_rollup AFTER INSERT ON reports BEGIN\(also)
            DELETE FROM day_cache WHERE day = NEW.received_day;
            DELETE FROM day_cache WHERE day > NEW.received_day
                AND EXISTS (SELECT 1 FROM installs WHERE instance_id = NEW.instance_id AND first_at > NEW.received_at);
            DELETE FROM day_cache WHERE day = (SELECT MIN(x.day) FROM install_days x
                WHERE x.instance_id = NEW.instance_id AND x.day > NEW.received_day);
            INSERT INTO install_days (day, instance_id, cluster_id, \(carried.joined(separator: ", ")), last_at)
            SELECT NEW.received_day, NEW.instance_id, NEW.cluster_id, \(carried.map { "COALESCE(NEW.\($0), i.\($0))" }.joined(separator: ", ")), NEW.received_at
            FROM (SELECT 1) LEFT JOIN installs i ON i.instance_id = NEW.instance_id WHERE true
            ON CONFLICT (day, instance_id) DO UPDATE SET cluster_id = NEW.cluster_id,
                \(carried.map { "\($0) = COALESCE(NEW.\($0), \($0))" }.joined(separator: ", ")),
                last_at = MAX(COALESCE(last_at, excluded.last_at), excluded.last_at);
            INSERT INTO installs (instance_id, first_day, last_day, \(carried.joined(separator: ", ")), first_at)
            VALUES (NEW.instance_id, NEW.received_day, NEW.received_day, \(carried.map { "NEW.\($0)" }.joined(separator: ", ")), NEW.received_at)
            ON CONFLICT (instance_id) DO UPDATE SET first_day = MIN(first_day, excluded.first_day),
                last_day = MAX(last_day, excluded.last_day),
                \(carried.map { "\($0) = COALESCE(excluded.\($0), installs.\($0))" }.joined(separator: ", ")),
                first_at = MIN(COALESCE(installs.first_at, excluded.first_at), excluded.first_at)\(installWhere.map { "\n            WHERE \($0)" } ?? "");
        END
        """
    }

    /// The one statement that stores a report: ?1 message, ?2 day, ?3 received at, ?4 type, ?5 timestamp,
    /// ?6 instance, ?7 cluster, ?8… the breakdown values (NULL: the report does not tell), the product, the facts and
    /// the counters (`ValidatedReport.factsRollupJSON`, `countersRollupJSON`), the body, then the instance's
    /// `ErasureHash.ofInstance` (an erased install: nothing stored).
    static let insertSQL = """
        INSERT INTO reports (message_id, received_day, received_at, type, timestamp, instance_id, cluster_id, \(columns.joined(separator: ", ")), product, facts, counters, body)
        SELECT \((1...(11 + columns.count)).map { "?\($0)" }.joined(separator: ", "))
        WHERE NOT EXISTS (SELECT 1 FROM erased_installs WHERE instance_hash = ?\(12 + columns.count))
        ON CONFLICT (message_id) DO NOTHING RETURNING 1
        """

    // MARK: - ReportStore

    public func migrate() async throws {
        try await serially { [self] in
            do {
                try await exec("BEGIN IMMEDIATE")
                do {
                    try await exec("CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
                    // A database from before the table existed has none: version 0 (version 1 is idempotent).
                    let current = try await storedSchemaVersion() ?? 0
                    if current > SQLiteReportStore.schemaVersion {
                        throw StoreError.incompatible("\(path): schema version \(current) was written by a newer telemetry-collector (this one knows \(SQLiteReportStore.schemaVersion))")
                    }
                    for (i, statements) in SQLiteReportStore.migrations.enumerated() where i + 1 > current {
                        for sql in statements { try await exec(sql) }
                    }
                    try await exec("INSERT OR REPLACE INTO meta (key, value) VALUES ('schema_version', '\(SQLiteReportStore.schemaVersion)')")
                    try await exec("COMMIT")
                } catch {
                    try? await exec("ROLLBACK")
                    throw error
                }
            } catch {
                throw wrap(error, "cannot create or upgrade the schema")
            }
        }
    }

    public func insert(_ report: ValidatedReport, receivedAt: Date) async throws -> InsertOutcome {
        guard report.type != .forget else {
            throw StoreError.invalidRequest("a forget report is not stored: ReportStore.forget erases the install")
        }
        let binds = SQLiteReportStore.binds(report, receivedAt: receivedAt)
        return try await serially { [self, binds] in
            do {
                // One statement: atomic by itself, the rollups in its triggers.
                let outcome = try await insertRow(report, binds)
                // Pinned on a duplicate too: a crash between the two statements is mended by the agent's retry.
                rememberPinned([report])
                return outcome
            } catch {
                throw wrap(error, "cannot store report \(report.messageId)")
            }
        }
    }

    /// In one write transaction (one commit for the batch instead of one per report) and one statement per
    /// `maxRowsPerStatement` reports: `insertSQL` over many rows. SQLiteNIO prepares every statement anew, and preparing
    /// the insert compiles its rollup trigger, which cost about as much as running it; many rows per statement pay that
    /// once. The rows are inserted in the batch's order and the trigger runs per row, so the rollups come out as from
    /// single inserts (within a day the last report wins); a messageId twice in the batch is stored once (the first).
    /// Should the transaction fail, it is rolled back and the reports are stored one by one, so a single bad report
    /// costs only itself (and a database that is really unavailable fails the first of them).
    public func insert(batch: [ReportToStore]) async throws -> [Result<InsertOutcome, StoreError>] {
        guard !batch.isEmpty else { return [] }
        let rows = batch.map { item in
            item.report.type == .forget ? nil : SQLiteReportStore.binds(item.report, receivedAt: item.receivedAt)
        }
        let committed: [Result<InsertOutcome, StoreError>]? = try await serially { [self, rows] in
            do {
                try await exec("BEGIN IMMEDIATE")
            } catch {
                throw wrap(error, "cannot begin a transaction for \(batch.count) reports")
            }
            do {
                let outcomes = try await insertRows(batch.map(\.report), rows)
                try await exec("COMMIT")
                rememberPinned(batch.map(\.report))
                return outcomes
            } catch {
                try? await exec("ROLLBACK")
                return nil
            }
        }
        if let committed { return committed }
        return try await insertOneByOne(batch)
    }

    /// Rows per statement of a batch: SQLite takes up to 250 000 parameters (SQLiteNIO's build), a row binds 19.
    static let maxRowsPerStatement = 1024

    /// `insertSQL` for `rows` reports: the same columns from a VALUES list, in its order.
    static func insertManySQL(rows: Int) -> String {
        let width = 12 + columns.count
        let row = "(" + Array(repeating: "?", count: width).joined(separator: ", ") + ")"
        return """
            INSERT INTO reports (message_id, received_day, received_at, type, timestamp, instance_id, cluster_id, \(columns.joined(separator: ", ")), product, facts, counters, body)
            SELECT \((1..<width).map { "column\($0)" }.joined(separator: ", ")) FROM (VALUES \(Array(repeating: row, count: rows).joined(separator: ", ")))
            WHERE NOT EXISTS (SELECT 1 FROM erased_installs WHERE instance_hash = column\(width))
            ON CONFLICT (message_id) DO NOTHING RETURNING message_id
            """
    }

    /// On the writer, inside a transaction: the reports (`binds` nil: a forget report, not stored) and their pinned keys,
    /// a statement per `maxRowsPerStatement`; each report's outcome in order.
    private func insertRows(_ reports: [ValidatedReport], _ binds: [[SQLiteData]?]) async throws -> [Result<InsertOutcome, StoreError>] {
        var outcomes: [Result<InsertOutcome, StoreError>?] = Array(repeating: nil, count: reports.count)
        let storable = binds.indices.filter { binds[$0] != nil }
        for start in stride(from: 0, to: storable.count, by: SQLiteReportStore.maxRowsPerStatement) {
            let part = storable[start..<min(storable.count, start + SQLiteReportStore.maxRowsPerStatement)]
            let stored = try await connection.query(SQLiteReportStore.insertManySQL(rows: part.count), part.flatMap { binds[$0] ?? [] })
            var inserted = Set(stored.compactMap { $0.column("message_id")?.string })
            // Not inserted: a known messageId (or one earlier in the batch), or an erased install (asked only then).
            var erased: Set<String> = []
            if stored.count < part.count {
                let hashes = Set(part.map { ErasureHash.ofInstance(reports[$0].instanceId) })
                let placeholders = Array(repeating: "?", count: hashes.count).joined(separator: ", ")
                erased = Set(try await connection.query("SELECT instance_hash FROM erased_installs WHERE instance_hash IN (\(placeholders))",
                                                        hashes.map(SQLiteData.text)).compactMap { $0.column("instance_hash")?.string })
            }
            var keys: [SQLiteData] = []
            for i in part {
                let report = reports[i]
                if !erased.isEmpty, erased.contains(ErasureHash.ofInstance(report.instanceId)) {
                    outcomes[i] = .success(.erased)
                    continue
                }
                // The first row of a messageId is the one stored.
                outcomes[i] = .success(inserted.remove(report.messageId) != nil ? .new : .duplicate)
                // Pinned on a duplicate too, as by `insert`; the first key of an install wins (ON CONFLICT DO NOTHING).
                if let hash = report.erasureKeyHash, !pinned.withLock({ $0.contains(report.instanceId) }) {
                    keys += [.text(report.instanceId), .text(hash)]
                }
            }
            if !keys.isEmpty {
                let values = Array(repeating: "(?, ?)", count: keys.count / 2).joined(separator: ", ")
                try await exec("INSERT INTO install_keys (instance_id, key_hash) SELECT column1, column2 FROM (VALUES \(values)) WHERE true ON CONFLICT (instance_id) DO NOTHING", keys)
            }
        }
        return outcomes.map { $0 ?? .failure(.invalidRequest("a forget report is not stored: ReportStore.forget erases the install")) }
    }

    /// ?1 message, ?2 day, … as `insertSQL` wants them.
    private static func binds(_ report: ValidatedReport, receivedAt: Date) -> [SQLiteData] {
        var binds: [SQLiteData] = [
            .text(report.messageId), .text(UTCDay(receivedAt).description), .integer(Int(receivedAt.timeIntervalSince1970)),
            .text(report.type.rawValue), .integer(Int(report.timestamp.timeIntervalSince1970)),
            .text(report.instanceId), .text(report.clusterId),
        ]
        binds += dims.map { report.breakdown[$0].map(SQLiteData.text) ?? .null }
        binds += [report.product, report.factsRollupJSON, report.countersRollupJSON].map { $0.map(SQLiteData.text) ?? .null }
        binds.append(.text(report.json))
        binds.append(.text(ErasureHash.ofInstance(report.instanceId)))
        return binds
    }

    /// On the writer (inside `serially`): the report's row (its triggers roll it up) and its pinned key. No row back =
    /// a known messageId, or an erased install (asked only then: rare).
    private func insertRow(_ report: ValidatedReport, _ binds: [SQLiteData]) async throws -> InsertOutcome {
        let inserted = try await connection.query(SQLiteReportStore.insertSQL, binds)
        if inserted.isEmpty,
           try await !connection.query("SELECT 1 FROM erased_installs WHERE instance_hash = ?1", [binds[binds.count - 1]]).isEmpty {
            return .erased
        }
        if let hash = report.erasureKeyHash, !pinned.withLock({ $0.contains(report.instanceId) }) {
            try await exec("INSERT INTO install_keys (instance_id, key_hash) VALUES (?1, ?2) ON CONFLICT (instance_id) DO NOTHING",
                           [.text(report.instanceId), .text(hash)])
        }
        return inserted.isEmpty ? .duplicate : .new
    }

    /// After the pin statements committed: their installs need no pin statement again in this process.
    private func rememberPinned(_ reports: [ValidatedReport]) {
        pinned.withLock { set in
            for report in reports where report.erasureKeyHash != nil && report.type != .forget {
                if set.count >= SQLiteReportStore.maxPinnedRemembered { set.removeAll() }
                set.insert(report.instanceId)
            }
        }
    }

    public func summary(days: Int, asOf: Date, filter: SummaryFilter) async throws -> Summary {
        guard days >= 1 else { throw StoreError.invalidRequest("days must be at least 1, got \(days)") }
        let range = SummaryAssembler(days: days, lastDay: UTCDay(asOf))
        // Closed (`ClosedDay`): a report stored into one later drops its cache rows (triggers).
        let closed = ClosedDay.last(at: now())
        return try await reading { [self] in
            var a = range
            do {
                // One read transaction on the reader: every number sees the same snapshot, beside the writer.
                _ = try await reader.query("BEGIN DEFERRED")
                do {
                    try await SQLiteSummaryQueries(db: reader).summary(into: &a, filter: filter, closed: closed)
                    _ = try await reader.query("COMMIT")
                } catch {
                    _ = try? await reader.query("ROLLBACK")
                    throw error
                }
                return a.build()
            } catch {
                throw wrap(error, "cannot read the summary")
            }
        }
    }

    /// On the writer, in one write transaction: the check, then every row of the install (raw reports, day rows,
    /// counters, the install's row and its pinned key) deleted and its ID's hash remembered.
    public func forget(instanceId: String, erasureKeyHash presented: String) async throws -> ForgetOutcome {
        let id = SQLiteData.text(instanceId)
        let hashed = SQLiteData.text(ErasureHash.ofInstance(instanceId))
        return try await serially { [self] in
            do {
                try await exec("BEGIN IMMEDIATE")
                do {
                    let outcome = try await erase(id: id, hashed: hashed, presented: presented)
                    try await exec("COMMIT")
                    return outcome
                } catch {
                    try? await exec("ROLLBACK")
                    throw error
                }
            } catch {
                throw wrap(error, "cannot erase an install")
            }
        }
    }

    private func erase(id: SQLiteData, hashed: SQLiteData, presented: String) async throws -> ForgetOutcome {
        if let erasedWith = try await connection.query("SELECT key_hash FROM erased_installs WHERE instance_hash = ?1", [hashed])
            .first?.column("key_hash")?.string {
            return ErasureHash.matches(erasedWith, presented) ? .alreadyErased : .refused(.wrongKey)
        }
        guard let pinned = try await connection.query("SELECT key_hash FROM install_keys WHERE instance_id = ?1", [id])
            .first?.column("key_hash")?.string else { return .refused(.noPinnedKey) }
        guard ErasureHash.matches(pinned, presented) else { return .refused(.wrongKey) }
        let reports = try await connection.query("DELETE FROM reports WHERE instance_id = ?1 RETURNING 1", [id]).count
        // By the install's days: the counters' key starts with the day.
        try await exec("""
            DELETE FROM install_day_counters WHERE instance_id = ?1
                AND day IN (SELECT day FROM install_days WHERE instance_id = ?1)
            """, [id])
        try await exec("DELETE FROM install_days WHERE instance_id = ?1", [id])
        try await exec("DELETE FROM installs WHERE instance_id = ?1", [id])
        try await exec("DELETE FROM install_keys WHERE instance_id = ?1", [id])
        try await exec("INSERT INTO erased_installs (instance_hash, key_hash) VALUES (?1, ?2)", [hashed, .text(presented)])
        return .erased(reports: reports)
    }

    /// On the reader connection: the lookup never waits for the writer.
    public func knowsInstall(_ instanceId: String) async throws -> Bool {
        try await reading { [self] in
            do {
                return try await !reader.query("SELECT 1 FROM installs WHERE instance_id = ?1", [.text(instanceId)]).isEmpty
            } catch {
                throw wrap(error, "cannot look up an install")
            }
        }
    }

    /// Counts each closed day of the range that `day_cache` lacks and stores it, newest first, one short write
    /// transaction per day (an insert waits at most for one day's count, never for the whole range).
    @discardableResult
    public func refreshDayCache(days: Int, asOf: Date) async throws -> Int {
        guard days >= 1 else { throw StoreError.invalidRequest("days must be at least 1, got \(days)") }
        let range = SummaryAssembler(days: days, lastDay: UTCDay(asOf))
        let closed = ClosedDay.last(at: now())
        let first = range.firstDay, last = min(range.lastDay, closed)
        guard first <= last else { return 0 }
        // Which days need counting, from the reader (no write lock for the common case: nothing to do).
        let cached: Set<UTCDay> = try await reading { [self] in
            do {
                return Set(try await SQLiteSummaryQueries(db: reader).cachedTotals(first...last, filter: .all).0.keys)
            } catch {
                throw wrap(error, "cannot read the day cache")
            }
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        var stored = 0
        for n in stride(from: last.daysSinceEpoch, through: first.daysSinceEpoch, by: -1) where !cached.contains(UTCDay(daysSinceEpoch: n)) {
            if Task.isCancelled { break }
            let day = UTCDay(daysSinceEpoch: n)
            try await serially { [self] in
                do {
                    // Counted and stored in one write transaction: no report can change the day in between.
                    try await exec("BEGIN IMMEDIATE")
                    do {
                        let queries = SQLiteSummaryQueries(db: connection)
                        var groups = try await queries.countDays(day...day, filter: .all)[day] ?? DayGroups()
                        groups.established = try await queries.countDays(day...day, filter: SummaryFilter(established: true))[day]?.groups ?? [:]
                        try await exec("DELETE FROM day_cache WHERE day = ?1", [.text(day.description)])
                        for row in groups.cacheRows {
                            try await exec("INSERT INTO day_cache (day, scope, product, product_version, totals) VALUES (?1, ?2, ?3, ?4, ?5)",
                                           [.text(day.description), .integer(row.scope.rawValue), .text(row.product), .text(row.version),
                                            .text(String(decoding: try encoder.encode(row.totals), as: UTF8.self))])
                        }
                        try await exec("COMMIT")
                    } catch {
                        try? await exec("ROLLBACK")
                        throw error
                    }
                } catch {
                    throw wrap(error, "cannot store the counts of \(day) in the day cache")
                }
            }
            stored += 1
        }
        return stored
    }

    /// Counts the final retention cells of the range that `retention_cache` lacks and stores them, one cohort per
    /// short write transaction, newest first (an insert waits at most for one cohort's count); then drops the cells of
    /// cohorts older than the 26 weeks any summary shows.
    @discardableResult
    public func refreshRetentionCache(days: Int, asOf: Date) async throws -> Int {
        guard days >= 1 else { throw StoreError.invalidRequest("days must be at least 1, got \(days)") }
        let plan = RetentionPlan(SummaryAssembler(days: days, lastDay: UTCDay(asOf)), closed: ClosedDay.last(at: now()))
        let cached: Set<RetentionCell> = try await reading { [self] in
            do {
                return Set(try await SQLiteSummaryQueries(db: reader).cachedRetention(plan, filter: .all).keys)
            } catch {
                throw wrap(error, "cannot read the retention cache")
            }
        }
        let cohorts = Dictionary(grouping: plan.finalCells.filter { !cached.contains($0) }, by: \.week)
        var stored = 0
        for (week, cells) in cohorts.sorted(by: { $0.key > $1.key }) {
            if Task.isCancelled { break }
            guard let scan = plan.scan(cells) else { continue }
            try await serially { [self] in
                do {
                    // Counted and stored in one write transaction: no report can change the cohort in between.
                    try await exec("BEGIN IMMEDIATE")
                    do {
                        let counts = try await SQLiteSummaryQueries(db: connection)
                            .countRetention(cohorts: scan.cohorts, activity: scan.activity, filter: .all, grouped: true)
                        // As text, one array per row: the INTEGER columns' affinity stores the numbers as integers.
                        let rows = RetentionCacheRow.rows(caching: cells, from: counts).map {
                            [String(RetentionCell.weekNumber($0.cell.week)), String($0.cell.weeksLater), String($0.scope.rawValue),
                             $0.product, $0.version, String(RetentionCell.weekNumber($0.cell.activityWeek)), String($0.installs)]
                        }
                        try await exec("DELETE FROM retention_cache WHERE cohort_week = ?1 AND weeks_later IN (\(cells.map { String($0.weeksLater) }.joined(separator: ", ")))",
                                       [.integer(RetentionCell.weekNumber(week))])
                        try await exec("""
                            INSERT INTO retention_cache (cohort_week, weeks_later, scope, product, product_version, through_week, installs)
                            SELECT \((0..<7).map { "json_extract(value, '$[\($0)]')" }.joined(separator: ", ")) FROM json_each(?1)
                            """, [.text(String(decoding: try JSONEncoder().encode(rows), as: UTF8.self))])
                        try await exec("COMMIT")
                    } catch {
                        try? await exec("ROLLBACK")
                        throw error
                    }
                } catch {
                    throw wrap(error, "cannot store the retention cohort of \(week.isoWeek) in the retention cache")
                }
            }
            stored += cells.count
        }
        let oldest = RetentionCell.weekNumber(plan.lastDay) - (SummaryAssembler.maxCohorts - 1)
        try await serially { [self] in
            do {
                try await exec("DELETE FROM retention_cache WHERE cohort_week < ?1", [.integer(oldest)])
            } catch {
                throw wrap(error, "cannot drop old cohorts from the retention cache")
            }
        }
        return stored
    }

    public func retentionCellsToCount(days: Int, asOf: Date, filter: SummaryFilter) async throws -> Int {
        guard days >= 1 else { throw StoreError.invalidRequest("days must be at least 1, got \(days)") }
        let plan = RetentionPlan(SummaryAssembler(days: days, lastDay: UTCDay(asOf)), closed: ClosedDay.last(at: now()))
        return try await reading { [self] in
            do {
                let cached = try await SQLiteSummaryQueries(db: reader).cachedRetention(plan, filter: filter)
                return plan.toCount(cached: Set(cached.keys)).count
            } catch {
                throw wrap(error, "cannot read the retention cache")
            }
        }
    }

    @discardableResult
    public func prune(before: Date) async throws -> Int {
        let cutoff = UTCDay(before).description
        return try await serially { [self] in
            do {
                let rows = try await connection.query("DELETE FROM reports WHERE received_day < ?1 RETURNING 1", [.text(cutoff)])
                return rows.count
            } catch {
                throw wrap(error, "cannot prune")
            }
        }
    }

    public func health() async -> StoreHealth {
        do {
            // On the reader: a health check never waits behind inserts.
            let v = try await reading { [self] in try await storedSchemaVersion(on: reader) }
            guard v != nil else { return StoreHealth(available: false, detail: "\(path): not migrated") }
            return StoreHealth(available: true, detail: "ok")
        } catch {
            return StoreHealth(available: false, detail: "\(wrap(error, "cannot read the schema version"))")
        }
    }

    public func close() async {
        _ = try? await reading { [self] in try await reader.close() }
        _ = try? await serially { [self] in try await connection.close() }
        for pool in pools { try? await pool.shutdownGracefully() }
        giveFilesToDirectoryOwner()
    }

    /// Run as root (`telemetry-collector summary` or `import` by an administrator), leave the database, its
    /// -wal and -shm files owned by whoever owns their directory: under DynamicUser=yes that is the service's
    /// user, which must still be able to write them. Not root: nothing to do.
    func giveFilesToDirectoryOwner() {
        guard geteuid() == 0 else { return }
        let dir = path.split(separator: "/", omittingEmptySubsequences: false).dropLast().joined(separator: "/")
        var st = stat()
        guard stat(dir.isEmpty ? "/" : dir, &st) == 0, st.st_uid != 0 else { return }
        for file in [path, path + "-wal", path + "-shm"] {
            _ = chown(file, st.st_uid, st.st_gid)   // ENOENT for files SQLite has not made: fine
        }
    }

    // MARK: - Helpers

    /// On the writer connection, after the writes queued before.
    private func serially<T: Sendable>(_ body: @Sendable () async throws -> T) async throws -> T {
        try await gate.run(body)
    }

    /// On the reader connection, never behind a write.
    private func reading<T: Sendable>(_ body: @Sendable () async throws -> T) async throws -> T {
        try await readGate.run(body)
    }

    /// `meta.schema_version`, nil when the file has none (not migrated).
    private func storedSchemaVersion(on db: SQLiteConnection? = nil) async throws -> Int? {
        try await (db ?? connection).query("SELECT value FROM meta WHERE key = 'schema_version'").first?.column("value")?.string.flatMap { Int($0) }
    }

    private func exec(_ sql: String, _ binds: [SQLiteData] = []) async throws {
        _ = try await connection.query(sql, binds)
    }

    private func wrap(_ error: any Error, _ what: String) -> any Error {
        if error is StoreError { return error }
        return StoreError.unavailable("\(path): \(what): \(SQLiteReportStore.describe(error))")
    }

    static func describe(_ error: any Error) -> String {
        if let e = error as? SQLiteError { return e.message }
        return "\(error)"
    }
}
