#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import CollectorSummary
import CollectorStore
import Logging
import PostgresNIO

/// The reads behind `summary(days:asOf:)`, on one connection inside one snapshot. Only rollups are read
/// (`day_cache`, `install_days`, `installs`), never raw reports: closed days come from `day_cache` when it holds
/// their current version, the other days are counted from `install_days`; the closed ones among them are handed
/// back, and only `refreshDayCache` (never a summary) stores them.
struct PostgresSummaryQueries {
    let connection: PostgresConnection
    let logger: Logger

    struct Outcome {
        var summary: Summary
        /// Closed days counted now: (day, version it was counted at, counts), for `day_cache`.
        var toCache: [(day: Int32, version: Int64, totals: DayTotals)]
    }

    private static let dims = Dimension.allCases

    /// Active installs and every breakdown per day in one scan: GROUPING SETS (day), (day, dim)…. GROUPING(…) is a
    /// bit mask, the first column the highest bit, a bit set when that column is not grouped: all ones for (day)
    /// alone, all ones minus 2^(6-i) for (day, dimension i).
    private static let breakdownSQL: String = {
        let cols = dims.map(\.column)
        let sets = (["(day)"] + cols.map { "(day, \($0))" }).joined(separator: ", ")
        return """
            SELECT (day - DATE '1970-01-01')::int4, GROUPING(\(cols.joined(separator: ", ")))::int4,
                \(cols.joined(separator: ", ")), count(*)::int8
            FROM install_days WHERE day BETWEEN DATE '1970-01-01' + $1::int4 AND DATE '1970-01-01' + $2::int4
            GROUP BY GROUPING SETS (\(sets))
            """
    }()

    func run(_ start: SummaryAssembler) async throws -> Outcome {
        var a = start
        let first = Int32(a.firstDay.daysSinceEpoch), last = Int32(a.lastDay.daysSinceEpoch)
        let cutoff = Int32(a.lostCutoff.daysSinceEpoch)
        let (totals, toCache) = try await dayTotals(first: first, last: last)
        for (day, t) in totals { t.apply(to: &a, day: UTCDay(daysSinceEpoch: Int(day))) }

        for try await (day, n) in try await connection.query("""
            SELECT (first_day - DATE '1970-01-01')::int4, count(*)::int8 FROM installs
            WHERE first_day BETWEEN DATE '1970-01-01' + \(first)::int4 AND DATE '1970-01-01' + \(last)::int4
            GROUP BY first_day
            """, logger: logger).decode((Int32, Int64).self) {
            a.addNew(day: UTCDay(daysSinceEpoch: Int(day)), count: Int(n))
        }

        // Lost: last seen on a day of the range at least 7 days before its end. For an install whose last day is
        // within the range that day is installs.last_day (the index answers); only installs also seen after the
        // range's end (a summary of the past) need their last day as of then, from install_days.
        for try await (day, n) in try await connection.query("""
            SELECT (seen - DATE '1970-01-01')::int4, count(*)::int8 FROM (
                SELECT last_day AS seen FROM installs
                WHERE last_day BETWEEN DATE '1970-01-01' + \(first)::int4 AND DATE '1970-01-01' + \(cutoff)::int4
                UNION ALL
                SELECT (SELECT max(d.day) FROM install_days d
                        WHERE d.instance_id = i.instance_id AND d.day <= DATE '1970-01-01' + \(last)::int4) AS seen
                FROM installs i
                WHERE i.last_day > DATE '1970-01-01' + \(last)::int4 AND i.first_day <= DATE '1970-01-01' + \(cutoff)::int4
            ) s
            WHERE seen BETWEEN DATE '1970-01-01' + \(first)::int4 AND DATE '1970-01-01' + \(cutoff)::int4
            GROUP BY seen
            """, logger: logger).decode((Int32, Int64).self) {
            a.addLost(day: UTCDay(daysSinceEpoch: Int(day)), count: Int(n))
        }

        for try await (size, n) in try await connection.query("""
            SELECT size, count(*)::int8 FROM (
                SELECT count(*)::int8 AS size FROM install_days WHERE day = DATE '1970-01-01' + \(last)::int4
                GROUP BY cluster_id HAVING count(*) >= 2
            ) c GROUP BY size
            """, logger: logger).decode((Int64, Int64).self) {
            a.addClusters(size: Int(size), clusters: Int(n))
        }
        return Outcome(summary: a.build(), toCache: toCache)
    }

