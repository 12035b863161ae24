#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import CollectorSummary
import CollectorStore
import Logging
import PostgresNIO

/// The reads behind a summary and behind the day cache, on one connection inside one snapshot. Only rollups are read
/// (`day_cache`, `install_days`, `install_day_counters`, `installs`), never raw reports: closed days come from
/// `day_cache` when it holds their current version (one row a day for any filter: `DayGroups.cacheRows`), the other
/// days are counted per product and version from the rollups. Only `refreshDayCache` (never a summary) stores days.
struct PostgresSummaryQueries {
    let connection: PostgresConnection
    let logger: Logger

    /// A closed day counted for the cache: the day (days since 1970), the version it was counted at, its groups.
    typealias CountedDay = (day: Int32, version: Int64, groups: DayGroups)

    /// The breakdowns besides the product version (which is part of every group).
    private static let dims = Dimension.allCases.filter { $0 != .productVersion }

    /// Active installs and every breakdown per day and group in one scan: GROUPING SETS (day, product, version),
    /// (day, product, version, dim)…. GROUPING(…) is a bit mask over the dimension columns, the first the highest bit,
    /// a bit set when that column is not grouped: all ones for the group alone, all ones minus 2^(5-i) for dimension i.
    private static func breakdownSQL(filter: String) -> String {
        let cols = dims.map(\.column)
        let base = "day, product, product_version"
        let sets = (["(\(base))"] + cols.map { "(\(base), \($0))" }).joined(separator: ", ")
        return """
            SELECT (day - DATE '1970-01-01')::int4, product, product_version, GROUPING(\(cols.joined(separator: ", ")))::int4,
                \(cols.joined(separator: ", ")), count(*)::int8, count(*) FILTER (WHERE \(established("d")))::int8
            FROM install_days d WHERE day BETWEEN DATE '1970-01-01' + $1::int4 AND DATE '1970-01-01' + $2::int4\(filter)
            GROUP BY GROUPING SETS (\(sets))
            """
    }

