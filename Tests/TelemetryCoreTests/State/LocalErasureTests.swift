import Foundation
import Testing
import TestSupport
@testable import TelemetryCore
import TelemetryWire

/// What a confirmed erasure deletes of the agent's own state, and what it keeps.
@Suite(.removesTemporaryDirectories) struct LocalErasureTests {
    func stateDirectory() throws -> String {
        let dir = try TemporaryDirectories.make("erasure")
        _ = IdentityStore(stateDirectory: dir, machineAppID: { "11111111-1111-4111-8111-111111111111" }).load(configClusterID: nil)
        try DeliveryStateStore(stateDirectory: dir).update { $0.lastScheduled["keepalive"] = Date() }
        try AtomicFile.write(Array("{}".utf8), to: dir + "/" + CounterLedger.fileName)
        try AtomicFile.write(Array("{}".utf8), to: dir + "/" + DaemonRecord.fileName)
        let body = Array(#"{"x":1}"#.utf8)
        try Spool(stateDirectory: dir).add(body: body, type: .keepalive, messageId: "0a", maxReports: 10)
        try Spool(stateDirectory: dir).add(body: body, type: .forget, messageId: "0b", maxReports: 10)
        try SentLog(stateDirectory: dir).record(body: body, type: .keepalive, messageId: "0c")
        return dir
    }

    func names(_ dir: String) throws -> [String] { try FileManager.default.contentsOfDirectory(atPath: dir).sorted() }

    @Test func deletesTheIdentityScheduleCountersSpoolAndSentLogAndKeepsTheRest() throws {
        let dir = try stateDirectory()
        #expect(try names(dir).contains("erasure-key"))
        let result = LocalErasure.run(stateDirectory: dir)
        #expect(result.complete)
        #expect(Set(result.deleted) == ["instance-id", "erasure-key", "cluster-id", "machine-app-id", "state.json",
                                        "counters.json", "spool/", "sent/"])
        #expect(result.deleted.first == "instance-id", "the identity goes first")
        // The daemon's decision record and the lock files hold no identity.
        #expect(try names(dir) == ["daemon.json", "state.lock"])
        // Nothing to delete is no error.
        let again = LocalErasure.run(stateDirectory: dir)
        #expect(again.deleted.isEmpty && again.complete)
    }

    @Test func aFreshIdentityFollows() throws {
        let dir = try stateDirectory()
        let store = IdentityStore(stateDirectory: dir, machineAppID: { "11111111-1111-4111-8111-111111111111" })
        let before = store.load(configClusterID: nil).0
        _ = LocalErasure.run(stateDirectory: dir)
        let after = store.load(configClusterID: nil).0
        #expect(after.instanceId != before.instanceId)
        #expect(after.clusterId != before.clusterId)
        #expect(after.erasureKey != before.erasureKey)
    }

    @Test func whatCannotBeDeletedIsNamedAndTheRestStillGoes() throws {
        let dir = try stateDirectory()
        // A directory where the schedule file should be: unlink(2) fails with EISDIR, even for root.
        try FileManager.default.removeItem(atPath: dir + "/state.json")
        try FileManager.default.createDirectory(atPath: dir + "/state.json/x", withIntermediateDirectories: true)
        let result = LocalErasure.run(stateDirectory: dir)
        #expect(!result.complete)
        #expect(result.failed.map(\.name) == ["state.json"])
        #expect(result.failed.first?.reason.contains("state.json") == true)
        #expect(!FileManager.default.fileExists(atPath: dir + "/instance-id"))
        #expect(!FileManager.default.fileExists(atPath: dir + "/spool"))
    }
}
