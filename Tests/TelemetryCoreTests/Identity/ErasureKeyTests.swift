import Foundation
import Testing
import TestSupport
@testable import TelemetryCore

private let machineA = "11111111-1111-4111-8111-111111111111"
private let machineB = "22222222-2222-4222-8222-222222222222"

/// 0x00…0x1f: a key whose hash sha256sum and Python's hashlib agree on.
private let countingKey = ErasureKey(bytes: Array(0..<32))

private func contents(_ path: String) -> String? { try? String(contentsOfFile: path, encoding: .utf8) }

private func mode(_ path: String) throws -> Int {
    try #require(try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int)
}

@Suite("Identity: the erasure key", .removesTemporaryDirectories)
struct ErasureKeyTests {
    func tempDir() throws -> String { try TemporaryDirectories.make("erasure-key") }

    @Test func hashIsSHA256OfTheKeyBytesInLowerCaseHex() throws {
        let key = try #require(countingKey)
        #expect(key.hex == "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f")
        #expect(key.hashHex == "630dcd2966c4336691125448bbb25b4ff412a49c732db2c8abc1b8581bd710dd")
        let zero = try #require(ErasureKey(bytes: [UInt8](repeating: 0, count: 32)))
        #expect(zero.hashHex == "66687aadf862bd776c8fc18b8e9f8e20089714856ee233b3902a591d0d5f2925")
    }

    @Test func hexIsReadInEitherCaseAroundWhitespaceAndNothingElse() throws {
        let key = try #require(countingKey)
        #expect(ErasureKey(hex: " " + key.hex.uppercased() + "\n") == key)
        #expect(ErasureKey(hex: String(key.hex.dropLast())) == nil, "63 digits")
        #expect(ErasureKey(hex: key.hex + "00") == nil, "33 bytes")
        #expect(ErasureKey(hex: String(key.hex.dropLast()) + "g") == nil, "not hex")
        #expect(ErasureKey(hex: "") == nil)
        #expect(ErasureKey(bytes: [UInt8](repeating: 1, count: 31)) == nil)
    }

    @Test func randomKeysDifferAndTheDescriptionNeverShowsTheKey() {
        let keys = (0..<64).map { _ in ErasureKey.random() }
        #expect(Set(keys.map(\.hex)).count == 64)
        for key in keys.prefix(4) {
            #expect(!key.description.contains(key.hex))
            #expect("\(key)".contains(key.hashHex))
        }
    }

    @Test func madeWithTheIdentityAsHexInAFileOfMode0600() throws {
        let dir = try tempDir()
        let (identity, events) = IdentityStore(stateDirectory: dir, machineAppID: { machineA }).load(configClusterID: nil)
        #expect(events.contains(.created(file: dir + "/erasure-key")))
        #expect(contents(dir + "/erasure-key") == identity.erasureKey.hex + "\n")
        #expect(try mode(dir + "/erasure-key") == 0o600)
        #expect(try mode(dir + "/instance-id") == 0o644, "the IDs stay readable; only the key is private")
        let (again, events2) = IdentityStore(stateDirectory: dir, machineAppID: { machineA }).load(configClusterID: nil)
        #expect(again.erasureKey == identity.erasureKey)
        #expect(events2.isEmpty)
    }

    @Test func anInstallThatPredatesTheKeyGetsOneAndKeepsItsIDs() throws {
        let dir = try tempDir()
        let (before, _) = IdentityStore(stateDirectory: dir, machineAppID: { machineA }).load(configClusterID: nil)
        try FileManager.default.removeItem(atPath: dir + "/erasure-key")
        let made = try #require(countingKey)
        let (after, events) = IdentityStore(stateDirectory: dir, machineAppID: { machineA }, makeErasureKey: { made })
            .load(configClusterID: nil)
        #expect(after.instanceId == before.instanceId)
        #expect(after.clusterId == before.clusterId)
        #expect(after.erasureKey == made)
        #expect(events == [.created(file: dir + "/erasure-key")])
        #expect(try mode(dir + "/erasure-key") == 0o600)
    }

    @Test func aCloneGetsANewKeyWithItsNewInstanceID() throws {
        let dir = try tempDir()
        let (original, _) = IdentityStore(stateDirectory: dir, machineAppID: { machineA }).load(configClusterID: nil)
        let (clone, events) = IdentityStore(stateDirectory: dir, machineAppID: { machineB }).load(configClusterID: nil)
        #expect(events.contains(.cloneDetected))
        #expect(clone.instanceId != original.instanceId)
        #expect(clone.erasureKey != original.erasureKey, "one hash for two instance IDs would link them")
        #expect(contents(dir + "/erasure-key") == clone.erasureKey.hex + "\n")
    }

    @Test func aNewInstanceIDNeverInheritsTheOldKey() throws {
        let dir = try tempDir()
        let (before, _) = IdentityStore(stateDirectory: dir, machineAppID: { nil }).load(configClusterID: nil)
        try FileManager.default.removeItem(atPath: dir + "/instance-id")
        let (after, _) = IdentityStore(stateDirectory: dir, machineAppID: { nil }).load(configClusterID: nil)
        #expect(after.instanceId != before.instanceId)
        #expect(after.erasureKey != before.erasureKey)
        #expect(contents(dir + "/erasure-key") == after.erasureKey.hex + "\n")
    }

    @Test(arguments: ["", "not hex\n", String(repeating: "a", count: 63) + "\n", String(repeating: "z", count: 64)])
    func anUnreadableKeyIsReplacedAndSaid(content: String) throws {
        let dir = try tempDir()
        let (before, _) = IdentityStore(stateDirectory: dir, machineAppID: { nil }).load(configClusterID: nil)
        try AtomicFile.write(Array(content.utf8), to: dir + "/erasure-key")
        let (after, events) = IdentityStore(stateDirectory: dir, machineAppID: { nil }).load(configClusterID: nil)
        #expect(after.instanceId == before.instanceId)
        #expect(events.contains { if case .replacedCorrupt(let f, _) = $0 { f == dir + "/erasure-key" } else { false } })
        #expect(contents(dir + "/erasure-key") == after.erasureKey.hex + "\n")
    }

    @Test func persistFalseMakesNoKeyFile() throws {
        let dir = try tempDir()
        _ = IdentityStore(stateDirectory: dir, machineAppID: { nil }).load(configClusterID: nil, persist: false)
        #expect(!FileManager.default.fileExists(atPath: dir + "/erasure-key"))
    }
}
