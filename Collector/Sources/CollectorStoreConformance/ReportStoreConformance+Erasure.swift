#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import CollectorSummary
import ReportValidation
import CollectorStore
import TelemetryWire

extension ReportStoreConformance {
    /// An erasure key of 32 bytes, as 64 hex digits, and the hash its install's reports carry.
    static func erasureKey(_ n: Int) -> (key: String, hash: String) {
        let byte = String(n & 0xff, radix: 16)
        let key = String(repeating: (byte.count == 1 ? "0" : "") + byte, count: 32)
        return (key, ErasureHash.ofKey(hex: key) ?? "")
    }

    /// `report(…)` carrying `erasureKeyHash`.
    static func keyed(_ r: ValidatedReport, _ hash: String?) -> ValidatedReport {
        var r = r
        r.erasureKeyHash = hash
        return r
    }

    static func expectNoMention(_ probe: Probe, _ text: String, _ what: String, line: Int = #line) async throws {
        let found = try await probe.rowsMentioning(text).filter { $0.value != 0 }
        try expect(found, [:], what, line: line)
    }

    static let erasureChecks: [Check] = [
        Check(name: "forgetDeletesEveryRowOfTheInstallAndKeepsClosedDaysTotals", probing: { store, probe in
            let (key, hash) = erasureKey(1)
            let gone = uuid(1, prefix: "11111111"), kept = uuid(2, prefix: "11111111")
            // Install 1 (keyed) and install 2 on days 0-2, with facts and counters; install 1 shares install 2's cluster.
            var m = 0
            for day in 0...2 {
                for instance in [1, 2] {
                    m += 1
                    let r = diagnostics(instance: instance, cluster: 2, message: m, at: at(day: day),
                                        facts: ["edition": .enumeration(instance == 1 ? "enterprise" : "oss")],
                                        counters: ["jobs": 10 * instance])
                    _ = try await store.insert(keyed(r, instance == 1 ? hash : nil), receivedAt: at(day: day))
                }
            }
            // Days 0 and 1 are closed (long before the store's clock) and cached; day 2's cache is dropped by a later report.
            try await store.refreshDayCache(days: 2, asOf: at(day: 1))
            let before = try await store.summary(days: 3, asOf: at(day: 2))
            try expect(before.days.map(\.activeInstalls), [2, 2, 2], "active before")

            try expect(try await store.forget(instanceId: gone, erasureKeyHash: hash), .erased(reports: 3), "the forget")
            try await expectNoMention(probe, gone, "rows that name the erased install")
            try await expectNoMention(probe, key, "rows that hold its key")
            try expect(try await probe.rowsMentioning(kept).values.reduce(0, +) > 0, true, "rows of the other install")
            try expect(try await store.knowsInstall(gone), false, "the erased install is unknown")
            let after = try await store.summary(days: 3, asOf: at(day: 2))
            // Closed days' cached totals are anonymous and stay; the rest is counted without the install. New (and lost)
            // installs are read from each install's first (and last) day, which went with it.
            try expect(after.days.map(\.activeInstalls), [2, 2, 1], "active after")
            var closed = before.days[0]
            closed.newInstalls -= 1
            try expect(after.days[0], closed, "a closed day's totals")
        }),
        Check(name: "forgetNeedsTheKeyPinnedAtTheFirstReport", probing: { store, probe in
            let first = erasureKey(1), second = erasureKey(2)
            let id = uuid(1, prefix: "11111111"), unkeyed = uuid(2, prefix: "11111111")
            try expect(try await store.forget(instanceId: id, erasureKeyHash: first.hash), .refused(.noPinnedKey), "an unknown install")
            _ = try await store.insert(report(instance: 2, message: 1, at: at(day: 0)), receivedAt: at(day: 0))
            try expect(try await store.forget(instanceId: unkeyed, erasureKeyHash: first.hash), .refused(.noPinnedKey),
                       "an install that never sent a hash")
            // The first hash is pinned; a later, different one is stored with its report but does not replace it.
            _ = try await store.insert(keyed(report(instance: 1, message: 2, at: at(day: 0)), nil), receivedAt: at(day: 0))
            _ = try await store.insert(keyed(report(instance: 1, message: 3, at: at(day: 0)), first.hash), receivedAt: at(day: 0))
            try expect(try await store.insert(keyed(report(instance: 1, message: 4, at: at(day: 1)), second.hash), receivedAt: at(day: 1)),
                       .new, "a report with another hash")
            let rows = try await probe.tableRows()
            try expect(try await store.forget(instanceId: id, erasureKeyHash: second.hash), .refused(.wrongKey), "the later hash's key")
            try expect(try await store.forget(instanceId: id, erasureKeyHash: String(repeating: "0", count: 64)), .refused(.wrongKey), "a forged key")
            try expect(try await probe.tableRows(), rows, "rows after refused forgets")
            try expect(try await store.forget(instanceId: id, erasureKeyHash: first.hash), .erased(reports: 3), "the pinned key")
            try await expectNoMention(probe, id, "rows that name the erased install")
            try expect(try await store.knowsInstall(unkeyed), true, "the other install stays")
        }),
        Check(name: "forgetIsIdempotentAndTheInstallStaysErased", probing: { store, probe in
            let (_, hash) = erasureKey(7)
            let id = uuid(1, prefix: "11111111")
            let firstReport = keyed(report(instance: 1, message: 1, at: at(day: 0)), hash)
            _ = try await store.insert(firstReport, receivedAt: at(day: 0))
            try expect(try await store.forget(instanceId: id, erasureKeyHash: hash), .erased(reports: 1), "the forget")
            try expect(try await store.forget(instanceId: id, erasureKeyHash: hash), .alreadyErased, "the same forget again")
            try expect(try await store.forget(instanceId: id, erasureKeyHash: erasureKey(8).hash), .refused(.wrongKey),
                       "another key after the erasure")
            // Its later reports, its old ones again and the uppercase form of its ID store nothing.
            try expect(try await store.insert(keyed(report(instance: 1, message: 2, at: at(day: 1)), hash), receivedAt: at(day: 1)),
                       .erased, "a later report")
            try expect(try await store.insert(firstReport, receivedAt: at(day: 1)), .erased, "its first report again")
            var upper = report(instance: 1, message: 3, at: at(day: 1))
            upper.instanceId = id.uppercased()
            try expect(try await store.insert(upper, receivedAt: at(day: 1)), .erased, "its ID in upper case")
            try await expectNoMention(probe, id, "rows that name the erased install")
            try expect(try await store.summary(days: 2, asOf: at(day: 1)).days.map(\.activeInstalls), [0, 0], "active")
            // A fresh identity starts clean.
            try expect(try await store.insert(keyed(report(instance: 2, message: 4, at: at(day: 1)), erasureKey(9).hash), receivedAt: at(day: 1)),
                       .new, "a fresh install")
            try expect(try await store.forget(instanceId: uuid(2, prefix: "11111111"), erasureKeyHash: erasureKey(9).hash),
                       .erased(reports: 1), "the fresh install's own forget")
        }),
    ]
}
