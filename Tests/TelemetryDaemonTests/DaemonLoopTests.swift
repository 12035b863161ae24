import Foundation
import Logging
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

    func run() async {
        while !Task.isCancelled { try? await Task.sleep(for: .seconds(3600)) }
    }
    func submit(_ report: Report) async -> Bool { submitted.append(report); return true }
    func purge() async { purges += 1 }
    func reconfigure(_ loaded: LoadedConfig) async { reconfigured.append(loaded) }
    func queuedCount() async -> Int { statusPolls += 1; return submitted.count }
    func collectorUnreachable() async -> Bool { false }
    func isHealthy() async -> Bool { true }
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

    /// The loop runs on `clock`, which moves only when a test advances it: no report falls due and no STATUS=
    /// refresh fires while a test waits for the loop.
    func makeDaemon(_ delivery: RecordingDelivery, clock: MockClock = MockClock()) -> Daemon {
        Daemon(
            settings: DaemonSettings(configPath: dir + "/telemetry.conf", requireConfigFile: true,
                                     runtimeDropInDirectory: dir + "/run.d", stateDirectory: dir + "/state", environment: [:]),
            logger: Logger(label: "test") { _ in SwiftLogNoOpLogHandler() },
            clock: LoopClock(clock, wallAtNow: Date()),
            makeDelivery: { _, _, _, _ in delivery })
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
        let task = Task { try await makeDaemon(delivery, clock: clock).run() }
        #expect(await delivery.waitUntil { $0.submitted.count == 2 })
        #expect(await asleep(clock))
        let polls = await delivery.statusPolls
        clock.advance(by: .seconds(3599))
        // The pass at 59:59 (STATUS= is refreshed at least every minute, so the loop wakes) builds nothing.
        #expect(await delivery.waitUntil { $0.statusPolls > polls })
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
