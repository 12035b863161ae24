import CollectorEvents
import CollectorEdge
import Logging
import NIOConcurrencyHelpers
import NIOCore

/// Why the server closed a connection on its own, as `telemetry_connections_closed_total{reason=…}` counts it.
public enum ConnectionCloseReason: String, Sendable, CaseIterable {
    /// `IdleTimeoutSec=` passed with no request.
    case idle
    /// `RequestTimeoutSec=` passed before the request was read whole (answered 408).
    case requestTimeout = "request_timeout"
    /// `WriteTimeoutSec=` passed before the client took its answer.
    case writeTimeout = "write_timeout"
    /// Answered before its body was read (401, 413, 429): the body is not read, the connection not reused.
    case bodyUnread = "body_unread"
    /// Closed at `MaxConnections=` to make room for a new one (the oldest with no request in progress).
    case evicted
}

/// What every connection of the server shares: the `MaxConnections=` table, the timeouts, and the journal's view
/// of both. Connections live on several event loops, so this is behind a lock; each connection's own clock is a
/// `ConnectionGuard` on its loop.
public final class ServerEdge: Sendable {
    struct Shared {
        var table: ConnectionTable
        var timeouts: ConnectionTimeouts
        var channels: [UInt64: any Channel] = [:]
        var ids: [ObjectIdentifier: UInt64] = [:]
        var nextID: UInt64 = 0
        /// Since when accepting is paused (every connection busy), nil while accepting.
        var pausedSince: NIODeadline?
        var closed: [ConnectionCloseReason: Int] = [:]
        var pauses = 0
    }

    /// How to wake the accept gate, in a struct of its own rather than as a bare closure in the generic box: a
    /// closure read out through the box's `inout` came back re-wrapped in two reabstraction thunks, stored again, so
    /// every wake wrapped it once more and the next ran all the earlier wrappers (a chain as long as the requests
    /// served since start: half the CPU per report at saturation, and in time a stack overflow). A struct's field
    /// has one representation, so nothing is wrapped.
    struct Waker: Sendable {
        let wake: @Sendable () -> Void
    }

    private let shared: NIOLockedValueBox<Shared>
    private let waker = NIOLockedValueBox<Waker?>(nil)
    let logger: Logger
    let metrics: CollectorMetrics?

    public init(maxConnections: Int, timeouts: ConnectionTimeouts, logger: Logger, metrics: CollectorMetrics? = nil) {
        shared = NIOLockedValueBox(Shared(table: ConnectionTable(capacity: maxConnections), timeouts: timeouts))
        self.logger = logger
        self.metrics = metrics
    }

    public var maxConnections: Int { shared.withLockedValue { $0.table.capacity } }
    public var openConnections: Int { shared.withLockedValue { $0.table.count } }
    public var timeouts: ConnectionTimeouts { shared.withLockedValue { $0.timeouts } }

    /// New timeouts for connections accepted from now on (reload).
    public func setTimeouts(_ t: ConnectionTimeouts) { shared.withLockedValue { $0.timeouts = t } }

    /// The accept gate registers how to wake it (on its own loop) when a connection frees up.
    func setWaker(_ wake: @escaping @Sendable () -> Void) { waker.withLockedValue { $0 = Waker(wake: wake) } }

    var mayAccept: Bool { shared.withLockedValue { $0.table.mayAccept } }

    /// A connection was accepted (on the accepting loop, before the next accept is allowed, so the count is
    /// never behind): registers it and closes the oldest idle ones past the cap.
    func accepted(_ channel: any Channel) {
        let (id, evict) = shared.withLockedValue { s -> (UInt64, [any Channel]) in
            s.nextID += 1
            let id = s.nextID
            s.channels[id] = channel
            s.ids[ObjectIdentifier(channel)] = id
            let victims = s.table.opened(id)
            s.closed[.evicted, default: 0] += victims.count
            return (id, victims.compactMap { s.channels[$0] })
        }
        for c in evict {
            metrics?.connectionClosed(.evicted)
            c.close(promise: nil)
        }
        channel.closeFuture.whenComplete { [self] _ in self.closed(id, channel: ObjectIdentifier(channel)) }
        metrics?.setOpenConnections(openConnections)
    }

    /// The id `accepted` gave a connection and the timeouts it lives by (its guard asks as its pipeline is set up).
    /// A connection the gate did not see (a server without one) is registered now.
    func registration(of channel: any Channel) -> (UInt64, ConnectionTimeouts) {
        if let known = shared.withLockedValue({ s in s.ids[ObjectIdentifier(channel)].map { ($0, s.timeouts) } }) {
            return known
        }
        accepted(channel)
        return shared.withLockedValue { s in (s.ids[ObjectIdentifier(channel)] ?? 0, s.timeouts) }
    }

    func closed(_ id: UInt64, channel: ObjectIdentifier) {
        shared.withLockedValue { s in
            s.table.closed(id)
            s.channels[id] = nil
            s.ids[channel] = nil
        }
        metrics?.setOpenConnections(openConnections)
        wake()
    }

    func setIdle(_ id: UInt64, _ idle: Bool) {
        shared.withLockedValue { $0.table.setIdle(id, idle) }
        if idle { wake() }
    }

    func closedByServer(_ reason: ConnectionCloseReason) {
        shared.withLockedValue { $0.closed[reason, default: 0] += 1 }
        metrics?.connectionClosed(reason)
    }

    private func wake() {
        waker.withLockedValue { $0 }?.wake()
    }

    /// Accepting paused: every connection is busy. Said once per episode.
    func paused() {
        let first = shared.withLockedValue { s -> Bool in
            guard s.pausedSince == nil else { return false }
            s.pausedSince = .now()
            s.pauses += 1
            return true
        }
        if first {
            logger.warning("MaxConnections=\(maxConnections) reached and every connection is busy: accepting paused, new connections wait in the kernel's backlog",
                           metadata: CollectorEvent.connectionsFull.metadata)
        }
    }

    func resumed() {
        let since = shared.withLockedValue { s -> NIODeadline? in
            defer { s.pausedSince = nil }
            return s.pausedSince
        }
        if let since {
            let ms = (NIODeadline.now() - since).nanoseconds / 1_000_000
            logger.notice("accepting connections again after \(ms) ms at MaxConnections=\(maxConnections)",
                          metadata: CollectorEvent.connectionsAvailable.metadata)
        }
    }

    /// Whether accepting has been paused for longer than any healthy connection can stay busy (a request and its
    /// answer each have a deadline): then the serving path is wedged and the watchdog should not be fed.
    public func isStalled(now: NIODeadline = .now()) -> Bool {
        shared.withLockedValue { s in
            guard let since = s.pausedSince else { return false }
            let bound = s.timeouts.request + s.timeouts.write + 30
            return now - since > .nanoseconds(Int64(bound * 1e9))
        }
    }

    /// The closes by reason since the last call, and zero from now on (for the journal's periodic counts).
    public func drainClosed() -> [ConnectionCloseReason: Int] {
        shared.withLockedValue { s in
            defer { s.closed = [:] }
            return s.closed
        }
    }
}
