import Foundation
import Logging
import InMemoryLogging
import Testing
import TestSupport
@testable import TelemetryCore
import TelemetryWire

/// A delivery over a real spool, and the collector it feeds: one report per messageId, as the real one dedups.
/// Each submit can be told to die at a point of the sequence (`Crash`), leaving the disk as a killed daemon would.
actor SpoolingDelivery: ReportDelivery {
    enum Crash { case none, beforeSpool, afterSpool }

    let spool: Spool
    var collector: [String: Report] = [:]
    var posts = 0
    /// What the next submits do, first first; then `.none`.
    var crashes: [Crash] = []
    /// Every submit fails to spool (a broken spool: the report would be kept in memory only).
    var spoolBroken = false

    init(stateDirectory: String) { spool = Spool(stateDirectory: stateDirectory) }

    func run() async {}
    func submit(_ report: Report) async -> Bool {
        let crash = crashes.isEmpty ? .none : crashes.removeFirst()
        if spoolBroken || crash == .beforeSpool { return false }   // dies before ② (or keeps it in memory)
        guard let body = try? report.jsonData(), (try? spool.add(body: Array(body), type: report.type, messageId: report.messageId, maxReports: 512)) != nil else {
            return false
        }
        return crash == .none                                      // .afterSpool: dies between ② and ③
    }
    func purge() async { spool.purge() }
    func reconfigure(_ loaded: LoadedConfig) async {}
    func queuedCount() async -> Int { spool.entries().count }
    func collectorUnreachable() async -> Bool { false }
    nonisolated var isHealthy: Bool { true }
    nonisolated var proxyInUse: Bool { false }
    func shutdown() async {}

    func crash(_ next: Crash...) { crashes = next }
    func breakSpool(_ broken: Bool) { spoolBroken = broken }

    /// The worker: POSTs every spooled report, oldest first, and removes it after the 2xx. `dieAfterPost`: killed
    /// after the collector took the first one and before its removal (so it is sent again after the restart).
    func deliver(dieAfterPost: Bool = false) {
        for entry in spool.entries() {
            guard case .report(let report, _) = spool.loadChecked(entry) else { continue }
            receive(report)
            if dieAfterPost { return }
            try? spool.remove(entry)
        }
    }

    func receive(_ report: Report) {
        posts += 1
        collector[report.messageId] = report
    }

    /// What the collector would add up for a counter.
    func received(_ counter: String) -> Int {
        collector.values.reduce(0) { $0 + ($1.counterIncrements?[counter] ?? 0) }
    }
}

/// The product (a facts file with a running total, a schema declaring it) and telemetryd's state, in one directory.
struct CounterScratch {
    let dir: String
    var state: String { dir + "/state" }
    var facts: String { dir + "/facts.json" }
    let notices = ReportNotices()
    let log = InMemoryLogHandler.everything()

