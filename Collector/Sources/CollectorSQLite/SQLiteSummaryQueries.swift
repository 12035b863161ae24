#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import CollectorSummary
import SQLiteNIO

/// The reads behind a summary and behind the day cache, on one connection (the caller holds the transaction). Only
/// rollups are read (`day_cache`, `install_days`, `install_day_counters`, `installs`), never raw reports: closed days
/// from `day_cache` where it has them (one row a day for any filter: `DayGroups.cacheRows`), the other days counted
/// per product and version from the rollups, in memory only.
struct SQLiteSummaryQueries {
    let db: SQLiteConnection

    private static let dims = Dimension.allCases.filter { $0 != .productVersion }

    /// Fills `a` with the days of its range, new and lost installs and the last day's clusters of the installs
    /// `filter` matches, and the products of the range. Days up to `closed` may come from `day_cache`.
    func summary(into a: inout SummaryAssembler, filter: SummaryFilter, closed: UTCDay) async throws {
        let first = a.firstDay, last = a.lastDay
        var totals: [UTCDay: DayTotals] = [:]
        if first <= closed {
            let (cached, products) = try await cachedTotals(first...min(last, closed), filter: filter)
            totals = cached
            a.addProducts(products)
            // A summary of the past: its last day's versions from the cache too (the counted path keeps them below).
            if totals[last] != nil { a.addLastDayGroups(try await cachedGroups(of: last, filter: filter), day: last, filter: filter) }
        }
        let missing = (first.daysSinceEpoch...last.daysSinceEpoch).map { UTCDay(daysSinceEpoch: $0) }.filter { totals[$0] == nil }
        if let lo = missing.first, let hi = missing.last {
            for (day, groups) in try await countDays(lo...hi, filter: filter) where totals[day] == nil {
                totals[day] = groups.merged(filter)
                a.addProducts(groups.products)
                a.addLastDayGroups(groups.groups, day: day, filter: filter)
            }
        }
        for (day, t) in totals { a.add(t, day: day) }

        let text = { (d: UTCDay) in SQLiteData.text(d.description) }
        let n = SQLiteSummaryQueries.filterSQL(filter, alias: "d", firstParameter: 3)
        // New: first seen on a day of the range (matching the filter on that day).
        let newSQL = filter.isAll
            ? "SELECT first_day AS day, COUNT(*) AS n FROM installs WHERE first_day BETWEEN ?1 AND ?2 GROUP BY first_day"
            : """
              SELECT i.first_day AS day, COUNT(*) AS n FROM installs i
              JOIN install_days d ON d.day = i.first_day AND d.instance_id = i.instance_id
              WHERE i.first_day BETWEEN ?1 AND ?2\(n.sql) GROUP BY i.first_day
              """
        for row in try await db.query(newSQL, [text(first), text(last)] + n.binds) {
            if let d = row.day { a.addNew(day: d, count: row.count) }
        }
        // Lost: last seen on a day of the range at least 7 days before its end. For an install whose last day is in
        // the range that is installs.last_day (indexed); only installs also seen after the range (a summary of the
        // past) need their last day as of then, from install_days. Filtered: by the install's row of that day.
        let seen = """
            SELECT instance_id, last_day AS seen FROM installs WHERE last_day BETWEEN ?1 AND ?3
            UNION ALL
            SELECT i.instance_id, (SELECT MAX(x.day) FROM install_days x WHERE x.instance_id = i.instance_id AND x.day <= ?2) AS seen
            FROM installs i WHERE i.last_day > ?2 AND i.first_day <= ?3
            """
        let f = SQLiteSummaryQueries.filterSQL(filter, alias: "d", firstParameter: 4)
        let lostSQL = filter.isAll
            ? "SELECT seen AS day, COUNT(*) AS n FROM (\(seen)) WHERE seen BETWEEN ?1 AND ?3 GROUP BY seen"
            : """
              SELECT s.seen AS day, COUNT(*) AS n FROM (\(seen)) s
              JOIN install_days d ON d.day = s.seen AND d.instance_id = s.instance_id
              WHERE s.seen BETWEEN ?1 AND ?3\(f.sql) GROUP BY s.seen
              """
        for row in try await db.query(lostSQL, [text(first), text(last), text(a.lostCutoff)] + f.binds) {
            if let d = row.day { a.addLost(day: d, count: row.count) }
        }
        let c = SQLiteSummaryQueries.filterSQL(filter, alias: "d", firstParameter: 2)
        for row in try await db.query("""
            SELECT size, COUNT(*) AS n FROM (
                SELECT COUNT(*) AS size FROM install_days d WHERE d.day = ?1\(c.sql) GROUP BY d.cluster_id HAVING COUNT(*) >= 2)
            GROUP BY size
            """, [text(last)] + c.binds) {
            if let size = row.column("size")?.integer { a.addClusters(size: size, clusters: row.count) }
        }
        try await versionHistory(into: &a, filter: filter, closed: closed)
        try await retention(into: &a, filter: filter, closed: closed)
    }

