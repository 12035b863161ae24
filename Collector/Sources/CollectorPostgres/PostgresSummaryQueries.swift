import CollectorCore
import CollectorStore
import Logging
import PostgresNIO

/// The reads behind `summary(days:asOf:)`, on one connection inside one snapshot. Only the rollups are read
/// (`install_days`, `installs`), never raw reports, so the cost follows installs × days, not report count.
struct PostgresSummaryQueries {
    let connection: PostgresConnection
    let logger: Logger

    private static let dims = Dimension.allCases

    /// Active installs and every breakdown per day in one scan of the window: GROUPING SETS (day), (day, dim)….
    /// GROUPING(…) is a bit mask, the first column the highest bit, a bit set when that column is not grouped:
    /// 127 for (day) alone, 127 - 2^(6-i) for (day, dimension i).
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

    func run(_ start: SummaryAssembler) async throws -> Summary {
        var a = start
        let first = Int32(a.firstDay.daysSinceEpoch), last = Int32(a.lastDay.daysSinceEpoch)
        let cutoff = Int32(a.lostCutoff.daysSinceEpoch)
        let all = (1 << Self.dims.count) - 1

        var binds = PostgresBindings()
        binds.append(first)
        binds.append(last)
        let rows = try await connection.query(PostgresQuery(unsafeSQL: Self.breakdownSQL, binds: binds), logger: logger)
        for try await row in rows {
            let cells = try row.decode((Int32, Int32, String?, String?, String?, String?, String?, String?, String?, Int64).self)
            let day = UTCDay(daysSinceEpoch: Int(cells.0))
            let labels = [cells.2, cells.3, cells.4, cells.5, cells.6, cells.7, cells.8]
            let count = Int(cells.9)
            let grouping = Int(cells.1)
            if grouping == all {
                a.addActive(day: day, count: count)
            } else if let i = Self.dims.indices.first(where: { all - (1 << (Self.dims.count - 1 - $0)) == grouping }) {
                a.add(Self.dims[i], day: day, label: labels[i], count: count)
            }
        }

        for try await (day, n) in try await connection.query("""
            SELECT (first_day - DATE '1970-01-01')::int4, count(*)::int8 FROM installs
            WHERE first_day BETWEEN DATE '1970-01-01' + \(first)::int4 AND DATE '1970-01-01' + \(last)::int4
            GROUP BY first_day
            """, logger: logger).decode((Int32, Int64).self) {
            a.addNew(day: UTCDay(daysSinceEpoch: Int(day)), count: Int(n))
        }

        // Lost: last seen on a day of the window at least 7 days before its end. For an install whose last day is
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
        return a.build()
    }
}
