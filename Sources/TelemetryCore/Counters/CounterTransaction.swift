#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Logging
import TelemetryWire
import FileSupport

/// Moves the counter baselines with the report that carries the increments (README, "Product counters"): a crash or
/// `kill -9` at any point neither loses an increment nor sends it twice.
///
/// A report `m` carrying increments `I` that move the baselines from `B` to `B'` takes three atomic renames:
///
///     ① counters.json := {baselines: B', pending: P + [m]}    the write-ahead step: m and B' durable together
///     ② spool/<ms>-diagnostics-<m>.json                       (delivery's own, as for every report)
///     ③ counters.json := {baselines: B', pending: P}
///
/// The invariant, true after each rename and so at every crash point: each increment the product counted is either
/// still between the product's total and the ledger's baseline, or carried by exactly one report (one `messageId`)
/// that is in the spool, delivered, or pending in the ledger. Crashed before ①: the ledger still says `B`, `m` was
/// seen by nobody, and the next report measures `I` again from `B`. After ① and before ②: `I` is no longer between
/// total and baseline, but `m` is pending, and the next diagnostics report first spools it (`recover`). After ② and
/// before ③: `m` is both spooled and pending; recovery sees it in the spool, or, if delivery already took it out
/// (after a 2xx), spools it again: the same `messageId`, which the collector drops as a duplicate. After ③: done.
/// Every later report measures from `B'`, so its increments never overlap `m`'s.
///
/// Why roll forward: the reverse order (spool, then baselines) leaves, after a crash in between, `m` spooled and `B`
/// recorded, and the next report carries `I` again under a new `messageId`: counted twice. Rolling back instead ("m
/// is not in the spool, restore B") needs a proof that `m` was never spooled, and the spool cannot give it: delivery
/// removes a report once the collector has it. Keeping `m` itself in the ledger makes both orders of events safe.
///
/// The lock (`CounterLedger.withLock`) covers reading `B` through ③, so the daemon and `telemetryd send` never both
/// measure from the same `B`. The daemon never waits for it: while a `send` holds it, the daemon's report carries no
/// counters (null) and the next one carries the increase.
public struct CounterTransaction: Sendable {
    public let ledger: CounterLedger
    public let spool: Spool
    public let logger: Logger
    public let notices: ReportNotices

    public init(stateDirectory: String, logger: Logger, notices: ReportNotices = .shared) {
        self.ledger = CounterLedger(stateDirectory: stateDirectory)
        self.spool = Spool(stateDirectory: stateDirectory)
        self.logger = logger
        self.notices = notices
    }

    // MARK: the daemon

    /// Builds the daemon's diagnostics report and hands it to `delivery`, moving the baselines with it. `dryRun`:
    /// the report shows the increments since the baselines and moves nothing (nothing leaves the host).
    @discardableResult
    public func submitDiagnostics(build: (CounterBasis) -> BuiltReport, delivery: any ReportDelivery, dryRun: Bool = false) async -> Report {
        if dryRun {
            let report = build(basisWithoutMoving()).report
            await delivery.submit(report)
            return report
        }
        let locked: Report??
        do throws(FileError) {
            locked = try await ledger.withLock(wait: false) { () async -> Report? in
                await submitLocked(build: build, delivery: delivery)
            }
        } catch {
            problem("cannot lock \(ledger.stateDirectory)/\(CounterLedger.lockName): \(error.description)")
            locked = .some(nil)
        }
        switch locked {
        case .some(.some(let report)):
            return report
        case .some(.none):
            break   // a problem with the ledger, logged once
        case .none:
            logger.info("Counters not sent in this diagnostics report: a `telemetryd send` is sending them now; the next report carries what it leaves",
                        metadata: TelemetryEvent.countersNotRecorded.metadata)
        }
        let report = build(.withheld).report
        await delivery.submit(report)
        return report
    }

    /// Under the lock: recover, build, ①, ② (delivery's spool), ③. Nil when the ledger cannot be read (then the
    /// caller sends the report without counters).
    func submitLocked(build: (CounterBasis) -> BuiltReport, delivery: any ReportDelivery) async -> Report? {
        var record: CounterLedgerRecord
        do throws(FileError) { record = try ledger.load() } catch {
            problem(error.description)
            return nil
        }
        record = await recover(record, delivery: delivery)
        guard record.pending.count < CounterLedger.maxPending else {
            problem("\(record.pending.count) earlier reports with counters could not be spooled yet")
            return nil
        }
        let built = build(.since(record.baselines))
        guard let next = built.counters?.next else {
            await delivery.submit(built.report)
            return built.report
        }
        var staged = record
        staged.baselines = next
        staged.pending.append(built.report)
        do throws(FileError) {
            try ledger.save(staged)                                             // ①
        } catch {
            problem(error.description)
            let report = built.report.carrying(.withheld)
            await delivery.submit(report)
            return report
        }
        _ = notices.changed(Self.noticeTopic, to: "")
        if await delivery.submit(built.report) {                                // ②
            staged.pending.removeLast()
            // A failure here is harmless: the next report's recovery finds the report spooled (or spools it again).
            try? ledger.save(staged)                                            // ③
        }
        return built.report
    }

