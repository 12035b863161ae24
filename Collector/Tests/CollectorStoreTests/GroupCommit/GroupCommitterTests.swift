#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import CollectorStore
import CollectorSummary
import ReportValidation
import Testing

struct GroupCommitterTests {
    /// A store whose first batch waits until the test releases it, so that the reports arriving meanwhile pile up.
    actor GatedStore: ReportStore {
        nonisolated let kind: String
        private(set) var batches: [[String]] = []
        private var gate: CheckedContinuation<Void, Never>?
        private var holdNext = true
        let refuse: Set<String>
        let failBatches: Bool

        init(kind: String = "sqlite", hold: Bool = true, refuse: Set<String> = [], failBatches: Bool = false) {
            self.kind = kind
            self.holdNext = hold
            self.refuse = refuse
            self.failBatches = failBatches
        }

        func insert(batch: [ReportToStore]) async throws -> [Result<InsertOutcome, StoreError>] {
            batches.append(batch.map(\.report.messageId))
            if holdNext {
                holdNext = false
                await withCheckedContinuation { gate = $0 }
            }
            if failBatches { throw StoreError.unavailable("connection refused") }
            return batch.map { refuse.contains($0.report.messageId) ? .failure(.rejected("a NUL byte")) : .success(.new) }
        }

        var held: Bool { gate != nil }
        func release() {
            gate?.resume()
            gate = nil
        }

        func insert(_ report: ValidatedReport, receivedAt: Date) async throws -> InsertOutcome {
            Issue.record("the committer must use insert(batch:)")
            return .new
        }
        func migrate() async throws {}
        func knowsInstall(_ instanceId: String) async throws -> Bool { false }
        func forget(instanceId: String, erasureKeyHash: String) async throws -> ForgetOutcome { .refused(.wrongKey) }
        func summary(days: Int, asOf: Date, filter: SummaryFilter) async throws -> Summary { .empty(days: days, lastDay: UTCDay(asOf)) }
        func prune(before: Date) async throws -> Int { 0 }
        func health() async -> StoreHealth { StoreHealth(available: true, detail: "ok") }
        func close() async {}
    }

    static func report(_ n: Int) -> ValidatedReport {
        let id = "aaaaaaaa-0000-4000-8000-\(String(repeating: "0", count: 12 - String(n).count))\(n)"
        return ValidatedReport(messageId: id, type: .keepalive, timestamp: Date(timeIntervalSince1970: 1_796_000_000),
                               instanceId: "11111111-0000-4000-8000-000000000001", clusterId: "cccccccc-0000-4000-8000-000000000001",
                               breakdown: BreakdownValues(), product: nil, facts: nil, counters: [:], json: "{}")
    }

    /// Waits (yielding, bounded) until `condition` holds.
    static func eventually(_ condition: () async -> Bool) async -> Bool {
        for _ in 0..<10_000 {
            if await condition() { return true }
            await Task.yield()
        }
        return false
    }

    @Test func reportsArrivingDuringACommitShareTheNextTransactionAndEachGetsItsOwnAnswer() async throws {
        let store = GatedStore(refuse: [Self.report(3).messageId])
        let committer = GroupCommitter(store: store, maxConcurrentBatches: 1)
        let first = Task { try await committer.insert(Self.report(0), receivedAt: Date()) }
        #expect(await Self.eventually { await store.held })
        let later = (1...5).map { n in Task { try await committer.insert(Self.report(n), receivedAt: Date()) } }
        #expect(await Self.eventually { await committer.waiting == 5 })
        #expect(await store.batches.count == 1, "nothing else is committed while the first batch is")
        await store.release()

        #expect(try await first.value == .new)
        for (n, task) in zip(1...5, later) {
            if n == 3 {
                await #expect(throws: StoreError.rejected("a NUL byte")) { try await task.value }
            } else {
                #expect(try await task.value == .new)
            }
        }
        let batches = await store.batches
        #expect(batches.count == 2)
        #expect(batches.first == [Self.report(0).messageId])
        #expect(Set(batches.last ?? []) == Set((1...5).map { Self.report($0).messageId }))
        #expect(await committer.largestBatch == 5)
        #expect(await committer.waiting == 0)
    }

    @Test func aFailedBatchFailsEachOfItsReportsAndTheNextBatchStillRuns() async throws {
        let store = GatedStore(failBatches: true)
        let committer = GroupCommitter(store: store, maxConcurrentBatches: 1)
        let first = Task { try await committer.insert(Self.report(0), receivedAt: Date()) }
        #expect(await Self.eventually { await store.held })
        let second = Task { try await committer.insert(Self.report(1), receivedAt: Date()) }
        #expect(await Self.eventually { await committer.waiting == 1 })
        await store.release()
        await #expect(throws: StoreError.unavailable("connection refused")) { try await first.value }
        await #expect(throws: StoreError.unavailable("connection refused")) { try await second.value }
        #expect(await store.batches.count == 2)
    }

    @Test func aQuietCollectorCommitsEachReportAloneAtOnce() async throws {
        let store = GatedStore(kind: "postgresql", hold: false)
        let committer = GroupCommitter(store: store, maxConcurrentBatches: GroupCommitter.concurrentBatches(for: store))
        for n in 0..<3 { #expect(try await committer.insert(Self.report(n), receivedAt: Date()) == .new) }
        #expect(await store.batches == (0..<3).map { [Self.report($0).messageId] })
        #expect(GroupCommitter.concurrentBatches(for: store) > 1)
        #expect(GroupCommitter.concurrentBatches(for: GatedStore(kind: "sqlite")) == 1)
    }
}
