import Foundation
import Testing
import TestSupport
@testable import TelemetryCore

private func tempDir(sourceLocation: SourceLocation = #_sourceLocation) throws -> String {
    try TemporaryDirectories.make("idtest", sourceLocation: sourceLocation)
}

private func contents(_ path: String) -> String? {
    (try? String(contentsOfFile: path, encoding: .utf8))
}

/// A counter-based UUID source so tests can tell which ID is new.
private final class Counter: @unchecked Sendable {
    private let lock = NSLock()
    private var n = 0
    func next() -> String {
        lock.lock(); defer { lock.unlock() }
        n += 1
        return String(format: "00000000-0000-4000-8000-%012d", n)
    }
}

private let machineA = "11111111-1111-4111-8111-111111111111"
private let machineB = "22222222-2222-4222-8222-222222222222"

@Suite(.removesTemporaryDirectories) struct IdentityTests {
    @Test func firstLoadCreatesAndPersistsBothIDs() throws {
        let dir = try tempDir()
        let store = IdentityStore(stateDirectory: dir, machineAppID: { machineA })
        let (first, events) = store.load(configClusterID: nil)
        #expect(events.contains(.created(file: dir + "/instance-id")))
        #expect(events.contains(.created(file: dir + "/cluster-id")))
        #expect(contents(dir + "/instance-id") == first.instanceId + "\n")
        #expect(contents(dir + "/cluster-id") == first.clusterId + "\n")
        #expect(contents(dir + "/machine-app-id") == machineA + "\n")
        #expect(first.instanceId != first.clusterId)
        #expect(UUID(uuidString: first.instanceId) != nil)
        #expect(first.instanceId == first.instanceId.lowercased())

        let (second, events2) = store.load(configClusterID: nil)
        #expect(second == first)
        #expect(events2.isEmpty)
        // No temp files left behind by the atomic writes.
        let names = try FileManager.default.contentsOfDirectory(atPath: dir).sorted()
        #expect(names == ["cluster-id", "erasure-key", "instance-id", "machine-app-id"])
    }

    @Test(arguments: ["", "\n", "not-a-uuid\n", "11111111-1111-4111-8111-11111111111\n", "\u{0}\u{1}garbage"])
    func corruptOrEmptyFileIsReplacedWithWarning(content: String) throws {
        let dir = try tempDir()
        try content.write(toFile: dir + "/instance-id", atomically: false, encoding: .utf8)
        try content.write(toFile: dir + "/cluster-id", atomically: false, encoding: .utf8)
        let counter = Counter()
        let store = IdentityStore(stateDirectory: dir, machineAppID: { nil }, makeUUID: counter.next)
        let (id, events) = store.load(configClusterID: nil)
        #expect(events.contains { if case .replacedCorrupt(let f, _) = $0 { f.hasSuffix("/instance-id") } else { false } })
        #expect(events.contains { if case .replacedCorrupt(let f, _) = $0 { f.hasSuffix("/cluster-id") } else { false } })
        #expect(contents(dir + "/instance-id") == id.instanceId + "\n")
        #expect(contents(dir + "/cluster-id") == id.clusterId + "\n")
    }

    @Test func upperCaseAndWhitespaceAreAcceptedAndNormalized() throws {
        let dir = try tempDir()
        try "  ABCDEF01-2345-4789-8BCD-EF0123456789 \n".write(toFile: dir + "/instance-id", atomically: false, encoding: .utf8)
        let store = IdentityStore(stateDirectory: dir, machineAppID: { nil })
        let (id, events) = store.load(configClusterID: nil)
        #expect(id.instanceId == "abcdef01-2345-4789-8bcd-ef0123456789")
        #expect(!events.contains { if case .replacedCorrupt = $0 { true } else { false } })
    }

