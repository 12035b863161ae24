import Logging

/// The delivery engine's decisions as a value (pure: no clock, no I/O, no logging of its own). The actor asks
/// `gate(now:)` before every attempt, calls `attemptStarted(now:)` when it sends, feeds the outcome to
/// `attemptFinished(_:ticket:unspooled:now:)` and carries out the actions it gets back, in order. So "log an outage
/// once when it starts and once when it ends", "a Retry-After survives a reload that keeps the endpoint" and "no
/// reset opens the gate early" are tested without a collector.
struct DeliveryStateMachine: Sendable {
    typealias Instant = ContinuousClock.Instant

    /// The rate limit in front of the network: at most `burst` attempts within any `window`, whatever their outcome
    /// and whatever resets the backoff (a 2xx whose report cannot be removed, a flood of reloads). Generous enough
    /// that a spool flushes quickly after an outage.
    struct BurstLimit: Sendable, Equatable {
        var burst: Int
        var window: Duration
        static let standard = BurstLimit(burst: 10, window: .seconds(10))
    }

    /// What the attempt was made against; its outcome is judged by the ticket, not by the configuration of the
    /// moment it ends (a reload may have changed the endpoint meanwhile).
    struct Ticket: Sendable, Equatable {
        let generation: Int
        let endpointEpoch: Int
        let endpoint: String
    }

    enum Gate: Sendable, Equatable {
        case open
        /// Until this instant, or until something changes (nil).
        case wait(until: Instant?)
    }

    /// Why the next attempt waits.
    enum Pause: Sendable, Equatable {
        case none
        /// Our own exponential backoff after a failure.
        case backoff(until: Instant)
        /// The collector asked for it (`Retry-After`): kept across reloads that keep the endpoint.
        case collector(until: Instant)
        /// A 401/403: retried at RetryMaxSec unless the token changes.
        case credential(until: Instant)

        var until: Instant? {
            switch self {
            case .none: nil
            case .backoff(let t), .collector(let t), .credential(let t): t
            }
        }
    }

    enum Action: Sendable, Equatable {
        case removeFromSpool
        /// Keep the delivered body in `sent/`.
        case keepSent
        case logReachableAgain(endpoint: String, failedAttempts: Int)
        case logFirstFailure(endpoint: String, reason: String)
        /// `status` nil: the token file cannot be used (nothing was sent).
        case logCredentialProblem(endpoint: String, status: Int?, reason: String)
        /// The per-report journal line and state.json record.
        case report(ReportLine)
        /// An unspooled (memory) report that failed: it is not retried.
        case dropUnspooled(reason: String, status: Int?)
        /// A memory report whose attempt went to an endpoint no longer configured: try it at the new one.
        case requeueUnspooled
        case retryAt(Instant)
    }

    struct ReportLine: Sendable, Equatable {
        enum Kind: Sendable, Equatable {
            case sent
            case rejected
            /// `retryIn` nil: no further attempt is planned (a memory report).
            case retrying(retryIn: Duration?, attempt: Int)
            /// The outcome of an attempt to an endpoint replaced by a reload; the report stays for the new one.
            case staleEndpoint
        }
        var kind: Kind
        var level: Logger.Level
        var status: Int?
        var reason: String
        /// The endpoint the attempt went to (which may no longer be the configured one).
        var endpoint: String
    }

    private(set) var endpoint: String
    private(set) var retryMin: Duration
    private(set) var retryMax: Duration
    private(set) var suspended: Bool
    private(set) var stopped = false
    private(set) var generation = 0
    private(set) var endpointEpoch = 0
    private(set) var inFlight: Ticket?
    private(set) var consecutiveFailures = 0
    private(set) var pause = Pause.none
    /// An outage was logged and its end not yet.
    private(set) var unreachable = false
    /// A 401/403 was logged and no report has been accepted since.
    private(set) var credentialRefused = false
    private let limit: BurstLimit
    /// Start instants of the most recent attempts (at most `limit.burst`); nothing but time clears them.
    private var recentAttempts: [Instant] = []

    init(endpoint: String, retryMin: Duration, retryMax: Duration, enabled: Bool, limit: BurstLimit = .standard) {
        self.endpoint = endpoint
        self.retryMin = retryMin
        self.retryMax = retryMax
        self.suspended = !enabled
        self.limit = limit
    }

    // MARK: events

    /// Whether an attempt may start now. `.wait(until: nil)` means until the next event (submit, reload).
    func gate(now: Instant) -> Gate {
        if stopped || suspended || inFlight != nil { return .wait(until: nil) }
        var until = pause.until.flatMap { $0 > now ? $0 : nil }
        if recentAttempts.count >= limit.burst, let oldest = recentAttempts.first, oldest + limit.window > now {
            until = max(until ?? oldest + limit.window, oldest + limit.window)
        }
        return until.map { .wait(until: $0) } ?? .open
    }

    /// An attempt starts (the gate was open). Misuse (a second attempt in flight, one while stopped) is a bug.
    mutating func attemptStarted(now: Instant) -> Ticket {
        precondition(inFlight == nil && !stopped, "DeliveryStateMachine: attemptStarted while \(inFlight == nil ? "stopped" : "an attempt is in flight")")
        recentAttempts.append(now)
        if recentAttempts.count > limit.burst { recentAttempts.removeFirst(recentAttempts.count - limit.burst) }
        let ticket = Ticket(generation: generation, endpointEpoch: endpointEpoch, endpoint: endpoint)
        inFlight = ticket
        return ticket
    }

