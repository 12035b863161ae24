import Foundation
import Logging
import Synchronization
import Testing
import TestSupport
@testable import TelemetryCore
@testable import TelemetryDaemon
import TelemetryWire

/// A delivery that records what the loop hands it.
actor RecordingDelivery: ReportDelivery {
    var submitted: [Report] = []
    var purges = 0
    var reconfigured: [LoadedConfig] = []
    var statusPolls = 0
    var erasures = 0
    /// What `queuedCount()` answers; nil: the number of reports submitted.
    var queued: Int?

    func run() async {
        while !Task.isCancelled { try? await Task.sleep(for: .seconds(3600)) }
    }
    func submit(_ report: Report) async -> Bool { submitted.append(report); return true }
    func purge() async { purges += 1 }
    func reconfigure(_ loaded: LoadedConfig) async { reconfigured.append(loaded) }
    func queuedCount() async -> Int { statusPolls += 1; return queued ?? submitted.count }
    func setQueued(_ n: Int) { queued = n }
    func collectorUnreachable() async -> Bool { false }
    nonisolated var isHealthy: Bool { true }
    nonisolated var proxyInUse: Bool { false }
    func shutdown() async {}
    func erasureCount() async -> Int { erasures }
    /// As the engine does once the collector confirmed a forget report.
    func erase(stateDirectory: String) {
        _ = LocalErasure.run(stateDirectory: stateDirectory)
        erasures += 1
    }

    /// Waits (bounded) until `condition` holds; false on time-out.
    func waitUntil(_ limit: Duration = .seconds(40), _ condition: @Sendable (isolated RecordingDelivery) -> Bool) async -> Bool {
        let end = ContinuousClock.now.advanced(by: limit)
        while ContinuousClock.now < end {
            if condition(self) { return true }
            try? await Task.sleep(for: .milliseconds(5))
        }
        return condition(self)
    }
}

@Suite("Daemon loop", .serialized, .removesTemporaryDirectories)
struct DaemonLoopTests {
    let dir: String

    init() throws {
        dir = try TemporaryDirectories.make("telemetryd-daemon")
        try FileManager.default.createDirectory(atPath: dir + "/state", withIntermediateDirectories: true)
    }

    func writeConfig(_ text: String) throws {
        // AtomicFile, not Foundation's atomic write, which leaves a TemporaryDirectory.* behind in $TMPDIR.
        try AtomicFile.write(Array(text.utf8), to: dir + "/telemetry.conf")
    }

    /// The loop runs on `clock`, which moves only when a test advances it: no report falls due and no watchdog ping
    /// comes while a test waits for the loop. `loopClock` replaces the loop's view of it (a wall clock that steps).
    func makeDaemon(_ delivery: RecordingDelivery, clock: MockClock = MockClock(), loopClock: LoopClock? = nil,
                    notify: NotifyRecorder = NotifyRecorder(), probe: LoopProbe = LoopProbe()) -> Daemon {
        Daemon(
            settings: DaemonSettings(configPath: dir + "/telemetry.conf", requireConfigFile: true,
                                     runtimeDropInDirectory: dir + "/run.d", stateDirectory: dir + "/state", environment: [:]),
            logger: Logger(label: "test") { _ in SwiftLogNoOpLogHandler() },
            clock: loopClock ?? LoopClock(clock, wallAtNow: Date()),
            notifier: notify.notifier,
            makeDelivery: { _, _, _, onChange in
                probe.onChange.withLock { $0 = onChange }
                return delivery
            },
            afterIdleWake: { probe.idleWakes.add(1, ordering: .relaxed) })
    }

    /// What the test sees of the loop besides the delivery: its idle wakes and the delivery's change callback.
    final class LoopProbe: Sendable {
        let idleWakes = Atomic<Int>(0)
        let onChange = Mutex<(@Sendable () -> Void)?>(nil)
        var idle: Int { idleWakes.load(ordering: .relaxed) }
    }

    /// Waits (bounded, in real time) until `condition` holds; false on time-out.
    func waitUntil(_ condition: () -> Bool) async -> Bool {
        let end = ContinuousClock.now.advanced(by: .seconds(10))
        while ContinuousClock.now < end {
            if condition() { return true }
            try? await Task.sleep(for: .milliseconds(1))
        }
        return condition()
    }

