#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import CollectorStore
import CollectorSummary
import ReportValidation
import PostgresNIO

/// `insert(batch:)`'s one statement, prepared once per connection: every report of the batch (no forget reports) in
/// one call of `collector_insert_batch`, one array per column, so a batch of 256 is one round trip and one commit
/// instead of 256 statements in a transaction. The row is each report's outcome in order ('new', 'duplicate',
/// 'erased'). The values are bound as `InsertReport` binds them one report at a time (ids and bodies as text, cast
/// by the server).
struct InsertBatch: PostgresPreparedStatement {
    static let name = "telemetry_collector_insert_batch_v1"
    static let sql: String = {
        let n = Dimension.allCases.count
        let dims = (0..<n).map { "$\($0 + 8)::text[]" }.joined(separator: ", ")
        return """
            SELECT collector_insert_batch($1::uuid[], $2::text[], $3::timestamptz[], $4::uuid[], $5::uuid[], $6::timestamptz[],
                $7::int4[], \(dims), $\(n + 8)::text[], $\(n + 9)::text[], $\(n + 10)::int4[], $\(n + 11)::text[],
                $\(n + 12)::int8[], $\(n + 13)::text[], $\(n + 14)::text[], $\(n + 15)::text[])
            """
    }()
    typealias Row = [String]

    let reports: [ReportToStore]

    func makeBindings() throws -> PostgresBindings {
        var binds = PostgresBindings(capacity: 15 + Dimension.allCases.count)
        binds.append(reports.map(\.report.messageId))
        binds.append(reports.map(\.report.type.rawValue))
        binds.append(reports.map(\.report.timestamp))
        binds.append(reports.map(\.report.instanceId))
        binds.append(reports.map(\.report.clusterId))
        binds.append(reports.map(\.receivedAt))
        binds.append(reports.map { Int32(UTCDay($0.receivedAt).daysSinceEpoch) })
        for dim in Dimension.allCases { binds.append(NullableTextArray(reports.map { $0.report.breakdown[dim] })) }
        binds.append(NullableTextArray(reports.map(\.report.product)))
        binds.append(NullableTextArray(reports.map(\.report.factsRollupJSON)))
        // Ragged per report: how many each has, then all of them in report order (as `InsertReport` sorts them).
        var counts: [Int32] = []
        var names: [String] = []
        var increments: [Int64] = []
        counts.reserveCapacity(reports.count)
        for item in reports {
            // The increments above 0, by name; no filtered dictionary made (every diagnostics report has counters).
            let counters = item.report.counters.lazy.filter { $0.value > 0 }.sorted { $0.key < $1.key }
            counts.append(Int32(counters.count))
            for (name, increment) in counters {
                names.append(name)
                increments.append(Int64(increment))
            }
        }
        binds.append(counts)
        binds.append(names)
        binds.append(increments)
        binds.append(reports.map(\.report.json))
        binds.append(NullableTextArray(reports.map(\.report.erasureKeyHash)))
        binds.append(reports.map { ErasureHash.ofInstance($0.report.instanceId) })
        return binds
    }

    func decodeRow(_ row: PostgresRow) throws -> [String] { try row.decode([String].self) }

    /// The outcomes the row names, one per report; throws when the server answered something else (a schema the
    /// collector does not know).
    func outcomes(_ row: [String]) throws -> [InsertOutcome] {
        let outcomes = row.compactMap(InsertOutcome.init(rawValue:))
        guard outcomes.count == reports.count, row.count == reports.count else {
            throw StoreError.unavailable("collector_insert_batch answered \(row.count) outcomes (\(row.prefix(3).joined(separator: ", ")), ...) for \(reports.count) reports; the schema is not the one this collector migrated to")
        }
        return outcomes
    }
}
