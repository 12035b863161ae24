import CollectorCore
import Hummingbird
import HummingbirdCore
import Logging
import NIOCore
import NIOPosix
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

    public init(listener: Listener, router: Router<BasicRequestContext>, logger: Logger,
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

        let bootstrap = ServerBootstrap(group: group)
            .serverChannelOption(ChannelOptions.backlog, value: 256)
            .serverChannelOption(ChannelOptions.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(ChannelOptions.allowRemoteHalfClosure, value: true)
        let server: NIOAsyncChannel<HTTP1Channel.Value, Never>
        switch listener {
        case .address(let a):
            server = try await bootstrap.bind(host: a.host, port: a.port) { http.setup(channel: $0, logger: logger) }
        case .inherited(let fd):
            server = try await bootstrap.bind(fd) { http.setup(channel: $0, logger: logger) }
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
            // Stop accepting; connections in flight finish (HTTP1Channel closes idle ones on shutdown).
            server.channel.close(promise: nil)
        }
    }

    static func describe(_ address: SocketAddress) -> String {
        let host = address.ipAddress ?? "?"
        let port = address.port.map(String.init) ?? "?"
        return host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
    }
}