    /// Waits (bounded, in real time) until the loop sleeps on `clock`: its pass is over.
    func asleep(_ clock: MockClock) async -> Bool {
        let end = ContinuousClock.now.advanced(by: .seconds(10))
        while ContinuousClock.now < end {
            if clock.sleeping > 0 { return true }
            try? await Task.sleep(for: .milliseconds(1))
        }
        return false
    }

    /// An hour on the loop's clock, not in the test's time: each report comes again when its interval has passed,
    /// not before.
    @Test func eachReportIsBuiltAgainWhenItsIntervalHasPassed() async throws {
        try writeConfig(Self.fast)
        let delivery = RecordingDelivery()
        let clock = MockClock()
        let probe = LoopProbe()
        let task = Task { try await makeDaemon(delivery, clock: clock, probe: probe).run() }
        #expect(await delivery.waitUntil { $0.submitted.count == 2 })
        #expect(await asleep(clock))
        let idle = probe.idle
        clock.advance(by: .seconds(3599))
        // The pass at 59:59 (without a watchdog the loop still wakes every five minutes at the latest) builds nothing.
        #expect(await waitUntil { probe.idle > idle })
        #expect(await asleep(clock))
        #expect(await delivery.submitted.count == 2, "the keep-alive is not due before its hour")
        clock.advance(by: .seconds(1))
        #expect(await delivery.waitUntil { $0.submitted.count == 3 })
        #expect(await delivery.submitted.last?.type == .keepalive)
        #expect(await asleep(clock))
        clock.advance(by: .seconds(3600))
        #expect(await delivery.waitUntil { $0.submitted.count == 5 })
        task.cancel()
        try await task.value
        #expect(await delivery.submitted.suffix(2).map(\.type).sorted { $0.rawValue < $1.rawValue } == [.diagnostics, .keepalive])
    }

    /// 2026-12-07 12:00:00 UTC.
    static let noon = Date(timeIntervalSince1970: 1_796_644_800)

    /// STATUS= tells the next keep-alive as a time of day and is sent only when something changed: the watchdog wakes
    /// of an idle hour (a ping every five minutes) neither rebuild nor resend it; the keep-alive it names, a delivery
    /// change and a wall-clock step do. (A countdown refreshed on a timer, "next keep-alive in 54m", fails here.)
    @Test func statusTellsAbsoluteTimesAndChangesOnlyWithTheState() async throws {
        try writeConfig(Self.fast)
        let delivery = RecordingDelivery()
        let clock = MockClock()
        let notify = NotifyRecorder(watchdog: .seconds(600))
        let probe = LoopProbe()
        let task = Task {
            try await makeDaemon(delivery, loopClock: LoopClock(clock, wallAtNow: Self.noon), notify: notify, probe: probe).run()
        }
        #expect(await delivery.waitUntil { $0.submitted.count == 2 })
        #expect(await asleep(clock))
        // READY=1 came with the due times of a first start (now); the first pass scheduled the next ones.
        #expect(notify.statuses == ["Enabled; next keep-alive 12:00 UTC; 0 queued", "Enabled; next keep-alive 13:00 UTC; 2 queued"])
        #expect(notify.all.first?.hasPrefix("READY=1\n") == true)
        #expect(notify.pings == 1)
        let polls = await delivery.statusPolls

        // Eleven watchdog wakes: a ping each, nothing else.
        for wake in 1...11 {
            clock.advance(by: .seconds(300))
            #expect(await waitUntil { notify.pings == 1 + wake && probe.idle == wake })
            #expect(await asleep(clock))
        }
        #expect(notify.statuses.count == 2, "STATUS= rewritten on an idle wake: \(notify.statuses)")
        #expect(await delivery.statusPolls == polls, "the idle wake asked the delivery for its queue")

        // 13:00: the keep-alive goes, and STATUS= names the next one.
        clock.advance(by: .seconds(300))
        #expect(await delivery.waitUntil { $0.submitted.count == 3 })
        #expect(await waitUntil { notify.statuses.count == 3 })
        #expect(notify.statuses.last == "Enabled; next keep-alive 14:00 UTC; 3 queued")
        #expect(probe.idle == 11, "a pass that scheduled a report is no idle wake")

        // The delivery says its queue changed: rebuilt and sent; said again with nothing new: rebuilt, not resent.
        await delivery.setQueued(0)
        probe.onChange.withLock { $0 }?()
        #expect(await waitUntil { notify.statuses.count == 4 })
        #expect(notify.statuses.last == "Enabled; next keep-alive 14:00 UTC; 0 queued")
        let before = await delivery.statusPolls
        probe.onChange.withLock { $0 }?()
        #expect(await delivery.waitUntil { $0.statusPolls > before })
        #expect(await asleep(clock))
        #expect(notify.statuses.count == 4)
        task.cancel()
        try await task.value
    }

