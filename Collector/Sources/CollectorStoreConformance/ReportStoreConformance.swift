#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import CollectorSummary
import ReportValidation
import CollectorStore
import TelemetryWire

/// The behaviour every `ReportStore` must show, as named checks that run against a fresh, migrated store.
/// A test target runs each one for its implementation:
///
///     @Test(arguments: ReportStoreConformance.checks.map(\.name))
///     func conformance(_ name: String) async throws {
///         try await ReportStoreConformance.run(name) { try await makeFreshStore() }
///     }
///
/// Plain code rather than a test target so the SQLite and PostgreSQL test targets share it.
public enum ReportStoreConformance {
    public struct Check: Sendable {
        public var name: String
        public var body: @Sendable (any ReportStore, Probe) async throws -> Void

        public init(name: String, body: @escaping @Sendable (any ReportStore) async throws -> Void) {
            self.name = name
            self.body = { store, _ in try await body(store) }
        }

        /// A check that also looks into the database through `Probe`.
        public init(name: String, probing body: @escaping @Sendable (any ReportStore, Probe) async throws -> Void) {
            self.name = name
            self.body = body
        }
    }

    /// What a test target can tell about its store's database from outside the store (its own connection).
    public struct Probe: Sendable {
        /// The number of rows of each of the store's tables (for "this wrote nothing").
        public var tableRows: @Sendable () async throws -> [String: Int]
        /// Per table of the database (every one, whatever the store's schema), how many rows hold the text anywhere
        /// (for "no row mentions this install"); tables without such rows may be left out.
        public var rowsMentioning: @Sendable (String) async throws -> [String: Int]
        public init(tableRows: @escaping @Sendable () async throws -> [String: Int],
                    rowsMentioning: @escaping @Sendable (String) async throws -> [String: Int] = { _ in
                        throw Failure(description: "this check needs a Probe that searches the store's rows") }) {
            self.tableRows = tableRows
            self.rowsMentioning = rowsMentioning
        }
        /// For checks that need no probe.
        public static let none = Probe { throw Failure(description: "this check needs a Probe of the store's tables") }
    }

    public struct Failure: Error, CustomStringConvertible {
        public var description: String
        public init(description: String) { self.description = description }
    }

    /// Runs the named check on a store made by `makeStore` (already migrated or not: the check migrates),
    /// closing it afterwards.
    public static func run(_ name: String, probe: Probe = .none, makeStore: () async throws -> any ReportStore) async throws {
        guard let check = checks.first(where: { $0.name == name }) else { throw Failure(description: "no check named \(name)") }
        let store = try await makeStore()
        do {
            try await store.migrate()
            try await check.body(store, probe)
        } catch {
            await store.close()
            throw error
        }
        await store.close()
    }

    static func expect<T: Equatable>(_ actual: T, _ expected: T, _ what: String, line: Int = #line) throws {
        if actual != expected {
            throw Failure(description: "ReportStoreConformance.swift:\(line): \(what): expected \(expected), got \(actual)")
        }
    }

    // MARK: - Fixtures

    /// 2026-12-01 00:00:00 UTC plus `day` days and `hour` hours.
    public static func at(day: Int, hour: Int = 12) -> Date {
        Date(timeIntervalSince1970: 1_796_083_200 + TimeInterval(day) * 86_400 + TimeInterval(hour) * 3600)
    }

    public static func uuid(_ n: Int, prefix: String = "00000000") -> String {
        let hex = String(n, radix: 16)
        return "\(prefix)-0000-4000-8000-" + String(repeating: "0", count: max(0, 12 - hex.count)) + hex
    }