    /// Fills `a` with the days of its range, new and lost installs and the last day's clusters of the installs `filter`
    /// matches, and the products of the range.
    func run(_ start: SummaryAssembler, filter: SummaryFilter) async throws -> Summary {
        var a = start
        let first = Int32(a.firstDay.daysSinceEpoch), last = Int32(a.lastDay.daysSinceEpoch)
        let cutoff = Int32(a.lostCutoff.daysSinceEpoch)
        let closed = try await closedDay()
        var totals: [Int32: DayTotals] = [:]
        if first <= closed {
            let (cached, products) = try await cachedTotals(first: first, last: min(last, closed), filter: filter)
            totals = cached
            a.addProducts(products)
            // A summary of the past: its last day's versions from the cache too (the counted path keeps them below).
            if totals[last] != nil { a.addLastDayGroups(try await cachedGroups(of: last, filter: filter), day: a.lastDay, filter: filter) }
        }
        let missing = (first...last).filter { totals[$0] == nil }
        if let lo = missing.first, let hi = missing.last {
            for (day, groups) in try await countDays(first: lo, last: hi, filter: filter) where totals[day] == nil {
                totals[day] = groups.merged(filter)
                a.addProducts(groups.products)
                a.addLastDayGroups(groups.groups, day: UTCDay(daysSinceEpoch: Int(day)), filter: filter)
            }
        }
        for (day, t) in totals { a.add(t, day: UTCDay(daysSinceEpoch: Int(day))) }

        // New: first seen on a day of the range (matching the filter on that day).
        let f = PostgresSummaryQueries.filterSQL(filter, alias: "d", firstParameter: 3)
        var binds = PostgresBindings()
        binds.append(first)
        binds.append(last)
        for v in f.binds { binds.append(v) }
        let newSQL = filter.isAll
            ? """
              SELECT (first_day - DATE '1970-01-01')::int4, count(*)::int8 FROM installs
              WHERE first_day BETWEEN DATE '1970-01-01' + $1::int4 AND DATE '1970-01-01' + $2::int4
              GROUP BY first_day
              """
            : """
              SELECT (i.first_day - DATE '1970-01-01')::int4, count(*)::int8 FROM installs i
              JOIN install_days d ON d.day = i.first_day AND d.instance_id = i.instance_id
              WHERE i.first_day BETWEEN DATE '1970-01-01' + $1::int4 AND DATE '1970-01-01' + $2::int4
                AND d.day BETWEEN DATE '1970-01-01' + $1::int4 AND DATE '1970-01-01' + $2::int4\(f.sql)
              GROUP BY i.first_day
              """
        for try await (day, n) in try await connection.query(PostgresQuery(unsafeSQL: newSQL, binds: binds), logger: logger).decode((Int32, Int64).self) {
            a.addNew(day: UTCDay(daysSinceEpoch: Int(day)), count: Int(n))
        }

        // Lost: last seen on a day of the range at least 7 days before its end. For an install whose last day is
        // within the range that day is installs.last_day (the index answers); only installs also seen after the
        // range's end (a summary of the past) need their last day as of then, from install_days. Filtered: by the
        // install's row of that day.
        let seen = """
            SELECT instance_id, last_day AS seen FROM installs
            WHERE last_day BETWEEN DATE '1970-01-01' + $1::int4 AND DATE '1970-01-01' + $3::int4
            UNION ALL
            SELECT i.instance_id, (SELECT max(x.day) FROM install_days x
                    WHERE x.instance_id = i.instance_id AND x.day <= DATE '1970-01-01' + $2::int4) AS seen
            FROM installs i
            WHERE i.last_day > DATE '1970-01-01' + $2::int4 AND i.first_day <= DATE '1970-01-01' + $3::int4
            """
        let l = PostgresSummaryQueries.filterSQL(filter, alias: "d", firstParameter: 4)
        let lostSQL = filter.isAll
            ? """
              SELECT (seen - DATE '1970-01-01')::int4, count(*)::int8 FROM (\(seen)) s
              WHERE seen BETWEEN DATE '1970-01-01' + $1::int4 AND DATE '1970-01-01' + $3::int4 GROUP BY seen
              """
            : """
              SELECT (s.seen - DATE '1970-01-01')::int4, count(*)::int8 FROM (\(seen)) s
              JOIN install_days d ON d.day = s.seen AND d.instance_id = s.instance_id
              WHERE s.seen BETWEEN DATE '1970-01-01' + $1::int4 AND DATE '1970-01-01' + $3::int4
                AND d.day BETWEEN DATE '1970-01-01' + $1::int4 AND DATE '1970-01-01' + $3::int4\(l.sql)
              GROUP BY s.seen
              """
        var lostBinds = PostgresBindings()
        lostBinds.append(first)
        lostBinds.append(last)
        lostBinds.append(cutoff)
        for v in l.binds { lostBinds.append(v) }
        for try await (day, n) in try await connection.query(PostgresQuery(unsafeSQL: lostSQL, binds: lostBinds), logger: logger).decode((Int32, Int64).self) {
            a.addLost(day: UTCDay(daysSinceEpoch: Int(day)), count: Int(n))
        }

        let c = PostgresSummaryQueries.filterSQL(filter, alias: "d", firstParameter: 2)
        var clusterBinds = PostgresBindings()
        clusterBinds.append(last)
        for v in c.binds { clusterBinds.append(v) }
        for try await (size, n) in try await connection.query(PostgresQuery(unsafeSQL: """
            SELECT size, count(*)::int8 FROM (
                SELECT count(*)::int8 AS size FROM install_days d WHERE d.day = DATE '1970-01-01' + $1::int4\(c.sql)
                GROUP BY d.cluster_id HAVING count(*) >= 2
            ) c GROUP BY size
            """, binds: clusterBinds), logger: logger).decode((Int64, Int64).self) {
            a.addClusters(size: Int(size), clusters: Int(n))
        }
        try await versionHistory(into: &a, filter: filter, closed: closed)
        try await retention(into: &a, filter: filter, closed: closed)
        return a.build()
    }

    /// The last day that may be cached (days since 1970): `ClosedDay` by the database's clock.
    func closedDay() async throws -> Int32 {
        var closed: Int32 = .min
        for try await c in try await connection.query(PostgresQuery(unsafeSQL: PostgresSchema.closedDaySQL), logger: logger).decode(Int32.self) {
            closed = c
        }
        return closed
    }