    /// Spools each pending report the spool does not hold (a crash came between ① and ③); keeps those delivery would
    /// not take (a spool that cannot be written), for the next report to try again.
    func recover(_ record: CounterLedgerRecord, delivery: any ReportDelivery) async -> CounterLedgerRecord {
        guard !record.pending.isEmpty else { return record }
        var out = record
        out.pending = []
        for report in record.pending {
            if spool.contains(messageId: report.messageId) { continue }
            if await delivery.submit(report) {
                logger.notice("Spooled again the diagnostics report \(report.messageId) that carries counters: telemetryd stopped before it was known to be spooled (a duplicate is dropped by the collector)",
                              metadata: TelemetryEvent.countersRecovered.metadata)
                continue
            }
            out.pending.append(report)
        }
        if out != record { try? ledger.save(out) }
        return out
    }

    // MARK: `telemetryd send`

    /// `telemetryd send --type diagnostics`: the same increments, the baselines moved only when `accepted(outcome)`.
    /// ① is written before the attempt, so a send killed mid-request leaves its report pending, and the daemon's next
    /// report spools it (the collector drops it if the killed request had reached it). Waits for the lock (the
    /// daemon holds it only while it writes). `note` says why the report carries no counters, when it carries none
    /// although it could have.
    public func sendOnce<Outcome>(build: (CounterBasis) -> BuiltReport, deliver: (Report) async -> Outcome,
                                  accepted: (Outcome) -> Bool) async -> (report: Report, outcome: Outcome, note: String?) {
        let locked: (report: Report, outcome: Outcome, note: String?)??
        do throws(FileError) {
            locked = try await ledger.withLock(wait: true) { () async -> (report: Report, outcome: Outcome, note: String?)? in
                await sendLocked(build: build, deliver: deliver, accepted: accepted)
            }
        } catch {
            let report = build(.withheld).report
            return (report, await deliver(report), "counters not sent: \(error.description)")
        }
        if let done = locked ?? nil { return done }
        let report = build(.withheld).report
        return (report, await deliver(report), "counters not sent: the counters file cannot be read")
    }

    func sendLocked<Outcome>(build: (CounterBasis) -> BuiltReport, deliver: (Report) async -> Outcome,
                             accepted: (Outcome) -> Bool) async -> (report: Report, outcome: Outcome, note: String?)? {
        guard let record = try? ledger.load() else { return nil }
        let built = build(.since(record.baselines))
        guard let next = built.counters?.next else { return (built.report, await deliver(built.report), nil) }
        var staged = record
        staged.baselines = next
        staged.pending.append(built.report)
        do throws(FileError) {
            try ledger.save(staged)                                             // ①
        } catch {
            let report = built.report.carrying(.withheld)
            return (report, await deliver(report), "counters not sent: \(error.description)")
        }
        let outcome = await deliver(built.report)
        let id = built.report.messageId
        // Still under the lock: nobody else moved the baselines. Only an opt-out may have forgotten them meanwhile;
        // then the report is no longer pending and nothing is written back.
        guard var current = try? ledger.load(), current.pending.contains(where: { $0.messageId == id }) else {
            return (built.report, outcome, nil)
        }
        current.pending.removeAll { $0.messageId == id }
        if !accepted(outcome) { current.baselines = record.baselines }
        // A failure leaves the report pending: the daemon then spools it, and the collector counts it once.
        try? ledger.save(current)
        return (built.report, outcome, nil)
    }

    // MARK: `show`, dry run

    /// The basis of a report that moves nothing: the baselines as they are (read without the lock; the file is
    /// replaced atomically), or none when they cannot be read.
    public func basisWithoutMoving() -> CounterBasis {
        guard let record = try? ledger.load() else { return .withheld }
        return .since(record.baselines)
    }

    // MARK: opt-out

    /// Forgets every baseline (opt-out). Says so in the journal when the file cannot be removed.
    public func forget() {
        do throws(FileError) {
            try ledger.forget()
        } catch {
            logger.warning("Cannot forget the counter baselines: \(error.description); remove \(ledger.path) by hand, or the counts made while telemetry was off may be sent once it is on again",
                           metadata: TelemetryEvent.countersNotRecorded.metadata)
        }
    }

    static let noticeTopic = "CounterLedger"

    /// A problem with the ledger: the report goes without counters and nothing is lost; logged once per change.
    private func problem(_ why: String) {
        if notices.changed(Self.noticeTopic, to: why) {
            logger.warning("Counters not sent (the next report that can send them carries the increase): \(why)",
                           metadata: TelemetryEvent.countersNotRecorded.metadata)
        }
    }
}