    /// The cached days of `days` with the counts of the installs `filter` matches (a day whose rows this version
    /// cannot read is left out: counted again), and the products of those days.
    func cachedTotals(_ days: ClosedRange<UTCDay>, filter: SummaryFilter) async throws -> ([UTCDay: DayTotals], Set<String>) {
        let decoder = JSONDecoder()
        let bounds: [SQLiteData] = [.text(days.lowerBound.description), .text(days.upperBound.description)]
        var totals: [UTCDay: DayTotals] = [:]
        var unreadable = Set<UTCDay>()
        // The day rows mark the counted days; for the whole fleet they are the answer.
        let scope = filter.cacheScope
        for row in try await db.query("""
            SELECT day, CASE WHEN ?3 THEN totals END AS totals FROM day_cache WHERE day BETWEEN ?1 AND ?2 AND scope = 0
            """, bounds + [.integer(scope == .day ? 1 : 0)]) {
            guard let d = row.day else { continue }
            guard scope == .day else { totals[d] = DayTotals(); continue }
            if let json = row.column("totals")?.string, let t = try? decoder.decode(DayTotals.self, from: Data(json.utf8)) {
                totals[d] = t
            } else {
                unreadable.insert(d)
            }
        }
        if scope != .day {
            var binds = bounds + [.integer(Int(scope.rawValue))]
            let conditions = SQLiteSummaryQueries.cacheRowsSQL(filter, binds: &binds)
            for row in try await db.query(
                "SELECT day, totals FROM day_cache WHERE day BETWEEN ?1 AND ?2 AND scope = ?3\(conditions)", binds) {
                guard let d = row.day, totals[d] != nil else { continue }
                if let json = row.column("totals")?.string, let t = try? decoder.decode(DayTotals.self, from: Data(json.utf8)) {
                    totals[d]?.merge(t)
                } else {
                    unreadable.insert(d)
                }
            }
        }
        for d in unreadable { totals[d] = nil }
        var products = Set<String>()
        for row in try await db.query("SELECT DISTINCT day, product FROM day_cache WHERE day BETWEEN ?1 AND ?2 AND scope = 1", bounds) {
            if let d = row.day, totals[d] != nil, let p = row.column("product")?.string { products.insert(p) }
        }
        return (totals, products)
    }

    /// The cached product-version rows of `day` that `filter` selects (of its established installs with
    /// `established=1`), as groups; a row this version cannot read is left out.
    func cachedGroups(of day: UTCDay, filter: SummaryFilter) async throws -> [ProductVersion: DayTotals] {
        let decoder = JSONDecoder()
        let scope: DayCacheRow.Scope = filter.established ? .establishedProductVersion : .productVersion
        var binds: [SQLiteData] = [.text(day.description), .integer(scope.rawValue)]
        let conditions = SQLiteSummaryQueries.cacheRowsSQL(filter, binds: &binds)
        var groups: [ProductVersion: DayTotals] = [:]
        for row in try await db.query("SELECT product, product_version, totals FROM day_cache WHERE day = ?1 AND scope = ?2\(conditions)", binds) {
            guard let p = row.column("product")?.string, let v = row.column("product_version")?.string,
                  let json = row.column("totals")?.string, let t = try? decoder.decode(DayTotals.self, from: Data(json.utf8)) else { continue }
            groups[ProductVersion(product: p, version: v)] = t
        }
        return groups
    }

