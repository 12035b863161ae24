#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import CollectorSummary
import SQLiteNIO

/// The answers beyond counts (issue 18) that are not per-day totals (those are in `countDays`: established installs and
/// the lifecycle), from the rollups: the adoption look-back and the retention cohorts.
extension SQLiteSummaryQueries {
    /// Active installs per product version on the days of the adoption look-back before the range: the day cache's
    /// rows where it has them, else counted (only per version) from the rollups.
    func versionHistory(into a: inout SummaryAssembler, filter: SummaryFilter, closed: UTCDay) async throws {
        let lo = a.adoptionFirstDay, hi = a.firstDay.adding(days: -1)
        guard lo <= hi else { return }
        var known = Set<UTCDay>()
        if lo <= closed {
            for (day, v) in try await cachedVersionDays(lo...min(hi, closed), filter: filter) {
                a.addVersionDay(day, active: v.active, byVersion: v.byVersion)
                known.insert(day)
            }
        }
        let missing = (lo.daysSinceEpoch...hi.daysSinceEpoch).map { UTCDay(daysSinceEpoch: $0) }.filter { !known.contains($0) }
        guard let first = missing.first, let last = missing.last else { return }
        let f = SQLiteSummaryQueries.filterSQL(filter, alias: "d", firstParameter: 3)
        var counted: [UTCDay: [String: Int]] = [:]
        for row in try await db.query("""
            SELECT day, product_version AS label, COUNT(*) AS n FROM install_days d
            WHERE day BETWEEN ?1 AND ?2\(f.sql) GROUP BY day, product_version
            """, [.text(first.description), .text(last.description)] + f.binds) {
            guard let d = row.day, !known.contains(d) else { continue }
            counted[d, default: [:]][row.column("label")?.string ?? Buckets.unknown, default: 0] += row.count
        }
        for (day, byVersion) in counted { a.addVersionDay(day, active: byVersion.values.reduce(0, +), byVersion: byVersion) }
    }

    /// The cached days of `days` with the active installs and the installs per product version of those `filter`
    /// matches: all the adoption look-back (up to 400 days) needs, taken out of each row in SQL rather than by decoding
    /// whole rows (every breakdown, facts, counters), which made a summary's cost grow with the days of history. A day
    /// whose rows this version cannot read (as `cachedTotals` judges them) is left out: counted again.
    func cachedVersionDays(_ days: ClosedRange<UTCDay>, filter: SummaryFilter) async throws -> [UTCDay: (active: Int, byVersion: [String: Int])] {
        let decoder = JSONDecoder()
        let scope = filter.cacheScope
        var binds: [SQLiteData] = [.text(days.lowerBound.description), .text(days.upperBound.description), .integer(scope.rawValue)]
        let conditions = SQLiteSummaryQueries.cacheRowsSQL(filter, binds: &binds)
        var out: [UTCDay: (active: Int, byVersion: [String: Int])] = [:]
        var unreadable = Set<UTCDay>()
        var groupRows: [(UTCDay, Int, [String: Int])] = []
        for row in try await db.query("""
            SELECT day, scope, json_extract(totals, '$.active') AS active, json_extract(totals, '$.by.product_version') AS versions,
                   (json_type(totals, '$.established') IS NOT NULL AND json_type(totals, '$.returning') IS NOT NULL
                    AND json_type(totals, '$.resurrected') IS NOT NULL AND json_type(totals, '$.by') = 'object') AS readable
            FROM day_cache WHERE day BETWEEN ?1 AND ?2 AND (scope = 0 OR (scope = ?3\(conditions)))
            """, binds) {
            guard let d = row.day else { continue }
            let versions = row.column("versions")?.string.flatMap { try? decoder.decode([String: Int].self, from: Data($0.utf8)) }
            let readable = row.column("readable")?.integer == 1 && row.column("active")?.integer != nil
                && (versions != nil || row.column("versions")?.string == nil)
            guard readable else { unreadable.insert(d); continue }
            let value = (row.column("active")?.integer ?? 0, versions ?? [:])
            if row.column("scope")?.integer == 0 {
                out[d] = scope == .day ? value : (0, [:])
            } else {
                groupRows.append((d, value.0, value.1))
            }
        }
        for (d, active, versions) in groupRows where out[d] != nil {
            out[d]?.active += active
            for (label, n) in versions { out[d]?.byVersion[label, default: 0] += n }
        }
        for d in unreadable { out[d] = nil }
        return out
    }