    /// The attempt of `ticket` ended with `outcome`. `unspooled`: the report lives only in memory.
    mutating func attemptFinished(_ outcome: SendOutcome, ticket: Ticket, unspooled: Bool, now: Instant,
                                  random: () -> Double) -> [Action] {
        if inFlight == ticket { inFlight = nil }
        // Purged or shut down meanwhile: the outcome no longer matters (a shut-down report stays spooled).
        guard ticket.generation == generation, !stopped else { return [] }
        guard ticket.endpointEpoch == endpointEpoch else { return staleOutcome(outcome, ticket: ticket, unspooled: unspooled) }

        switch outcome {
        case .delivered(let status):
            var actions = answered()
            actions += unspooled ? [] : [.removeFromSpool]
            actions.append(.report(ReportLine(kind: .sent, level: .info, status: status, reason: "HTTP \(status)", endpoint: ticket.endpoint)))
            actions.append(.keepSent)
            return actions

        case .rejected(let status, let reason):
            var actions = answered()
            actions += unspooled ? [] : [.removeFromSpool]
            actions.append(.report(ReportLine(kind: .rejected, level: .error, status: status, reason: reason, endpoint: ticket.endpoint)))
            return actions

        case .credentialRejected(let status, let reason):
            // The collector answered: an outage that was logged ends, and the credential problem is told once.
            var actions: [Action] = []
            if unreachable {
                actions.append(.logReachableAgain(endpoint: ticket.endpoint, failedAttempts: consecutiveFailures))
                unreachable = false
            }
            consecutiveFailures = 0
            let first = !credentialRefused
            if first { actions.append(.logCredentialProblem(endpoint: ticket.endpoint, status: status, reason: reason)) }
            credentialRefused = true
            let until = now + retryMax
            pause = .credential(until: until)
            if unspooled {
                actions.append(.dropUnspooled(reason: reason, status: status))
            } else {
                actions.append(.report(ReportLine(kind: .retrying(retryIn: retryMax, attempt: 1), level: first ? .warning : .debug,
                                                  status: status, reason: reason, endpoint: ticket.endpoint)))
            }
            actions.append(.retryAt(until))
            return actions

        case .retry(let status, let retryAfter, let reason):
            consecutiveFailures += 1
            // The collector's Retry-After wins, even beyond RetryMaxSec, up to a day.
            let delay = Backoff.wait(attempt: consecutiveFailures - 1, retryAfter: retryAfter, min: retryMin, max: retryMax, random: random)
            let until = now + delay
            pause = retryAfter != nil ? .collector(until: until) : .backoff(until: until)
            var actions: [Action] = []
            // Once per change of state: the first failure is a warning, later ones of the same outage debug lines.
            let first = !unreachable
            if first { actions.append(.logFirstFailure(endpoint: ticket.endpoint, reason: reason)) }
            unreachable = true
            if unspooled {
                actions.append(.dropUnspooled(reason: reason, status: status))
            } else {
                actions.append(.report(ReportLine(kind: .retrying(retryIn: delay, attempt: consecutiveFailures), level: first ? .warning : .debug,
                                                  status: status, reason: reason, endpoint: ticket.endpoint)))
            }
            actions.append(.retryAt(until))
            return actions
        }
    }

    /// A new configuration. Only a new endpoint starts afresh (nothing was reached there yet); a new token lifts a
    /// credential pause; a new proxy lifts our own backoff; TimeoutSec=, Compress=, CAFile= change nothing here, so a
    /// collector's Retry-After stands.
    mutating func reconfigure(endpoint newEndpoint: String, retryMin: Duration, retryMax: Duration, enabled: Bool,
                              credentialChanged: Bool, routeChanged: Bool) {
        self.retryMin = retryMin
        self.retryMax = retryMax
        suspended = !enabled
        if newEndpoint != endpoint {
            endpoint = newEndpoint
            endpointEpoch += 1
            resetCollectorState()
            return
        }
        if credentialChanged {
            credentialRefused = false
            if case .credential = pause { pause = .none }
        }
        if routeChanged, case .backoff = pause { pause = .none }
    }

    /// Opt-out: abandon what is in flight, forget the collector's state (the burst limit stays).
    mutating func purge() {
        generation += 1
        inFlight = nil
        suspended = true
        resetCollectorState()
    }

    mutating func shutdown() {
        generation += 1
        inFlight = nil
        stopped = true
    }

    // MARK: helpers

    /// A 2xx or a rejection: the collector answered.
    private mutating func answered() -> [Action] {
        var actions: [Action] = []
        if unreachable || credentialRefused {
            actions.append(.logReachableAgain(endpoint: endpoint, failedAttempts: consecutiveFailures))
        }
        resetCollectorState()
        return actions
    }

    private mutating func resetCollectorState() {
        consecutiveFailures = 0
        pause = .none
        unreachable = false
        credentialRefused = false
    }

    /// An attempt that went to the endpoint of before a reload: a 2xx still delivered the report (so it leaves the
    /// spool); any other outcome is logged against the old endpoint and sets nothing for the new one.
    private func staleOutcome(_ outcome: SendOutcome, ticket: Ticket, unspooled: Bool) -> [Action] {
        switch outcome {
        case .delivered(let status):
            return (unspooled ? [] : [.removeFromSpool])
                + [.report(ReportLine(kind: .sent, level: .info, status: status, reason: "HTTP \(status)", endpoint: ticket.endpoint)), .keepSent]
        case .retry(let status, _, let reason):
            return stale(status: status, reason: reason)
        case .credentialRejected(let status, let reason):
            return stale(status: status, reason: reason)
        case .rejected(let status, let reason):
            return stale(status: status, reason: reason)
        }
        func stale(status: Int?, reason: String) -> [Action] {
            [.report(ReportLine(kind: .staleEndpoint, level: .info, status: status, reason: reason, endpoint: ticket.endpoint))]
                + (unspooled ? [.requeueUnspooled] : [])
        }
    }
}
