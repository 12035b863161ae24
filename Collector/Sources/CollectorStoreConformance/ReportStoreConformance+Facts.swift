#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import CollectorSummary
import ReportValidation
import CollectorStore

/// Product facts, product counters and the product and version filters, on fixtures with known answers.
extension ReportStoreConformance {
    /// 1.5 is not a small integer: it counts as the middle of its bucket (`NumberHistogram`), 1.5078125.
    static let bucketOf1_5 = 1.5078125
    /// 2000 is counted as 2008, the middle of its bucket.
    static let bucketOf2000 = 2008.0

    static let factsChecks: [Check] = [
        Check(name: "factsOfTheLastDiagnosticsReportOfTheDayElseTheLastKnown") { store in
            let tls = "tlsEnabled", edition = "edition", nodes = "clusterNodes"
            // Day 0. Install 1 twice: its later report wins. Install 4 sends only keep-alives: no facts.
            _ = try await store.insert(diagnostics(instance: 1, message: 1, at: at(day: 0, hour: 1), facts: [
                tls: .boolean(true), edition: .enumeration("oss"), nodes: .number(3)]), receivedAt: at(day: 0, hour: 1))
            _ = try await store.insert(diagnostics(instance: 1, message: 2, at: at(day: 0, hour: 2), facts: [
                tls: .boolean(false), edition: .enumeration("enterprise"), nodes: .number(5)]), receivedAt: at(day: 0, hour: 2))
            _ = try await store.insert(report(instance: 1, message: 3, at: at(day: 0, hour: 3), product: "acme"), receivedAt: at(day: 0, hour: 3))
            _ = try await store.insert(diagnostics(instance: 2, message: 4, at: at(day: 0), facts: [
                tls: .boolean(true), edition: .enumeration("oss"), nodes: .number(0)]), receivedAt: at(day: 0))
            _ = try await store.insert(diagnostics(instance: 3, message: 5, at: at(day: 0), facts: [
                tls: .boolean(true), nodes: .number(1.5)]), receivedAt: at(day: 0))
            _ = try await store.insert(report(instance: 4, message: 6, at: at(day: 0), product: "acme"), receivedAt: at(day: 0))
            // Day 1. Install 1: a keep-alive (its facts carried); install 2: facts {} (it has none now); install 3: a
            // diagnostics report without facts (the file was stale: its last known facts stand).
            _ = try await store.insert(report(instance: 1, message: 7, at: at(day: 1), product: "acme"), receivedAt: at(day: 1))
            _ = try await store.insert(diagnostics(instance: 2, message: 8, at: at(day: 1), facts: [:]), receivedAt: at(day: 1))
            _ = try await store.insert(diagnostics(instance: 3, message: 9, at: at(day: 1), facts: nil), receivedAt: at(day: 1))
            let s = try await store.summary(days: 2, asOf: at(day: 1))
            try expect(s.days[0].facts, [
                tls: .boolean(installs: 3, isTrue: 2),
                edition: .enumeration(installs: 2, values: ["enterprise": 1, "oss": 1]),
                // 0, 1.5, 5: nearest rank 1, 2, 3.
                nodes: .number(installs: 3, zero: 1, p5: 0, p50: bucketOf1_5, p95: 5),
            ], "day 0's facts")
            try expect(s.days[1].facts, [
                tls: .boolean(installs: 2, isTrue: 1),
                edition: .enumeration(installs: 1, values: ["enterprise": 1]),
                nodes: .number(installs: 2, zero: 0, p5: bucketOf1_5, p50: bucketOf1_5, p95: 5),
            ], "day 1's facts")
            try expect(s.days.map(\.activeInstalls), [4, 3], "active")
            try expect(s.products, ["acme"], "products")
        },
        Check(name: "aFactSentAsTwoKindsShowsTheKindMostInstallsSent") { store in
            _ = try await store.insert(diagnostics(instance: 1, message: 1, at: at(day: 0), facts: ["mode": .boolean(true)]), receivedAt: at(day: 0))
            _ = try await store.insert(diagnostics(instance: 2, message: 2, at: at(day: 0), facts: ["mode": .enumeration("fast")]), receivedAt: at(day: 0))
            _ = try await store.insert(diagnostics(instance: 3, message: 3, at: at(day: 0), facts: ["mode": .enumeration("slow")]), receivedAt: at(day: 0))
            let d = try await store.summary(days: 1, asOf: at(day: 0)).days[0]
            try expect(d.facts, ["mode": .enumeration(installs: 2, values: ["fast": 1, "slow": 1])], "the enum wins 2 to 1")
        },
        Check(name: "countersAddUpPerInstallAndDayOfArrival") { store in
            _ = try await store.insert(diagnostics(instance: 1, message: 1, at: at(day: 0), facts: [:],
                                                   counters: ["flows": 10, "logins": 0]), receivedAt: at(day: 0, hour: 1))
            _ = try await store.insert(diagnostics(instance: 1, message: 2, at: at(day: 0), facts: [:],
                                                   counters: ["flows": 5]), receivedAt: at(day: 0, hour: 2))
            _ = try await store.insert(diagnostics(instance: 2, message: 3, at: at(day: 0), facts: nil,
                                                   counters: ["flows": 1]), receivedAt: at(day: 0))
            _ = try await store.insert(diagnostics(instance: 3, message: 4, at: at(day: 0), facts: nil,
                                                   counters: ["flows": 2000]), receivedAt: at(day: 0))
            _ = try await store.insert(diagnostics(instance: 4, message: 5, at: at(day: 0), facts: nil,
                                                   counters: ["logins": 3]), receivedAt: at(day: 0))
            // A report built on day 0 that arrives on day 1 counts on day 1; its duplicate counts nothing.
            let late = diagnostics(instance: 1, message: 6, at: at(day: 0), facts: nil, counters: ["flows": 7])
            _ = try await store.insert(late, receivedAt: at(day: 1))
            try expect(try await store.insert(late, receivedAt: at(day: 1, hour: 2)), .duplicate, "the same report again")
            let s = try await store.summary(days: 2, asOf: at(day: 1))
            try expect(s.days[0].counters, [
                // Per-install sums 15, 1, 2000: nearest rank 2 and 3.
                "flows": CounterSummary(increments: 2016, installs: 3, p50: 15, p95: bucketOf2000),
                // Install 1's 0 is no use.
                "logins": CounterSummary(increments: 3, installs: 1, p50: 3, p95: 3),
            ], "day 0's counters")
            try expect(s.days[1].counters, ["flows": CounterSummary(increments: 7, installs: 1, p50: 7, p95: 7)], "day 1's counters")
            try expect(s.days[1].facts, [:], "no facts were ever sent")
        },
        Check(name: "filtersCountOnlyTheMatchingInstalls") { store in
            // Day 0: installs 1 (acme 1.0), 2 (acme 2.0), 3 (zeta 1.0) in cluster 7; install 4 names no product.
            // Day 1: install 1 upgraded to acme 2.0. Nobody after: 2, 3, 4 lost on day 0, install 1 on day 1.
            _ = try await store.insert(diagnostics(instance: 1, cluster: 7, message: 1, at: at(day: 0), version: "1.0",
                                                   facts: ["tls": .boolean(true)], counters: ["flows": 4]), receivedAt: at(day: 0))
            _ = try await store.insert(diagnostics(instance: 2, cluster: 7, message: 2, at: at(day: 0), version: "2.0",
                                                   facts: ["tls": .boolean(false)]), receivedAt: at(day: 0))
            _ = try await store.insert(diagnostics(instance: 3, cluster: 7, message: 3, at: at(day: 0), product: "zeta", version: "1.0",
                                                   facts: ["tls": .boolean(true)], counters: ["flows": 6]), receivedAt: at(day: 0))
            _ = try await store.insert(report(instance: 4, cluster: 8, message: 4, at: at(day: 0)), receivedAt: at(day: 0))
            _ = try await store.insert(report(instance: 1, cluster: 7, message: 5, at: at(day: 1), breakdown: BreakdownValues(productVersion: "2.0"),
                                              product: "acme"), receivedAt: at(day: 1))
            let acme = SummaryFilter(product: "acme")
            func days(_ f: SummaryFilter) async throws -> Summary { try await store.summary(days: 9, asOf: at(day: 8), filter: f) }
            let all = try await days(.all)
            try expect(all.days.prefix(2).map(\.activeInstalls), [4, 1], "all: active")
            try expect(all.days.prefix(2).map(\.lostInstalls), [3, 1], "all: lost")
            let a = try await days(acme)
            try expect(a.days.prefix(3).map(\.activeInstalls), [2, 1, 0], "acme: active")
            try expect(a.days.prefix(2).map(\.newInstalls), [2, 0], "acme: new")
            try expect(a.days.prefix(2).map(\.lostInstalls), [1, 1], "acme: lost")
            try expect(a.days[0].byProductVersion, ["1.0": 1, "2.0": 1], "acme: versions on day 0")
            try expect(a.days[1].byProductVersion, ["2.0": 1], "acme: versions on day 1")
            try expect(a.days[0].byOS, ["unknown": 2], "acme: a breakdown adds up to the filtered active installs")
            try expect(a.days[0].facts, ["tls": .boolean(installs: 2, isTrue: 1)], "acme: facts")
            try expect(a.days[0].counters, ["flows": CounterSummary(increments: 4, installs: 1, p50: 4, p95: 4)], "acme: counters")
            let acme1 = try await days(SummaryFilter(product: "acme", version: "1.0"))
            try expect(acme1.days.prefix(2).map(\.activeInstalls), [1, 0], "acme 1.0: active (install 1 runs 2.0 on day 1)")
            try expect(acme1.days.prefix(2).map(\.newInstalls), [1, 0], "acme 1.0: new")
            try expect(acme1.days.prefix(2).map(\.lostInstalls), [0, 0], "acme 1.0: lost (install 1 was last seen on 2.0)")
            let acme2 = try await days(SummaryFilter(product: "acme", version: "2.0"))
            try expect(acme2.days.prefix(2).map(\.activeInstalls), [1, 1], "acme 2.0: active")
            try expect(acme2.days.prefix(2).map(\.newInstalls), [1, 0], "acme 2.0: new")
            try expect(acme2.days.prefix(2).map(\.lostInstalls), [1, 1], "acme 2.0: lost")
            let v1 = try await days(SummaryFilter(version: "1.0"))
            try expect(v1.days.prefix(2).map(\.activeInstalls), [2, 0], "version 1.0 of any product: active")
            try expect(v1.days[0].facts, ["tls": .boolean(installs: 2, isTrue: 2)], "version 1.0: facts")
            try expect(v1.days[0].counters, ["flows": CounterSummary(increments: 10, installs: 2, p50: 4, p95: 6)], "version 1.0: counters")
            let unnamed = try await days(SummaryFilter(product: "unknown"))
            try expect(unnamed.days.prefix(2).map(\.activeInstalls), [1, 0], "no product named: active")
            try expect(unnamed.days[0].byProductVersion, ["unknown": 1], "no product named: versions")
            let none = try await days(SummaryFilter(product: "nothing"))
            try expect(none.days.map(\.activeInstalls).reduce(0, +), 0, "a product nobody runs")
            for (name, s) in [("all", all), ("acme", a), ("acme 1.0", acme1), ("nothing", none)] {
                try expect(s.products, ["acme", "unknown", "zeta"], "\(name): products, whatever the filter")
            }
            // Clusters of the last day among the matching installs.
            try expect(try await store.summary(days: 1, asOf: at(day: 0)).clusters,
                       ClusterSummary(count: 1, installs: 3, bySize: ["3": 1]), "all: clusters")
            try expect(try await store.summary(days: 1, asOf: at(day: 0), filter: acme).clusters,
                       ClusterSummary(count: 1, installs: 2, bySize: ["2": 1]), "acme: clusters")
            try expect(try await store.summary(days: 1, asOf: at(day: 0), filter: SummaryFilter(product: "zeta")).clusters,
                       ClusterSummary(), "zeta: no cluster")
        },
        Check(name: "theLastDayPerVersionIsEachVersionsOwnDayCountedOrCached") { store in
            // Three versions over two products, facts and counters, some installs established (seen the day before).
            var message = 0
            for i in 0..<9 {
                let version = ["1.0", "2.0", nil][i % 3], product = i % 4 == 3 ? "zeta" : "acme"
                for day in (i % 2 == 0 ? [0, 1] : [1]) {
                    message += 1
                    _ = try await store.insert(diagnostics(instance: i, message: message, at: at(day: day), product: product, version: version,
                                                           facts: ["tls": .boolean(i % 3 != 1), "nodes": .number(Double(i))],
                                                           counters: ["flows": i * 10 + day]),
                                               receivedAt: at(day: day, hour: 1 + i))
                }
            }
            let filters = [SummaryFilter.all, SummaryFilter(product: "acme"), SummaryFilter(established: true),
                           SummaryFilter(product: "acme", established: true), SummaryFilter(version: "2.0")]
            func check(_ how: String) async throws {
                for filter in filters {
                    let s = try await store.summary(days: 2, asOf: at(day: 1), filter: filter)
                    let labels = Set(s.days[1].byProductVersion.filter { $0.value > 0 }.keys)
                    try expect(Set(s.lastDayByVersion.keys), labels, "\(how), \(filter): a day for each version of the last day")
                    for version in labels {
                        let narrowed = SummaryFilter(product: filter.product, version: version, established: filter.established)
                        var own = try await store.summary(days: 1, asOf: at(day: 1), filter: narrowed).days[0]
                        own.newInstalls = 0
                        own.lostInstalls = 0
                        try expect(s.lastDayByVersion[version], own, "\(how), \(filter): version \(version) as its own summary")
                    }
                }
            }
            try await check("counted")
            try expect(try await store.summary(days: 2, asOf: at(day: 1)).lastDayByVersion["1.0"]?.activeInstalls, 3, "version 1.0, all")
            try expect(try await store.refreshDayCache(days: 2, asOf: at(day: 1)), 2, "both days cached")
            try await check("cached")
        },
        Check(name: "theDayCacheAnswersEveryFilterAsTheRollupsDo") { store in
            // Closed days of last month: cached by refreshDayCache, counted from the rollups before.
            let base = UTCDay(Date()).adding(days: -30).start.addingTimeInterval(12 * 3600)
            func on(_ d: Int, hour: Double = 0) -> Date { base.addingTimeInterval(Double(d) * 86_400 + hour * 3600) }
            var message = 0
            func send(_ instance: Int, day: Int, product: String? = "acme", version: String?, facts: [String: ReportedFact]?,
                      counters: [String: Int] = [:]) async throws {
                message += 1
                _ = try await store.insert(diagnostics(instance: instance, cluster: instance % 3, message: message, at: on(day),
                                                       product: product, version: version, facts: facts, counters: counters),
                                           receivedAt: on(day, hour: Double(message % 10)))
            }
            for i in 0..<12 {
                let version = ["1.0", "2.0", nil][i % 3]
                let product = i % 4 == 3 ? "zeta" : "acme"
                for d in 0..<3 where (i + d) % 5 != 0 {
                    try await send(i, day: d, product: product, version: version,
                                   facts: ["tls": .boolean(i % 2 == 0), "edition": .enumeration(i % 3 == 0 ? "oss" : "pro"),
                                           "nodes": .number(Double(i * d) / 2), "big": .number(Double(i) * 1e6)],
                                   counters: ["flows": i * 100 + d, "logins": i % 2])
                }
            }
            let filters = [SummaryFilter.all, SummaryFilter(product: "acme"), SummaryFilter(product: "acme", version: "2.0"),
                           SummaryFilter(version: "1.0"), SummaryFilter(product: "acme", version: "unknown"),
                           SummaryFilter(product: "zeta"), SummaryFilter(product: "nothing"), SummaryFilter(established: true),
                           SummaryFilter(product: "acme", version: "2.0", established: true)]
            // Each filter over the four days, then over the last two (days 0 and 1 then are the adoption look-back, read
            // from the cache's version counts once cached).
            func summaries() async throws -> [Summary] {
                var out: [Summary] = []
                for f in filters { out.append(try await store.summary(days: 4, asOf: on(3), filter: f)) }
                for f in filters { out.append(try await store.summary(days: 2, asOf: on(3), filter: f)) }
                return out
            }
            func name(_ i: Int) -> String { "\(filters[i % filters.count]) over \(i < filters.count ? 4 : 2) days" }
            let counted = try await summaries()
            try expect(counted[0].days[1].activeInstalls, 10, "active on day 1")
            try expect(counted[1].days[1].activeInstalls + counted[5].days[1].activeInstalls, 10, "acme and zeta add up")
            try expect(counted[7].days[2].activeInstalls, counted[0].days[2].establishedInstalls, "established=1: the established")
            try expect(counted[7].days[2].activeInstalls > 0, true, "some installs are established on day 2")
            try expect(try await store.refreshDayCache(days: 4, asOf: on(3)), 4, "closed days cached")
            try expect(counted[filters.count].adoption.versions.isEmpty, false, "the two days' adoption")
            let cached = try await summaries()
            for (i, (a, b)) in zip(counted, cached).enumerated() { try expect(b, a, "\(name(i)) from the cache") }
            // A late report into a cached day: every filter sees it at once, and the same again once cached anew.
            try await send(20, day: 1, product: "zeta", version: "2.0", facts: ["tls": .boolean(true)], counters: ["flows": 1])
            let late = try await summaries()
            try expect(late[5].days[1].activeInstalls, counted[5].days[1].activeInstalls + 1, "zeta: the late install")
            try expect(late[1], cached[1], "acme: unchanged by zeta's report")
            try expect(try await store.refreshDayCache(days: 4, asOf: on(3)), 1, "the changed day cached again")
            let again = try await summaries()
            for (i, (a, b)) in zip(late, again).enumerated() { try expect(b, a, "\(name(i)) from the refreshed cache") }
        },
    ]
}
