#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import CollectorCore
import Logging
import SQLiteNIO
#if canImport(Glibc)
import Glibc
#endif

/// The embedded store for one machine: one SQLite file in WAL mode, one connection, one operation at a time
/// (a collector on one machine ingests a few reports a second; SQLite does tens of thousands).
///
/// Tables: `reports` (raw reports, unique `message_id`, pruned after RetainDays=), `install_days` (the rollup:
/// one row per install and UTC day with that day's breakdown values), `installs` (first and last day seen and
/// the latest known value of each breakdown), `meta` (schema version).
public final class SQLiteReportStore: ReportStore {
    public static let schemaVersion = 1
    public let kind = "sqlite"
    public let path: String
    private let connection: SQLiteConnection
    private let gate = AsyncSerialGate()

    private init(path: String, connection: SQLiteConnection) {
        self.path = path
        self.connection = connection
    }

    /// Opens (creating) the database file; `migrate()` creates the tables.
    public static func open(path: String, logger: Logger = Logger(label: "telemetry-collector.sqlite")) async throws -> SQLiteReportStore {
        let connection: SQLiteConnection
        do {
            connection = try await SQLiteConnection.open(storage: .file(path: path), logger: logger)
        } catch {
            throw StoreError.unavailable("\(path): cannot open: \(SQLiteReportStore.describe(error))")
        }
        let store = SQLiteReportStore(path: path, connection: connection)
        store.giveFilesToDirectoryOwner()
        do {
            // WAL: readers never block the writer; NORMAL is durable across process crashes in WAL mode.
            _ = try await connection.query("PRAGMA journal_mode=WAL")
            _ = try await connection.query("PRAGMA synchronous=NORMAL")
            _ = try await connection.query("PRAGMA busy_timeout=5000")
        } catch {
            try? await connection.close()
            throw store.wrap(error, "cannot configure")
        }
        return store
    }

    // MARK: - ReportStore