    /// The days from `first` to `last` that `day_cache` holds at their current version, with the counts of the
    /// installs `filter` matches (a day whose rows this version cannot read is left out: counted again), and the
    /// products of those days.
    func cachedTotals(first: Int32, last: Int32, filter: SummaryFilter) async throws -> ([Int32: DayTotals], Set<String>) {
        let decoder = JSONDecoder()
        let scope = filter.cacheScope
        let (binds, conditions) = PostgresSummaryQueries.cacheRowsOfDays(first: first, last: last, filter: filter)
        var totals: [Int32: DayTotals] = [:]
        var unreadable = Set<Int32>()
        var groupRows: [(Int32, String)] = []
        // The day rows mark the counted days (for the whole fleet they are the answer); the filter's rows follow.
        for try await (day, rowScope, json) in try await connection.query(PostgresQuery(unsafeSQL: """
            SELECT (c.day - DATE '1970-01-01')::int4, c.scope::int4,
                   CASE WHEN c.scope = 0 AND $3::int4 <> 0 THEN NULL ELSE c.totals::text END
            FROM day_cache c LEFT JOIN day_versions v USING (day)
            WHERE c.day BETWEEN DATE '1970-01-01' + $1::int4 AND DATE '1970-01-01' + $2::int4
              AND c.version = coalesce(v.version, 0)
              AND (c.scope = 0 OR (c.scope = $3::int4\(conditions)))
            """, binds: binds), logger: logger).decode((Int32, Int32, String?).self) {
            if rowScope == 0 {
                if scope != .day { totals[day] = DayTotals(); continue }
                if let json, let t = try? decoder.decode(DayTotals.self, from: Data(json.utf8)) { totals[day] = t } else { unreadable.insert(day) }
            } else if let json {
                groupRows.append((day, json))
            }
        }
        for (day, json) in groupRows where totals[day] != nil {
            if let t = try? decoder.decode(DayTotals.self, from: Data(json.utf8)) { totals[day]?.merge(t) } else { unreadable.insert(day) }
        }
        for d in unreadable { totals[d] = nil }
        var products = Set<String>()
        var bounds = PostgresBindings()
        bounds.append(first)
        bounds.append(last)
        for try await (day, product) in try await connection.query(PostgresQuery(unsafeSQL: """
            SELECT DISTINCT (c.day - DATE '1970-01-01')::int4, c.product FROM day_cache c LEFT JOIN day_versions v USING (day)
            WHERE c.day BETWEEN DATE '1970-01-01' + $1::int4 AND DATE '1970-01-01' + $2::int4
              AND c.version = coalesce(v.version, 0) AND c.scope = 1
            """, binds: bounds), logger: logger).decode((Int32, String).self) where totals[day] != nil {
            products.insert(product)
        }
        return (totals, products)
    }

    /// The cached product-version rows of `day` (days since 1970, at the day's current version) that `filter` selects
    /// (of its established installs with `established=1`), as groups; a row this version cannot read is left out.
    func cachedGroups(of day: Int32, filter: SummaryFilter) async throws -> [ProductVersion: DayTotals] {
        let decoder = JSONDecoder()
        let scope: DayCacheRow.Scope = filter.established ? .establishedProductVersion : .productVersion
        var binds = PostgresBindings()
        binds.append(day)
        binds.append(Int32(scope.rawValue))
        let conditions = PostgresSummaryQueries.cacheRowsSQL(filter, binds: &binds, firstParameter: 3)
        var groups: [ProductVersion: DayTotals] = [:]
        for try await (product, version, json) in try await connection.query(PostgresQuery(unsafeSQL: """
            SELECT c.product, c.product_version, c.totals::text FROM day_cache c LEFT JOIN day_versions v USING (day)
            WHERE c.day = DATE '1970-01-01' + $1::int4 AND c.version = coalesce(v.version, 0) AND c.scope = $2::int4\(conditions)
            """, binds: binds), logger: logger).decode((String, String, String).self) {
            if let t = try? decoder.decode(DayTotals.self, from: Data(json.utf8)) { groups[ProductVersion(product: product, version: version)] = t }
        }
        return groups
    }