    /// The wall clock set forward by an hour: the next pass notices the step and STATUS= tells the keep-alive's new
    /// wall-clock time (the schedule, on the monotonic clock, is unchanged).
    @Test func aWallClockStepRewritesTheStatus() async throws {
        try writeConfig(Self.fast)
        let delivery = RecordingDelivery()
        let clock = MockClock()
        let notify = NotifyRecorder(watchdog: .seconds(600))
        let base = LoopClock(clock, wallAtNow: Self.noon)
        let step = Mutex<Double>(0)
        let stepping = LoopClock(now: base.now, wallNow: { base.wallNow().addingTimeInterval(step.withLock { $0 }) },
                                 wait: base.wait)
        let task = Task { try await makeDaemon(delivery, clock: clock, loopClock: stepping, notify: notify).run() }
        #expect(await delivery.waitUntil { $0.submitted.count == 2 })
        #expect(await asleep(clock))
        #expect(notify.statuses.last == "Enabled; next keep-alive 13:00 UTC; 2 queued")
        step.withLock { $0 = 3600 }
        clock.advance(by: .seconds(300))
        #expect(await waitUntil { notify.statuses.count == 3 })
        #expect(notify.statuses.last == "Enabled; next keep-alive 14:00 UTC; 2 queued")
        #expect(await delivery.submitted.count == 2, "the step sent nothing early")
        task.cancel()
        try await task.value
    }

    static let fast = """
        [Telemetry]
        Endpoint=http://127.0.0.1:9/v1/reports
        RandomizedDelaySec=0
        KeepAliveIntervalSec=1h
        DiagnosticsIntervalSec=2h

        """

    @Test func firstStartBuildsBothReportsAndPersistsTheSchedule() async throws {
        try writeConfig(Self.fast)
        let delivery = RecordingDelivery()
        let daemon = makeDaemon(delivery)
        let task = Task { try await daemon.run() }
        #expect(await delivery.waitUntil { $0.submitted.count == 2 })
        task.cancel()
        try await task.value
        let types = await delivery.submitted.map(\.type)
        #expect(Set(types) == [.keepalive, .diagnostics])
        let state = try DeliveryStateStore(stateDirectory: dir + "/state").load()
        #expect(state.lastScheduled(.keepalive) != nil)
        let next = try #require(state.nextDue(.diagnostics))
        #expect(abs(next.timeIntervalSinceNow - 7200) < 60)
    }

    @Test func anUnreadableScheduleIsNeitherOverwrittenNorASignToSendEarly() async throws {
        try writeConfig(Self.fast)
        let broken = Array("{\"lastScheduled\": 42".utf8)
        try AtomicFile.write(broken, to: dir + "/state/" + DeliveryStateStore.fileName)
        let delivery = RecordingDelivery()
        let task = Task { try await makeDaemon(delivery).run() }
        #expect(await delivery.waitUntil { $0.statusPolls >= 2 })
        task.cancel()
        try await task.value
        #expect(await delivery.submitted.isEmpty, "a start with an unreadable schedule sends nothing at once")
        #expect(try AtomicFile.read(dir + "/state/" + DeliveryStateStore.fileName) == broken)
    }

    @Test func restartInsideTheIntervalBuildsNothing() async throws {
        try writeConfig(Self.fast)
        let first = RecordingDelivery()
        let t1 = Task { try await makeDaemon(first).run() }
        #expect(await first.waitUntil { $0.submitted.count == 2 })
        t1.cancel()
        try await t1.value

        let second = RecordingDelivery()
        let t2 = Task { try await makeDaemon(second).run() }
        // Status is polled once before READY=1 and once after each pass of the loop: two polls mean the first pass,
        // which builds whatever is due, is over.
        #expect(await second.waitUntil { $0.statusPolls >= 2 })
        t2.cancel()
        try await t2.value
        #expect(await second.submitted.isEmpty)
    }

