import Logging
import TelemetryCore

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import TelemetryWire
import FileSupport

extension HTTPReportDelivery {
    enum Item {
        case spooled(SpoolEntry, Report, [UInt8])
        case memory(Report, [UInt8])

        var report: Report {
            switch self {
            case .spooled(_, let r, _), .memory(let r, _): r
            }
        }
        var body: [UInt8] {
            switch self {
            case .spooled(_, _, let b), .memory(_, let b): b
            }
        }
        var isMemory: Bool {
            if case .memory = self { return true }
            return false
        }
    }

    /// The worker: every attempt passes the state machine's gate (opt-out, backoff, Retry-After, burst limit) first.
    public func run() async {
        // Reports spooled before a restart are picked up here.
        logDiscards(spool.scan().discarded)
        notifyIfChanged()
        while !Task.isCancelled && !machine.isStopped {
            if config.dryRun {
                await wake.wait(until: nil)
                continue
            }
            // While telemetry is disabled only a forget report goes: whether one waits decides whether the gate opens.
            let forgetOnly = !machine.acceptsReports
            var forgetWaits = false
            if forgetOnly {
                let scan = spool.scan()
                logDiscards(scan.discarded)
                forgetWaits = scan.entries.contains { $0.type == .forget }
            }
            if case .wait(let until) = machine.gate(now: clock.now, forget: forgetWaits) {
                await wake.wait(until: until)
                continue
            }
            guard let item = nextItem(forgetOnly: forgetOnly) else {
                await wake.wait(until: nil)
                continue
            }
            await attempt(item)
        }
    }

    /// The oldest report to send; `forgetOnly` (telemetry disabled): the oldest `forget` report, nothing else.
    func nextItem(forgetOnly: Bool = false) -> Item? {
        if !forgetOnly, !memoryQueue.isEmpty {
            let m = memoryQueue.removeFirst()
            return .memory(m.report, m.body)
        }
        let scan = spool.scan()
        logDiscards(scan.discarded)
        for entry in scan.entries {
            if undeletable.contains(entry.fileName) {
                // Delivered already: only the deletion is retried, never the POST.
                if (try? spool.remove(entry)) != nil { deletedAgain(entry) }
                continue
            }
            if forgetOnly && entry.type != .forget { continue }
            switch spool.loadChecked(entry) {
            case .report(let report, let body): return .spooled(entry, report, body)
            case .missing: continue
            case .discarded(let d):
                logDiscards([d])
                notifyIfChanged()
            }
        }
        return nil
    }

    func currentTransport() throws -> HTTPTransport {
        if let transport { return transport }
        let t = try HTTPTransport(settings: settings)
        transport = t
        return t
    }

    func attempt(_ item: Item) async {
        if item.report.type == .forget, settings.format == .segment {
            dropUndeliverableForget(item)
            return
        }
        if case .unusable = settings.credential {
            // The token file may have appeared since (a provisioning step, a late mount): read it again.
            let fresh = Credential.load(tokenFile: config.tokenFile, environment: environment)
            if fresh != settings.credential {
                settings.credential = fresh
                if let old = transport {
                    transport = nil
                    await old.shutdown()
                }
            }
        }
        // nil: a shutdown or an opt-out came while the token file was read again; nothing is sent.
        let report = item.report
        guard let ticket = machine.attemptStarted(now: clock.now, forget: report.type == .forget) else { return }
        let outcome: SendOutcome
        var used: HTTPTransport?
        var wire = item.body
        do {
            wire = try SegmentTrack.wireBody(item.body, format: settings.format)
            let t = try currentTransport()
            used = t
            if config.debug { ReportOutcomeLog.logPayload(wire, type: report.type, messageId: report.messageId, logger: logger) }
            let body = wire, id = report.messageId
            let task = Task { await t.send(body: body, messageId: id) }
            inFlight = task
            let started = (startedAt: clock.now, timeout: config.timeout.duration)
            attemptInFlight.withLock { $0 = started }
            outcome = await withTaskCancellationHandler { await task.value } onCancel: { task.cancel() }
            inFlight = nil
            attemptInFlight.withLock { $0 = nil }
        } catch {
            outcome = .retry(status: nil, retryAfter: nil, reason: String(describing: error))
        }
        if let used, used !== transport { await used.shutdown() }
        let actions = machine.attemptFinished(outcome, ticket: ticket, unspooled: item.isMemory, now: clock.now, random: random)
        perform(actions, item: item, wire: wire)
    }

