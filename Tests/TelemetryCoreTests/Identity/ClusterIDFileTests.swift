import Foundation
import Testing
@testable import TelemetryCore
import TelemetryWire

@Suite("Identity: ClusterIDFile=")
struct ClusterIDFileTests {
    @Test func derivedIDIsAStableVersion4UUIDOfTheFirstLine() throws {
        let a = try #require(ClusterIDFile.derive(fromContent: Array("acme-cluster-7f2a\nsecond line\n".utf8)))
        #expect(IdentityStore.normalizeUUID(a) == a)
        #expect(Array(a)[14] == "4")
        #expect("89ab".contains(Array(a)[19]))
        #expect(ClusterIDFile.derive(fromContent: Array("  acme-cluster-7f2a  \n".utf8)) == a, "whitespace around the line is ignored")
        #expect(ClusterIDFile.derive(fromContent: Array("acme-cluster-7f2b\n".utf8)) != a)
        #expect(ClusterIDFile.derive(fromContent: Array("\nacme\n".utf8)) == nil)
    }

    static func tempFile(_ text: String) throws -> String {
        let path = NSTemporaryDirectory() + "cluster-\(UUID().uuidString)"
        try text.write(toFile: path, atomically: false, encoding: .utf8)
        return path
    }

    @Test func threeStateDirectoriesReadingOneFileReportOneClusterID() throws {
        let file = try Self.tempFile("product-cluster-secret-q9xz\n")
        defer { unlink(file) }
        var ids: Set<String> = []
        var json = ""
        for _ in 0..<3 {
            let state = NSTemporaryDirectory() + "state-\(UUID().uuidString)"
            defer { try? FileManager.default.removeItem(atPath: state) }
            let (identity, _) = IdentityStore(stateDirectory: state, machineAppID: { nil }).load(configClusterID: nil)
            var config = TelemetryConfig()
            config.clusterIDFile = file
            let builder = ReportBuilder(config: config, probe: HostProbe(root: "/"), identity: identity, proxyInUse: false, notices: ReportNotices())
            for type in ReportType.scheduled {
                let report = builder.build(type)
                ids.insert(report.clusterId)
                #expect(report.clusterId != identity.clusterId, "the generated ID is not used when the file is readable")
                json += String(decoding: try report.jsonData(), as: UTF8.self)
            }
        }
        #expect(ids.count == 1)
        #expect(!json.contains("product-cluster-secret-q9xz"))
        // Not even its tail (no hex: random IDs and hashes in the reports could hold any hex run).
        #expect(!json.contains("q9xz"))
    }

    @Test func precedenceAndChangeOfTheFile() throws {
        let file = try Self.tempFile("one\n")
        defer { unlink(file) }
        var config = TelemetryConfig()
        config.clusterIDFile = file
        let notices = ReportNotices()
        let generated = testIdentity()
        let builder = ReportBuilder(config: config, probe: HostProbe(root: "/"), identity: generated, proxyInUse: false, notices: notices)
        let first = builder.build(.keepalive).clusterId
        #expect(first == ClusterIDFile.derive(fromIdentity: "one"))
        try "two\n".write(toFile: file, atomically: false, encoding: .utf8)
        #expect(builder.build(.keepalive).clusterId == ClusterIDFile.derive(fromIdentity: "two"), "read again at every report")
        unlink(file)
        #expect(builder.build(.keepalive).clusterId == generated.clusterId, "unreadable: the generated ID")
        // ClusterID= beats the file.
        let configured = testIdentity(cluster: "99999999-2222-4333-8444-555555555555", fromConfig: true)
        try "two\n".write(toFile: file, atomically: false, encoding: .utf8)
        let strong = ReportBuilder(config: config, probe: HostProbe(root: "/"), identity: configured, proxyInUse: false, notices: notices)
        #expect(strong.build(.keepalive).clusterId == "99999999-2222-4333-8444-555555555555")
    }
}
