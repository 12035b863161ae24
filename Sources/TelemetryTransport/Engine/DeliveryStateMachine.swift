import Logging

/// The delivery engine's decisions as a value (pure: no clock, no I/O, no logging of its own). Its state is one enum
/// and every event switches over all of it, so impossible combinations cannot be represented. The actor asks
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
        /// Tells one attempt from the next: an outcome counts only for the attempt the machine still waits for.
        let id: Int
        let endpoint: String
        /// The attempt carries a `forget` report: a 2xx erases the local state, a 403 is a wrong erasure key.
        let forget: Bool

        init(id: Int, endpoint: String, forget: Bool = false) {
            self.id = id
            self.endpoint = endpoint
            self.forget = forget
        }
    }

    enum Gate: Sendable, Equatable {
        case open
        /// Until this instant, or until something changes (nil).
        case wait(until: Instant?)
    }

    enum Action: Sendable, Equatable {
        case removeFromSpool
        /// Keep the delivered body in `sent/`.
        case keepSent
        /// The end of a logged outage (`failedAttempts` >= 1).
        case logReachableAgain(endpoint: String, failedAttempts: Int)
        /// The end of a logged credential problem: the collector accepted a report again.
        case logCredentialAccepted(endpoint: String)
        case logFirstFailure(endpoint: String, reason: String)
        /// `status` nil: the token file cannot be used (nothing was sent).
        case logCredentialProblem(endpoint: String, status: Int?, reason: String)
        /// The per-report journal line and state.json record.
        case report(ReportLine)
        /// An unspooled (memory) report that failed: it is not retried.
        case dropUnspooled(reason: String, status: Int?)
        /// A memory report whose attempt went to an endpoint no longer configured: try it at the new one.
        case requeueUnspooled
        /// The collector confirmed a `forget` report: delete the local state (`LocalErasure`).
        case eraseLocalState
    }

    struct ReportLine: Sendable, Equatable {
        enum Kind: Sendable, Equatable {
            case sent
            case rejected
            /// `retryIn` nil: no further attempt is planned (a memory report).
            case retrying(retryIn: Duration?, attempt: Int)
            /// The outcome of an attempt to an endpoint replaced by a reload; the report stays for the new one.
            case staleEndpoint
            /// A `forget` report answered 403: the collector did not take the erasure key; dropped.
            case erasureRefused
        }
        var kind: Kind
        var level: Logger.Level
        var status: Int?
        var reason: String
        /// The endpoint the attempt went to (which may no longer be the configured one).
        var endpoint: String
    }

    /// Why the next attempt waits while the collector is unreachable.
    private enum Pause: Sendable, Equatable {
        /// Our own exponential backoff after a failure: a new proxy lifts it.
        case backoff(until: Instant)
        /// The collector asked for it (`Retry-After`): kept across reloads that keep the endpoint.
        case collector(until: Instant)

        var until: Instant {
            switch self {
            case .backoff(let t), .collector(let t): t
            }
        }
    }

    /// What we know of the collector at the configured endpoint; what was logged about it follows from the case,
    /// so each change of state is told once.
    private enum Collector: Sendable, Equatable {
        /// It answered the last attempt (or none was made yet): nothing to tell.
        case answering
        /// It refused the credential (401/403), logged once; retried at RetryMaxSec unless the token changes.
        case refusingCredential(until: Instant)
        /// `failures` attempts in a row failed (the first was logged); `pause` nil once a new proxy lifted our own
        /// backoff. `refusedCredential`: the last answer before the outage was a credential refusal, whose end is
        /// still to be told.
        case unreachable(failures: Int, pause: Pause?, refusedCredential: Bool)
    }

    /// The attempt out, if any, and whether the endpoint changed since it started.
    private struct Attempt: Sendable, Equatable {
        let ticket: Ticket
        var staleEndpoint = false
    }

    private enum State: Sendable, Equatable {
        /// Reports are sent when the gate opens.
        case active(Collector, attempt: Attempt?)
        /// Disabled by the configuration or an opt-out: nothing new starts but the attempts of `forget` reports (the
        /// request to erase this install outlives the opt-out). An attempt started before a reload that disabled
        /// telemetry still counts when it ends; an opt-out forgets it.
        case suspended(Collector, attempt: Attempt?)
        /// Shut down: nothing starts again and every later outcome is ignored (a report stays spooled).
        /// `acceptsReports`: telemetry is still enabled, so a report submitted now is spooled for the next start.
        case stopped(acceptsReports: Bool)
    }

    private var state: State
    /// Configuration, not state: any state may see any of it.
    private(set) var endpoint: String
    private var retryMin: Duration
    private var retryMax: Duration
    private let limit: BurstLimit
    /// Start instants of the most recent attempts (at most `limit.burst`); nothing but time clears them.
    private var recentAttempts: [Instant] = []
    /// The id of the next ticket.
    private var nextTicket = 0

    init(endpoint: String, retryMin: Duration, retryMax: Duration, enabled: Bool, limit: BurstLimit = .standard) {
        self.endpoint = endpoint
        self.retryMin = retryMin
        self.retryMax = retryMax
        self.limit = limit
        self.state = enabled ? .active(.answering, attempt: nil) : .suspended(.answering, attempt: nil)
    }

    // MARK: questions

    /// After `shutdown()`: the worker ends.
    var isStopped: Bool {
        switch state {
        case .stopped: true
        case .active, .suspended: false
        }
    }

    /// Whether a new report is taken (telemetry enabled and not opted out). After `shutdown()` it is: it is spooled
    /// for the next start.
    var acceptsReports: Bool {
        switch state {
        case .active: true
        case .suspended: false
        case .stopped(let accepts): accepts
        }
    }

    /// An outage was logged and its end not yet.
    var collectorUnreachable: Bool {
        switch state {
        case .active(.unreachable, _), .suspended(.unreachable, _): true
        case .active(.answering, _), .active(.refusingCredential, _),
             .suspended(.answering, _), .suspended(.refusingCredential, _), .stopped: false
        }
    }

    // MARK: events

    /// Whether an attempt may start now. `.wait(until: nil)` means until the next event (submit, reload).
    /// `forget`: a `forget` report waits, which may go while telemetry is disabled (same pauses, same burst limit).
    func gate(now: Instant, forget: Bool = false) -> Gate {
        let collector: Collector
        switch state {
        case .stopped, .active(_, attempt: .some), .suspended(_, attempt: .some): return .wait(until: nil)
        case .suspended(let c, attempt: nil):
            guard forget else { return .wait(until: nil) }
            collector = c
        case .active(let c, attempt: nil): collector = c
        }
        var until: Instant?
        switch collector {
        case .answering, .unreachable(_, pause: nil, _): until = nil
        case .refusingCredential(let t): until = t
        case .unreachable(_, pause: let p?, _): until = p.until
        }
        if let u = until, u <= now { until = nil }
        if recentAttempts.count >= limit.burst, let oldest = recentAttempts.first, oldest + limit.window > now {
            until = max(until ?? oldest + limit.window, oldest + limit.window)
        }
        return until.map { .wait(until: $0) } ?? .open
    }

    /// An attempt starts (the gate was open). nil: a shutdown or an opt-out came in between (the worker may await
    /// something between asking the gate and starting); nothing is sent then. While disabled only a `forget` report
    /// starts (`forget`). A second attempt in flight is a bug.
    mutating func attemptStarted(now: Instant, forget: Bool = false) -> Ticket? {
        let collector: Collector, enabled: Bool
        switch state {
        case .stopped:
            return nil
        case .active(_, attempt: let a?), .suspended(_, attempt: let a?):
            preconditionFailure("DeliveryStateMachine: attemptStarted while attempt \(a.ticket.id) is in flight")
        case .suspended(let c, attempt: nil):
            guard forget else { return nil }
            (collector, enabled) = (c, false)
        case .active(let c, attempt: nil):
            (collector, enabled) = (c, true)
        }
        recentAttempts.append(now)
        if recentAttempts.count > limit.burst { recentAttempts.removeFirst(recentAttempts.count - limit.burst) }
        let ticket = Ticket(id: nextTicket, endpoint: endpoint, forget: forget)
        nextTicket += 1
        let attempt = Attempt(ticket: ticket)
        state = enabled ? .active(collector, attempt: attempt) : .suspended(collector, attempt: attempt)
        return ticket
    }

    /// The attempt of `ticket` ended with `outcome`. `unspooled`: the report lives only in memory.
    mutating func attemptFinished(_ outcome: SendOutcome, ticket: Ticket, unspooled: Bool, now: Instant,
                                  random: () -> Double) -> [Action] {
        let collector: Collector, attempt: Attempt, enabled: Bool
        switch state {
        case .active(let c, attempt: let a?) where a.ticket == ticket: (collector, attempt, enabled) = (c, a, true)
        case .suspended(let c, attempt: let a?) where a.ticket == ticket: (collector, attempt, enabled) = (c, a, false)
        case .active, .suspended, .stopped:
            // Purged or shut down meanwhile: the outcome no longer matters (a shut-down report stays spooled).
            return []
        }
        if attempt.staleEndpoint {
            state = enabled ? .active(collector, attempt: nil) : .suspended(collector, attempt: nil)
            return staleOutcome(outcome, ticket: ticket, unspooled: unspooled)
        }
        let (next, actions) = judge(outcome, collector: collector, ticket: ticket, unspooled: unspooled, now: now, random: random)
        state = enabled ? .active(next, attempt: nil) : .suspended(next, attempt: nil)
        return actions
    }

    /// A new configuration. Only a new endpoint starts afresh (nothing was reached there yet); a new token lifts a
    /// credential pause; a new proxy lifts our own backoff; TimeoutSec=, Compress=, CAFile= change nothing here, so a
    /// collector's Retry-After stands.
    mutating func reconfigure(endpoint newEndpoint: String, retryMin: Duration, retryMax: Duration, enabled: Bool,
                              credentialChanged: Bool, routeChanged: Bool) {
        self.retryMin = retryMin
        self.retryMax = retryMax
        var collector: Collector, attempt: Attempt?
        switch state {
        case .stopped:
            // A reload that races the shutdown: nothing starts again, only whether reports are still taken changes.
            state = .stopped(acceptsReports: enabled)
            return
        case .active(let c, let a), .suspended(let c, let a):
            (collector, attempt) = (c, a)
        }
        if newEndpoint != endpoint {
            endpoint = newEndpoint
            collector = .answering
            attempt?.staleEndpoint = true
        } else {
            switch collector {
            case .answering:
                break
            case .refusingCredential:
                if credentialChanged { collector = .answering }
            case .unreachable(let failures, let pause, let refused):
                let lifted: Pause? = if routeChanged, case .backoff? = pause { nil } else { pause }
                collector = .unreachable(failures: failures, pause: lifted, refusedCredential: refused && !credentialChanged)
            }
        }
        state = enabled ? .active(collector, attempt: attempt) : .suspended(collector, attempt: attempt)
    }

    /// Opt-out: abandon what is in flight, forget the collector's state (the burst limit stays).
    mutating func purge() {
        switch state {
        case .stopped: state = .stopped(acceptsReports: false)  // an opt-out that races the shutdown
        case .active, .suspended: state = .suspended(.answering, attempt: nil)
        }
    }

    mutating func shutdown() {
        state = .stopped(acceptsReports: acceptsReports)
    }

    // MARK: helpers

    /// The collector's state after an outcome at the configured endpoint, and what to do about it.
    private func judge(_ outcome: SendOutcome, collector: Collector, ticket: Ticket, unspooled: Bool, now: Instant,
                       random: () -> Double) -> (Collector, [Action]) {
        let endpoint = ticket.endpoint
        switch outcome {
        case .delivered(let status):
            var actions = answered(collector, endpoint: endpoint)
            actions += unspooled ? [] : [.removeFromSpool]
            actions.append(.report(ReportLine(kind: .sent, level: .info, status: status, reason: "HTTP \(status)", endpoint: endpoint)))
            // A delivered forget report is not kept in sent/: it holds the key, and sent/ goes with the erasure.
            actions.append(ticket.forget ? .eraseLocalState : .keepSent)
            return (.answering, actions)

        case .credentialRejected(let status?, _) where ticket.forget && status == 403:
            // For a forget report 403 is the collector's answer to a key that does not hash to the one it pinned (a
            // refused token is 401): retrying cannot change the key, so it is dropped and told with its own event.
            var actions = answered(collector, endpoint: endpoint)
            actions += unspooled ? [] : [.removeFromSpool]
            actions.append(.report(ReportLine(kind: .erasureRefused, level: .error, status: status,
                                              reason: "HTTP 403: the collector did not accept this install's erasure key",
                                              endpoint: endpoint)))
            return (.answering, actions)

        case .rejected(let status, let reason):
            var actions = answered(collector, endpoint: endpoint)
            actions += unspooled ? [] : [.removeFromSpool]
            actions.append(.report(ReportLine(kind: .rejected, level: .error, status: status, reason: reason, endpoint: endpoint)))
            return (.answering, actions)

        case .credentialRejected(let status, let reason):
            // The collector answered: an outage that was logged ends, and the credential problem is told once.
            var actions: [Action] = []
            let first: Bool
            switch collector {
            case .answering:
                first = true
            case .refusingCredential:
                first = false
            case .unreachable(let failures, _, let refused):
                actions.append(.logReachableAgain(endpoint: endpoint, failedAttempts: failures))
                first = !refused
            }
            if first { actions.append(.logCredentialProblem(endpoint: endpoint, status: status, reason: reason)) }
            if unspooled {
                actions.append(.dropUnspooled(reason: reason, status: status))
            } else {
                actions.append(.report(ReportLine(kind: .retrying(retryIn: retryMax, attempt: 1), level: first ? .warning : .debug,
                                                  status: status, reason: reason, endpoint: endpoint)))
            }
            return (.refusingCredential(until: now + retryMax), actions)

        case .retry(let status, let retryAfter, let reason):
            let failures: Int, refused: Bool
            switch collector {
            case .answering: (failures, refused) = (1, false)
            case .refusingCredential: (failures, refused) = (1, true)
            case .unreachable(let n, _, let r): (failures, refused) = (n + 1, r)
            }
            // The collector's Retry-After wins, even beyond RetryMaxSec, up to a day.
            let delay = Backoff.wait(attempt: failures - 1, retryAfter: retryAfter, min: retryMin, max: retryMax, random: random)
            let until = now + delay
            let pause: Pause = retryAfter != nil ? .collector(until: until) : .backoff(until: until)
            var actions: [Action] = []
            // Once per change of state: the first failure is a warning, later ones of the same outage debug lines.
            let first = failures == 1
            if first { actions.append(.logFirstFailure(endpoint: endpoint, reason: reason)) }
            if unspooled {
                actions.append(.dropUnspooled(reason: reason, status: status))
            } else {
                actions.append(.report(ReportLine(kind: .retrying(retryIn: delay, attempt: failures), level: first ? .warning : .debug,
                                                  status: status, reason: reason, endpoint: endpoint)))
            }
            return (.unreachable(failures: failures, pause: pause, refusedCredential: refused), actions)
        }
    }

    /// A 2xx or a rejection: the collector answered, and took the credential. What was logged about it ends.
    private func answered(_ collector: Collector, endpoint: String) -> [Action] {
        switch collector {
        case .answering:
            return []
        case .refusingCredential:
            return [.logCredentialAccepted(endpoint: endpoint)]
        case .unreachable(let failures, _, let refused):
            return [.logReachableAgain(endpoint: endpoint, failedAttempts: failures)]
                + (refused ? [.logCredentialAccepted(endpoint: endpoint)] : [])
        }
    }

    /// An attempt that went to the endpoint of before a reload: a 2xx still delivered the report (so it leaves the
    /// spool); any other outcome is logged against the old endpoint and sets nothing for the new one.
    private func staleOutcome(_ outcome: SendOutcome, ticket: Ticket, unspooled: Bool) -> [Action] {
        switch outcome {
        case .delivered(let status):
            return (unspooled ? [] : [.removeFromSpool])
                + [.report(ReportLine(kind: .sent, level: .info, status: status, reason: "HTTP \(status)", endpoint: ticket.endpoint)),
                   ticket.forget ? .eraseLocalState : .keepSent]
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
