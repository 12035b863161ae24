import CollectorConfiguration
import CollectorEvents
import CollectorEdge
import Hummingbird
import HummingbirdCore
import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOExtras
import NIOHTTP1
import NIOHTTPTypesHTTP1
import NIOPosix
import NIOSSL
import ServiceLifecycle

/// The HTTP server as a ServiceLifecycle service: Hummingbird's router and HTTP/1 channel on a listening socket
/// that is either bound here (`Listen=`) or inherited from systemd (socket activation, `LISTEN_FDS`).
///
/// Hand-written around Hummingbird's public pieces because Hummingbird 2's `Application` can only bind an
/// address itself; it has no way to take an already listening file descriptor.
public struct CollectorServer: Service {
    public enum Listener: Sendable, CustomStringConvertible {
        case address(ListenAddress)
        /// A listening stream socket passed by systemd (fd 3 for the first).
        case inherited(fd: Int32)

        public var description: String {
            switch self {
            case .address(let a): return a.description
            case .inherited(let fd): return "socket fd \(fd) from systemd"
            }
        }
    }

    let listener: Listener
    let responder: RouterResponder<BasicRequestContext>
    let logger: Logger
    let group: any EventLoopGroup
    /// Called once listening, with the local address (`127.0.0.1:43117`).
    let onListening: @Sendable (String) async -> Void
    /// Called every `heartbeatInterval` after the serving event loop ran a task: the watchdog's proof of life.
    let heartbeat: (@Sendable () async -> Void)?
    let heartbeatInterval: Duration
    /// HTTPS when set (TLSCertificate=/TLSKey=); a reload may put a new certificate in it.
    let tls: TLSContextBox?
    /// MaxConnections= and the connection deadlines.
    let edge: ServerEdge

    /// The TLS context of a PEM certificate chain and key; errors name the file.
    public static func tlsContext(certificate: String, key: String) throws -> NIOSSLContext {
        let chain: [NIOSSLCertificate]
        do { chain = try NIOSSLCertificate.fromPEMFile(certificate) } catch {
            throw TLSSetupError(description: "TLSCertificate=\(certificate): cannot read a PEM certificate chain: \(error)")
        }
        let privateKey: NIOSSLPrivateKey
        do { privateKey = try NIOSSLPrivateKey(file: key, format: .pem) } catch {
            throw TLSSetupError(description: "TLSKey=\(key): cannot read a PEM private key: \(error)")
        }
        var config = TLSConfiguration.makeServerConfiguration(certificateChain: chain.map { .certificate($0) }, privateKey: .privateKey(privateKey))
        config.minimumTLSVersion = .tlsv12
        do { return try NIOSSLContext(configuration: config) } catch {
            throw TLSSetupError(description: "TLSCertificate=\(certificate), TLSKey=\(key): \(error)")
        }
    }

    public init(listener: Listener, router: Router<BasicRequestContext>, logger: Logger, tls: TLSContextBox? = nil,
                edge: ServerEdge? = nil,
                group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
                heartbeatInterval: Duration = .seconds(30), heartbeat: (@Sendable () async -> Void)? = nil,
                onListening: @escaping @Sendable (String) async -> Void = { _ in }) {
        self.listener = listener
        self.responder = router.buildResponder()
        self.logger = logger
        self.group = group
        self.heartbeatInterval = heartbeatInterval
        self.heartbeat = heartbeat
        self.onListening = onListening
        self.tls = tls
        self.edge = edge ?? ServerEdge(maxConnections: CollectorConfig().maxConnections, timeouts: ConnectionTimeouts(), logger: logger)
    }

    /// Headers beyond this are a 400 (a report's agent sends a few hundred bytes of them).
    static let headerLimits: NIOHTTPDecoderLimitConfiguration = {
        var l = NIOHTTPDecoderLimitConfiguration()
        l.maxHeaderFieldSize = 8 * 1024
        l.maxHeaderListSize = 16 * 1024
        l.maxHeaderFieldCount = 100
        return l
    }()