    /// A validated report as the ingest would hand it over (the JSON is a stand-in: stores keep it, never parse it).
    public static func report(instance: Int, cluster: Int? = nil, message: Int, type: ReportType = .keepalive,
                              at timestamp: Date, breakdown: BreakdownValues = BreakdownValues(), product: String? = nil,
                              facts: [String: ReportedFact]? = nil, counters: [String: Int] = [:]) -> ValidatedReport {
        let id = uuid(message, prefix: "aaaaaaaa")
        return ValidatedReport(messageId: id, type: type, timestamp: timestamp,
                               instanceId: uuid(instance, prefix: "11111111"),
                               clusterId: uuid(cluster ?? instance, prefix: "cccccccc"),
                               breakdown: breakdown, product: product, facts: facts, counters: counters,
                               json: "{\"messageId\":\"\(id)\"}")
    }

    /// A diagnostics report of `product` `version` with facts and counters (the rest of its breakdown unknown).
    public static func diagnostics(instance: Int, cluster: Int? = nil, message: Int, at timestamp: Date, product: String? = "acme",
                                   version: String? = "1.0", facts: [String: ReportedFact]?,
                                   counters: [String: Int] = [:]) -> ValidatedReport {
        report(instance: instance, cluster: cluster, message: message, type: .diagnostics, at: timestamp,
               breakdown: BreakdownValues(productVersion: version), product: product, facts: facts, counters: counters)
    }

    static let debian = BreakdownValues(productVersion: "4.2.1", os: "debian 12", arch: "x86_64", virtualization: "kvm",
                                    container: "none", cores: "3-4", memory: "8-16GiB")

    // MARK: - The checks

    /// Every check: these, those of facts, counters and filters (`ReportStoreConformance+Facts.swift`), of
    /// established installs, adoption, lifecycle and retention (`ReportStoreConformance+Answers.swift`), of the retention
    /// cache (`ReportStoreConformance+Retention.swift`), of erasure (`ReportStoreConformance+Erasure.swift`) and of
    /// batches (`ReportStoreConformance+Batch.swift`).
    public static let checks: [Check] = coreChecks + factsChecks + answersChecks + retentionChecks + erasureChecks + batchChecks

