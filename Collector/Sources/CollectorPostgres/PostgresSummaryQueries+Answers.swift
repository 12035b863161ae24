import CollectorSummary
import PostgresNIO

/// The answers beyond counts (issue 18) that are not per-day totals (established installs and the lifecycle are in
/// `countDays`), from the rollups: the adoption look-back and the retention cohorts; the
/// same queries as SQLite's (`SQLiteSummaryQueries+Answers.swift`), in PostgreSQL's dialect.
extension PostgresSummaryQueries {
    private func bindings(_ ints: [Int32], _ texts: [String]) -> PostgresBindings {
        var b = PostgresBindings()
        for i in ints { b.append(i) }
        for t in texts { b.append(t) }
        return b
    }

    /// Active installs per product version on the days of the adoption look-back before the range: the day cache's
    /// rows where it has them, else counted (only per version) from the rollups.
    func versionHistory(into a: inout SummaryAssembler, filter: SummaryFilter, closed: Int32) async throws {
        let lo = Int32(a.adoptionFirstDay.daysSinceEpoch), hi = Int32(a.firstDay.daysSinceEpoch) - 1
        guard lo <= hi else { return }
        var known = Set<Int32>()
        if lo <= closed {
            for (day, t) in try await cachedTotals(first: lo, last: min(hi, closed), filter: filter).0 {
                a.addVersionDay(UTCDay(daysSinceEpoch: Int(day)), active: t.active, byVersion: t.by[Dimension.productVersion.column] ?? [:])
                known.insert(day)
            }
        }
        let missing = (lo...hi).filter { !known.contains($0) }
        guard let first = missing.first, let last = missing.last else { return }
        let f = PostgresSummaryQueries.filterSQL(filter, alias: "d", firstParameter: 3)
        var counted: [Int32: [String: Int]] = [:]
        for try await (day, version, n) in try await connection.query(PostgresQuery(unsafeSQL: """
            SELECT (day - DATE '1970-01-01')::int4, product_version, count(*)::int8 FROM install_days d
            WHERE day BETWEEN DATE '1970-01-01' + $1::int4 AND DATE '1970-01-01' + $2::int4\(f.sql)
            GROUP BY day, product_version
            """, binds: bindings([first, last], f.binds)), logger: logger).decode((Int32, String?, Int64).self) where !known.contains(day) {
            counted[day, default: [:]][version ?? Buckets.unknown, default: 0] += Int(n)
        }
        for (day, byVersion) in counted {
            a.addVersionDay(UTCDay(daysSinceEpoch: Int(day)), active: byVersion.values.reduce(0, +), byVersion: byVersion)
        }
    }

    /// Per cohort (the ISO week of the install's first day, its row of that day matching the product and version of
    /// `filter`) the installs active in each later week up to the last day; with `established`, only established days
    /// count (the cohort: those established in their first week).
    func retention(into a: inout SummaryAssembler, filter: SummaryFilter) async throws {
        var cohort = filter
        cohort.established = false
        let f = PostgresSummaryQueries.filterSQL(cohort, alias: "d", firstParameter: 3)
        let join = cohort.isAll ? "" : " JOIN install_days d ON d.instance_id = i.instance_id AND d.day = i.first_day"
        // The install's row is at hand: no lookup per day row.
        let active = filter.established ? " AND x.last_at - i.first_at >= 86400" : ""
        func week(_ day: String) -> String { "((\(day) - DATE '1970-01-01' + 3) / 7)" }
        let later = ([0] + RetentionCohort.weeksLater).map(String.init).joined(separator: ", ")
        let binds = bindings([Int32(a.retentionFirstWeek.daysSinceEpoch), Int32(a.lastDay.daysSinceEpoch)], f.binds)
        for try await (w, k, n) in try await connection.query(PostgresQuery(unsafeSQL: """
            SELECT w::int4, k::int4, count(*)::int8 FROM (
                SELECT DISTINCT i.instance_id, \(week("i.first_day")) AS w, \(week("x.day")) - \(week("i.first_day")) AS k
                FROM installs i\(join)
                JOIN install_days x ON x.instance_id = i.instance_id
                    AND x.day BETWEEN i.first_day AND DATE '1970-01-01' + $2::int4
                WHERE i.first_day BETWEEN DATE '1970-01-01' + $1::int4 AND DATE '1970-01-01' + $2::int4\(f.sql)\(active)) c
            WHERE k IN (\(later)) GROUP BY w, k
            """, binds: binds), logger: logger).decode((Int32, Int32, Int64).self) {
            a.addCohort(week: UTCDay(daysSinceEpoch: Int(w) * 7 - 3), weeksLater: Int(k), count: Int(n))
        }
    }
}