    /// The closed days from `first` to `last` that `day_cache` lacks (or holds at an older version), counted now with
    /// the version they were counted at, for `cache`.
    func uncachedClosedDays(first: Int32, last: Int32) async throws -> [CountedDay] {
        let hi = min(last, try await closedDay())
        guard first <= hi else { return [] }
        let cached = try await cachedTotals(first: first, last: hi, filter: .all).0
        let missing = (first...hi).filter { cached[$0] == nil }
        guard let lo = missing.first, let top = missing.last else { return [] }
        var counted = try await countDays(first: lo, last: top, filter: .all)
        for (day, groups) in try await countDays(first: lo, last: top, filter: SummaryFilter(established: true)) {
            counted[day, default: DayGroups()].established = groups.groups
        }
        var versions: [Int32: Int64] = [:]
        for try await (day, version) in try await connection.query("""
            SELECT (day - DATE '1970-01-01')::int4, version FROM day_versions
            WHERE day BETWEEN DATE '1970-01-01' + \(lo)::int4 AND DATE '1970-01-01' + \(top)::int4
            """, logger: logger).decode((Int32, Int64).self) {
            versions[day] = version
        }
        return missing.map { ($0, versions[$0] ?? 0, counted[$0] ?? DayGroups()) }
    }

    /// Every day from `first` to `last` counted from the rollups, per product and version, the installs `filter`
    /// matches (days without any install are absent). Every product version of each day is among its groups, matching
    /// or not (with no counts when not): `Summary.products` lists them whatever the filter.
    func countDays(first: Int32, last: Int32, filter: SummaryFilter) async throws -> [Int32: DayGroups] {
        var counted: [Int32: DayGroups] = [:]
        let f = PostgresSummaryQueries.filterSQL(filter, alias: "d", firstParameter: 3)
        var bounds = PostgresBindings()
        bounds.append(first)
        bounds.append(last)
        var binds = bounds
        for v in f.binds { binds.append(v) }
        let dims = Self.dims
        let all = (1 << dims.count) - 1
        for try await row in try await connection.query(PostgresQuery(unsafeSQL: Self.breakdownSQL(filter: f.sql), binds: binds), logger: logger) {
            let c = try row.decode((Int32, String?, String?, Int32, String?, String?, String?, String?, String?, String?, Int64, Int64).self)
            let group = ProductVersion(product: c.1, version: c.2)
            let labels = [c.4, c.5, c.6, c.7, c.8, c.9]
            let grouping = Int(c.3), count = Int(c.10)
            if grouping == all {
                // With `established` the filter (in SQL) already left only established installs: all are.
                counted[c.0, default: DayGroups()].groups[group, default: DayTotals()].active += count
                counted[c.0, default: DayGroups()].groups[group, default: DayTotals()].established += Int(c.11)
                counted[c.0, default: DayGroups()].groups[group, default: DayTotals()].add(.productVersion, label: c.2, count: count)
            } else if let i = dims.indices.first(where: { all - (1 << (dims.count - 1 - $0)) == grouping }) {
                counted[c.0, default: DayGroups()].groups[group, default: DayTotals()].add(dims[i], label: labels[i], count: count)
            }
        }
        if !filter.isAll {
            // The groups the filter left out, with nothing counted: the products of the day.
            for try await (day, product, version) in try await connection.query(PostgresQuery(unsafeSQL: """
                SELECT DISTINCT (day - DATE '1970-01-01')::int4, product, product_version FROM install_days
                WHERE day BETWEEN DATE '1970-01-01' + $1::int4 AND DATE '1970-01-01' + $2::int4
                """, binds: bounds), logger: logger).decode((Int32, String?, String?).self) {
                let group = ProductVersion(product: product, version: version)
                if counted[day]?.groups[group] == nil { counted[day, default: DayGroups()].groups[group] = DayTotals() }
            }
        }
        // Lifecycle: each row's previous active day of its install (the index on (instance_id, day) answers it).
        for try await (day, product, version, returning, resurrected) in try await connection.query(PostgresQuery(unsafeSQL: """
            SELECT (day - DATE '1970-01-01')::int4, product, product_version, count(*) FILTER (WHERE p = day - 1)::int8,
                   count(*) FILTER (WHERE p <= day - \(SummaryAssembler.lostAfterDays + 1))::int8
            FROM (SELECT d.day AS day, d.product AS product, d.product_version AS product_version,
                         (SELECT max(x.day) FROM install_days x WHERE x.instance_id = d.instance_id AND x.day < d.day) AS p
                  FROM install_days d
                  WHERE d.day BETWEEN DATE '1970-01-01' + $1::int4 AND DATE '1970-01-01' + $2::int4\(f.sql)) s
            GROUP BY 1, 2, 3
            """, binds: binds), logger: logger).decode((Int32, String?, String?, Int64, Int64).self) {
            let group = ProductVersion(product: product, version: version)
            counted[day, default: DayGroups()].groups[group, default: DayTotals()].returning += Int(returning)
            counted[day, default: DayGroups()].groups[group, default: DayTotals()].resurrected += Int(resurrected)
        }
        // Facts: a boolean, a number (its bucket code) or a string (an enum value).
        for try await (day, product, version, key, kind, value, n) in try await connection.query(PostgresQuery(unsafeSQL: """
            SELECT (d.day - DATE '1970-01-01')::int4, d.product, d.product_version, f.key, jsonb_typeof(f.value), f.value #>> '{}', count(*)::int8
            FROM install_days d, jsonb_each(d.facts) f
            WHERE d.day BETWEEN DATE '1970-01-01' + $1::int4 AND DATE '1970-01-01' + $2::int4\(f.sql)
            GROUP BY 1, 2, 3, 4, 5, 6
            """, binds: binds), logger: logger).decode((Int32, String?, String?, String, String, String, Int64).self) {
            var fact = FactTotals()
            switch kind {
            case "boolean": if value == "true" { fact.trueCount = Int(n) } else { fact.falseCount = Int(n) }
            case "number": fact.numbers.add(code: Int(value) ?? 0, count: Int(n))
            case "string": fact.values[value] = Int(n)
            default: continue
            }
            counted[day, default: DayGroups()].groups[ProductVersion(product: product, version: version), default: DayTotals()]
                .facts[key, default: FactTotals()].merge(fact)
        }
        // Counters: per-install daily sums, bucketed in SQL so only buckets travel; the sum as a float never overflows
        // (exact below 2^53), as SQLite's total(). The day range is given for both tables: the planner does not carry a
        // range across `d.day = c.day`, and without it hashed every row of install_days (a seq scan of all history:
        // 61 ms for a 1,000-install fleet's 100 days, 2.8 ms with it).
        for try await (day, product, version, name, code, n, sum) in try await connection.query(PostgresQuery(unsafeSQL: """
            SELECT (c.day - DATE '1970-01-01')::int4, d.product, d.product_version, c.counter,
                   (\(NumberHistogram.sqlCode(ofNonNegativeInteger: "c.increments")))::int8, count(*)::int8, sum(c.increments)::float8
            FROM install_day_counters c JOIN install_days d ON d.day = c.day AND d.instance_id = c.instance_id
            WHERE c.day BETWEEN DATE '1970-01-01' + $1::int4 AND DATE '1970-01-01' + $2::int4
              AND d.day BETWEEN DATE '1970-01-01' + $1::int4 AND DATE '1970-01-01' + $2::int4\(f.sql)
            GROUP BY 1, 2, 3, 4, 5
            """, binds: binds), logger: logger).decode((Int32, String?, String?, String, Int64, Int64, Double).self) {
            let increments = sum >= 9.2e18 ? Int.max : Int(sum)
            counted[day, default: DayGroups()].groups[ProductVersion(product: product, version: version), default: DayTotals()]
                .counters[name, default: CounterTotals()].add(code: Int(code), installs: Int(n), increments: increments)
        }
        return counted
    }

