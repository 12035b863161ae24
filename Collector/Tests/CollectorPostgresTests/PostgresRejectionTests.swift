#if canImport(FoundationEssentials)
import FoundationEssentials
#endif
import Foundation
import ReportValidation
@testable import CollectorPostgres
import CollectorStore
import CollectorStoreConformance
import Testing

private typealias C = ReportStoreConformance

/// A value the database refuses is the report's fault (StoreError.rejected, answered 400), not an outage.
@Suite("PostgreSQL store: values the database refuses")
struct PostgresRejectionTests {
    @Test(arguments: ["22P05", "22021", "22001", "22003", "22P02", "54000"])
    func dataExceptionsAreTheReportsFault(_ state: String) {
        let why = PostgresReportStore.rejection(sqlState: state, message: "some message")
        #expect(why == "some message (SQLSTATE \(state))")
    }

    @Test(arguments: ["08006", "57P01", "53100", "53300", "40001", "42P01", "28P01", "23514", "XX000"])
    func everythingElseIsTheDatabases(_ state: String) {
        #expect(PostgresReportStore.rejection(sqlState: state, message: "x") == nil)
    }

    @Test func noStateIsNoRejection() {
        #expect(PostgresReportStore.rejection(sqlState: nil, message: nil) == nil)
    }

    @Test(.enabled(if: PostgresTestServer.missingReason == nil, Comment(rawValue: PostgresTestServer.missingReason ?? "")))
    func nulInALabelOrTheReportIsRejectedNotUnavailable() async throws {
        let (store, db) = try await makePostgresStore()
        try await store.migrate()
        // NUL in a text parameter (22021) and as \u0000 in the jsonb body (22P05): the collector's validator
        // refuses both first; the store must still not call them an outage.
        var label = C.report(instance: 1, message: 1, at: C.at(day: 0), breakdown: BreakdownValues(productVersion: "1.2.3\u{0}"))
        var body = C.report(instance: 2, message: 2, at: C.at(day: 0))
        body.json = #"{"product":{"version":"1.2.3\u0000"}}"#
        label.json = #"{"ok":true}"#
        for report in [label, body] {
            do {
                _ = try await store.insert(report, receivedAt: C.at(day: 0))
                Issue.record("stored \(report.messageId)")
            } catch let e as StoreError {
                guard case .rejected(let why) = e else { Issue.record("expected .rejected, got \(e)"); continue }
                #expect(why.contains("SQLSTATE 22"), "\(why)")
            }
        }
        // Nothing of either was kept, and the store still takes good reports.
        #expect(try await testServer().psql("SELECT count(*) FROM message_ids", database: db) == "0")
        #expect(try await store.insert(C.report(instance: 3, message: 3, at: C.at(day: 0)), receivedAt: C.at(day: 0)) == .new)
        #expect(await store.health().available)
        await store.close()
    }

    @Test(.enabled(if: PostgresTestServer.missingReason == nil, Comment(rawValue: PostgresTestServer.missingReason ?? "")))
    func aRefusedReportInABatchCostsOnlyItself() async throws {
        let (store, db) = try await makePostgresStore()
        try await store.migrate()
        var bad = C.report(instance: 2, message: 2, at: C.at(day: 0))
        bad.json = #"{"product":{"version":"1.2.3\u0000"}}"#
        let batch = [C.report(instance: 1, message: 1, at: C.at(day: 0)), bad, C.report(instance: 3, message: 3, at: C.at(day: 1))]
        let outcomes = try await store.insert(batch: batch.map { ReportToStore($0, receivedAt: $0.timestamp) })
        #expect(outcomes.count == 3)
        #expect(try outcomes[0].get() == .new)
        #expect(try outcomes[2].get() == .new)
        guard case .failure(.rejected(let why)) = outcomes[1] else { Issue.record("expected .rejected, got \(outcomes[1])"); return }
        #expect(why.contains("SQLSTATE 22"), "\(why)")
        #expect(try await testServer().psql("SELECT count(*) FROM message_ids", database: db) == "2")
        #expect(store.batchesStoredOneByOne.withLockedValue { $0 } == 1, "the batch's statement was refused, then one by one")
        await store.close()
    }
}
