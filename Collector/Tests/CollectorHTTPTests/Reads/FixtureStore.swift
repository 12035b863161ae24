import Foundation
import CollectorSummary
import ReportValidation
import CollectorStore
import Synchronization

/// A store that answers summaries from hand-built fixtures, honouring the filter as a store does (so the reads can
/// be tested before and apart from the stores' own filtering), and counts what it was asked.
final class FixtureStore: ReportStore, Sendable {
    let kind = "sqlite"
    private let answer: @Sendable (_ days: Int, _ lastDay: UTCDay, _ filter: SummaryFilter) -> Summary
    private let asked = Mutex<[SummaryFilter]>([])

    init(answer: @escaping @Sendable (_ days: Int, _ lastDay: UTCDay, _ filter: SummaryFilter) -> Summary = FixtureStore.fleet) {
        self.answer = answer
    }

    /// Every filter a summary was asked with, in order.
    var filters: [SummaryFilter] { asked.withLock { $0 } }
    func count(_ filter: SummaryFilter) -> Int { filters.filter { $0 == filter }.count }

    func migrate() async throws {}
    func insert(_ report: ValidatedReport, receivedAt: Date) async throws -> InsertOutcome { .new }
    func knowsInstall(_ instanceId: String) async throws -> Bool { false }
    func forget(instanceId: String, erasureKeyHash: String) async throws -> ForgetOutcome { .refused(.noPinnedKey) }
    func summary(days: Int, asOf: Date, filter: SummaryFilter) async throws -> Summary {
        asked.withLock { $0.append(filter) }
        return answer(days, UTCDay(asOf), filter)
    }
    func prune(before: Date) async throws -> Int { 0 }
    func health() async -> StoreHealth { StoreHealth(available: true, detail: "ok") }
    func close() async {}

    /// Two products, acme-db (4 installs on 1.0, 3 on 2.0) and beta-tool (2 on 2.0), and one install without a product;
    /// each with facts (`tlsEnabled`, `edition`, `clusterNodes`) and a counter (`backupsRun`) on the last day, the
    /// versions' own numbers apart (version 1.0: TLS on 1 of 4; version 2.0: 5 of 5).
    @Sendable static func fleet(days: Int, lastDay: UTCDay, filter: SummaryFilter) -> Summary {
        var s = Summary.empty(days: days, lastDay: lastDay)
        s.products = ["acme-db", "beta-tool"]
        var d = DaySummary(date: lastDay)
        switch (filter.product, filter.version) {
        case (nil, nil):
            d.byProductVersion = ["1.0": 4, "2.0": 5, "unknown": 1]
            d.facts = ["tlsEnabled": .boolean(installs: 10, isTrue: 6),
                       "edition": .enumeration(installs: 10, values: ["oss": 8, "enterprise": 2]),
                       "clusterNodes": .number(installs: 10, zero: 1, p5: 1, p50: 3, p95: 9.5)]
            d.counters = ["backupsRun": CounterSummary(increments: 1234, installs: 5, p50: 6, p95: 12)]
        case ("acme-db", nil):
            d.byProductVersion = ["1.0": 4, "2.0": 3]
        case ("beta-tool", nil):
            d.byProductVersion = ["2.0": 2]
        case (_, "1.0"):
            d.byProductVersion = ["1.0": 4]
            d.facts = ["tlsEnabled": .boolean(installs: 4, isTrue: 1)]
            d.counters = ["backupsRun": CounterSummary(increments: 10, installs: 1, p50: 10, p95: 10)]
        case (_, "2.0"):
            d.byProductVersion = ["2.0": 5]
            d.facts = ["tlsEnabled": .boolean(installs: 5, isTrue: 5)]
            d.counters = ["backupsRun": CounterSummary(increments: 1224, installs: 4, p50: 300, p95: 600)]
        default:
            break
        }
        d.activeInstalls = d.byProductVersion.values.reduce(0, +)
        s.days[s.days.count - 1] = d
        s.activeInstalls = d.activeInstalls
        // The last day per version, as a store's summary carries it (only the whole fleet's here: enough for the page).
        if filter == .all {
            for v in ["1.0", "2.0"] { s.lastDayByVersion[v] = fleet(days: 1, lastDay: lastDay, filter: SummaryFilter(version: v)).days[0] }
        }
        return s
    }
}
