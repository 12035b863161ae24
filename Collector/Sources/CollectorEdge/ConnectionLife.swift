/// `RequestTimeoutSec=`, `IdleTimeoutSec=`, `WriteTimeoutSec=` in seconds.
public struct ConnectionTimeouts: Sendable, Equatable {
    /// From a request's first byte until its headers and body are read whole.
    public var request: Double
    /// With no request in progress: a new connection before its first byte, a keep-alive one between requests.
    public var idle: Double
    /// From the answer's first byte until the client has taken all of it (the kernel accepted the last byte).
    public var write: Double

    public init(request: Double = 10, idle: Double = 15, write: Double = 10) {
        self.request = request
        self.idle = idle
        self.write = write
    }
}

/// One HTTP/1 connection's deadlines, as a pure state machine: the channel handlers tell it what happened and
/// when (seconds on a monotonic clock) and arm one timer at `deadline`; when it fires they do what it says.
/// Every state but `handling` (the collector's own work, bounded by the database's timeouts) has a deadline, so a
/// client can hold a connection only by making progress: a trickled body ends at `RequestTimeoutSec=` however
/// often a byte arrives, an unread answer at `WriteTimeoutSec=`.
public struct ConnectionLife: Sendable, Equatable {
    public enum State: Sendable, Equatable {
        /// No request in progress since `since`.
        case waiting(since: Double)
        /// A request began at `since` and is not read whole yet.
        case reading(since: Double)
        /// The request was read whole; the collector is answering it.
        case handling
        /// The answer began at `since`. `bodyUnread`: it began before the request was read whole (a 413, a 401
        /// before the body): then the connection closes after it, rather than reading a body nobody wants.
        case responding(since: Double, bodyUnread: Bool)
        case closed
    }

    public enum Action: Sendable, Equatable {
        case none
        /// Close the connection (an idle one, or a client that does not take its answer).
        case close
        /// Answer 408 Request Timeout (no answer has begun) and close.
        case answerTimeoutAndClose
    }

    public let timeouts: ConnectionTimeouts
    public private(set) var state: State
    /// Requests whose head arrived and whose answer is not sent yet (more than one when a client pipelines).
    private var open = 0

    public init(timeouts: ConnectionTimeouts, now: Double) {
        self.timeouts = timeouts
        self.state = .waiting(since: now)
    }

    /// No request in progress: the connection may be closed to make room for a new one.
    public var isIdle: Bool {
        if case .waiting = state { return true }
        return false
    }

    /// When the timer must fire; nil: no deadline now.
    public var deadline: Double? {
        switch state {
        case .waiting(let since): return since + timeouts.idle
        case .reading(let since): return since + timeouts.request
        case .responding(let since, _): return since + timeouts.write
        case .handling, .closed: return nil
        }
    }

    /// Bytes arrived (before HTTP parsing): a request's first byte starts its clock, even if its headers trickle.
    public mutating func received(now: Double) {
        if case .waiting = state { state = .reading(since: now) }
    }

    /// A request's head was parsed.
    public mutating func requestHead(now: Double) {
        open += 1
        if case .waiting = state { state = .reading(since: now) }
    }

    /// A request's body was read whole.
    public mutating func requestEnd() {
        switch state {
        case .reading: state = .handling
        case .responding(let since, true): state = .responding(since: since, bodyUnread: false)
        default: break
        }
    }

    /// The answer's head is being written. Returns whether the connection closes after this answer (the answer
    /// should say `Connection: close`).
    public mutating func responseHead(now: Double) -> Bool {
        switch state {
        case .reading:
            state = .responding(since: now, bodyUnread: true)
            return true
        case .handling, .waiting:
            state = .responding(since: now, bodyUnread: false)
        case .responding, .closed:
            break
        }
        if case .responding(_, true) = state { return true }
        return false
    }

    /// The answer's last byte was taken by the kernel.
    public mutating func responseSent(now: Double) -> Action {
        open = max(0, open - 1)
        guard case .responding(_, let bodyUnread) = state else { return .none }
        if bodyUnread {
            state = .closed
            return .close
        }
        // A pipelined request already arrived: its answer is being worked on.
        state = open > 0 ? .handling : .waiting(since: now)
        return .none
    }

    /// The timer fired at `now`.
    public mutating func timerFired(now: Double) -> Action {
        guard let deadline, now >= deadline else { return .none }
        let action: Action
        if case .reading = state { action = .answerTimeoutAndClose } else { action = .close }
        state = .closed
        return action
    }

    public mutating func closed() { state = .closed }
}

/// The open connections against `MaxConnections=`. At the cap, the oldest connection with no request in progress
/// is closed to make room for a new one; when every connection is busy, accepting pauses (the kernel's backlog
/// holds the rest) until one finishes. Pure; the server keeps it behind a lock, shared by every event loop.
public struct ConnectionTable: Sendable {
    struct Entry: Sendable {
        var opened: UInt64
        var idle: Bool
        var closing: Bool
        /// Accepted past the cap with no idle connection to close for it (see `opened`): never chosen to make
        /// room, and no reason to accept another.
        var excess = false

        var canMakeRoom: Bool { idle && !closing && !excess }
    }

    public let capacity: Int
    private var entries: [UInt64: Entry] = [:]
    private var sequence: UInt64 = 0
    private var closing = 0

    public init(capacity: Int) { self.capacity = max(1, capacity) }

    public var count: Int { entries.count }
    /// Connections open and not being closed.
    public var live: Int { entries.count - closing }

    /// Whether a new connection may be accepted now: below the cap, or an idle one can make room.
    public var mayAccept: Bool {
        live < capacity || entries.values.contains(where: \.canMakeRoom)
    }

    /// A connection was accepted; returns the connections to close to stay within the cap (oldest idle first).
    ///
    /// An accept is allowed while the newest connection is still idle (it could make room), and that connection may
    /// have begun a request by the time the next one arrives: then nothing can make room and the new connection is
    /// one past the cap. It is kept (closing it would fail a client that did nothing wrong) but marked, so it allows
    /// no further accept: the cap is overshot by one at most.
    public mutating func opened(_ id: UInt64) -> [UInt64] {
        sequence += 1
        entries[id] = Entry(opened: sequence, idle: true, closing: false)
        var evict: [UInt64] = []
        while live > capacity {
            guard let victim = entries.filter({ $0.key != id && $0.value.canMakeRoom })
                .min(by: { $0.value.opened < $1.value.opened })?.key else {
                entries[id]?.excess = true
                break
            }
            entries[victim]?.closing = true
            closing += 1
            evict.append(victim)
        }
        return evict
    }

    public mutating func setIdle(_ id: UInt64, _ idle: Bool) {
        entries[id]?.idle = idle
    }

    public mutating func closed(_ id: UInt64) {
        guard let e = entries.removeValue(forKey: id) else { return }
        if e.closing { closing -= 1 }
    }
}