    /// Every day of `days` counted from the rollups, per product and version, the installs `filter` matches (days
    /// without any install are absent). Every product of each day is in its groups, matching or not (with no counts
    /// when not matching): `Summary.products` lists them whatever the filter.
    func countDays(_ days: ClosedRange<UTCDay>, filter: SummaryFilter) async throws -> [UTCDay: DayGroups] {
        var counted: [UTCDay: DayGroups] = [:]
        let bounds: [SQLiteData] = [.text(days.lowerBound.description), .text(days.upperBound.description)]
        let f = SQLiteSummaryQueries.filterSQL(filter, alias: "d", firstParameter: 3)
        let binds = bounds + f.binds
        func group(_ row: SQLiteRow) -> ProductVersion {
            ProductVersion(product: row.column("product")?.string, version: row.column("product_version")?.string)
        }
        // Active and established installs per group, every group (the filter applied here, in memory): the products of
        // the day.
        for row in try await db.query("""
            SELECT day, product, product_version, COUNT(*) AS n, SUM(\(SQLiteSummaryQueries.established("d"))) AS e
            FROM install_days d WHERE day BETWEEN ?1 AND ?2 GROUP BY day, product, product_version
            """, bounds) {
            guard let d = row.day else { continue }
            let g = group(row)
            var t = DayTotals()
            if filter.matches(g) {
                let established = row.column("e")?.integer ?? 0
                t.active = filter.established ? established : row.count
                t.established = established
                t.add(.productVersion, label: g.version, count: t.active)
            }
            counted[d, default: DayGroups()].groups[g] = t
        }
        for dim in SQLiteSummaryQueries.dims {
            for row in try await db.query("""
                SELECT day, product, product_version, \(dim.column) AS label, COUNT(*) AS n FROM install_days d
                WHERE day BETWEEN ?1 AND ?2\(f.sql) GROUP BY day, product, product_version, \(dim.column)
                """, binds) {
                guard let d = row.day else { continue }
                counted[d, default: DayGroups()].groups[group(row), default: DayTotals()]
                    .add(dim, label: row.column("label")?.string, count: row.count)
            }
        }
        // Lifecycle: each row's previous active day of its install (the index on (instance_id, day) answers it).
        for row in try await db.query("""
            SELECT day, product, product_version, SUM(CASE WHEN p = date(day, '-1 day') THEN 1 ELSE 0 END) AS r,
                   SUM(CASE WHEN p <= date(day, '-\(SummaryAssembler.lostAfterDays + 1) day') THEN 1 ELSE 0 END) AS z
            FROM (SELECT d.day AS day, d.product AS product, d.product_version AS product_version,
                         (SELECT MAX(x.day) FROM install_days x WHERE x.instance_id = d.instance_id AND x.day < d.day) AS p
                  FROM install_days d WHERE d.day BETWEEN ?1 AND ?2\(f.sql))
            GROUP BY day, product, product_version
            """, binds) {
            guard let d = row.day else { continue }
            counted[d, default: DayGroups()].groups[group(row), default: DayTotals()].returning += row.column("r")?.integer ?? 0
            counted[d, default: DayGroups()].groups[group(row), default: DayTotals()].resurrected += row.column("z")?.integer ?? 0
        }
        // Facts: json_each's type is 'true', 'false', 'integer' (a number's bucket code) or 'text' (an enum value).
        for row in try await db.query("""
            SELECT d.day AS day, d.product AS product, d.product_version AS product_version, f.key AS key, f.type AS type,
                   f.atom AS value, COUNT(*) AS n
            FROM install_days d, json_each(d.facts) f
            WHERE d.day BETWEEN ?1 AND ?2\(f.sql) GROUP BY 1, 2, 3, 4, 5, 6
            """, binds) {
            guard let d = row.day, let key = row.column("key")?.string else { continue }
            let n = row.count
            var fact = FactTotals()
            switch row.column("type")?.string {
            case "true": fact.trueCount = n
            case "false": fact.falseCount = n
            case "integer": fact.numbers.add(code: row.column("value")?.integer ?? 0, count: n)
            case "text": if let v = row.column("value")?.string { fact.values[v] = n }
            default: continue
            }
            counted[d, default: DayGroups()].groups[group(row), default: DayTotals()].facts[key, default: FactTotals()].merge(fact)
        }
        // Counters: per-install daily sums, bucketed in SQL so only buckets travel; total() is a float and never
        // overflows (exact below 2^53).
        for row in try await db.query("""
            SELECT c.day AS day, d.product AS product, d.product_version AS product_version, c.counter AS counter,
                   \(NumberHistogram.sqlCode(ofNonNegativeInteger: "c.increments")) AS code, COUNT(*) AS n, total(c.increments) AS s
            FROM install_day_counters c JOIN install_days d ON d.day = c.day AND d.instance_id = c.instance_id
            WHERE c.day BETWEEN ?1 AND ?2 AND d.day BETWEEN ?1 AND ?2\(f.sql) GROUP BY 1, 2, 3, 4, 5
            """, binds) {
            guard let d = row.day, let name = row.column("counter")?.string, let code = row.column("code")?.integer else { continue }
            counted[d, default: DayGroups()].groups[group(row), default: DayTotals()].counters[name, default: CounterTotals()]
                .add(code: code, installs: row.count, increments: SQLiteSummaryQueries.saturating(row.column("s")))
        }
        return counted
    }