    public func run() async throws {
        let responder = self.responder
        let logger = self.logger
        let http = HTTP1Channel(responder: { request, writer, channel in
            let context = BasicRequestContext(source: ApplicationRequestContextSource(channel: channel, logger: logger))
            let response: Response
            do {
                // The peer's address reaches the ingest's rate limits (memory only) and nothing else.
                response = try await RequestPeer.$address.withValue(channel.remoteAddress.flatMap(RequestPeer.ip)) {
                    try await responder.respond(to: request, context: context)
                }
            } catch {
                logger.debug("unhandled error answering a request", metadata: ["error": "\(error)"])
                response = Response(status: .internalServerError)
            }
            try await writer.write(response: response.head, body: response.body)
        })
        let edge = self.edge

        // On a graceful stop every connection is told to quiesce: idle keep-alive ones close at once, busy ones
        // after their response (HummingbirdCore's HTTP handler understands the event).
        let quiesce = ServerQuiescingHelper(group: group)
        let bootstrap = ServerBootstrap(group: group)
            .serverChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(quiesce.makeServerChannelHandler(channel: channel))
                    try channel.pipeline.syncOperations.addHandler(AcceptGate(edge: edge))
                }
            }
            // One connection per accepting read, so the gate decides for each one.
            .serverChannelOption(ChannelOptions.maxMessagesPerRead, value: 1)
            .serverChannelOption(ChannelOptions.backlog, value: 1024)
            .serverChannelOption(ChannelOptions.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(ChannelOptions.allowRemoteHalfClosure, value: true)
            // A client that does not read its answer holds at most this much kernel memory (Linux doubles it) until
            // WriteTimeoutSec= closes it, rather than the up to 4 MiB TCP autotuning would give each connection.
            .childChannelOption(ChannelOptions.socketOption(.so_sndbuf), value: 128 * 1024)
        let tls = self.tls
        // HTTP1Channel.setup's pipeline, with the connection's guard around the HTTP codec: the raw-bytes tap
        // below it (after TLS), the HTTP-parts tap above it; Hummingbird's idle timeout is off (the guard's
        // IdleTimeoutSec= replaces it), its quiescing on a graceful stop is kept.
        @Sendable func setup(_ channel: any Channel) -> EventLoopFuture<HTTP1Channel.Value> {
            channel.eventLoop.makeCompletedFuture {
                let pipeline = channel.pipeline.syncOperations
                if let context = tls?.current { try pipeline.addHandler(NIOSSLServerHandler(context: context)) }
                let guardian = ConnectionGuard(channel: channel, edge: edge)
                try pipeline.addHandler(RawBytesTap(guardian))
                try pipeline.configureHTTPServerPipeline(
                    withPipeliningAssistance: false, withErrorHandling: false, withOutboundHeaderValidation: false,
                    withEncoderConfiguration: .init(), withDecoderLimitConfiguration: Self.headerLimits)
                try pipeline.addHandler(HTTP1ToHTTPServerCodec(secure: false))
                try pipeline.addHandler(HTTPPartsTap(guardian))
                try pipeline.addHandler(HTTPConnectionStateHandler(idleTimeout: nil, logger: logger))
                return try NIOAsyncChannel(wrappingChannelSynchronously: channel,
                                           configuration: .init(isOutboundHalfClosureEnabled: true))
            }
        }
        let server: NIOAsyncChannel<HTTP1Channel.Value, Never>
        switch listener {
        case .address(let a):
            server = try await bootstrap.bind(host: a.host, port: a.port, childChannelInitializer: setup)
        case .inherited(let fd):
            server = try await bootstrap.bind(fd, childChannelInitializer: setup)
        }
        let local = server.channel.localAddress.map(Self.describe) ?? listener.description
        await onListening(local)

        try await withGracefulShutdownHandler {
            try await withThrowingDiscardingTaskGroup { group in
                if let heartbeat {
                    let loops = Array(self.group.makeIterator()) + [server.channel.eventLoop]
                    let interval = heartbeatInterval
                    group.addTask {
                        var stalled = false
                        while !Task.isCancelled {
                            // The serving path is alive: every event loop (the one that accepts and those that
                            // serve connections) ran a task, and accepting is not paused past every deadline.
                            var alive = true
                            for loop in loops where (try? await loop.submit({}).get()) == nil { alive = false }
                            if edge.isStalled() {
                                alive = false
                                if !stalled {
                                    logger.error("every connection has been busy past RequestTimeoutSec= and WriteTimeoutSec=: the serving path is stuck; no more watchdog pings, so systemd restarts the collector", metadata: CollectorEvent.servingStalled.metadata)
                                }
                            }
                            stalled = !alive
                            if alive { await heartbeat() }
                            try? await Task.sleep(for: interval)
                        }
                    }
                }
                try await server.executeThenClose { inbound in
                    try await withThrowingDiscardingTaskGroup { connections in
                        for try await connection in inbound {
                            connections.addTask { await http.handle(value: connection, logger: logger) }
                        }
                    }
                }
                group.cancelAll()
            }
        } onGracefulShutdown: {
            // Stop accepting (the helper closes the listening channel) and quiesce the open connections.
            quiesce.initiateShutdown(promise: nil)
        }
    }

    static func describe(_ address: SocketAddress) -> String {
        let host = address.ipAddress ?? "?"
        let port = address.port.map(String.init) ?? "?"
        return host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
    }
}

/// The server's TLS context, replaced by a reload: connections accepted afterwards use the new certificate.
public final class TLSContextBox: Sendable {
    private let box: NIOLockedValueBox<NIOSSLContext>
    public init(_ context: NIOSSLContext) { box = NIOLockedValueBox(context) }
    public var current: NIOSSLContext { box.withLockedValue { $0 } }
    public func replace(with context: NIOSSLContext) { box.withLockedValue { $0 = context } }
}

/// The address of the peer of the request being answered, for the ingest's rate limits only (never stored or
/// logged). A task-local so the router's context type, and with it every route, stays Hummingbird's own.
public enum RequestPeer {
    @TaskLocal public static var address: IPAddress?

    static func ip(_ address: SocketAddress) -> IPAddress? {
        address.ipAddress.flatMap { IPAddress($0) }
    }
}

public struct TLSSetupError: Error, CustomStringConvertible {
    public var description: String
}