    /// Carries out the state machine's decisions, in order.
    func perform(_ actions: [DeliveryStateMachine.Action], item: Item, wire: [UInt8]) {
        let type = item.report.type, id = item.report.messageId
        let log = ReportOutcomeLog(logger: logger, store: store)
        for action in actions {
            switch action {
            case .removeFromSpool:
                if case .spooled(let entry, _, _) = item { removeDelivered(entry) }
            case .keepSent:
                keepSent(wire, type: type, messageId: id)
            case .logReachableAgain(let endpoint, let failed):
                logger.notice("Collector \(endpoint) reachable again after \(failed) failed attempt(s)",
                              metadata: TelemetryEvent.collectorReachable.metadata)
            case .logCredentialAccepted(let endpoint):
                logger.notice("Collector \(endpoint) accepts the credential again",
                              metadata: TelemetryEvent.credentialAccepted.metadata)
            case .logFirstFailure(let endpoint, let reason):
                logger.warning("Collector \(endpoint) unreachable: \(reason); reports stay in the spool and are retried with backoff",
                               metadata: TelemetryEvent.collectorUnreachable.metadata)
            case .logCredentialProblem(let endpoint, let status, let reason):
                let what = status.map { "Collector \(endpoint) refused the credential (HTTP \($0)): \(reason)" }
                    ?? "Cannot use the credential for \(endpoint): \(reason)"
                logger.error("\(what). Reports stay in the spool and are retried every RetryMaxSec=\(config.retryMax); fix the token, then reload",
                             metadata: TelemetryEvent.credentialRefused.metadata)
            case .report(let line):
                log.log(line, type: type, messageId: id)
            case .dropUnspooled(let reason, let status):
                logger.warning("\(type.rawValue) report \(id) not delivered: \(reason); it could not be spooled, so it is not retried",
                               metadata: .report(.retrying, type: type, messageId: id, httpStatus: status))
                logger.warning("Dropped unspooled \(type.rawValue) report \(id)",
                               metadata: .report(.dropped, type: type, messageId: id, httpStatus: status))
                log.record(SendRecord(at: Date(), result: .retrying, httpStatus: status, messageId: id, detail: reason), for: type)
            case .requeueUnspooled:
                memoryQueue.insert((item.report, item.body), at: 0)
            case .eraseLocalState:
                eraseLocalState(after: item.report)
            }
        }
        notifyIfChanged()
    }

    /// The collector confirmed a forget report: everything of this install goes (`LocalErasure`), including what
    /// waits in memory under the old identity; the daemon takes a fresh identity before its next report
    /// (`erasureCount()`).
    func eraseLocalState(after report: Report) {
        memoryQueue.removeAll()
        undeletable.removeAll()
        let result = LocalErasure.run(stateDirectory: store.stateDirectory)
        erasures += 1
        // Not a second TELEMETRY_RESULT=sent: the delivery itself was logged as such just before.
        var m = TelemetryEvent.erased.metadata
        m["TELEMETRY_TYPE"] = .string(report.type.rawValue)
        m["TELEMETRY_MESSAGE_ID"] = .string(report.messageId)
        logger.notice("The collector erased instance \(report.instanceId): deleted \(result.deleted.isEmpty ? "nothing (already gone)" : result.deleted.joined(separator: ", ")) in \(store.stateDirectory); a fresh identity is made before the next report",
                      metadata: m)
        if !result.complete {
            logger.error("Could not delete all of the erased install's state in \(store.stateDirectory): \(result.failed.map(\.description).joined(separator: "; ")); delete it by hand before the next start, or the old identity may be used again",
                         metadata: TelemetryEvent.erasureIncomplete.metadata)
        }
    }

    /// `Format=segment` has no erasure call (the contract's `forget` is ours): a forget report spooled before the format
    /// changed can never be delivered, and left first in the spool it would hold up every report behind it.
    func dropUndeliverableForget(_ item: Item) {
        let id = item.report.messageId
        var m = Logger.Metadata.report(.dropped, type: .forget, messageId: id)
        m["MESSAGE_ID"] = .string(TelemetryEvent.forgetUndeliverable.messageID)
        logger.error("Format=segment has no erasure call: forget report \(id) dropped, nothing was erased. Set Format=telemetryd (a collector of this project) and run 'telemetryd forget' again",
                     metadata: m)
        if case .spooled(let entry, _, _) = item { removeDelivered(entry) }
        notifyIfChanged()
    }

    /// After a 2xx or a rejection. A file that cannot be deleted is not sent again by this process (that would loop:
    /// the collector keeps accepting it); the failure is one error, until a deletion works again.
    func removeDelivered(_ entry: SpoolEntry) {
        do throws(FileError) {
            try spool.remove(entry)
        } catch {
            let first = undeletable.isEmpty
            undeletable.insert(entry.fileName)
            logger.log(level: first ? .error : .debug,
                       "Cannot delete the delivered \(entry.type.rawValue) report \(entry.messageId) from the spool: \(error.description); it is not sent again while telemetryd runs (after a restart the collector may see it twice, with the same messageId). Make \(spool.directory) writable",
                       metadata: TelemetryEvent.spoolDeleteFailed.metadata)
        }
    }

    private func deletedAgain(_ entry: SpoolEntry) {
        undeletable.remove(entry.fileName)
        if undeletable.isEmpty {
            logger.notice("Delivered reports can be deleted from the spool in \(spool.directory) again",
                          metadata: TelemetryEvent.spoolDeletable.metadata)
        }
        notifyIfChanged()
    }

    /// The delivered body, byte for byte, into `<state>/sent/` (bounded), so an operator sees what left the machine.
    func keepSent(_ body: [UInt8], type: ReportType, messageId: String) {
        do throws(FileError) {
            try sentLog.record(body: body, type: type, messageId: messageId)
        } catch {
            logger.debug("Cannot keep the sent report in \(sentLog.directory): \(error.description)")
        }
    }

    func logDiscards(_ discards: [SpoolDiscard]) {
        for d in discards {
            logger.warning("Spool file \(spool.directory)/\(d.fileName): \(d.reason)", metadata: TelemetryEvent.spoolFileDiscarded.metadata)
        }
    }
}
