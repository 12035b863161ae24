import Foundation
import Testing
import TelemetryCore
import TelemetryWire

/// A state directory with an identity, and the forget report `telemetryd forget` would build for it.
struct ForgetFixture {
    let dir: String
    let identity: Identity

    init(_ prefix: String) throws {
        dir = try tempDir(prefix)
        identity = IdentityStore(stateDirectory: dir, machineAppID: { nil }).load(configClusterID: nil).0
    }

    func forgetReport() -> Report {
        Report(messageId: UUID().uuidString.lowercased(), type: .forget, timestamp: Date(timeIntervalSince1970: 1_795_000_000),
               instanceId: identity.instanceId, clusterId: identity.clusterId, erasureKeyHash: identity.erasureKey.hashHex,
               agent: Agent(version: AgentInfo.version), data: .forget(ForgetData(erasureKey: identity.erasureKey.hex)))
    }

    /// Spools a forget report as `telemetryd forget` leaves it when the collector is down.
    @discardableResult
    func spoolForget() throws -> Report {
        let r = forgetReport()
        try Spool(stateDirectory: dir).add(body: Array(try r.jsonData()), type: .forget, messageId: r.messageId, maxReports: 512)
        return r
    }

    var spool: Spool { Spool(stateDirectory: dir) }

    func exists(_ name: String) -> Bool { FileManager.default.fileExists(atPath: dir + "/" + name) }

    /// Whether the identity is still on disk, whole.
    var identityKept: Bool { exists(IdentityStore.instanceFile) && exists(IdentityStore.erasureKeyFile) }
    /// Whether everything `LocalErasure` deletes is gone.
    var stateErased: Bool { (LocalErasure.files + LocalErasure.directories).allSatisfy { !exists($0) } }
}

extension TestCollector.Received {
    var json: [String: Any]? { try? JSONSerialization.jsonObject(with: Data(body)) as? [String: Any] }
}