    /// The binds `$1` first day, `$2` last day, `$3` the scope of `filter`'s rows, then its product and version, and the
    /// ` AND …` selecting those rows (alias `c`): what every read of the day cache's rows of a range starts from.
    static func cacheRowsOfDays(first: Int32, last: Int32, filter: SummaryFilter) -> (PostgresBindings, String) {
        var binds = PostgresBindings()
        binds.append(first)
        binds.append(last)
        binds.append(Int32(filter.cacheScope.rawValue))
        let conditions = cacheRowsSQL(filter, binds: &binds, firstParameter: 4)
        return (binds, conditions)
    }

    /// ` AND …` selecting the day cache rows (alias `c`) of `filter`'s product and version (a cache row holds labels, so
    /// `unknown` is a value there, not NULL), its values appended to `binds` as parameters from `$firstParameter`.
    static func cacheRowsSQL(_ filter: SummaryFilter, binds: inout PostgresBindings, firstParameter: Int) -> String {
        var sql = "", next = firstParameter
        for (column, value) in [("product", filter.product), ("product_version", filter.version)] {
            guard let value else { continue }
            binds.append(value)
            sql += " AND c.\(column) = $\(next)"
            next += 1
        }
        return sql
    }

    /// Whether the rollup row `alias` is an established install's day: its last arrival that day at least 24 h after
    /// the install's first report.
    static func established(_ alias: String) -> String {
        "(\(alias).last_at - (SELECT e.first_at FROM installs e WHERE e.instance_id = \(alias).instance_id) >= 86400)"
    }