    public func migrate() async throws {
        try await serially { [self] in
            do {
                try await exec("BEGIN IMMEDIATE")
                do {
                    try await exec("CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
                    let rows = try await connection.query("SELECT value FROM meta WHERE key = 'schema_version'")
                    if let v = rows.first?.column("value")?.integer, v > SQLiteReportStore.schemaVersion {
                        throw StoreError.incompatible("\(path): schema version \(v) was written by a newer telemetry-collector (this one knows \(SQLiteReportStore.schemaVersion))")
                    }
                    let columns = Dimension.allCases.map { "\($0.column) TEXT" }.joined(separator: ", ")
                    try await exec("""
                        CREATE TABLE IF NOT EXISTS reports (
                            message_id TEXT PRIMARY KEY, received_day TEXT NOT NULL, received_at INTEGER NOT NULL,
                            type TEXT NOT NULL, timestamp INTEGER NOT NULL, instance_id TEXT NOT NULL,
                            cluster_id TEXT NOT NULL, body TEXT NOT NULL) WITHOUT ROWID
                        """)
                    try await exec("CREATE INDEX IF NOT EXISTS reports_by_day ON reports (received_day)")
                    try await exec("""
                        CREATE TABLE IF NOT EXISTS install_days (
                            day TEXT NOT NULL, instance_id TEXT NOT NULL, cluster_id TEXT NOT NULL, \(columns),
                            PRIMARY KEY (day, instance_id)) WITHOUT ROWID
                        """)
                    try await exec("CREATE INDEX IF NOT EXISTS install_days_by_instance ON install_days (instance_id, day)")
                    try await exec("""
                        CREATE TABLE IF NOT EXISTS installs (
                            instance_id TEXT PRIMARY KEY, first_day TEXT NOT NULL, last_day TEXT NOT NULL, \(columns)) WITHOUT ROWID
                        """)
                    try await exec("CREATE INDEX IF NOT EXISTS installs_by_first_day ON installs (first_day)")
                    try await exec("INSERT OR REPLACE INTO meta (key, value) VALUES ('schema_version', '\(SQLiteReportStore.schemaVersion)')")
                    try await exec("COMMIT")
                } catch {
                    try? await exec("ROLLBACK")
                    throw error
                }
            } catch {
                throw wrap(error, "cannot create the schema")
            }
        }
    }

    public func insert(_ report: ValidatedReport, receivedAt: Date) async throws -> InsertOutcome {
        let day = UTCDay(receivedAt).description
        let dims = Dimension.allCases
        let facts: [SQLiteData] = dims.map { report.facts[$0].map(SQLiteData.text) ?? .null }
        return try await serially { [self] in
            do {
                try await exec("BEGIN IMMEDIATE")
                do {
                    let inserted = try await connection.query("""
                        INSERT INTO reports (message_id, received_day, received_at, type, timestamp, instance_id, cluster_id, body)
                        VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8) ON CONFLICT (message_id) DO NOTHING RETURNING message_id
                        """, [.text(report.messageId), .text(day), .integer(Int(receivedAt.timeIntervalSince1970)),
                              .text(report.type.rawValue), .integer(Int(report.timestamp.timeIntervalSince1970)),
                              .text(report.instanceId), .text(report.clusterId), .text(report.json)])
                    guard !inserted.isEmpty else {
                        try await exec("COMMIT")
                        return .duplicate
                    }
                    // ?1 day, ?2 instance, ?3 cluster, ?4… this report's values (NULL: it does not tell).
                    let cols = dims.map(\.column)
                    let params = dims.indices.map { "?\($0 + 4)" }
                    // A new day row starts from the install's latest known values; then this report's win.
                    try await exec("""
                        INSERT OR IGNORE INTO install_days (day, instance_id, cluster_id, \(cols.joined(separator: ", ")))
                        SELECT ?1, ?2, ?3, \(zip(cols, params).map { "COALESCE(\($1), i.\($0))" }.joined(separator: ", "))
                        FROM (SELECT 1) LEFT JOIN installs i ON i.instance_id = ?2
                        """, [.text(day), .text(report.instanceId), .text(report.clusterId)] + facts)
                    try await exec("""
                        UPDATE install_days SET cluster_id = ?3, \(zip(cols, params).map { "\($0) = COALESCE(\($1), \($0))" }.joined(separator: ", "))
                        WHERE day = ?1 AND instance_id = ?2
                        """, [.text(day), .text(report.instanceId), .text(report.clusterId)] + facts)
                    try await exec("""
                        INSERT INTO installs (instance_id, first_day, last_day, \(cols.joined(separator: ", ")))
                        VALUES (?2, ?1, ?1, \(params.joined(separator: ", ")))
                        ON CONFLICT (instance_id) DO UPDATE SET first_day = MIN(first_day, excluded.first_day),
                            last_day = MAX(last_day, excluded.last_day),
                            \(cols.map { "\($0) = COALESCE(excluded.\($0), installs.\($0))" }.joined(separator: ", "))
                        """, [.text(day), .text(report.instanceId), .text(report.clusterId)] + facts)
                    try await exec("COMMIT")
                    return .new
                } catch {
                    try? await exec("ROLLBACK")
                    throw error
                }
            } catch {
                throw wrap(error, "cannot store report \(report.messageId)")
            }
        }
    }

    public func summary(days: Int, asOf: Date) async throws -> Summary {
        guard days >= 1 else { throw StoreError.invalidRequest("days must be at least 1, got \(days)") }
        let range = SummaryAssembler(days: days, lastDay: UTCDay(asOf))
        let first = SQLiteData.text(range.firstDay.description), last = SQLiteData.text(range.lastDay.description)
        return try await serially { [self] in
            var a = range
            do {
                // One read transaction: every number below sees the same snapshot.
                try await exec("BEGIN")
                do {
                for row in try await connection.query(
                    "SELECT day, COUNT(*) AS n FROM install_days WHERE day BETWEEN ?1 AND ?2 GROUP BY day", [first, last]) {
                    if let d = row.day { a.addActive(day: d, count: row.count) }
                }
                for dim in Dimension.allCases {
                    for row in try await connection.query("""
                        SELECT day, \(dim.column) AS label, COUNT(*) AS n FROM install_days WHERE day BETWEEN ?1 AND ?2 GROUP BY day, \(dim.column)
                        """, [first, last]) {
                        if let d = row.day { a.add(dim, day: d, label: row.column("label")?.string, count: row.count) }
                    }
                }
                for row in try await connection.query(
                    "SELECT first_day AS day, COUNT(*) AS n FROM installs WHERE first_day BETWEEN ?1 AND ?2 GROUP BY first_day", [first, last]) {
                    if let d = row.day { a.addNew(day: d, count: row.count) }
                }
                for row in try await connection.query("""
                    SELECT seen AS day, COUNT(*) AS n FROM (SELECT MAX(day) AS seen FROM install_days WHERE day <= ?2 GROUP BY instance_id)
                    WHERE seen BETWEEN ?1 AND ?3 GROUP BY seen
                    """, [first, last, .text(a.lostCutoff.description)]) {
                    if let d = row.day { a.addLost(day: d, count: row.count) }
                }
                for row in try await connection.query("""
                    SELECT size, COUNT(*) AS n FROM (SELECT COUNT(*) AS size FROM install_days WHERE day = ?1 GROUP BY cluster_id HAVING COUNT(*) >= 2)
                    GROUP BY size
                    """, [last]) {
                    if let size = row.column("size")?.integer { a.addClusters(size: size, clusters: row.count) }
                }
                try await exec("COMMIT")
                } catch {
                    try? await exec("ROLLBACK")
                    throw error
                }
                return a.build()
            } catch {
                throw wrap(error, "cannot read the summary")
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
            let v = try await serially { [self] in
                try await connection.query("SELECT value FROM meta WHERE key = 'schema_version'").first?.column("value")?.integer
            }
            guard v != nil else { return StoreHealth(available: false, detail: "\(path): not migrated") }
            return StoreHealth(available: true, detail: "ok")
        } catch {
            return StoreHealth(available: false, detail: "\(error)")
        }
    }

    public func close() async {
        _ = try? await serially { [self] in try await connection.close() }
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

    private func serially<T: Sendable>(_ body: @Sendable () async throws -> T) async throws -> T {
        try await gate.run(body)
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

private extension SQLiteRow {
    var day: UTCDay? { column("day")?.string.flatMap(UTCDay.init) }
    var count: Int { column("n")?.integer ?? 0 }
}
