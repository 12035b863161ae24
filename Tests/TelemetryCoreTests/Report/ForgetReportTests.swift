import Foundation
import Testing
import TestSupport
@testable import TelemetryCore
import TelemetryWire

/// What the builder puts in each report about erasure: the hash everywhere, the key only in `forget`.
@Suite(.removesTemporaryDirectories) struct ForgetReportTests {
    let identity = Identity(instanceId: "aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee", clusterId: "cccccccc-bbbb-4ccc-8ddd-eeeeeeeeeeee",
                            clusterIdFromConfig: false, erasureKey: ErasureKey.random())

    func builder() throws -> ReportBuilder {
        var config = TelemetryConfig()
        config.product.name = "acme-db"
        config.product.version = "4.2.1"
        let root = try TemporaryDirectories.make("forget-report")
        return ReportBuilder(config: config, probe: HostProbe(root: root), identity: identity, proxyInUse: false)
    }

    @Test func everyScheduledReportCarriesTheHashAndNeverTheKey() throws {
        let b = try builder()
        for type in ReportType.scheduled {
            let report = b.build(type)
            #expect(report.erasureKeyHash == identity.erasureKey.hashHex)
            let json = String(decoding: try report.jsonData(), as: UTF8.self)
            #expect(json.contains(identity.erasureKey.hashHex))
            #expect(!json.contains(identity.erasureKey.hex), "\(type.rawValue) report leaks the erasure key")
            #expect(report.product?.name == "acme-db")
        }
    }

    @Test func theForgetReportCarriesTheKeyItsHashAndNoProduct() throws {
        let report = try builder().build(.forget, messageId: "dddddddd-bbbb-4ccc-8ddd-eeeeeeeeeeee")
        #expect(report.type == .forget)
        #expect(report.data == .forget(ForgetData(erasureKey: identity.erasureKey.hex)))
        #expect(report.erasureKeyHash == identity.erasureKey.hashHex)
        #expect(report.instanceId == identity.instanceId)
        #expect(report.clusterId == identity.clusterId)
        #expect(report.product == nil, "erasure needs no product")
        let back = try Report.makeDecoder().decode(Report.self, from: try report.jsonData())
        #expect(back == report)
        // What the collector checks: the hash is SHA-256 of the key's bytes.
        let bytes = try #require(ErasureKey(hex: identity.erasureKey.hex))
        #expect(bytes.hashHex == report.erasureKeyHash)
    }
}
