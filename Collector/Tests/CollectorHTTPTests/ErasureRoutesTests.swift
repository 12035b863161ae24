import Foundation
import CollectorHTTP
import Hummingbird
import HummingbirdTesting
import NIOCore
import Testing

/// `POST /v1/reports` with `type: forget`: the status the agent acts on, the body, the metric, on a real SQLite store.
@Suite struct ErasureRoutesTests {
    static let key = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"
    static let hash = "630dcd2966c4336691125448bbb25b4ff412a49c732db2c8abc1b8581bd710dd"
    static let instance = "11111111-2222-4333-8444-555555555555"

    static func keepalive(message: String, instance: String = instance, hash: String? = hash) -> String {
        let h = hash.map { #""\#($0)""# } ?? "null"
        return #"{"schemaVersion":1,"messageId":"\#(message)","type":"keepalive","timestamp":"2026-12-01T05:59:00Z","instanceId":"\#(instance)","clusterId":"cccccccc-2222-4333-8444-555555555555","erasureKeyHash":\#(h),"agent":{"name":"telemetryd","version":"0.1.0"},"data":{"uptimeSec":100,"agentUptimeSec":60}}"#
    }

    static func forget(message: String, key: String = key, instance: String = instance) -> String {
        #"{"schemaVersion":1,"messageId":"\#(message)","type":"forget","timestamp":"2026-12-01T06:00:00Z","instanceId":"\#(instance)","clusterId":"cccccccc-2222-4333-8444-555555555555","erasureKeyHash":"\#(hash)","agent":{"name":"telemetryd","version":"0.1.0"},"data":{"erasureKey":"\#(key)"}}"#
    }

    static func message(_ n: Int) -> String { "3f2c1a9e-8d3b-4c7a-9e21-5b6f0d8c3a\(10 + n)" }

    @Test func aForgetWithThePinnedKeyErasesOnceAndTheInstallIsIgnoredAfterwards() async throws {
        try await IngestRoutesTests().withRoutes { client, metrics in
            let first = try await post(client, Self.keepalive(message: Self.message(1)))
            #expect(first.status == .accepted)
            let forged = try await post(client, Self.forget(message: Self.message(2), key: String(repeating: "ee", count: 32)))
            #expect(forged.status == .forbidden)
            #expect(String(buffer: forged.body).contains("does not match"))
            let erased = try await post(client, Self.forget(message: Self.message(3)))
            #expect(erased.status == .accepted)
            #expect(String(buffer: erased.body) == #"{"erased":true}"#)
            // The agent's retry after a lost answer: the same answer.
            let again = try await post(client, Self.forget(message: Self.message(3)))
            #expect(again.status == .accepted)
            // A later report of the erased install: a 2xx the agent drops as delivered, and nothing stored.
            let later = try await post(client, Self.keepalive(message: Self.message(4)))
            #expect(later.status == .ok)
            #expect(String(buffer: later.body) == #"{"duplicate":false,"erased":true}"#)
            let text = String(decoding: metrics.render(summary: nil), as: UTF8.self)
            #expect(text.contains(#"telemetry_reports_total{result="erased"} 2"#))
            #expect(text.contains(#"telemetry_reports_total{result="erasure_refused"} 1"#))
            #expect(text.contains(#"telemetry_reports_total{result="erased_install"} 1"#))
        }
    }

    @Test func withNoPinnedHashNothingProvesOwnership() async throws {
        try await IngestRoutesTests().withRoutes { client, _ in
            #expect(try await post(client, Self.keepalive(message: Self.message(1), hash: nil)).status == .accepted)
            let r = try await post(client, Self.forget(message: Self.message(2)))
            #expect(r.status == .forbidden)
            #expect(String(buffer: r.body).contains("no erasureKeyHash"))
            let unknown = try await post(client, Self.forget(message: Self.message(3), instance: "11111111-2222-4333-8444-000000000000"))
            #expect(unknown.status == .forbidden)
        }
    }

    func post(_ client: any TestClientProtocol, _ body: String) async throws -> TestResponse {
        try await client.execute(uri: "/v1/reports", method: .post, headers: IngestRoutesTests.json, body: ByteBuffer(string: body))
    }
}