    /// ` AND …` narrowing rollup rows (alias `alias`) to `filter`, with parameters from `$firstParameter`; `unknown`
    /// selects NULL (the reports did not say).
    static func filterSQL(_ filter: SummaryFilter, alias: String, firstParameter: Int) -> (sql: String, binds: [String]) {
        var sql = filter.established ? " AND \(established(alias))" : "", binds: [String] = []
        for (column, value) in [("product", filter.product), ("product_version", filter.version)] {
            guard let value else { continue }
            if value == Buckets.unknown {
                sql += " AND \(alias).\(column) IS NULL"
            } else {
                sql += " AND \(alias).\(column) = $\(firstParameter + binds.count)::text"
                binds.append(value)
            }
        }
        return (sql, binds)
    }

    /// Stores counted closed days in `day_cache`: every row of each day replaced (a newer count of a day replaces an
    /// older one, groups that are gone included).
    static func cache(_ days: [CountedDay], client: PostgresClient, logger: Logger) async throws {
        guard !days.isEmpty else { return }
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        var dayColumn: [Int32] = [], scopes: [Int32] = [], products: [String] = [], versions: [String] = []
        var dayVersions: [Int64] = [], totals: [String] = []
        for d in days {
            for row in d.groups.cacheRows {
                dayColumn.append(d.day)
                scopes.append(Int32(row.scope.rawValue))
                products.append(row.product)
                versions.append(row.version)
                dayVersions.append(d.version)
                totals.append(String(decoding: try encoder.encode(row.totals), as: UTF8.self))
            }
        }
        var gone = PostgresBindings()
        gone.append(days.map(\.day))
        var binds = PostgresBindings()
        binds.append(dayColumn)
        binds.append(scopes)
        binds.append(products)
        binds.append(versions)
        binds.append(dayVersions)
        binds.append(totals)
        // One transaction: the old rows of these days go and the new ones come in together.
        try await client.withConnection { conn in
            try await conn.query("BEGIN", logger: logger)
            do {
                try await conn.query(PostgresQuery(unsafeSQL: """
                    DELETE FROM day_cache WHERE day IN (SELECT DATE '1970-01-01' + d FROM unnest($1::int4[]) AS u(d))
                    """, binds: gone), logger: logger)
                try await conn.query(PostgresQuery(unsafeSQL: """
                    INSERT INTO day_cache (day, scope, product, product_version, version, totals)
                    SELECT DATE '1970-01-01' + d, s, p, pv, v, t::jsonb
                    FROM unnest($1::int4[], $2::int4[], $3::text[], $4::text[], $5::int8[], $6::text[]) AS u(d, s, p, pv, v, t)
                    ON CONFLICT (day, scope, product, product_version) DO UPDATE SET version = excluded.version, totals = excluded.totals
                    """, binds: binds), logger: logger)
                try await conn.query("COMMIT", logger: logger)
            } catch {
                _ = try? await conn.query("ROLLBACK", logger: logger)
                throw error
            }
        }
    }
}