    /// Whether the rollup row `alias` is an established install's day: its last arrival that day at least 24 h after
    /// the install's first report (1 or 0).
    static func established(_ alias: String) -> String {
        "(\(alias).last_at - (SELECT e.first_at FROM installs e WHERE e.instance_id = \(alias).instance_id) >= 86400)"
    }

    /// ` AND …` selecting the day cache rows of `filter`'s product and version (a cache row holds labels, so `unknown` is a
    /// value there, not NULL), its values appended to `binds` as the next parameters.
    static func cacheRowsSQL(_ filter: SummaryFilter, binds: inout [SQLiteData]) -> String {
        var sql = ""
        if let p = filter.product { binds.append(.text(p)); sql += " AND product = ?\(binds.count)" }
        if let v = filter.version { binds.append(.text(v)); sql += " AND product_version = ?\(binds.count)" }
        return sql
    }

    /// ` AND …` narrowing rollup rows (alias `alias`) to `filter`, with parameters from `?firstParameter`; `unknown`
    /// selects NULL (the reports did not say).
    static func filterSQL(_ filter: SummaryFilter, alias: String, firstParameter: Int) -> (sql: String, binds: [SQLiteData]) {
        var sql = filter.established ? " AND \(established(alias))" : "", binds: [SQLiteData] = []
        for (column, value) in [("product", filter.product), ("product_version", filter.version)] {
            guard let value else { continue }
            if value == Buckets.unknown {
                sql += " AND \(alias).\(column) IS NULL"
            } else {
                sql += " AND \(alias).\(column) = ?\(firstParameter + binds.count)"
                binds.append(.text(value))
            }
        }
        return (sql, binds)
    }

    /// A whole number from SQLite's integer or float, the float's beyond Int's range held at its ends.
    static func saturating(_ value: SQLiteData?) -> Int {
        switch value {
        case .integer(let i): return Int(i)
        case .float(let d): return d >= 9.2e18 ? .max : d <= -9.2e18 ? .min : Int(d)
        default: return 0
        }
    }
}

extension SQLiteRow {
    var day: UTCDay? { column("day")?.string.flatMap(UTCDay.init) }
    var count: Int { column("n")?.integer ?? 0 }
}