    static let coreChecks: [Check] = [
        Check(name: "knowsAnInstallOnceAnyReportIsStored") { store in
            let id = uuid(1, prefix: "11111111")
            try expect(try await store.knowsInstall(id), false, "an empty store")
            _ = try await store.insert(report(instance: 1, message: 1, at: at(day: 0)), receivedAt: at(day: 0))
            try expect(try await store.knowsInstall(id), true, "after its first report")
            try expect(try await store.knowsInstall(uuid(2, prefix: "11111111")), false, "another install")
            try expect(try await store.knowsInstall("not-a-uuid"), false, "a malformed id")
        },
        Check(name: "migrateTwice") { store in
            try await store.migrate()
            let s = try await store.summary(days: 3, asOf: at(day: 2))
            try expect(s, Summary.empty(days: 3, lastDay: UTCDay(at(day: 2))), "summary of an empty store")
        },
        Check(name: "duplicateMessageIdCountsOnce") { store in
            let r = report(instance: 1, message: 1, at: at(day: 0))
            try expect(try await store.insert(r, receivedAt: at(day: 0)), .new, "first insert")
            try expect(try await store.insert(r, receivedAt: at(day: 0, hour: 13)), .duplicate, "same messageId again")
            // A retry that arrives the next day is still the same report: no activity on that day.
            try expect(try await store.insert(r, receivedAt: at(day: 1)), .duplicate, "same messageId next day")
            let s = try await store.summary(days: 2, asOf: at(day: 1))
            try expect(s.days.map(\.activeInstalls), [1, 0], "active per day")
        },
        Check(name: "activeNewPerUTCDay") { store in
            // Install 1 on days 0 and 1 (twice on day 1), install 2 from day 1; day boundaries in UTC.
            _ = try await store.insert(report(instance: 1, message: 1, at: at(day: 0)), receivedAt: at(day: 0, hour: 23))
            _ = try await store.insert(report(instance: 1, message: 2, at: at(day: 1)), receivedAt: at(day: 1, hour: 0))
            _ = try await store.insert(report(instance: 1, message: 3, at: at(day: 1)), receivedAt: at(day: 1, hour: 6))
            _ = try await store.insert(report(instance: 2, message: 4, at: at(day: 1)), receivedAt: at(day: 1, hour: 7))
            let s = try await store.summary(days: 3, asOf: at(day: 2))
            try expect(s.days.map(\.date), [UTCDay(at(day: 0)), UTCDay(at(day: 1)), UTCDay(at(day: 2))], "dates, oldest first")
            try expect(s.days.map(\.activeInstalls), [1, 2, 0], "active per day")
            try expect(s.days.map(\.newInstalls), [1, 1, 0], "new per day")
            try expect(s.activeInstalls, 0, "top-level activeInstalls is the last day's")
            let t = try await store.summary(days: 1, asOf: at(day: 1, hour: 23))
            try expect(t.activeInstalls, 2, "activeInstalls of day 1")
            try expect(t.days.count, 1, "days=1 gives one day")
        },
        Check(name: "newIsTheFirstDayEvenWhenImportedLater") { store in
            _ = try await store.insert(report(instance: 1, message: 1, at: at(day: 5)), receivedAt: at(day: 5))
            // An air-gapped report from day 2 imported afterwards moves the install's first day back.
            _ = try await store.insert(report(instance: 1, message: 2, at: at(day: 2)), receivedAt: at(day: 2))
            let s = try await store.summary(days: 6, asOf: at(day: 5))
            try expect(s.days.map(\.newInstalls), [0, 0, 1, 0, 0, 0], "new per day")
            try expect(s.days.map(\.activeInstalls), [0, 0, 1, 0, 0, 1], "active per day")
        },
        Check(name: "lostAfterSevenDaysOnItsLastDay") { store in
            _ = try await store.insert(report(instance: 1, message: 1, at: at(day: 0)), receivedAt: at(day: 0))
            _ = try await store.insert(report(instance: 2, message: 2, at: at(day: 0)), receivedAt: at(day: 0))
            _ = try await store.insert(report(instance: 2, message: 3, at: at(day: 3)), receivedAt: at(day: 3))
            // Day 6: install 1 silent for six days, not lost yet.
            var s = try await store.summary(days: 7, asOf: at(day: 6))
            try expect(s.days.map(\.lostInstalls), [0, 0, 0, 0, 0, 0, 0], "nobody lost on day 6")
            // Day 7: seven days without a report; lost on day 0, the day it was last seen.
            s = try await store.summary(days: 8, asOf: at(day: 7))
            try expect(s.days.map(\.lostInstalls), [1, 0, 0, 0, 0, 0, 0, 0], "install 1 lost on day 0")
            // Day 10: install 2 (last seen day 3) lost too.
            s = try await store.summary(days: 11, asOf: at(day: 10))
            try expect(s.days.map(\.lostInstalls)[0...4].map { $0 }, [1, 0, 0, 1, 0], "lost on days 0 and 3")
            // A summary as of day 2 knows nothing of later reports: install 2's day 3 does not count.
            s = try await store.summary(days: 3, asOf: at(day: 2))
            try expect(s.days.map(\.activeInstalls), [2, 0, 0], "active as of day 2")
        },
        Check(name: "breakdownsCountEachActiveInstallOnce") { store in
            var arm = debian
            arm.arch = "aarch64"; arm.productVersion = "4.3.0"; arm.virtualization = "none"; arm.container = "docker"
            arm.cores = "1"; arm.memory = "<2GiB"
            _ = try await store.insert(report(instance: 1, message: 1, type: .diagnostics, at: at(day: 0), breakdown: debian), receivedAt: at(day: 0))
            _ = try await store.insert(report(instance: 1, message: 2, at: at(day: 0), breakdown: BreakdownValues(productVersion: "4.2.1")), receivedAt: at(day: 0))
            _ = try await store.insert(report(instance: 2, message: 3, type: .diagnostics, at: at(day: 0), breakdown: arm), receivedAt: at(day: 0))
            // Install 3 sent only a keep-alive without product: unknown everywhere.
            _ = try await store.insert(report(instance: 3, message: 4, at: at(day: 0)), receivedAt: at(day: 0))
            let d = try await store.summary(days: 1, asOf: at(day: 0)).days[0]
            try expect(d.activeInstalls, 3, "active")
            try expect(d.byProductVersion, ["4.2.1": 1, "4.3.0": 1, "unknown": 1], "byProductVersion")
            try expect(d.byOS, ["debian 12": 2, "unknown": 1], "byOS")
            try expect(d.byArch, ["x86_64": 1, "aarch64": 1, "unknown": 1], "byArch")
            try expect(d.byVirtualization, ["kvm": 1, "none": 1, "unknown": 1], "byVirtualization")
            try expect(d.byContainer, ["none": 1, "docker": 1, "unknown": 1], "byContainer")
            try expect(d.byCores, ["3-4": 1, "1": 1, "unknown": 1], "byCores")
            try expect(d.byMemory, ["8-16GiB": 1, "<2GiB": 1, "unknown": 1], "byMemory")
        },
        Check(name: "lastArrivalWinsAndValuesCarryForward") { store in
            _ = try await store.insert(report(instance: 1, message: 1, type: .diagnostics, at: at(day: 0), breakdown: debian), receivedAt: at(day: 0, hour: 1))
            var upgraded = BreakdownValues(productVersion: "4.3.0")
            _ = try await store.insert(report(instance: 1, message: 2, at: at(day: 0), breakdown: upgraded), receivedAt: at(day: 0, hour: 2))
            // Day 1: only a keep-alive without a version: everything is carried over from what was known.
            _ = try await store.insert(report(instance: 1, message: 3, at: at(day: 1)), receivedAt: at(day: 1))
            // Day 2: a new version and a new OS.
            upgraded = debian
            upgraded.productVersion = "5.0.0"; upgraded.os = "debian 13"
            _ = try await store.insert(report(instance: 1, message: 4, type: .diagnostics, at: at(day: 2), breakdown: upgraded), receivedAt: at(day: 2))
            let s = try await store.summary(days: 3, asOf: at(day: 2))
            try expect(s.days.map(\.byProductVersion), [["4.3.0": 1], ["4.3.0": 1], ["5.0.0": 1]], "version per day")
            try expect(s.days.map(\.byOS), [["debian 12": 1], ["debian 12": 1], ["debian 13": 1]], "os per day")
            try expect(s.days.map(\.byArch), [["x86_64": 1], ["x86_64": 1], ["x86_64": 1]], "arch per day")
        },
        Check(name: "clustersAreSharedClusterIds") { store in
            // Installs 1, 2, 3 share cluster 7; 4 and 5 share cluster 8; 6 is alone; 9 shared 8 on an earlier day only.
            let members = [(1, 7), (2, 7), (3, 7), (4, 8), (5, 8), (6, 6)]
            for (i, (instance, cluster)) in members.enumerated() {
                _ = try await store.insert(report(instance: instance, cluster: cluster, message: 100 + i, at: at(day: 1)), receivedAt: at(day: 1))
            }
            _ = try await store.insert(report(instance: 9, cluster: 8, message: 200, at: at(day: 0)), receivedAt: at(day: 0))
            let s = try await store.summary(days: 2, asOf: at(day: 1))
            try expect(s.clusters, ClusterSummary(count: 2, installs: 5, bySize: ["3": 1, "2": 1]), "clusters on the last day")
        },
        Check(name: "pruneDropsRawReportsKeepsAnswers") { store in
            _ = try await store.insert(report(instance: 1, message: 1, at: at(day: 0)), receivedAt: at(day: 0))
            _ = try await store.insert(report(instance: 1, message: 2, at: at(day: 1)), receivedAt: at(day: 1))
            _ = try await store.insert(report(instance: 2, message: 3, at: at(day: 2)), receivedAt: at(day: 2))
            let before = try await store.summary(days: 3, asOf: at(day: 2))
            try expect(try await store.prune(before: at(day: 2, hour: 0)), 2, "reports received before day 2")
            try expect(try await store.prune(before: at(day: 2, hour: 0)), 0, "nothing left to prune")
            try expect(try await store.summary(days: 3, asOf: at(day: 2)), before, "summary after prune")
            // The report of day 2 was kept: still a duplicate.
            try expect(try await store.insert(report(instance: 2, message: 3, at: at(day: 2)), receivedAt: at(day: 2)), .duplicate, "kept report")
        },
        Check(name: "closedDaysAreRecountedAfterALateImport") { store in
            // Days of last month are closed: stores may answer them from counts kept by an earlier summary. A report
            // imported into one of them afterwards must show in the next summary all the same.
            let base = UTCDay(Date()).adding(days: -30).start.addingTimeInterval(12 * 3600)
            func on(_ d: Int) -> Date { base.addingTimeInterval(Double(d) * 86_400) }
            _ = try await store.insert(report(instance: 1, message: 1, at: on(0), breakdown: debian), receivedAt: on(0))
            _ = try await store.insert(report(instance: 2, message: 2, at: on(1)), receivedAt: on(1))
            let first = try await store.summary(days: 3, asOf: on(2))
            try expect(first.days.map(\.activeInstalls), [1, 1, 0], "active per day")
            try expect(try await store.summary(days: 3, asOf: on(2)), first, "the same summary asked again")
            var newer = debian
            newer.productVersion = "4.3.0"
            _ = try await store.insert(report(instance: 3, message: 3, type: .diagnostics, at: on(1), breakdown: newer), receivedAt: on(1))
            _ = try await store.insert(report(instance: 1, message: 4, at: on(1), breakdown: BreakdownValues(productVersion: "4.3.0")), receivedAt: on(1))
            let s = try await store.summary(days: 3, asOf: on(2))
            try expect(s.days.map(\.activeInstalls), [1, 3, 0], "active per day after the late reports")
            try expect(s.days[1].byProductVersion, ["4.3.0": 2, "unknown": 1], "day 1's versions")
            try expect(s.days[0].byProductVersion, ["4.2.1": 1], "day 0 unchanged")
            try expect(s.days.map(\.newInstalls), [1, 2, 0], "new per day")
            try expect(try await store.insert(report(instance: 3, message: 3, at: on(1)), receivedAt: on(1)), .duplicate, "a late duplicate")
            try expect(try await store.summary(days: 3, asOf: on(2)), s, "a duplicate changes no day")
            // Pruning the raw reports of closed days changes none of their counts.
            _ = try await store.prune(before: on(3))
            try expect(try await store.summary(days: 3, asOf: on(2)), s, "after prune")
        },
        Check(name: "aSummaryWritesNothing", probing: { store, probe in
            // Closed days of last month and today, then the longest summary the HTTP API allows: not one row more.
            let base = UTCDay(Date()).adding(days: -30).start.addingTimeInterval(12 * 3600)
            for d in 0..<3 {
                let t = base.addingTimeInterval(Double(d) * 86_400)
                _ = try await store.insert(report(instance: d, message: d, at: t, breakdown: debian), receivedAt: t)
            }
            _ = try await store.insert(report(instance: 9, message: 9, at: Date()), receivedAt: Date())
            let before = try await probe.tableRows()
            let long = try await store.summary(days: 3660, asOf: Date())
            try expect(long.days.count, 3660, "days of the summary")
            try expect(long.days.map(\.activeInstalls).reduce(0, +), 4, "installs active over the range")
            _ = try await store.summary(days: 31, asOf: Date())
            try expect(try await probe.tableRows(), before, "rows of every table after summaries")
        }),
        Check(name: "refreshDayCacheKeepsTheAnswersAndCountsEachClosedDayOnce") { store in
            let base = UTCDay(Date()).adding(days: -30).start.addingTimeInterval(12 * 3600)
            func on(_ d: Int) -> Date { base.addingTimeInterval(Double(d) * 86_400) }
            _ = try await store.insert(report(instance: 1, message: 1, at: on(0), breakdown: debian), receivedAt: on(0))
            _ = try await store.insert(report(instance: 2, message: 2, at: on(1)), receivedAt: on(1))
            let counted = try await store.summary(days: 5, asOf: on(4))
            try expect(try await store.refreshDayCache(days: 5, asOf: on(4)), 5, "closed days counted")
            try expect(try await store.refreshDayCache(days: 5, asOf: on(4)), 0, "nothing left to count")
            try expect(try await store.summary(days: 5, asOf: on(4)), counted, "the summary from the cache")
            // A late import into a cached day: summaries see it at once, the next refresh counts that day again.
            _ = try await store.insert(report(instance: 3, message: 3, at: on(1)), receivedAt: on(1))
            let after = try await store.summary(days: 5, asOf: on(4))
            try expect(after.days.map(\.activeInstalls), [1, 2, 0, 0, 0], "active per day after the import")
            try expect(try await store.refreshDayCache(days: 5, asOf: on(4)), 1, "the changed day counted again")
            try expect(try await store.summary(days: 5, asOf: on(4)), after, "the summary from the refreshed cache")
            // Today is never cached; yesterday is once it is closed (`ClosedDay`: from 00:10 UTC).
            try expect(try await store.refreshDayCache(days: 1, asOf: Date()), 0, "today")
            let yesterdayClosed = ClosedDay.last(at: Date()) == UTCDay(Date()).adding(days: -1)
            try expect(try await store.refreshDayCache(days: 2, asOf: Date()), yesterdayClosed ? 1 : 0, "yesterday")
            // A report into yesterday once it is cached (an import, or a transaction begun before midnight) is seen at once.
            if yesterdayClosed {
                let y = UTCDay(Date()).adding(days: -1).start.addingTimeInterval(6 * 3600)
                _ = try await store.insert(report(instance: 4, message: 4, at: y), receivedAt: y)
                try expect(try await store.refreshDayCache(days: 2, asOf: Date()), 1, "yesterday counted again")
                _ = try await store.insert(report(instance: 5, message: 5, at: y), receivedAt: y)
                try expect(try await store.summary(days: 2, asOf: Date()).days[0].activeInstalls, 2, "yesterday after a late report")
            }
        },
        Check(name: "healthOfAMigratedStore") { store in
            let h = await store.health()
            try expect(h.available, true, "available (\(h.detail))")
        },
        Check(name: "rejectsDaysBelowOne") { store in
            do {
                _ = try await store.summary(days: 0, asOf: at(day: 0))
                throw Failure(description: "summary(days: 0) did not throw")
            } catch let e as StoreError {
                guard case .invalidRequest = e else { throw Failure(description: "summary(days: 0) threw \(e), expected invalidRequest") }
            }
        },
        Check(name: "concurrentInsertsOfOneMessageIdOneWins") { store in
            let r = report(instance: 1, message: 1, at: at(day: 0))
            let outcomes = try await withThrowingTaskGroup(of: InsertOutcome.self) { group in
                for _ in 0..<8 { group.addTask { try await store.insert(r, receivedAt: at(day: 0)) } }
                var all: [InsertOutcome] = []
                for try await o in group { all.append(o) }
                return all
            }
            try expect(outcomes.filter { $0 == .new }.count, 1, "exactly one .new among 8 racing inserts")
            try expect(try await store.summary(days: 1, asOf: at(day: 0)).activeInstalls, 1, "active")
        },
    ]
}