    @Test func configuredClusterIDWinsAndIsNotWritten() throws {
        let dir = try tempDir()
        let store = IdentityStore(stateDirectory: dir, machineAppID: { nil })
        let (persisted, _) = store.load(configClusterID: nil)
        let configured = "AAAAAAAA-BBBB-4CCC-8DDD-EEEEEEEEEEEE"
        let (id, _) = store.load(configClusterID: configured)
        #expect(id.clusterId == configured.lowercased())
        #expect(id.clusterIdFromConfig)
        #expect(contents(dir + "/cluster-id") == persisted.clusterId + "\n")
        // Removing ClusterID= from the config falls back to the persisted one.
        let (back, _) = store.load(configClusterID: nil)
        #expect(back.clusterId == persisted.clusterId)
        #expect(!back.clusterIdFromConfig)
    }

    @Test func cloneWithNewMachineIDGetsNewInstanceID() throws {
        let dir = try tempDir()
        let original = IdentityStore(stateDirectory: dir, machineAppID: { machineA })
        let (before, _) = original.load(configClusterID: nil)
        // Same machine: same instance.
        #expect(original.load(configClusterID: nil).0.instanceId == before.instanceId)

        let clone = IdentityStore(stateDirectory: dir, machineAppID: { machineB })
        let (after, events) = clone.load(configClusterID: nil)
        #expect(events.contains(.cloneDetected))
        #expect(after.instanceId != before.instanceId)
        #expect(after.clusterId == before.clusterId, "a clone stays in its cluster")
        #expect(contents(dir + "/instance-id") == after.instanceId + "\n")
        #expect(contents(dir + "/machine-app-id") == machineB + "\n")
        // And it is stable from then on.
        let (again, events2) = clone.load(configClusterID: nil)
        #expect(again.instanceId == after.instanceId)
        #expect(!events2.contains(.cloneDetected))
    }

    @Test func withoutMachineIDTheInstanceIDIsKept() throws {
        let dir = try tempDir()
        let (before, _) = IdentityStore(stateDirectory: dir, machineAppID: { machineA }).load(configClusterID: nil)
        let (after, events) = IdentityStore(stateDirectory: dir, machineAppID: { nil }).load(configClusterID: nil)
        #expect(after.instanceId == before.instanceId)
        #expect(events.contains(.machineIDUnavailable))
        #expect(contents(dir + "/machine-app-id") == machineA + "\n")
    }

    @Test func existingInstanceWithoutRecordedMachineIsAdoptedNotRegenerated() throws {
        let dir = try tempDir()
        let (before, _) = IdentityStore(stateDirectory: dir, machineAppID: { nil }).load(configClusterID: nil)
        let (after, events) = IdentityStore(stateDirectory: dir, machineAppID: { machineA }).load(configClusterID: nil)
        #expect(after.instanceId == before.instanceId)
        #expect(!events.contains(.cloneDetected))
        #expect(contents(dir + "/machine-app-id") == machineA + "\n")
    }

    @Test func persistFalseWritesNothing() throws {
        let dir = try tempDir() + "/sub"
        let (id, _) = IdentityStore(stateDirectory: dir, machineAppID: { machineA }).load(configClusterID: nil, persist: false)
        #expect(UUID(uuidString: id.instanceId) != nil)
        #expect(!FileManager.default.fileExists(atPath: dir))
    }

    @Test func unwritableStateDirectoryStillYieldsIdentity() throws {
        // A state "directory" below a regular file fails even for root.
        let base = try tempDir()
        _ = FileManager.default.createFile(atPath: base + "/file", contents: Data())
        let (id, events) = IdentityStore(stateDirectory: base + "/file/state", machineAppID: { machineA }).load(configClusterID: nil)
        #expect(UUID(uuidString: id.instanceId) != nil)
        #expect(events.contains { if case .notPersisted = $0 { true } else { false } })
    }

    @Test func machineIDItselfIsNeverStored() throws {
        let dir = try tempDir()
        _ = IdentityStore(stateDirectory: dir, machineAppID: { machineA }).load(configClusterID: nil)
        if let machineID = contents("/etc/machine-id")?.trimmingCharacters(in: .whitespacesAndNewlines), !machineID.isEmpty {
            for name in try FileManager.default.contentsOfDirectory(atPath: dir) {
                let text = (contents(dir + "/" + name) ?? "").replacingOccurrences(of: "-", with: "")
                #expect(!text.contains(machineID))
            }
        }
    }
}
