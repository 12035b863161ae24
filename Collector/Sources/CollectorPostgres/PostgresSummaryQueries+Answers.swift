#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import CollectorSummary
import Logging
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
            for (day, v) in try await cachedVersionDays(first: lo, last: min(hi, closed), filter: filter) {
                a.addVersionDay(UTCDay(daysSinceEpoch: Int(day)), active: v.active, byVersion: v.byVersion)
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

    /// The days from `first` to `last` that `day_cache` holds at their current version, with the active installs and the
    /// installs per product version of those `filter` matches: all the adoption look-back (up to 400 days) needs, taken
    /// out of each row in SQL rather than by decoding whole rows (every breakdown, facts, counters), which made a
    /// summary's cost grow with the days of history. A day whose rows this version cannot read is left out: counted again.
    func cachedVersionDays(first: Int32, last: Int32, filter: SummaryFilter) async throws -> [Int32: (active: Int, byVersion: [String: Int])] {
        let decoder = JSONDecoder()
        let scope = filter.cacheScope
        let (binds, conditions) = PostgresSummaryQueries.cacheRowsOfDays(first: first, last: last, filter: filter)
        var out: [Int32: (active: Int, byVersion: [String: Int])] = [:]
        var unreadable = Set<Int32>()
        var groupRows: [(Int32, Int, [String: Int])] = []
        for try await (day, rowScope, active, versions, readable) in try await connection.query(PostgresQuery(unsafeSQL: """
            SELECT (c.day - DATE '1970-01-01')::int4, c.scope::int4, (c.totals->>'active')::int8,
                   (c.totals->'by'->'product_version')::text,
                   (c.totals ? 'established' AND c.totals ? 'returning' AND c.totals ? 'resurrected'
                    AND jsonb_typeof(c.totals->'by') = 'object')
            FROM day_cache c LEFT JOIN day_versions v USING (day)
            WHERE c.day BETWEEN DATE '1970-01-01' + $1::int4 AND DATE '1970-01-01' + $2::int4
              AND c.version = coalesce(v.version, 0)
              AND (c.scope = 0 OR (c.scope = $3::int4\(conditions)))
            """, binds: binds), logger: logger).decode((Int32, Int32, Int64?, String?, Bool?).self) {
            let decoded = versions.flatMap { try? decoder.decode([String: Int].self, from: Data($0.utf8)) }
            guard readable == true, let active, decoded != nil || versions == nil else { unreadable.insert(day); continue }
            if rowScope == 0 {
                out[day] = scope == .day ? (Int(active), decoded ?? [:]) : (0, [:])
            } else {
                groupRows.append((day, Int(active), decoded ?? [:]))
            }
        }
        for (day, active, versions) in groupRows where out[day] != nil {
            out[day]?.active += active
            for (label, n) in versions { out[day]?.byVersion[label, default: 0] += n }
        }
        for d in unreadable { out[d] = nil }
        return out
    }

    /// The retention cohorts of `a`'s range: final cells from `retention_cache` where it holds them at their current
    /// stamp, the others counted from the rollups (`RetentionPlan`); returns how many cells were counted.
    @discardableResult
    func retention(into a: inout SummaryAssembler, filter: SummaryFilter, closed: Int32) async throws -> Int {
        let plan = RetentionPlan(a, closed: UTCDay(daysSinceEpoch: Int(closed)))
        let cached = try await cachedRetention(plan, filter: filter)
        for (cell, n) in cached { a.addCohort(week: cell.week, weeksLater: cell.weeksLater, count: n) }
        let missing = plan.toCount(cached: Set(cached.keys))
        guard let scan = plan.scan(missing) else { return 0 }
        let wanted = Set(missing)
        let counts = try await countRetention(cohorts: scan.cohorts, activity: scan.activity, filter: filter, grouped: false)
        for (cell, n) in RetentionCount.answer(counts, filter: filter) where wanted.contains(cell) {
            a.addCohort(week: cell.week, weeksLater: cell.weeksLater, count: n)
        }
        return missing.count
    }

    /// The cells of `plan` that `retention_cache` holds at their current stamp and that are final for it, with the
    /// installs `filter` selects.
    func cachedRetention(_ plan: RetentionPlan, filter: SummaryFilter) async throws -> [RetentionCell: Int] {
        let scopes = RetentionCacheRow.scopes(for: filter).map { String($0.rawValue) }.joined(separator: ", ")
        let first = Int32(RetentionCell.weekNumber(plan.firstWeek)), last = Int32(RetentionCell.weekNumber(plan.lastDay))
        var rows: [RetentionCacheRow] = []
        for try await (w, k, scope, product, version, n) in try await connection.query(PostgresQuery(unsafeSQL: """
            WITH s (t, stamp) AS (\(PostgresSchema.retentionStampSQL))
            SELECT c.cohort_week, c.weeks_later, c.scope::int4, c.product, c.product_version, c.installs
            FROM retention_cache c JOIN s ON s.t = c.cohort_week + c.weeks_later AND s.stamp = c.stamp
            WHERE c.cohort_week BETWEEN $1::int4 AND $2::int4 AND c.scope IN (\(scopes))
            """, binds: bindings([first, last], [])), logger: logger).decode((Int32, Int32, Int32, String, String, Int64).self) {
            let cell = RetentionCell(week: RetentionCell.monday(ofWeek: Int(w)), weeksLater: Int(k))
            guard plan.isFinal(cell), let scope = DayCacheRow.Scope(rawValue: Int(scope)) else { continue }
            rows.append(RetentionCacheRow(cell: cell, scope: scope, product: product, version: version, installs: Int(n)))
        }
        return RetentionCacheRow.answer(rows, filter: filter)
    }

    /// Per cell (the ISO week of the install's first day in `cohorts`; its activity week, on days of `activity`) the
    /// installs active, and those of them established on one of those days; `grouped`: per product and version of the
    /// install's first day, else only the installs whose first day matches the product and version of `filter`.
    func countRetention(cohorts: ClosedRange<UTCDay>, activity: ClosedRange<UTCDay>, filter: SummaryFilter,
                        grouped: Bool) async throws -> [RetentionCount] {
        var cohort = grouped ? SummaryFilter.all : filter
        cohort.established = false
        let f = PostgresSummaryQueries.filterSQL(cohort, alias: "d", firstParameter: 5)
        let needsDay = grouped || !cohort.isAll
        func week(_ day: String) -> String { "((\(day) - DATE '1970-01-01' + 3) / 7)" }
        let later = ([0] + RetentionCohort.weeksLater).map(String.init).joined(separator: ", ")
        let days = [activity.lowerBound, activity.upperBound, cohorts.lowerBound, cohorts.upperBound].map { Int32($0.daysSinceEpoch) }
        var out: [RetentionCount] = []
        for try await (w, k, product, version, n, e) in try await connection.query(PostgresQuery(unsafeSQL: """
            SELECT w::int4, k::int4, p, v, count(*)::int8, count(*) FILTER (WHERE e)::int8 FROM (
                SELECT x.instance_id, \(week("i.first_day")) AS w, \(week("x.day")) - \(week("i.first_day")) AS k,
                       \(needsDay ? "d.product AS p, d.product_version AS v" : "NULL::text AS p, NULL::text AS v"),
                       bool_or(x.last_at - i.first_at >= 86400) AS e
                FROM install_days x JOIN installs i ON i.instance_id = x.instance_id
                    \(needsDay ? "JOIN install_days d ON d.day = i.first_day AND d.instance_id = i.instance_id" : "")
                WHERE x.day BETWEEN DATE '1970-01-01' + $1::int4 AND DATE '1970-01-01' + $2::int4
                  AND i.first_day BETWEEN DATE '1970-01-01' + $3::int4 AND DATE '1970-01-01' + $4::int4
                  AND x.day >= i.first_day\(needsDay ? "\n                  AND d.day BETWEEN DATE '1970-01-01' + $3::int4 AND DATE '1970-01-01' + $4::int4" : "")\(f.sql)
                GROUP BY 1, 2, 3, 4, 5) c
            WHERE k IN (\(later)) GROUP BY w, k, p, v
            """, binds: bindings(days, f.binds)), logger: logger).decode((Int32, Int32, String?, String?, Int64, Int64).self) {
            out.append(RetentionCount(cell: RetentionCell(week: RetentionCell.monday(ofWeek: Int(w)), weeksLater: Int(k)),
                                      group: grouped ? ProductVersion(product: product, version: version) : nil,
                                      installs: Int(n), established: Int(e)))
        }
        return out
    }

    /// The week numbers from `first` to `last` with their current stamps (`PostgresSchema.retentionStampSQL`).
    func retentionStamps(first: Int, last: Int) async throws -> [Int: Int64] {
        var out: [Int: Int64] = [:]
        for try await (t, stamp) in try await connection.query(PostgresQuery(unsafeSQL: PostgresSchema.retentionStampSQL,
                                                                            binds: bindings([Int32(first), Int32(last)], [])),
                                                            logger: logger).decode((Int32, Int64).self) {
            out[Int(t)] = stamp
        }
        return out
    }

    /// The cells of `plan`'s cohort `week` to cache (`cells`, final, not cached): counted per group now, with the stamps
    /// of their activity weeks read in the same snapshot.
    func countForCache(_ plan: RetentionPlan, cells: [RetentionCell]) async throws -> (rows: [RetentionCacheRow], stamps: [Int: Int64]) {
        guard let scan = plan.scan(cells) else { return ([], [:]) }
        let counts = try await countRetention(cohorts: scan.cohorts, activity: scan.activity, filter: .all, grouped: true)
        let weeks = cells.map { RetentionCell.weekNumber($0.activityWeek) }
        let stamps = try await retentionStamps(first: weeks.min() ?? 0, last: weeks.max() ?? 0)
        return (RetentionCacheRow.rows(caching: cells, from: counts), stamps)
    }

    /// Stores counted cells: the rows of their cohort replaced (a newer count replaces an older one), each with its
    /// activity week's stamp.
    static func cacheRetention(_ rows: [RetentionCacheRow], stamps: [Int: Int64], client: PostgresClient, logger: Logger) async throws {
        guard let week = rows.first?.cell.week else { return }
        var binds = PostgresBindings()
        binds.append(rows.map { Int32(RetentionCell.weekNumber($0.cell.week)) })
        binds.append(rows.map { Int32($0.cell.weeksLater) })
        binds.append(rows.map { Int32($0.scope.rawValue) })
        binds.append(rows.map(\.product))
        binds.append(rows.map(\.version))
        binds.append(rows.map { stamps[RetentionCell.weekNumber($0.cell.activityWeek)] ?? -1 })
        binds.append(rows.map { Int64($0.installs) })
        let cells = Set(rows.map(\.cell))
        var gone = PostgresBindings()
        gone.append(Int32(RetentionCell.weekNumber(week)))
        gone.append(cells.map { Int32($0.weeksLater) })
        try await client.withConnection { conn in
            try await conn.query("BEGIN", logger: logger)
            do {
                try await conn.query(PostgresQuery(unsafeSQL: """
                    DELETE FROM retention_cache WHERE cohort_week = $1::int4 AND weeks_later = ANY($2::int4[])
                    """, binds: gone), logger: logger)
                try await conn.query(PostgresQuery(unsafeSQL: """
                    INSERT INTO retention_cache (cohort_week, weeks_later, scope, product, product_version, stamp, installs)
                    SELECT * FROM unnest($1::int4[], $2::int4[], $3::int4[], $4::text[], $5::text[], $6::int8[], $7::int8[])
                    ON CONFLICT (cohort_week, weeks_later, scope, product, product_version)
                        DO UPDATE SET stamp = excluded.stamp, installs = excluded.installs
                    """, binds: binds), logger: logger)
                try await conn.query("COMMIT", logger: logger)
            } catch {
                _ = try? await conn.query("ROLLBACK", logger: logger)
                throw error
            }
        }
    }
}