    @Test func reloadToDisabledPurgesAndStopsBuilding() async throws {
        try writeConfig(Self.fast)
        let delivery = RecordingDelivery()
        let daemon = makeDaemon(delivery)
        let task = Task { try await daemon.run() }
        #expect(await delivery.waitUntil { $0.submitted.count == 2 })
        let ledger = CounterLedger(stateDirectory: dir + "/state")
        try ledger.save(CounterLedgerRecord(baselines: CounterBaselines(since: Date(), totals: ["flows": 9])))
        try writeConfig(Self.fast + "Enable=no\n")
        daemon.requestReload()
        #expect(await delivery.waitUntil { $0.purges == 1 })
        #expect(await delivery.reconfigured.last?.config.enable == false)
        #expect(try AtomicFile.read(ledger.path) == nil, "the opt-out forgot the counter baselines (before the purge)")
        task.cancel()
        try await task.value
        #expect(await delivery.submitted.count == 2)
    }

    @Test func badConfigOnReloadKeepsTheLastGoodOne() async throws {
        try writeConfig(Self.fast)
        let delivery = RecordingDelivery()
        let daemon = makeDaemon(delivery)
        let task = Task { try await daemon.run() }
        #expect(await delivery.waitUntil { $0.submitted.count == 2 })
        try writeConfig(Self.fast + "KeepAliveIntervalSec=often\n")
        daemon.requestReload()
        // The reload has run once daemon.json records its failure (generation 2: the start's decision, then the
        // reload's); only then do the negatives below say anything.
        let record = await waitForRecord { $0.generation == 2 }
        task.cancel()
        try await task.value
        let reloaded = try #require(record, "the reload never recorded its decision")
        #expect(reloaded.reloadError?.contains("KeepAliveIntervalSec=often") == true)
        #expect(reloaded.enabled.value == true)
        #expect(reloaded.endpoint.value == "http://127.0.0.1:9/v1/reports")
        #expect(await delivery.reconfigured.isEmpty)
        #expect(await delivery.purges == 0)
        #expect(await delivery.submitted.count == 2)
    }

    /// Waits (bounded) until the daemon's daemon.json satisfies `condition`; nil on time-out.
    func waitForRecord(_ limit: Duration = .seconds(40), _ condition: (DaemonRecord) -> Bool) async -> DaemonRecord? {
        let end = ContinuousClock.now.advanced(by: limit)
        while ContinuousClock.now < end {
            if let r = try? DaemonRecord.load(stateDirectory: dir + "/state"), condition(r) { return r }
            try? await Task.sleep(for: .milliseconds(5))
        }
        return nil
    }

    @Test func badConfigAtStartIsAStartupError() async throws {
        try writeConfig("[Telemetry]\nEnable=perhaps\n")
        let delivery = RecordingDelivery()
        await #expect(throws: StartupError.self) { try await makeDaemon(delivery).run() }
        #expect(await delivery.submitted.isEmpty)
    }

    @Test func disabledAtStartPurgesAndBuildsNothing() async throws {
        try writeConfig(Self.fast + "Enable=no\n")
        let ledger = CounterLedger(stateDirectory: dir + "/state")
        try ledger.save(CounterLedgerRecord(baselines: CounterBaselines(since: Date(), totals: ["flows": 9])))
        let delivery = RecordingDelivery()
        let daemon = makeDaemon(delivery)
        let task = Task { try await daemon.run() }
        #expect(await delivery.waitUntil { $0.purges == 1 })
        #expect(try AtomicFile.read(ledger.path) == nil, "started disabled: the counter baselines are forgotten")
        // A reload is handled only after a pass of the loop is over, so once it reaches delivery the first pass,
        // the one that would build the reports due at a first start, has run.
        daemon.requestReload()
        #expect(await delivery.waitUntil { $0.reconfigured.count == 1 })
        task.cancel()
        try await task.value
        #expect(await delivery.purges == 1)
        #expect(await delivery.submitted.isEmpty)
    }

    // MARK: erasure