    /// Each day's counts from `first` to `last` (days since 1970): from `day_cache` where it holds the day's current
    /// version, else counted from `install_days`; the closed ones counted are also returned, for `cache`.
    func dayTotals(first: Int32, last: Int32) async throws -> (totals: [Int32: DayTotals], toCache: [(day: Int32, version: Int64, totals: DayTotals)]) {
        var closed: Int32 = .min
        for try await c in try await connection.query(PostgresQuery(unsafeSQL: PostgresSchema.closedDaySQL), logger: logger).decode(Int32.self) {
            closed = c
        }

        var totals: [Int32: DayTotals] = [:]
        if first <= closed {
            let decoder = JSONDecoder()
            for try await (day, json) in try await connection.query("""
                SELECT (c.day - DATE '1970-01-01')::int4, c.totals::text FROM day_cache c LEFT JOIN day_versions v USING (day)
                WHERE c.day BETWEEN DATE '1970-01-01' + \(first)::int4 AND DATE '1970-01-01' + \(min(last, closed))::int4
                  AND c.version = coalesce(v.version, 0)
                """, logger: logger).decode((Int32, String).self) {
                totals[day] = try decoder.decode(DayTotals.self, from: Data(json.utf8))
            }
        }
        let missing = (first...last).filter { totals[$0] == nil }
        var toCache: [(day: Int32, version: Int64, totals: DayTotals)] = []
        if let lo = missing.first, let hi = missing.last {
            var counted: [Int32: DayTotals] = [:]
            var binds = PostgresBindings()
            binds.append(lo)
            binds.append(hi)
            let all = (1 << Self.dims.count) - 1
            for try await row in try await connection.query(PostgresQuery(unsafeSQL: Self.breakdownSQL, binds: binds), logger: logger) {
                let c = try row.decode((Int32, Int32, String?, String?, String?, String?, String?, String?, String?, Int64).self)
                guard totals[c.0] == nil else { continue } // cached: the cache row is as good
                let labels = [c.2, c.3, c.4, c.5, c.6, c.7, c.8]
                let grouping = Int(c.1), count = Int(c.9)
                if grouping == all {
                    counted[c.0, default: DayTotals()].active += count
                } else if let i = Self.dims.indices.first(where: { all - (1 << (Self.dims.count - 1 - $0)) == grouping }) {
                    counted[c.0, default: DayTotals()].add(Self.dims[i], label: labels[i], count: count)
                }
            }
            let closedMissing = missing.filter { $0 <= closed }
            if let clo = closedMissing.first, let chi = closedMissing.last {
                var versions: [Int32: Int64] = [:]
                for try await (day, version) in try await connection.query("""
                    SELECT (day - DATE '1970-01-01')::int4, version FROM day_versions
                    WHERE day BETWEEN DATE '1970-01-01' + \(clo)::int4 AND DATE '1970-01-01' + \(chi)::int4
                    """, logger: logger).decode((Int32, Int64).self) {
                    versions[day] = version
                }
                toCache = closedMissing.map { ($0, versions[$0] ?? 0, counted[$0] ?? DayTotals()) }
            }
            for (day, t) in counted { totals[day] = t }
        }
        return (totals, toCache)
    }

    /// Stores counted closed days in `day_cache` (a newer count of a day replaces an older one).
    static func cache(_ days: [(day: Int32, version: Int64, totals: DayTotals)], client: PostgresClient, logger: Logger) async throws {
        guard !days.isEmpty else { return }
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        var binds = PostgresBindings()
        binds.append(days.map(\.day))
        binds.append(days.map(\.version))
        binds.append(try days.map { String(decoding: try encoder.encode($0.totals), as: UTF8.self) })
        try await client.query(PostgresQuery(unsafeSQL: """
            INSERT INTO day_cache (day, version, totals)
            SELECT DATE '1970-01-01' + d, v, t::jsonb FROM unnest($1::int4[], $2::int8[], $3::text[]) AS u(d, v, t)
            ON CONFLICT (day) DO UPDATE SET version = excluded.version, totals = excluded.totals
            """, binds: binds), logger: logger).collectAll()
    }
}
