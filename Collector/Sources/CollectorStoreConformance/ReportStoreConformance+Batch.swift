#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import CollectorSummary
import ReportValidation
import CollectorStore

extension ReportStoreConformance {
    static func batch(_ reports: [ValidatedReport]) -> [ReportToStore] {
        reports.map { ReportToStore($0, receivedAt: $0.timestamp) }
    }

    static func outcomes(_ results: [Result<InsertOutcome, StoreError>]) -> [String] {
        results.map {
            switch $0 {
            case .success(let o): o.rawValue
            case .failure(.invalidRequest): "invalidRequest"
            case .failure(let e): "\(e)"
            }
        }
    }

    static let batchChecks: [Check] = [
        Check(name: "aBatchAnswersEachReportAsOneByOneWould") { store in
            let (_, hash) = erasureKey(9)
            // Install 9 was erased before; install 1's report of message 1 was stored before.
            _ = try await store.insert(keyed(report(instance: 9, message: 90, at: at(day: 0)), hash), receivedAt: at(day: 0))
            guard case .erased = try await store.forget(instanceId: uuid(9, prefix: "11111111"), erasureKeyHash: hash) else {
                throw Failure(description: "ReportStoreConformance+Batch.swift: install 9 was not erased")
            }
            _ = try await store.insert(report(instance: 1, message: 1, at: at(day: 1)), receivedAt: at(day: 1))
            let forget = report(instance: 2, message: 7, type: .forget, at: at(day: 2))
            let results = try await store.insert(batch: batch([
                report(instance: 2, message: 2, at: at(day: 2)),
                report(instance: 1, message: 1, at: at(day: 1)),                  // stored before
                diagnostics(instance: 1, message: 3, at: at(day: 2, hour: 6), version: "1.0", facts: nil),
                diagnostics(instance: 1, message: 4, at: at(day: 2, hour: 7), version: "2.0", facts: nil),
                report(instance: 2, message: 2, at: at(day: 2)),                  // twice in this batch
                report(instance: 9, message: 91, at: at(day: 2)),                 // erased
                forget,                                                           // never inserted
                report(instance: 3, message: 5, at: at(day: 2)),
                report(instance: 3, message: 6, at: at(day: 0)),                  // an earlier day, later in the file
            ]))
            try expect(outcomes(results), ["new", "duplicate", "new", "new", "duplicate", "erased", "invalidRequest", "new", "new"],
                       "outcomes in order")
            let s = try await store.summary(days: 3, asOf: at(day: 2))
            try expect(s.days.map(\.activeInstalls), [1, 1, 3], "active per day")
            try expect(s.days.map(\.newInstalls), [1, 1, 1], "new per day (install 3 first seen on day 0)")
            // Install 1's reports of day 2 in batch order: the later version is the day's.
            try expect(s.days[2].byProductVersion, ["2.0": 1, "unknown": 2], "the day's last report wins")
            try expect(try await store.knowsInstall(uuid(9, prefix: "11111111")), false, "the erased install stays unknown")
            try expect(outcomes(try await store.insert(batch: [])), [], "an empty batch")
        },
        Check(name: "aBatchPinsErasureKeysAsSingleInsertsDo") { store in
            let (_, hash) = erasureKey(4)
            let (_, other) = erasureKey(5)
            let results = try await store.insert(batch: batch([
                keyed(report(instance: 4, message: 1, at: at(day: 0)), hash),
                keyed(report(instance: 4, message: 2, at: at(day: 1)), other),    // a later, different key: ignored
            ]))
            try expect(outcomes(results), ["new", "new"], "outcomes")
            let id = uuid(4, prefix: "11111111")
            try expect(try await store.forget(instanceId: id, erasureKeyHash: other), .refused(.wrongKey), "the later key")
            try expect(try await store.forget(instanceId: id, erasureKeyHash: hash), .erased(reports: 2), "the first key")
            try expect(outcomes(try await store.insert(batch: batch([report(instance: 4, message: 3, at: at(day: 2))]))), ["erased"],
                       "a batch after the erasure")
        },
        Check(name: "aBatchAnswersRepeatsErasuresAndForgetsInTheirPlaces", probing: { store, probe in
            let (_, hash) = erasureKey(9)
            let (_, other) = erasureKey(10)
            _ = try await store.insert(keyed(report(instance: 9, message: 90, at: at(day: 0)), hash), receivedAt: at(day: 0))
            guard case .erased = try await store.forget(instanceId: uuid(9, prefix: "11111111"), erasureKeyHash: hash) else {
                throw Failure(description: "ReportStoreConformance+Batch.swift: install 9 was not erased")
            }
            _ = try await store.insert(report(instance: 1, message: 1, at: at(day: 0)), receivedAt: at(day: 0))
            let results = try await store.insert(batch: batch([
                report(instance: 5, message: 50, type: .forget, at: at(day: 1)),   // first: never inserted
                report(instance: 1, message: 10, at: at(day: 1, hour: 1)),
                report(instance: 1, message: 1, at: at(day: 0)),                   // stored before
                report(instance: 1, message: 10, at: at(day: 1, hour: 1)),         // earlier in this batch
                keyed(report(instance: 9, message: 92, at: at(day: 1)), other),    // erased, with a new key: pins nothing
                report(instance: 2, message: 11, at: at(day: 1, hour: 2)),
                report(instance: 1, message: 10, at: at(day: 1, hour: 1)),         // a third time
                report(instance: 6, message: 60, type: .forget, at: at(day: 1)),
                report(instance: 2, message: 11, at: at(day: 1, hour: 2)),
                report(instance: 2, message: 12, at: at(day: 1, hour: 3)),
                report(instance: 9, message: 93, at: at(day: 1, hour: 4)),         // erased, last
            ]))
            try expect(outcomes(results), ["invalidRequest", "new", "duplicate", "duplicate", "erased", "new", "duplicate",
                                           "invalidRequest", "duplicate", "new", "erased"], "outcomes in order")
            try expect(try await probe.tableRows()["reports"], 4, "raw reports: messages 1, 10, 11, 12")
            try await expectNoMention(probe, uuid(9, prefix: "11111111"), "rows that name the erased install")
            try await expectNoMention(probe, other, "rows that hold the erased install's new key")
            try await expectNoMention(probe, uuid(92, prefix: "aaaaaaaa"), "rows of the erased install's report")
            for instance in [5, 6] {
                try expect(try await store.knowsInstall(uuid(instance, prefix: "11111111")), false, "install \(instance) of a forget report")
            }
            let s = try await store.summary(days: 2, asOf: at(day: 1))
            try expect(s.days.map(\.activeInstalls), [1, 2], "active per day")
        }),
        Check(name: "aBatchPinsTheFirstKeyHashEvenAfterReportsWithout") { store in
            let (_, first) = erasureKey(6)
            let (_, second) = erasureKey(7)
            let (_, pinned) = erasureKey(8)
            // Install 8's key was pinned before the batch; install 6's first report in it carries none.
            _ = try await store.insert(keyed(report(instance: 8, message: 80, at: at(day: 0)), pinned), receivedAt: at(day: 0))
            let results = try await store.insert(batch: batch([
                report(instance: 6, message: 1, at: at(day: 0, hour: 1)),
                keyed(report(instance: 8, message: 81, at: at(day: 0, hour: 2)), first),
                keyed(report(instance: 6, message: 2, at: at(day: 0, hour: 3)), first),
                keyed(report(instance: 6, message: 2, at: at(day: 0, hour: 3)), second),  // a duplicate with another key
                keyed(report(instance: 6, message: 3, at: at(day: 1)), second),
            ]))
            try expect(outcomes(results), ["new", "new", "new", "duplicate", "new"], "outcomes")
            let six = uuid(6, prefix: "11111111"), eight = uuid(8, prefix: "11111111")
            try expect(try await store.forget(instanceId: six, erasureKeyHash: second), .refused(.wrongKey), "install 6: the later key")
            try expect(try await store.forget(instanceId: eight, erasureKeyHash: first), .refused(.wrongKey), "install 8: the batch's key")
            try expect(try await store.forget(instanceId: six, erasureKeyHash: first), .erased(reports: 3), "install 6: its first key")
            try expect(try await store.forget(instanceId: eight, erasureKeyHash: pinned), .erased(reports: 2), "install 8: the key pinned before")
        },
        Check(name: "aBatchAddsUpEachInstallsCountersAndKeepsItsValues") { store in
            // Values the server must get back exactly as sent (quotes, braces, commas, backslashes, non-ASCII), NULLs
            // among them.
            let odd = #"deb"ian {12}, \ü"#
            let results = try await store.insert(batch: batch([
                diagnostics(instance: 1, message: 1, at: at(day: 0, hour: 1), facts: nil, counters: ["flows": 10, "logins": 0]),
                diagnostics(instance: 2, message: 2, at: at(day: 0, hour: 2), facts: nil, counters: ["flows": 1]),
                report(instance: 1, message: 3, at: at(day: 0, hour: 3), breakdown: BreakdownValues(os: odd)),
                diagnostics(instance: 1, message: 4, at: at(day: 0, hour: 4), facts: nil, counters: ["logins": 2, "flows": 5]),
                diagnostics(instance: 1, message: 1, at: at(day: 0, hour: 1), facts: nil, counters: ["flows": 10, "logins": 0]),
                diagnostics(instance: 3, message: 5, at: at(day: 0, hour: 5), product: odd, facts: nil, counters: ["flows": 4, "logins": 3]),
                diagnostics(instance: 1, message: 6, at: at(day: 1), facts: nil, counters: ["flows": 7]),
            ]))
            try expect(outcomes(results), ["new", "new", "new", "new", "duplicate", "new", "new"], "outcomes")
            let s = try await store.summary(days: 2, asOf: at(day: 1))
            try expect(s.days[0].counters, [
                // Per-install sums 15, 1, 4 (the duplicate counts nothing); logins 2 and 3 (install 1's 0 is no use).
                "flows": CounterSummary(increments: 20, installs: 3, p50: 4, p95: 15),
                "logins": CounterSummary(increments: 5, installs: 2, p50: 2, p95: 3),
            ], "day 0's counters")
            try expect(s.days[1].counters, ["flows": CounterSummary(increments: 7, installs: 1, p50: 7, p95: 7)], "day 1's counters")
            try expect(s.days[0].byOS, [odd: 1, "unknown": 2], "the odd OS, kept by install 1 (its later reports carry none)")
            try expect(s.products, ["acme", odd], "products, the odd one too")
        },
    ]
}
