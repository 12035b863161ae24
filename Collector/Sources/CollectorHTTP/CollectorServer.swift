import CollectorCore
import Hummingbird
import HummingbirdCore
import Logging
import NIOCore
import NIOExtras
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
    /// HTTPS when set (TLSCertificate=/TLSKey=).
    let tls: NIOSSLContext?

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

    public init(listener: Listener, router: Router<BasicRequestContext>, logger: Logger, tls: NIOSSLContext? = nil,
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
    }

    public func run() async throws {
        let responder = self.responder
        let logger = self.logger
        let http = HTTP1Channel(responder: { request, writer, channel in
            let context = BasicRequestContext(source: ApplicationRequestContextSource(channel: channel, logger: logger))
            let response: Response
            do {
                response = try await responder.respond(to: request, context: context)
            } catch {
                logger.debug("unhandled error answering a request", metadata: ["error": "\(error)"])
                response = Response(status: .internalServerError)
            }
            try await writer.write(response: response.head, body: response.body)
        }, configuration: HTTP1Channel.Configuration(idleTimeout: .seconds(60)))

        // On a graceful stop every connection is told to quiesce: idle keep-alive ones close at once, busy ones
        // after their response (HummingbirdCore's HTTP handler understands the event).
        let quiesce = ServerQuiescingHelper(group: group)
        let bootstrap = ServerBootstrap(group: group)
            .serverChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(quiesce.makeServerChannelHandler(channel: channel))
                }
            }
            .serverChannelOption(ChannelOptions.backlog, value: 256)
            .serverChannelOption(ChannelOptions.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(ChannelOptions.allowRemoteHalfClosure, value: true)
        let tls = self.tls
        @Sendable func setup(_ channel: any Channel) -> EventLoopFuture<HTTP1Channel.Value> {
            guard let tls else { return http.setup(channel: channel, logger: logger) }
            return channel.eventLoop.makeCompletedFuture {
                try channel.pipeline.syncOperations.addHandler(NIOSSLServerHandler(context: tls))
            }.flatMap { http.setup(channel: channel, logger: logger) }
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
                    let loop = server.channel.eventLoop
                    let interval = heartbeatInterval
                    group.addTask {
                        while !Task.isCancelled {
                            // The loop that accepts connections ran a task: it is not wedged.
                            if (try? await loop.submit({}).get()) != nil { await heartbeat() }
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

public struct TLSSetupError: Error, CustomStringConvertible {
    public var description: String
}
