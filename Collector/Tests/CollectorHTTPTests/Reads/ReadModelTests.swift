import Foundation
import CollectorSummary
import ReportValidation
import CollectorHTTP
import CollectorStore
import Synchronization
import Testing

@Suite struct ReadModelTests {
    /// A store that counts summaries.
    final class CountingStore: ReportStore, Sendable {
        let kind = "sqlite"
        let summaries = Counter()
        func migrate() async throws {}
        func insert(_ report: ValidatedReport, receivedAt: Date) async throws -> InsertOutcome { .new }
        func knowsInstall(_ instanceId: String) async throws -> Bool { false }
        func forget(instanceId: String, erasureKeyHash: String) async throws -> ForgetOutcome { .refused(.noPinnedKey) }
        func summary(days: Int, asOf: Date, filter: SummaryFilter) async throws -> Summary {
            summaries.next()
            return .empty(days: days, lastDay: UTCDay(asOf))
        }
        func prune(before: Date) async throws -> Int { 0 }
        func health() async -> StoreHealth { StoreHealth(available: true, detail: "ok") }
        func close() async {}
    }

    static let now = Date(timeIntervalSince1970: 1_796_104_800)   // 2026-12-01T06:00:00Z

    @Test func summariesAndRenderedAnswersAreComputedOncePerPeriod() async throws {
        let store = CountingStore(), clock = ManualClock(), renders = Counter()
        let wall = Mutex(Self.now)
        let model = ReadModel(store: store, timeToLive: .seconds(10), now: { wall.withLock { $0 } }, clock: clock.function)
        let render: @Sendable (Summary) -> [UInt8] = { s in renders.next(); return Array("\(s.days.count)".utf8) }
        try await withThrowingTaskGroup(of: [UInt8].self) { group in
            for _ in 0..<30 { group.addTask { try await model.rendered(days: 30, form: "html", render: render) } }
            for try await page in group { #expect(page == Array("30".utf8)) }
        }
        _ = try await model.summary(days: 30)
        #expect(store.summaries.value == 1)
        #expect(renders.value == 1)
        // Another form of the same summary renders again but reads nothing.
        _ = try await model.rendered(days: 30, form: "json", render: render)
        #expect((store.summaries.value, renders.value) == (1, 2))
        // After the period: once more each.
        clock.advance(by: .seconds(10))
        _ = try await model.rendered(days: 30, form: "html", render: render)
        #expect((store.summaries.value, renders.value) == (2, 3))
        // A new UTC day is a new answer at once (its range ends on the new day).
        wall.withLock { $0 = $0.addingTimeInterval(86_400) }
        #expect(try await model.summary(days: 30).days.last?.date == UTCDay(Self.now).adding(days: 1))
        #expect(store.summaries.value == 3)
    }

    @Test func anEstablishedOnlyReadComputesOneSummaryAProductReadChecksTheWholeFirst() async throws {
        let store = CountingStore()
        let model = ReadModel(store: store, timeToLive: .seconds(10), now: { Self.now }, clock: ManualClock().function)
        _ = try await model.summary(days: 30, filter: SummaryFilter(established: true))
        #expect(store.summaries.value == 1, "established=1 names nothing that may be missing: no unfiltered summary first")
        // A product no install reported: the unfiltered summary says so, and the filtered one is never asked for.
        _ = try await model.summary(days: 30, filter: SummaryFilter(product: "acme"))
        #expect(store.summaries.value == 2)
    }
}
