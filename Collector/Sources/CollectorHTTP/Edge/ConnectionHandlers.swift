import CollectorEdge
import Hummingbird
import NIOCore
import NIOHTTPTypes

// The deadlines and the connection cap below Hummingbird, in the channel pipeline: Hummingbird 2's HTTP1Channel
// has one idle timeout, reset by every byte read, and neither a deadline for a whole request, nor one for a client
// that does not read its answer, nor a cap on connections, nor a way to stop reading an unwanted body. Each is a
// few lines of NIO around the pure `ConnectionLife` and `ConnectionTable`.

/// The server channel's gate: holds the `read` that accepts the next connection while `ServerEdge` says every
/// connection is busy at `MaxConnections=`, so new clients wait in the kernel's backlog instead of taking file
/// descriptors; registers each accepted connection (on this loop, before the next accept is allowed).
final class AcceptGate: ChannelDuplexHandler {
    typealias InboundIn = any Channel
    typealias InboundOut = any Channel
    typealias OutboundIn = Never

    private let edge: ServerEdge
    private var context: ChannelHandlerContext?
    private var readHeld = false

    init(edge: ServerEdge) { self.edge = edge }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        let me = NIOLoopBound(self, eventLoop: context.eventLoop)
        let loop = context.eventLoop
        edge.setWaker { loop.execute { me.value.resumeIfPossible() } }
    }

    func handlerRemoved(context: ChannelHandlerContext) { self.context = nil }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        edge.accepted(unwrapInboundIn(data))
        context.fireChannelRead(data)
    }

    func read(context: ChannelHandlerContext) {
        if edge.mayAccept {
            context.read()
        } else {
            readHeld = true
            edge.paused()
        }
    }

    func resumeIfPossible() {
        guard readHeld, let context, edge.mayAccept else { return }
        readHeld = false
        edge.resumed()
        context.read()
    }
}

/// One connection's clock on its event loop: `ConnectionLife` told what the two taps below see, one timer armed at
/// its deadline, and the connection's idleness reported to `ServerEdge` for the cap.
final class ConnectionGuard {
    private let id: UInt64
    private let edge: ServerEdge
    private let channel: any Channel
    private var life: ConnectionLife
    private var timer: Scheduled<Void>?
    private var armedFor: Double?
    private var wasIdle = true
    /// Where a 408 is written: below the HTTP codec (it never began an answer), above TLS.
    fileprivate var rawContext: ChannelHandlerContext?

    init(channel: any Channel, edge: ServerEdge) {
        self.channel = channel
        self.edge = edge
        let (id, timeouts) = edge.registration(of: channel)
        self.id = id
        self.life = ConnectionLife(timeouts: timeouts, now: Self.now())
        update()
    }

    static func now() -> Double { Double(NIODeadline.now().uptimeNanoseconds) / 1e9 }

    func received() { life.received(now: Self.now()); update() }
    func requestHead() { life.requestHead(now: Self.now()); update() }
    func requestEnd() { life.requestEnd(); update() }

    /// Whether the answer must say `Connection: close`.
    func responseHead() -> Bool {
        defer { update() }
        return life.responseHead(now: Self.now())
    }

    func responseSent() {
        if life.responseSent(now: Self.now()) == .close {
            edge.closedByServer(.bodyUnread)
            linger()
        }
        update()
    }

    /// The rest of an unwanted body is not read; at most this much of it is thrown away while lingering.
    static let lingerBytes = 256 * 1024
    static let lingerTime = TimeAmount.seconds(2)
    private(set) var lingering = false
    private var discarded = 0

    /// A lingering close, as web servers do it: the answer is complete, so the write side is shut (the client
    /// sees the end of the answer), and whatever the client still sends is thrown away for a moment before the
    /// socket closes. Closing at once with unread bytes in the socket would make the kernel send a reset, which can
    /// destroy the answer before the client reads it. Bounded in bytes and time, so a 1 GiB body is not read.
    private func linger() {
        guard !lingering else { return }
        lingering = true
        channel.close(mode: .output, promise: nil)
        let channel = self.channel
        channel.eventLoop.assumeIsolated().scheduleTask(in: Self.lingerTime) { channel.close(promise: nil) }
    }