    /// The retention cohorts of `a`'s range: final cells from `retention_cache` where it has them, the others counted
    /// from the rollups (`RetentionPlan`); returns how many cells were counted.
    @discardableResult
    func retention(into a: inout SummaryAssembler, filter: SummaryFilter, closed: UTCDay) async throws -> Int {
        let plan = RetentionPlan(a, closed: closed)
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

    /// The cells of `plan` that `retention_cache` holds and that are final for it, with the installs `filter` selects.
    func cachedRetention(_ plan: RetentionPlan, filter: SummaryFilter) async throws -> [RetentionCell: Int] {
        let scopes = RetentionCacheRow.scopes(for: filter).map { String($0.rawValue) }.joined(separator: ", ")
        var rows: [RetentionCacheRow] = []
        for row in try await db.query("""
            SELECT cohort_week, weeks_later, scope, product, product_version, installs FROM retention_cache
            WHERE cohort_week BETWEEN ?1 AND ?2 AND scope IN (\(scopes))
            """, [.integer(RetentionCell.weekNumber(plan.firstWeek)), .integer(RetentionCell.weekNumber(plan.lastDay))]) {
            guard let w = row.column("cohort_week")?.integer, let k = row.column("weeks_later")?.integer,
                  let scope = row.column("scope")?.integer.flatMap(DayCacheRow.Scope.init(rawValue:)) else { continue }
            let cell = RetentionCell(week: RetentionCell.monday(ofWeek: w), weeksLater: k)
            guard plan.isFinal(cell) else { continue }
            rows.append(RetentionCacheRow(cell: cell, scope: scope, product: row.column("product")?.string ?? "",
                                          version: row.column("product_version")?.string ?? "", installs: row.count(of: "installs")))
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
        let f = SQLiteSummaryQueries.filterSQL(cohort, alias: "d", firstParameter: 5)
        let needsDay = grouped || !cohort.isAll
        let week = SQLiteReportStore.week
        let later = ([0] + RetentionCohort.weeksLater).map(String.init).joined(separator: ", ")
        // From the activity days (the primary key's day range; the recent days only once older cells are cached), each
        // to its install's row and, for the cohort's product and version, its first day's row.
        let sql = """
            SELECT w, k, p, v, COUNT(*) AS n, SUM(e) AS ne FROM (
                SELECT x.instance_id, \(week("i.first_day")) AS w, \(week("x.day")) - \(week("i.first_day")) AS k,
                       \(needsDay ? "d.product AS p, d.product_version AS v" : "NULL AS p, NULL AS v"),
                       MAX(x.last_at - i.first_at >= 86400) AS e
                FROM install_days x CROSS JOIN installs i\(needsDay ? " CROSS JOIN install_days d" : "")
                WHERE x.day BETWEEN ?1 AND ?2 AND i.instance_id = x.instance_id AND i.first_day BETWEEN ?3 AND ?4
                  AND x.day >= i.first_day\(needsDay ? " AND d.day = i.first_day AND d.instance_id = i.instance_id" : "")\(f.sql)
                GROUP BY x.instance_id, w, k)
            WHERE k IN (\(later)) GROUP BY w, k, p, v
            """
        let binds: [SQLiteData] = [activity.lowerBound, activity.upperBound, cohorts.lowerBound, cohorts.upperBound].map { .text($0.description) }
        var out: [RetentionCount] = []
        for row in try await db.query(sql, binds + f.binds) {
            guard let w = row.column("w")?.integer, let k = row.column("k")?.integer else { continue }
            out.append(RetentionCount(cell: RetentionCell(week: RetentionCell.monday(ofWeek: w), weeksLater: k),
                                      group: grouped ? ProductVersion(product: row.column("p")?.string, version: row.column("v")?.string) : nil,
                                      installs: row.count, established: row.count(of: "ne")))
        }
        return out
    }
}

extension SQLiteRow {
    func count(of column: String) -> Int { self.column(column)?.integer ?? 0 }
}
