import Logging
import Synchronization
import TelemetryCore

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import TelemetryWire

/// The delivery engine (README, "Reports"): every report is spooled before its first attempt and removed only
/// after a 2xx (or a rejection); one worker (`+Worker.swift`) sends the spool oldest first and, when the collector
/// fails, waits a backoff (or its `Retry-After`) before trying the queue again. Backoff is for the collector, not
/// per report. What to do after each attempt is decided by `DeliveryStateMachine`; this actor carries it out.
public actor HTTPReportDelivery: ReportDelivery {
    var loaded: LoadedConfig
    let environment: [String: String]
    let logger: Logger
    let onChange: @Sendable () -> Void
    let spool: Spool
    let store: DeliveryStateStore
    let sentLog: SentLog
    let wake = WakeSignal()
    let proxyFlag: Mutex<Bool>
    let random: @Sendable () -> Double
    let clock = ContinuousClock()

    var settings: TransportSettings
    var machine: DeliveryStateMachine
    var transport: HTTPTransport?
    /// Reports that could not be spooled (state directory not writable): attempted once from memory.
    var memoryQueue: [(report: Report, body: [UInt8])] = []
    var inFlight: Task<SendOutcome, Never>?
    /// When the attempt in flight started and its timeout; nil between attempts. Behind a lock, not actor state, so
    /// the daemon loop's watchdog wake reads it without a hop to this actor (`isHealthy`).
    let attemptInFlight = Mutex<(startedAt: ContinuousClock.Instant, timeout: Duration)?>(nil)
    /// The spool could not be written the last time: logged once, until it works again.
    var spoolBroken = false
    /// Delivered reports whose spool file could not be deleted: never sent again by this process, and the deletion
    /// is retried at every scan. Logged once, until a deletion works again.
    var undeletable: Set<String> = []
    var lastNotified: (queued: Int, unreachable: Bool)?
    /// How many confirmed erasures deleted the local state (`erasureCount()`).
    var erasures = 0

    public init(loaded: LoadedConfig, stateDirectory: String, environment: [String: String], logger: Logger,
                onChange: @escaping @Sendable () -> Void) {
        self.init(loaded: loaded, stateDirectory: stateDirectory, environment: environment, logger: logger,
                  random: { Double.random(in: 0..<1) }, onChange: onChange)
    }

    /// `random` (0..<1) drives the backoff jitter; `limit` the burst limit in front of the network. Both for tests.
    init(loaded: LoadedConfig, stateDirectory: String, environment: [String: String], logger: Logger,
         random: @escaping @Sendable () -> Double, limit: DeliveryStateMachine.BurstLimit = .standard,
         onChange: @escaping @Sendable () -> Void) {
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
        let c = loaded.config
        self.machine = DeliveryStateMachine(endpoint: settings.endpoint, retryMin: c.retryMin.duration,
                                            retryMax: c.retryMax.duration, enabled: c.enable, limit: limit)
    }

    var config: TelemetryConfig { loaded.config }

    // MARK: ReportDelivery

    public nonisolated var proxyInUse: Bool { proxyFlag.withLock { $0 } }

    /// Also after `shutdown()`: the report is then spooled for the next start.
    @discardableResult
    public func submit(_ report: Report) async -> Bool {
        let type = report.type, id = report.messageId
        let body: [UInt8]
        do { body = Array(try report.jsonData()) } catch {
            logger.error("Cannot encode \(type.rawValue) report \(id): \(error); dropped",
                         metadata: .report(.dropped, type: type, messageId: id))
            return false
        }
        if config.dryRun {
            logger.info("Dry run, not sent: \(type.rawValue) report \(id): \(String(decoding: body, as: UTF8.self))",
                        metadata: .report(.dryRun, type: type, messageId: id))
            record(SendRecord(at: Date(), result: .dryRun, messageId: id, detail: "DryRun=yes"), for: type)
            return false
        }
        if !machine.acceptsReports {
            logger.notice("Telemetry is disabled: \(type.rawValue) report \(id) dropped, not sent",
                          metadata: .report(.dropped, type: type, messageId: id))
            return false
        }
        let spooled: Bool
        do {
            let added = try spool.add(body: body, type: type, messageId: id, maxReports: config.maxReports)
            logDiscards(added.discarded)
            if spoolBroken {
                spoolBroken = false
                logger.notice("The spool in \(spool.directory) is writable again; reports survive restarts again",
                              metadata: TelemetryEvent.spoolWritable.metadata)
            }
            logger.info("Queued \(type.rawValue) report \(id)", metadata: .report(.queued, type: type, messageId: id))
            for old in added.dropped {
                logger.warning("Spool full (MaxReports=\(config.maxReports)): dropped the oldest unsent \(old.type.rawValue) report \(old.messageId)",
                               metadata: .report(.dropped, type: old.type, messageId: old.messageId))
            }
            for (old, error) in added.notDropped {
                // The new report is spooled; only the bound is exceeded until the old file can be deleted.
                logger.warning("Spool full (MaxReports=\(config.maxReports)): cannot drop the oldest unsent \(old.type.rawValue) report \(old.messageId): \(error); it stays queued",
                               metadata: TelemetryEvent.spoolDropFailed.metadata)
            }
            spooled = true
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
            spooled = false
        }
        wake.ring()
        notifyIfChanged()
        return spooled
    }

    public func purge() async {
        machine.purge()
        inFlight?.cancel()
        memoryQueue.removeAll()
        let deleted = spool.purge()
        undeletable.removeAll()
        let forgets = spool.entries().filter { $0.type == .forget }.count
        var m = TelemetryEvent.spoolPurged.metadata
        m["TELEMETRY_PURGED"] = .string(String(deleted))
        let kept = forgets == 0 ? "nothing more is sent until telemetry is enabled again"
            : "nothing more is sent until telemetry is enabled again but the queued request to erase this install (\(forgets) forget report\(forgets == 1 ? "" : "s"))"
        logger.notice("Spool purged: \(deleted) unsent report(s) deleted; \(kept)", metadata: m)
        // The worker may have a forget report to deliver now that the rest is gone.
        wake.ring()
        notifyIfChanged()
    }

    /// Re-reads what the transport needs (the proxy from the environment, the token file). An attempt in flight
    /// keeps the settings it started with, and its outcome counts for the endpoint it went to.
    public func reconfigure(_ loaded: LoadedConfig) async {
        self.loaded = loaded
        let c = loaded.config
        let newSettings = TransportSettings(config: c, environment: environment)
        machine.reconfigure(endpoint: newSettings.endpoint, retryMin: c.retryMin.duration, retryMax: c.retryMax.duration,
                            enabled: c.enable, credentialChanged: newSettings.credential != settings.credential,
                            routeChanged: newSettings.proxy != settings.proxy)
        proxyFlag.withLock { $0 = newSettings.proxy != nil }
        if newSettings != settings {
            settings = newSettings
            if let old = transport {
                transport = nil
                // An attempt in flight keeps its transport; the worker shuts it down when the attempt ends.
                if inFlight == nil { await old.shutdown() }
            }
        }
        wake.ring()
        notifyIfChanged()
    }

    public func queuedCount() async -> Int { queued }

    public func collectorUnreachable() async -> Bool { machine.collectorUnreachable }

    public func erasureCount() async -> Int { erasures }

    public nonisolated var isHealthy: Bool {
        let attempt = attemptInFlight.withLock { $0 }
        return Backoff.attemptIsHealthy(startedAt: attempt?.startedAt, now: clock.now, timeout: attempt?.timeout ?? .zero)
    }

    public func shutdown() async {
        machine.shutdown()
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

    // MARK: shared helpers

    /// Reports waiting: the spool (less those delivered but not deletable) and the memory queue.
    var queued: Int { max(0, Spool.pendingCount(stateDirectory: store.stateDirectory) - undeletable.count) + memoryQueue.count }

    func record(_ record: SendRecord, for type: ReportType) {
        ReportOutcomeLog.record(record, for: type, store: store, logger: logger)
    }

    func notifyIfChanged() {
        let now = (queued: queued, unreachable: machine.collectorUnreachable)
        if let last = lastNotified, last.queued == now.queued, last.unreachable == now.unreachable { return }
        lastNotified = now
        onChange()
    }
}