    /// While lingering: bytes thrown away; past the bound the connection closes.
    func discard(_ bytes: Int) {
        discarded += bytes
        if discarded > Self.lingerBytes { channel.close(promise: nil) }
    }

    /// The client finished sending: a lingering connection is done.
    func inputClosed() {
        if lingering { channel.close(promise: nil) }
    }

    func inactive() {
        life.closed()
        update()
    }

    private func update() {
        let idle = life.isIdle
        if idle != wasIdle {
            wasIdle = idle
            edge.setIdle(id, idle)
        }
        let deadline = life.deadline
        guard deadline != armedFor else { return }
        timer?.cancel()
        timer = nil
        armedFor = deadline
        guard let deadline else { return }
        let delay = TimeAmount.nanoseconds(Int64(max(0, deadline - Self.now()) * 1e9))
        timer = channel.eventLoop.assumeIsolated().scheduleTask(in: delay) { [self] in self.fire() }
    }

    private func fire() {
        timer = nil
        armedFor = nil
        let reason: ConnectionCloseReason
        switch life.state {
        case .reading: reason = .requestTimeout
        case .responding: reason = .writeTimeout
        default: reason = .idle
        }
        switch life.timerFired(now: Self.now()) {
        case .none:
            update()
        case .close:
            edge.closedByServer(reason)
            channel.close(promise: nil)
        case .answerTimeoutAndClose:
            edge.closedByServer(reason)
            guard let context = rawContext else {
                channel.close(promise: nil)
                return
            }
            let body = #"{"reason":"the request was not complete within RequestTimeoutSec="}"#
            let text = "HTTP/1.1 408 Request Timeout\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: \(body.utf8.count)\r\n\r\n" + body
            let channel = self.channel
            context.writeAndFlush(NIOAny(context.channel.allocator.buffer(string: text))).whenComplete { _ in
                channel.close(promise: nil)
            }
        }
    }
}

/// Sees the connection's bytes before HTTP parsing (after TLS): a request's first byte starts its deadline even
/// while its headers trickle in, which the HTTP codec would not show until they are complete.
final class RawBytesTap: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer

    private let guardian: ConnectionGuard
    init(_ guardian: ConnectionGuard) { self.guardian = guardian }

    func handlerAdded(context: ChannelHandlerContext) { guardian.rawContext = context }
    func handlerRemoved(context: ChannelHandlerContext) { guardian.rawContext = nil }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        if guardian.lingering {
            guardian.discard(unwrapInboundIn(data).readableBytes)
            return
        }
        guardian.received()
        context.fireChannelRead(data)
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if case ChannelEvent.inputClosed = event, guardian.lingering {
            guardian.inputClosed()
            return
        }
        context.fireUserInboundEventTriggered(event)
    }

    func channelInactive(context: ChannelHandlerContext) {
        guardian.inactive()
        context.fireChannelInactive()
    }
}

/// Sees requests and answers as HTTP parts: where a request ends, where its answer begins and when the client has
/// taken the answer's last byte. An answer that begins before its request's body was read says `Connection: close`
/// and closes the connection once sent, so an unwanted body is never read.
final class HTTPPartsTap: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart
    typealias OutboundIn = HTTPResponsePart
    typealias OutboundOut = HTTPResponsePart

    private let guardian: ConnectionGuard
    init(_ guardian: ConnectionGuard) { self.guardian = guardian }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head: guardian.requestHead()
        case .body: break
        case .end: guardian.requestEnd()
        }
        context.fireChannelRead(data)
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        switch unwrapOutboundIn(data) {
        case .head(var head):
            if guardian.responseHead() {
                head.headerFields[.connection] = "close"
                context.write(wrapOutboundOut(.head(head)), promise: promise)
            } else {
                context.write(data, promise: promise)
            }
        case .body:
            context.write(data, promise: promise)
        case .end:
            let sent = context.eventLoop.makePromise(of: Void.self)
            let guardian = self.guardian
            sent.futureResult.assumeIsolated().whenComplete { result in
                if case .success = result { guardian.responseSent() }
                promise?.completeWith(result)
            }
            context.write(data, promise: sent)
        }
    }
}
