import Foundation
import CollectorSummary
import ReportValidation
import CollectorHTTP
import CollectorStore
import Synchronization
import Testing

@Suite struct HealthCheckTests {
    /// A store whose health the test sets, counting the checks.
    final class FlakyStore: ReportStore, Sendable {
        let kind = "sqlite"
        let up = Mutex(true)
        let checks = Counter()
        func migrate() async throws {}
        func insert(_ report: ValidatedReport, receivedAt: Date) async throws -> InsertOutcome { .new }
        func knowsInstall(_ instanceId: String) async throws -> Bool { false }
        func forget(instanceId: String, erasureKeyHash: String) async throws -> ForgetOutcome { .refused(.noPinnedKey) }
        func summary(days: Int, asOf: Date, filter: SummaryFilter) async throws -> Summary { .empty(days: days, lastDay: UTCDay(asOf)) }
        func prune(before: Date) async throws -> Int { 0 }
        func health() async -> StoreHealth {
            _ = checks.next()
            return up.withLock { $0 } ? StoreHealth(available: true, detail: "ok")
                : StoreHealth(available: false, detail: "postgresql://collector@db:5432/telemetry: connection refused")
        }
        func close() async {}
    }

    @Test func answersAreOkOrUnavailableAndNothingMore() {
        #expect(HealthCheck.answer(available: true) == (200, "ok"))
        #expect(HealthCheck.answer(available: false) == (503, "unavailable"))
    }

    @Test func theStoreIsAskedAtMostOncePerInterval() async {
        let store = FlakyStore(), clock = ManualClock()
        let changes = Mutex<[Bool]>([])
        let health = HealthCheck(store: store, availability: nil, interval: .seconds(5), clock: clock.function) { h in
            changes.withLock { $0.append(h.available) }
        }
        for _ in 0..<50 { #expect(await health.isAvailable()) }
        #expect(store.checks.value == 1)
        // Down: seen at the next check, not before.
        store.up.withLock { $0 = false }
        #expect(await health.isAvailable())
        clock.advance(by: .seconds(5))
        #expect(await !health.isAvailable())
        #expect(await !health.isAvailable())
        #expect(store.checks.value == 2)
        store.up.withLock { $0 = true }
        clock.advance(by: .seconds(5))
        #expect(await health.isAvailable())
        #expect(store.checks.value == 3)
        // The changes (with the detail, for the journal) are told once each; a good first answer is no change.
        #expect(changes.withLock { $0 } == [false, true])
    }

    @Test func aFailedInsertMakesItUnavailableUntilACheckSucceeds() async {
        let store = FlakyStore(), clock = ManualClock()
        let monitor = AvailabilityMonitor(logger: nil)
        let health = HealthCheck(store: store, availability: monitor, interval: .seconds(5), clock: clock.function)
        #expect(await health.isAvailable())
        monitor.failed(reason: "insert failed")
        #expect(await !health.isAvailable())
        // The database answers the next check: available again, and the ingest's monitor knows it too.
        clock.advance(by: .seconds(5))
        #expect(await health.isAvailable())
        #expect(monitor.isAvailable)
    }
}