    init() throws {
        dir = try TemporaryDirectories.make("counters")
        try AtomicFile.makeDirectory(dir + "/state")
        try AtomicFile.write(Array(#"{"facts": {"flows": {"type": "counter"}, "nodes": {"type": "integer"}}}"#.utf8),
                             to: dir + "/schema.json", mode: 0o644)
    }

    /// The product's side: the running total, written by write-then-rename.
    func product(flows: Int) throws {
        try AtomicFile.write(Array(#"{"flows": \#(flows), "nodes": 3}"#.utf8), to: facts, mode: 0o644)
    }

    var builder: ReportBuilder {
        var product = ProductSettings()
        product.name = "acme-db"
        product.factsFile = facts
        product.factsSchema = dir + "/schema.json"
        return ReportBuilder(probe: HostProbe(root: "/", logger: log.logger), identity: testIdentity(), features: testFeatures(),
                             product: product, notices: notices)
    }

    /// A fresh transaction, as each (re)started process makes one.
    var transaction: CounterTransaction { CounterTransaction(stateDirectory: state, logger: log.logger, notices: notices) }

    var ledger: CounterLedger { CounterLedger(stateDirectory: state) }

    /// `now` in the future makes the facts file stale (FactsMaxAgeSec= is 2 days).
    @discardableResult
    func report(_ delivery: SpoolingDelivery, now: Date = Date(), dryRun: Bool = false) async -> Report {
        let b = builder
        return await transaction.submitDiagnostics(build: { b.build(.diagnostics, counting: $0, now: now) }, delivery: delivery, dryRun: dryRun)
    }

    /// `telemetryd send --type diagnostics` against a collector that accepts or refuses it.
    @discardableResult
    func send(_ delivery: SpoolingDelivery, accept: Bool) async -> Report {
        let b = builder
        return await transaction.sendOnce(
            build: { b.build(.diagnostics, counting: $0) },
            deliver: { report in
                if accept { await delivery.receive(report) }
                return accept
            },
            accepted: { $0 }).report
    }
}

@Suite("Counters: the baselines move with the report that carries them", .serialized, .removesTemporaryDirectories)
struct CounterTransactionTests {
    @Test func firstABaselineThenIncrements() async throws {
        let s = try CounterScratch()
        let d = SpoolingDelivery(stateDirectory: s.state)
        try s.product(flows: 18234)
        let first = await s.report(d)
        #expect(first.counterIncrements == [:], "the first total is a baseline only")
        try s.product(flows: 18646)
        let second = await s.report(d)
        #expect(second.counterIncrements == ["flows": 412])
        await d.deliver()
        #expect(await d.received("flows") == 412)
        #expect(try s.ledger.load() == CounterLedgerRecord(baselines: CounterBaselines(since: second.timestamp, totals: ["flows": 18646])),
                "③ left no pending report")
    }

    /// Each point between the durable writes, then a restart: the increment arrives exactly once.
    @Test(arguments: ["before ①", "after ①", "after ②", "after ② and delivered", "after ③, delivered, not removed"])
    func aCrashAtAnyPointNeitherLosesNorDoubles(_ point: String) async throws {
        let s = try CounterScratch()
        let d = SpoolingDelivery(stateDirectory: s.state)
        try s.product(flows: 100)
        await s.report(d)
        try s.product(flows: 130)
        switch point {
        case "before ①":
            _ = s.builder.build(.diagnostics, counting: s.transaction.basisWithoutMoving())   // built, never written
        case "after ①":
            await d.crash(.beforeSpool)
            await s.report(d)
            #expect(try s.ledger.load().pending.count == 1)
        case "after ②":
            await d.crash(.afterSpool)
            await s.report(d)
        case "after ② and delivered":
            await d.crash(.afterSpool)
            await s.report(d)
            await d.deliver()   // taken out of the spool before recovery looks: recovery spools it again
        default:
            await s.report(d)
            await d.deliver(dieAfterPost: true)
        }
        // The restarted daemon: more counting, another report, everything delivered.
        try s.product(flows: 150)
        await s.report(d)
        await d.deliver()
        try s.product(flows: 151)
        await s.report(d)
        await d.deliver()
        let received = await d.received("flows")
        #expect(received == 51, "\(point): every increment after the baseline, once")
        #expect(try s.ledger.load().pending.isEmpty)
        #expect(s.spoolIsEmpty)
    }

    /// Many crashes at random points, stale files, manual sends accepted, refused or killed mid-request: what the
    /// collector adds up is what the product counted after the first baseline, exactly.
    @Test(arguments: [1, 2, 3, 4, 5] as [UInt64])
    func randomCrashesAddUpExactly(seed: UInt64) async throws {
        var rng = SplitMix64(seed: seed)
        let s = try CounterScratch()
        let d = SpoolingDelivery(stateDirectory: s.state)
        let dryRunDelivery = SpoolingDelivery(stateDirectory: s.dir + "/dry-run")
        var total = 0, counted = 0, baselined = false
        try s.product(flows: total)
        for _ in 0..<80 {
            switch rng.next() % 10 {
            case 0, 1, 2:
                let n = Int(rng.next() % 50) + 1
                total += n
                if baselined { counted += n }
                try s.product(flows: total)
            case 3: await s.report(d)
            case 4:
                await d.crash(.beforeSpool)
                await s.report(d)
                // A `send` killed mid-request leaves the same state; the collector may have taken the report.
                if rng.next() % 2 == 0, let pending = try s.ledger.load().pending.last { await d.receive(pending) }
            case 5:
                await d.crash(.afterSpool)
                await s.report(d)
            case 6: await d.deliver(dieAfterPost: rng.next() % 3 == 0)
            case 7: await s.report(d, now: Date().addingTimeInterval(3 * 86400))   // stale: null, nothing moves
            case 8: await s.send(d, accept: rng.next() % 2 == 0)
            default: await s.report(dryRunDelivery, dryRun: true)   // logged only, as the real delivery does
            }
            if !baselined, try s.ledger.load().baselines?.totals["flows"] != nil { baselined = true }
        }
        await s.report(d)
        await d.deliver()
        await s.report(d)
        await d.deliver()
        #expect(baselined)
        let received = await d.received("flows")
        #expect(received == counted, "seed \(seed)")
        #expect(try s.ledger.load().pending.isEmpty)
    }

    @Test func sendMovesTheBaselinesOnlyWhenAccepted() async throws {
        let s = try CounterScratch()
        let d = SpoolingDelivery(stateDirectory: s.state)
        try s.product(flows: 10)
        await s.report(d)
        try s.product(flows: 25)
        let refused = await s.send(d, accept: false)
        #expect(refused.counterIncrements == ["flows": 15])
        #expect(try s.ledger.load().baselines?.totals == ["flows": 10], "refused: the baselines stay")
        let accepted = await s.send(d, accept: true)
        #expect(accepted.counterIncrements == ["flows": 15], "the same increments")
        #expect(try s.ledger.load() == CounterLedgerRecord(baselines: CounterBaselines(since: accepted.timestamp, totals: ["flows": 25])))
        try s.product(flows: 26)
        #expect(await s.report(d).counterIncrements == ["flows": 1])
    }

    @Test func theDaemonNeverWaitsForASend() async throws {
        let s = try CounterScratch()
        let d = SpoolingDelivery(stateDirectory: s.state)
        try s.product(flows: 10)
        await s.report(d)
        try s.product(flows: 20)
        let before = try s.ledger.load()
        // A `telemetryd send` holds the lock (another open file description, as another process would).
        let busy = try await s.ledger.withLock(wait: false) { () async -> Report in await s.report(d) }
        #expect(busy?.counterIncrements == nil, "counters null while a send holds them")
        #expect(try s.ledger.load() == before, "nothing moved")
        #expect(await s.report(d).counterIncrements == ["flows": 10], "the next report carries the increase")
    }

    @Test func optOutForgetsEveryBaseline() async throws {
        let s = try CounterScratch()
        let d = SpoolingDelivery(stateDirectory: s.state)
        try s.product(flows: 10)
        await s.report(d)
        try s.product(flows: 500)
        s.transaction.forget()
        #expect(try s.ledger.load() == CounterLedgerRecord())
        #expect(await s.report(d).counterIncrements == [:], "after an opt-out the first total is a baseline again")
        try s.product(flows: 505)
        #expect(await s.report(d).counterIncrements == ["flows": 5])
    }

    @Test func dryRunAndShowMoveNothing() async throws {
        let s = try CounterScratch()
        let d = SpoolingDelivery(stateDirectory: s.state)
        try s.product(flows: 10)
        await s.report(d)
        try s.product(flows: 17)
        let before = try s.ledger.load()
        #expect(await s.report(d, dryRun: true).counterIncrements == ["flows": 7])
        #expect(s.builder.build(.diagnostics, counting: s.transaction.basisWithoutMoving()).report.counterIncrements == ["flows": 7])
        #expect(try s.ledger.load() == before)
        #expect(await s.report(d).counterIncrements == ["flows": 7])
    }

    @Test func aBrokenSpoolKeepsReportsPendingThenRecoversThem() async throws {
        let s = try CounterScratch()
        let d = SpoolingDelivery(stateDirectory: s.state)
        try s.product(flows: 0)
        await s.report(d)
        await d.breakSpool(true)
        for i in 1...(CounterLedger.maxPending + 2) {
            try s.product(flows: i * 10)
            let r = await s.report(d)
            #expect((r.counterIncrements == nil) == (i > CounterLedger.maxPending), "report \(i)")
        }
        #expect(try s.ledger.load().pending.count == CounterLedger.maxPending)
        #expect(s.log.entries.contains { $0.field("MESSAGE_ID") == TelemetryEvent.countersNotRecorded.messageID })
        await d.breakSpool(false)
        try s.product(flows: 1000)
        await s.report(d)
        await d.deliver()
        #expect(await d.received("flows") == 1000)
        #expect(s.log.entries.filter { $0.field("MESSAGE_ID") == TelemetryEvent.countersRecovered.messageID }.count == CounterLedger.maxPending)
    }

    @Test func anUnreadableLedgerIsNeverWrittenOver() async throws {
        let s = try CounterScratch()
        let d = SpoolingDelivery(stateDirectory: s.state)
        try AtomicFile.write(Array("not json".utf8), to: s.ledger.path)
        try s.product(flows: 10)
        #expect(await s.report(d).counterIncrements == nil)
        #expect(await s.report(d).counterIncrements == nil)
        #expect(try AtomicFile.read(s.ledger.path) == Array("not json".utf8))
        #expect(s.log.warnings.filter { $0.contains("counters file") }.count == 1, "logged once per change: \(s.log.warnings)")
    }

    @Test func staleFactsSendNullAndLoseNothing() async throws {
        let s = try CounterScratch()
        let d = SpoolingDelivery(stateDirectory: s.state)
        try s.product(flows: 10)
        await s.report(d)
        try s.product(flows: 40)
        let stale = await s.report(d, now: Date().addingTimeInterval(3 * 86400))
        guard case .diagnostics(let data) = stale.data else { Issue.record("not diagnostics"); return }
        #expect(data.factsStatus == .stale && data.counters == nil && data.countersSinceSec == nil)
        #expect(await s.report(d).counterIncrements == ["flows": 30])
    }
}

extension CounterScratch {
    var spoolIsEmpty: Bool { Spool(stateDirectory: state).entries().isEmpty }
}
