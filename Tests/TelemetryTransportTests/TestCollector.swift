import Foundation
import InMemoryLogging
import Logging
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL
import Synchronization
import TelemetryCore
import Testing
import TestSupport
@testable import TelemetryTransport
import TelemetryWire
import ConfigGrammar

/// A real HTTP(S) collector on 127.0.0.1 with scripted answers; records what it received.
final class TestCollector: Sendable {
    struct Answer: Sendable {
        var status: Int
        var headers: [(String, String)] = []
        /// Never answer (the client's deadline must end the attempt).
        var hang = false
    }

    struct Received: Sendable {
        var method: String
        var uri: String
        /// Header names lower-cased.
        var headers: [String: String]
        var rawBody: [UInt8]
        /// The body, gunzipped when Content-Encoding: gzip.
        var body: [UInt8]
        var messageId: String? {
            (try? JSONSerialization.jsonObject(with: Data(body)) as? [String: Any])?["messageId"] as? String
        }
    }

    private let script = Mutex<[Answer]>([])
    private let log = Mutex<[Received]>([])
    private let channel: any Channel
    let port: Int

    var url: String { "http://127.0.0.1:\(port)/v1/reports" }
    var httpsURL: String { "https://127.0.0.1:\(port)/v1/reports" }

    /// Answers are used in order; when they run out the collector answers 200.
    func script(_ answers: [Answer]) { script.withLock { $0 = answers } }

    var received: [Received] { log.withLock { $0 } }

    private init(channel: any Channel, port: Int) {
        self.channel = channel
        self.port = port
    }

    static func start(tls: NIOSSLContext? = nil) async throws -> TestCollector {
        let box = Locked<TestCollector?>(nil)
        let bootstrap = ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    if let tls {
                        try channel.pipeline.syncOperations.addHandler(NIOSSLServerHandler(context: tls))
                    }
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline()
                    let collector = box.value
                    try channel.pipeline.syncOperations.addHandler(Handler(collector: collector))
                }
            }
        let channel = try await bootstrap.bind(host: "127.0.0.1", port: 0).get()
        guard let port = channel.localAddress?.port else { throw TestError("collector has no port") }
        let c = TestCollector(channel: channel, port: port)
        box.value = c
        return c
    }

    func stop() async {
        try? await channel.close().get()
    }

    fileprivate func answer(for r: Received) -> Answer {
        log.withLock { $0.append(r) }
        return script.withLock { s in s.isEmpty ? Answer(status: 200) : s.removeFirst() }
    }

    /// Waits (bounded) until at least `count` requests arrived.
    func waitFor(_ count: Int, timeout: Duration = .seconds(15)) async throws -> [Received] {
        let ok = await eventually(timeout: timeout) { self.received.count >= count }
        guard ok else { throw TestError("collector got \(received.count) request(s), expected \(count) within \(timeout)") }
        return received
    }

    private final class Handler: ChannelInboundHandler {
        typealias InboundIn = HTTPServerRequestPart
        typealias OutboundOut = HTTPServerResponsePart
        let collector: TestCollector?
        var head: HTTPRequestHead?
        var body: [UInt8] = []

        init(collector: TestCollector?) { self.collector = collector }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            switch unwrapInboundIn(data) {
            case .head(let h):
                head = h
                body = []
            case .body(var b):
                body += b.readBytes(length: b.readableBytes) ?? []
            case .end:
                guard let head, let collector else { return }
                var headers: [String: String] = [:]
                for (n, v) in head.headers { headers[n.lowercased()] = v }
                let decoded = headers["content-encoding"] == "gzip" ? ((try? Gzip.decompress(body)) ?? []) : body
                let answer = collector.answer(for: Received(method: "\(head.method)", uri: head.uri, headers: headers,
                                                            rawBody: body, body: decoded))
                if answer.hang { return }
                var h = HTTPHeaders([("Content-Length", "2")])
                for (n, v) in answer.headers { h.add(name: n, value: v) }
                let status = HTTPResponseStatus(statusCode: answer.status)
                context.write(wrapOutboundOut(.head(HTTPResponseHead(version: head.version, status: status, headers: h))), promise: nil)
                context.write(wrapOutboundOut(.body(.byteBuffer(ByteBuffer(string: "ok")))), promise: nil)
                context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
                self.head = nil
            }
        }
    }
}

struct TestError: Error, CustomStringConvertible {
    var description: String
    init(_ d: String) { description = d }
}

