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
    ]
}
