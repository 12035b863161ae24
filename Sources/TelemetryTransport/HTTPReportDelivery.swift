import Logging
import Synchronization
import TelemetryCore

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The delivery engine (README, "Reports"): every report is spooled before its first attempt and removed only
/// after a 2xx (or a rejection); one worker sends the spool oldest first and, when the collector fails, waits a
/// backoff (or its `Retry-After`) before trying the queue again. Backoff is for the collector, not per report.
public actor HTTPReportDelivery: ReportDelivery {
    private var loaded: LoadedConfig
    private let environment: [String: String]
    private let logger: Logger
    private let onChange: @Sendable () -> Void
    private let spool: Spool
    private let store: DeliveryStateStore
    private let wake = WakeSignal()
    private let proxyFlag: Mutex<Bool>
    private let random: @Sendable () -> Double
    private let clock = ContinuousClock()

    private var settings: TransportSettings
    private var transport: HTTPTransport?
    /// Reports that could not be spooled (state directory not writable): attempted once from memory.
    private var memoryQueue: [(report: Report, body: [UInt8])] = []
    /// Opt-out: nothing is sent until a reconfigure with Enable=yes.
    private var suspended: Bool
    private var stopped = false
    /// Bumped by purge and shutdown so an attempt that was in flight does not act on its outcome.
    private var generation = 0
    private var inFlight: Task<SendOutcome, Never>?
    private var attemptStartedAt: ContinuousClock.Instant?
    private var consecutiveFailures = 0
    private var notBefore: ContinuousClock.Instant?
    private var unreachable = false
    /// The spool could not be written the last time: logged once, until it works again.
    private var spoolBroken = false
    private let sentLog: SentLog
    private var lastNotified: (queued: Int, unreachable: Bool)?

    public init(loaded: LoadedConfig, stateDirectory: String, environment: [String: String], logger: Logger,
                onChange: @escaping @Sendable () -> Void) {
        self.init(loaded: loaded, stateDirectory: stateDirectory, environment: environment, logger: logger,
                  random: { Double.random(in: 0..<1) }, onChange: onChange)
    }

    /// `random` (0..<1) drives the backoff jitter; injectable for tests.
    init(loaded: LoadedConfig, stateDirectory: String, environment: [String: String], logger: Logger,
         random: @escaping @Sendable () -> Double, onChange: @escaping @Sendable () -> Void) {
        self.loaded = loaded
        self.environment = environment
        self.logger = logger
        self.onChange = onChange
        self.random = random
        self.spool = Spool(stateDirectory: stateDirectory)
        self.store = DeliveryStateStore(stateDirectory: stateDirectory)
        self.sentLog = SentLog(stateDirectory: stateDirectory)
        let settings = TransportSettings(config: loaded.config, environment: environment)
        self.settings = settings
        self.proxyFlag = Mutex(settings.proxy != nil)
        self.suspended = !loaded.config.enable
    }

    private var config: TelemetryConfig { loaded.config }

    // MARK: ReportDelivery

    public nonisolated var proxyInUse: Bool { proxyFlag.withLock { $0 } }

    public func run() async {
        // Reports spooled before a restart are picked up here.
        logDiscards(spool.scan().discarded)
        notifyIfChanged()
        while !Task.isCancelled && !stopped {
            guard !suspended, !config.dryRun else {
                await wake.wait(until: nil)
                continue
            }
            if let notBefore, notBefore > clock.now {
                await wake.wait(until: notBefore)
                continue
            }
            guard let item = nextItem() else {
                await wake.wait(until: nil)
                continue
            }
            await attempt(item)
        }
    }

    /// Also after `shutdown()`: the report is then spooled for the next start.
    public func submit(_ report: Report) async {
        let type = report.type, id = report.messageId
        let body: [UInt8]
        do { body = Array(try report.jsonData()) } catch {
            logger.error("Cannot encode \(type.rawValue) report \(id): \(error); dropped",
                         metadata: .report(.dropped, type: type, messageId: id))
            return
        }
        if config.dryRun {
            logger.info("Dry run, not sent: \(type.rawValue) report \(id): \(String(decoding: body, as: UTF8.self))",
                        metadata: .report(.dryRun, type: type, messageId: id))
            record(SendRecord(at: Date(), result: .dryRun, messageId: id, detail: "DryRun=yes"), for: type)
            return
        }
        if suspended {
            logger.notice("Telemetry is disabled: \(type.rawValue) report \(id) dropped, not sent",
                          metadata: .report(.dropped, type: type, messageId: id))
            return
        }
        do {
            let (_, dropped) = try spool.add(body: body, type: type, messageId: id, maxReports: config.maxReports)
            if spoolBroken {
                spoolBroken = false
                logger.notice("The spool in \(spool.directory) is writable again; reports survive restarts again",
                              metadata: TelemetryEvent.spoolError.metadata)
            }
            logger.info("Queued \(type.rawValue) report \(id)", metadata: .report(.queued, type: type, messageId: id))
            for old in dropped {
                logger.warning("Spool full (MaxReports=\(config.maxReports)): dropped the oldest unsent \(old.type.rawValue) report \(old.messageId)",
                               metadata: .report(.dropped, type: old.type, messageId: old.messageId))
            }
        } catch {
            var m = TelemetryEvent.spoolError.metadata
            m["TELEMETRY_TYPE"] = .string(type.rawValue)
            m["TELEMETRY_MESSAGE_ID"] = .string(id)
            // One clear error when the spool breaks, not one per report; later ones are debug lines.
            logger.log(level: spoolBroken ? .debug : .error,
                       "Cannot spool \(type.rawValue) report \(id): \(error); make the state directory writable. Until then each report is attempted once from memory and not retried",
                       metadata: m)
            spoolBroken = true
            memoryQueue.append((report, body))
        }
        wake.ring()
        notifyIfChanged()
    }

    public func purge() async {
        generation += 1
        inFlight?.cancel()
        memoryQueue.removeAll()
        let deleted = spool.purge()
        suspended = true
        resetBackoff(announce: false)
        var m = TelemetryEvent.spoolPurged.metadata
        m["TELEMETRY_PURGED"] = .string(String(deleted))
        logger.notice("Spool purged: \(deleted) unsent report(s) deleted; nothing more is sent until telemetry is enabled again",
                      metadata: m)
        notifyIfChanged()
    }

    public func reconfigure(_ loaded: LoadedConfig) async {
        self.loaded = loaded
        suspended = !loaded.config.enable
        let newSettings = TransportSettings(config: loaded.config, environment: environment)
        proxyFlag.withLock { $0 = newSettings.proxy != nil }
        if newSettings != settings {
            settings = newSettings
            resetBackoff(announce: false)  // a new endpoint or proxy: start afresh, nothing was reached yet
            if let old = transport {
                transport = nil
                // An attempt in flight keeps its transport; the worker shuts it down when the attempt ends.
                if inFlight == nil { await old.shutdown() }
            }
        }
        wake.ring()
        notifyIfChanged()
    }

    public func queuedCount() async -> Int { Spool.pendingCount(stateDirectory: storeDirectory) + memoryQueue.count }

    public func collectorUnreachable() async -> Bool { unreachable }

    public func isHealthy() async -> Bool {
        Backoff.attemptIsHealthy(startedAt: attemptStartedAt, now: clock.now, timeout: config.timeout.duration)
    }

    public func shutdown() async {
        stopped = true
        generation += 1
        inFlight?.cancel()
        wake.ring()
        guard let t = transport else { return }
        transport = nil
        // The HTTP client closes its connections; never let that hold up the stop beyond a second (the shutdown
        // itself goes on in the background, the client is not dropped before it ends).
        let done = WakeSignal()
        Task.detached {
            await t.shutdown()
            done.ring()
        }
        await done.wait(until: clock.now + .seconds(1))
    }

    // MARK: worker

    private enum Item {
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
    }

    private var storeDirectory: String { store.stateDirectory }

    private func nextItem() -> Item? {
        if !memoryQueue.isEmpty {
            let m = memoryQueue.removeFirst()
            return .memory(m.report, m.body)
        }
        let scan = spool.scan()
        logDiscards(scan.discarded)
        for entry in scan.entries {
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

    private func currentTransport() throws -> HTTPTransport {
        if let transport { return transport }
        let t = try HTTPTransport(settings: settings)
        transport = t
        return t
    }

    private func attempt(_ item: Item) async {
        let gen = generation
        let report = item.report
        let outcome: SendOutcome
        var used: HTTPTransport?
        do {
            let t = try currentTransport()
            used = t
            if config.debug {
                var m = TelemetryEvent.payload.metadata
                m["TELEMETRY_TYPE"] = .string(report.type.rawValue)
                m["TELEMETRY_MESSAGE_ID"] = .string(report.messageId)
                logger.info("[telemetry] \(String(decoding: item.body, as: UTF8.self))", metadata: m)
            }
            let body = item.body, id = report.messageId
            let task = Task { await t.send(body: body, messageId: id) }
            inFlight = task
            attemptStartedAt = clock.now
            outcome = await withTaskCancellationHandler { await task.value } onCancel: { task.cancel() }
            inFlight = nil
            attemptStartedAt = nil
        } catch {
            outcome = .retry(status: nil, retryAfter: nil, reason: String(describing: error))
        }
        if let used, used !== transport { await used.shutdown() }
        // Purged or shut down meanwhile: the outcome no longer matters (a shut-down report stays spooled).
        guard gen == generation, !stopped, !Task.isCancelled else { return }
        handle(outcome, item: item)
    }

    private func handle(_ outcome: SendOutcome, item: Item) {
        let type = item.report.type, id = item.report.messageId
        switch outcome {
        case .delivered(let status):
            if case .spooled(let entry, _, _) = item { spool.remove(entry) }
            resetBackoff()  // first, so "reachable again" precedes the delivery it announces
            logger.info("Sent \(type.rawValue) report \(id) (HTTP \(status))",
                        metadata: .report(.sent, type: type, messageId: id, httpStatus: status))
            record(SendRecord(at: Date(), result: .sent, httpStatus: status, messageId: id), for: type)
            keepSent(item)

        case .rejected(let status, let reason):
            if case .spooled(let entry, _, _) = item { spool.remove(entry) }
            resetBackoff()
            logger.error("Collector rejected \(type.rawValue) report \(id): \(reason); dropped, not retried",
                         metadata: .report(.rejected, type: type, messageId: id, httpStatus: status))
            record(SendRecord(at: Date(), result: .rejected, httpStatus: status, messageId: id, detail: reason), for: type)

        case .retry(let status, let retryAfter, let reason):
            consecutiveFailures += 1
            // The collector's Retry-After wins, even beyond RetryMaxSec, up to a day.
            let delay = Backoff.wait(attempt: consecutiveFailures - 1, retryAfter: retryAfter, min: config.retryMin.duration,
                                     max: config.retryMax.duration, random: random)
            notBefore = clock.now + delay
            // The journal says so once per change of state, not once per retry: the first failure is a warning,
            // later ones of the same outage are debug lines (TELEMETRYD_DEBUG=1 shows them).
            let firstFailure = !unreachable
            if firstFailure {
                logger.warning("Collector \(config.endpoint) unreachable: \(reason); reports stay in the spool and are retried with backoff",
                               metadata: TelemetryEvent.collectorUnreachable.metadata)
            }
            unreachable = true
            let level: Logger.Level = firstFailure ? .warning : .debug
            let wait = TimeSpan(microseconds: UInt64(max(0, delay.inSeconds * 1_000_000).rounded()))
            if case .memory = item {
                logger.warning("\(type.rawValue) report \(id) not delivered: \(reason); it could not be spooled, so it is not retried",
                               metadata: .report(.retrying, type: type, messageId: id, httpStatus: status))
                logger.warning("Dropped unspooled \(type.rawValue) report \(id)",
                               metadata: .report(.dropped, type: type, messageId: id, httpStatus: status))
            } else {
                logger.log(level: level, "\(type.rawValue) report \(id) not delivered: \(reason); retrying in \(wait) (attempt \(consecutiveFailures))",
                           metadata: .report(.retrying, type: type, messageId: id, httpStatus: status))
            }
            record(SendRecord(at: Date(), result: .retrying, httpStatus: status, messageId: id, detail: reason), for: type)
        }
        notifyIfChanged()
    }

    /// `announce`: the collector answered, so an outage that was logged ends with a "reachable again" entry.
    private func resetBackoff(announce: Bool = true) {
        if unreachable && announce {
            logger.notice("Collector \(config.endpoint) reachable again after \(consecutiveFailures) failed attempt(s)",
                          metadata: TelemetryEvent.collectorReachable.metadata)
        }
        consecutiveFailures = 0
        notBefore = nil
        unreachable = false
    }

    /// The delivered body, byte for byte, into `<state>/sent/` (bounded), so an operator sees what left the machine.
    private func keepSent(_ item: Item) {
        do throws(FileError) {
            try sentLog.record(body: item.body, type: item.report.type, messageId: item.report.messageId)
        } catch {
            logger.debug("Cannot keep the sent report in \(sentLog.directory): \(error.description)")
        }
    }

    private func record(_ record: SendRecord, for type: ReportType) {
        do {
            try store.update { $0.record(record, for: type) }
        } catch {
            logger.warning("Cannot record the \(type.rawValue) result in \(store.path): \(error); `telemetryd status` will not show it",
                           metadata: TelemetryEvent.spoolError.metadata)
        }
    }

    private func logDiscards(_ discards: [SpoolDiscard]) {
        for d in discards {
            logger.warning("Spool file \(spool.directory)/\(d.fileName): \(d.reason)", metadata: TelemetryEvent.spoolError.metadata)
        }
    }

    private func notifyIfChanged() {
        let now = (queued: Spool.pendingCount(stateDirectory: storeDirectory) + memoryQueue.count, unreachable: unreachable)
        if let last = lastNotified, last.queued == now.queued, last.unreachable == now.unreachable { return }
        lastNotified = now
        onChange()
    }
}

extension HTTPReportDelivery {
    /// `telemetryd send`: one POST now, outside the daemon's spool (the report is not queued for later when it
    /// fails: the operator sees the failure and the exit code). Logs the result with the contract's fields and records
    /// it in state.json like the daemon does. Returns nil on DryRun=yes (the report is logged, nothing is sent).
    public static func sendOnce(_ report: Report, loaded: LoadedConfig, stateDirectory: String,
                                environment: [String: String], logger: Logger) async -> SendOutcome? {
        let type = report.type, id = report.messageId
        let store = DeliveryStateStore(stateDirectory: stateDirectory)
        func record(_ r: SendRecord) {
            do { try store.update { $0.record(r, for: type) } } catch {
                logger.warning("Cannot record the \(type.rawValue) result in \(store.path): \(error)", metadata: TelemetryEvent.spoolError.metadata)
            }
        }
        let body: [UInt8]
        do { body = Array(try report.jsonData()) } catch {
            let outcome = SendOutcome.retry(status: nil, retryAfter: nil, reason: "cannot encode the report: \(error)")
            return outcome
        }
        if loaded.config.dryRun {
            logger.info("Dry run, not sent: \(type.rawValue) report \(id): \(String(decoding: body, as: UTF8.self))",
                        metadata: .report(.dryRun, type: type, messageId: id))
            record(SendRecord(at: Date(), result: .dryRun, messageId: id, detail: "DryRun=yes"))
            return nil
        }
        let outcome: SendOutcome
        do {
            let transport = try HTTPTransport(settings: TransportSettings(config: loaded.config, environment: environment))
            if loaded.config.debug {
                var m = TelemetryEvent.payload.metadata
                m["TELEMETRY_TYPE"] = .string(type.rawValue)
                m["TELEMETRY_MESSAGE_ID"] = .string(id)
                logger.info("[telemetry] \(String(decoding: body, as: UTF8.self))", metadata: m)
            }
            outcome = await transport.send(body: body, messageId: id)
            await transport.shutdown()
        } catch {
            outcome = .retry(status: nil, retryAfter: nil, reason: String(describing: error))
        }
        switch outcome {
        case .delivered(let status):
            logger.info("Sent \(type.rawValue) report \(id) (HTTP \(status))", metadata: .report(.sent, type: type, messageId: id, httpStatus: status))
            record(SendRecord(at: Date(), result: .sent, httpStatus: status, messageId: id))
            _ = try? SentLog(stateDirectory: stateDirectory).record(body: body, type: type, messageId: id)
        case .rejected(let status, let reason):
            logger.error("Collector rejected \(type.rawValue) report \(id): \(reason)", metadata: .report(.rejected, type: type, messageId: id, httpStatus: status))
            record(SendRecord(at: Date(), result: .rejected, httpStatus: status, messageId: id, detail: reason))
        case .retry(let status, _, let reason):
            // One attempt only; "retrying" is the contract's word for a retryable failure.
            logger.warning("\(type.rawValue) report \(id) not delivered: \(reason)", metadata: .report(.retrying, type: type, messageId: id, httpStatus: status))
            record(SendRecord(at: Date(), result: .retrying, httpStatus: status, messageId: id, detail: reason))
        }
        return outcome
    }
}