    @Test func afterDeliveryErasedTheStateTheNextReportCarriesAFreshIdentity() async throws {
        try writeConfig(Self.fast)
        let delivery = RecordingDelivery()
        let clock = MockClock()
        let task = Task { try await makeDaemon(delivery, clock: clock).run() }
        #expect(await delivery.waitUntil { $0.submitted.count == 2 })
        #expect(await asleep(clock))
        let before = try #require(await delivery.submitted.first)
        await delivery.erase(stateDirectory: dir + "/state")
        clock.advance(by: .seconds(3600))
        #expect(await delivery.waitUntil { $0.submitted.count == 3 })
        task.cancel()
        try await task.value
        let after = try #require(await delivery.submitted.last)
        #expect(after.instanceId != before.instanceId)
        #expect(after.clusterId != before.clusterId)
        #expect(after.erasureKeyHash != before.erasureKeyHash)
        let stored = IdentityStore(stateDirectory: dir + "/state", machineAppID: { nil }).stored()
        #expect(stored.instanceId == after.instanceId, "the fresh identity is the one on disk")
    }

    /// `telemetryd disable --forget` erased the state and reloaded the daemon into an opt-out: it writes no identity
    /// back, however long it runs.
    @Test func disabledByDisableForgetTheDaemonWritesNoIdentityBack() async throws {
        try writeConfig(Self.fast)
        let delivery = RecordingDelivery()
        let clock = MockClock()
        let daemon = makeDaemon(delivery, clock: clock)
        let task = Task { try await daemon.run() }
        #expect(await delivery.waitUntil { $0.submitted.count == 2 })
        #expect(await asleep(clock))
        _ = LocalErasure.run(stateDirectory: dir + "/state")
        try writeConfig(Self.fast + "Enable=no\n")
        daemon.requestReload()
        #expect(await delivery.waitUntil { $0.reconfigured.count == 1 })
        #expect(await asleep(clock))
        clock.advance(by: .seconds(7200))
        #expect(await asleep(clock))
        task.cancel()
        try await task.value
        #expect(await delivery.submitted.count == 2)
        for name in [IdentityStore.instanceFile, IdentityStore.erasureKeyFile, IdentityStore.clusterFile] {
            #expect(!FileManager.default.fileExists(atPath: dir + "/state/" + name), "\(name) written back")
        }
    }

    /// `telemetryd forget` with telemetry on erased the state and reloaded the daemon: like a first start, the
    /// schedule is empty, so both reports go at once, under a fresh identity.
    @Test func reloadedAfterForgetTheDaemonStartsAfreshUnderANewIdentity() async throws {
        try writeConfig(Self.fast)
        let delivery = RecordingDelivery()
        let clock = MockClock()
        let daemon = makeDaemon(delivery, clock: clock)
        let task = Task { try await daemon.run() }
        #expect(await delivery.waitUntil { $0.submitted.count == 2 })
        #expect(await asleep(clock))
        let before = try #require(await delivery.submitted.first)
        _ = LocalErasure.run(stateDirectory: dir + "/state")
        daemon.requestReload()
        #expect(await delivery.waitUntil { $0.submitted.count == 4 })
        task.cancel()
        try await task.value
        let fresh = await delivery.submitted.suffix(2)
        #expect(Set(fresh.map(\.instanceId)).count == 1)
        #expect(fresh.allSatisfy { $0.instanceId != before.instanceId && $0.erasureKeyHash != before.erasureKeyHash })
        #expect(IdentityStore(stateDirectory: dir + "/state", machineAppID: { nil }).stored().instanceId == fresh.first?.instanceId)
    }

    @Test func aPlainReloadKeepsTheIdentity() async throws {
        try writeConfig(Self.fast)
        let delivery = RecordingDelivery()
        let clock = MockClock()
        let daemon = makeDaemon(delivery, clock: clock)
        let task = Task { try await daemon.run() }
        #expect(await delivery.waitUntil { $0.submitted.count == 2 })
        #expect(await asleep(clock))
        daemon.requestReload()
        #expect(await delivery.waitUntil { $0.reconfigured.count == 1 })
        #expect(await asleep(clock))
        clock.advance(by: .seconds(3600))
        #expect(await delivery.waitUntil { $0.submitted.count == 3 })
        task.cancel()
        try await task.value
        let reports = await delivery.submitted
        #expect(Set(reports.map(\.instanceId)).count == 1)
        #expect(Set(reports.map(\.erasureKeyHash)).count == 1)
    }
}