/// Polls `condition` every 10 ms until it holds or `timeout` passes. Only bounds a wait; asserts nothing on speed.
func eventually(timeout: Duration = .seconds(40), _ condition: @Sendable () async -> Bool) async -> Bool {
    let deadline = ContinuousClock.now + timeout
    while ContinuousClock.now < deadline {
        if await condition() { return true }
        try? await Task.sleep(for: .milliseconds(10))
    }
    return await condition()
}

/// What the engine logged, by the contract's fields.
extension InMemoryLogHandler.Entry {
    var result: String? { field("TELEMETRY_RESULT") }
    var messageId: String? { field("TELEMETRY_MESSAGE_ID") }
    var text: String { message.description }
}

extension InMemoryLogHandler {
    func results(_ r: ReportResult) -> [Entry] { entries.filter { $0.result == r.rawValue } }
    func event(_ e: TelemetryEvent) -> [Entry] { entries.filter { $0.field("MESSAGE_ID") == e.messageID } }
}

/// A CA and a server certificate for 127.0.0.1 made by the `openssl` CLI in a temp directory.
struct TestPKI: Sendable {
    let dir: String
    var caFile: String { dir + "/ca.pem" }
    var serverCert: String { dir + "/server.pem" }
    var serverKey: String { dir + "/server.key" }

    static func make() throws -> TestPKI {
        let dir = try tempDir("pki")
        let script = """
        set -e
        cd "\(dir)"
        openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout ca.key -out ca.pem -days 2 \
          -subj "/CN=telemetryd test CA" -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null
        openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout server.key -out server.csr -subj "/CN=127.0.0.1" 2>/dev/null
        printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\\nbasicConstraints=CA:FALSE\\nextendedKeyUsage=serverAuth\\n' > ext.cnf
        openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial -out server.pem -days 2 -extfile ext.cnf 2>/dev/null
        """
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/bin/sh")
        p.arguments = ["-c", script]
        try p.run()
        p.waitUntilExit()
        guard p.terminationStatus == 0 else { throw TestError("openssl failed with status \(p.terminationStatus)") }
        return TestPKI(dir: dir)
    }

    func serverContext() throws -> NIOSSLContext {
        let config = TLSConfiguration.makeServerConfiguration(
            certificateChain: try NIOSSLCertificate.fromPEMFile(serverCert).map { .certificate($0) },
            privateKey: .privateKey(try NIOSSLPrivateKey(file: serverKey, format: .pem)))
        return try NIOSSLContext(configuration: config)
    }
}

/// A directory removed after the test (its suite needs `.removesTemporaryDirectories`).
func tempDir(_ prefix: String, sourceLocation: SourceLocation = #_sourceLocation) throws -> String {
    try TemporaryDirectories.make(prefix, sourceLocation: sourceLocation)
}

func makeReport(_ type: ReportType = .keepalive) -> Report {
    Report(messageId: UUID().uuidString.lowercased(), type: type, timestamp: Date(timeIntervalSince1970: 1_795_000_000),
           instanceId: "00000000-0000-4000-8000-000000000001", clusterId: "00000000-0000-4000-8000-000000000002",
           agent: Agent(version: AgentInfo.version),
           data: type == .keepalive
               ? .keepalive(KeepAliveData(uptimeSec: 100, agentUptimeSec: 3))
               : .diagnostics(DiagnosticsData(os: OSInfo(id: "debian"), cpu: CPUInfo(logicalCores: 2), memory: MemoryInfo(), uptimeSec: 100,
                                              virtualization: "none", container: "none",
                                              config: ConfigFeatures(compression: true, proxy: false, dryRun: false, customCA: false))))
}

func testConfig(endpoint: String, _ change: (inout TelemetryConfig) -> Void = { _ in }) -> LoadedConfig {
    var c = TelemetryConfig()
    c.endpoint = endpoint
    c.randomizedDelay = TimeSpan(microseconds: 0)
    c.timeout = TimeSpan(seconds: 5)
    c.retryMin = TimeSpan(microseconds: 50_000)
    c.retryMax = TimeSpan(microseconds: 200_000)
    change(&c)
    return LoadedConfig(config: c)
}

/// A port on 127.0.0.1 where nothing listens (a collector bound and closed again).
func closedPort() async throws -> Int {
    let c = try await TestCollector.start()
    let port = c.port
    await c.stop()
    return port
}

/// A Mutex in a class, so escaping closures can share it.
final class Locked<Value: Sendable>: Sendable {
    private let mutex: Mutex<Value>
    init(_ value: Value) { mutex = Mutex(value) }
    var value: Value {
        get { mutex.withLock { $0 } }
        set { mutex.withLock { $0 = newValue } }
    }
    func update(_ body: (inout Value) -> Void) { mutex.withLock { body(&$0) } }
}
