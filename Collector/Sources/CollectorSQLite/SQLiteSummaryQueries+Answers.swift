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
            for (day, t) in try await cachedTotals(lo...min(hi, closed), filter: filter).0 {
                a.addVersionDay(day, active: t.active, byVersion: t.by[Dimension.productVersion.column] ?? [:])
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

    /// Per cohort (the ISO week of the install's first day, its row of that day matching the product and version of
    /// `filter`) the installs active in each later week up to the last day; with `established`, only established days
    /// count (the cohort: those established in their first week).
    func retention(into a: inout SummaryAssembler, filter: SummaryFilter) async throws {
        var cohort = filter
        cohort.established = false
        let f = SQLiteSummaryQueries.filterSQL(cohort, alias: "d", firstParameter: 3)
        let join = cohort.isAll ? "" : " JOIN install_days d ON d.instance_id = i.instance_id AND d.day = i.first_day"
        // The install's row is at hand: no lookup per day row.
        let active = filter.established ? " AND x.last_at - i.first_at >= 86400" : ""
        func week(_ day: String) -> String { "((CAST(julianday(\(day)) - 2440587.5 AS INTEGER) + 3) / 7)" }
        let later = ([0] + RetentionCohort.weeksLater).map(String.init).joined(separator: ", ")
        for row in try await db.query("""
            SELECT w, k, COUNT(*) AS n FROM (
                SELECT DISTINCT i.instance_id, \(week("i.first_day")) AS w, \(week("x.day")) - \(week("i.first_day")) AS k
                FROM installs i\(join)
                JOIN install_days x ON x.instance_id = i.instance_id AND x.day BETWEEN i.first_day AND ?2
                WHERE i.first_day BETWEEN ?1 AND ?2\(f.sql)\(active))
            WHERE k IN (\(later)) GROUP BY w, k
            """, [.text(a.retentionFirstWeek.description), .text(a.lastDay.description)] + f.binds) {
            guard let w = row.column("w")?.integer, let k = row.column("k")?.integer else { continue }
            a.addCohort(week: UTCDay(daysSinceEpoch: w * 7 - 3), weeksLater: k, count: row.count)
        }
    }
}
