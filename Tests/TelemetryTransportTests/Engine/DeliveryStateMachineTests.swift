import Testing
@testable import TelemetryTransport

/// The engine's decisions without a collector, a clock or a file: each event in, the actions out.
@Suite struct DeliveryStateMachineTests {
    typealias M = DeliveryStateMachine
    let t0 = ContinuousClock.now
    let endpoint = "https://collector.example.com/v1/reports"

    func machine(limit: M.BurstLimit = .init(burst: 100, window: .seconds(10))) -> M {
        M(endpoint: endpoint, retryMin: .seconds(30), retryMax: .seconds(3600), enabled: true, limit: limit)
    }

    /// An attempt starts at `at` (the gate was open).
    func start(_ m: inout M, at: ContinuousClock.Instant) -> M.Ticket {
        guard let ticket = m.attemptStarted(now: at) else {
            Issue.record("no attempt may start at \(at)")
            return M.Ticket(id: -1, endpoint: "")
        }
        return ticket
    }

    /// One attempt started at `at` and finished with `outcome` at the same instant.
    func attempt(_ m: inout M, _ outcome: SendOutcome, at: ContinuousClock.Instant, unspooled: Bool = false) -> [M.Action] {
        #expect(m.gate(now: at) == .open)
        let ticket = start(&m, at: at)
        return m.attemptFinished(outcome, ticket: ticket, unspooled: unspooled, now: at, random: { 0 })
    }

    let refused = SendOutcome.retry(status: nil, retryAfter: nil, reason: "connection refused")

    @Test func deliveryRemovesTheReportAndKeepsIt() {
        var m = machine()
        let actions = attempt(&m, .delivered(status: 202), at: t0)
        #expect(actions == [.removeFromSpool,
                            .report(.init(kind: .sent, level: .info, status: 202, reason: "HTTP 202", endpoint: endpoint)),
                            .keepSent])
        #expect(m.gate(now: t0) == .open)
    }

    @Test func anOutageIsLoggedOnceWhenItStartsAndOnceWhenItEnds() {
        var m = machine()
        let first = attempt(&m, refused, at: t0)
        #expect(first.first == .logFirstFailure(endpoint: endpoint, reason: "connection refused"))
        #expect(!first.contains(.removeFromSpool))
        guard case .report(let line) = first[1], case .retrying(_, 1) = line.kind else {
            Issue.record("expected a retrying line, got \(first)")
            return
        }
        #expect(line.level == .warning)
        #expect(m.collectorUnreachable)
        #expect(m.gate(now: t0 + .seconds(29)) == .wait(until: t0 + .seconds(30)))

        let second = attempt(&m, refused, at: t0 + .seconds(30))
        #expect(!second.contains { if case .logFirstFailure = $0 { true } else { false } })
        if case .report(let l) = second[0] { #expect(l.level == .debug) } else { Issue.record("\(second)") }

        let back = attempt(&m, .delivered(status: 200), at: t0 + .seconds(120))
        #expect(back.first == .logReachableAgain(endpoint: endpoint, failedAttempts: 2))
        #expect(!m.collectorUnreachable)
        let again = attempt(&m, .delivered(status: 200), at: t0 + .seconds(121))
        #expect(!again.contains(.logReachableAgain(endpoint: endpoint, failedAttempts: 0)))
    }

    @Test func aRejectionDropsTheReportAndEndsAnOutage() {
        var m = machine()
        _ = attempt(&m, refused, at: t0)
        let actions = attempt(&m, .rejected(status: 400, reason: "HTTP 400"), at: t0 + .seconds(60))
        #expect(actions.first == .logReachableAgain(endpoint: endpoint, failedAttempts: 1))
        #expect(actions.contains(.removeFromSpool))
    }

    @Test func aCredentialProblemIsLoggedOnceAndRetriedAtRetryMax() {
        var m = machine()
        let first = attempt(&m, .credentialRejected(status: 401, reason: "bad token"), at: t0)
        #expect(first.first == .logCredentialProblem(endpoint: endpoint, status: 401, reason: "bad token"))
        #expect(!first.contains(.removeFromSpool), "the report stays spooled")
        #expect(m.gate(now: t0 + .seconds(3599)) == .wait(until: t0 + .seconds(3600)))
        #expect(!m.collectorUnreachable)
        let second = attempt(&m, .credentialRejected(status: 403, reason: "bad token"), at: t0 + .seconds(3600))
        #expect(!second.contains { if case .logCredentialProblem = $0 { true } else { false } })
        // Accepted again: the problem's end is told.
        let ok = attempt(&m, .delivered(status: 200), at: t0 + .seconds(7200))
        #expect(ok.first == .logCredentialAccepted(endpoint: endpoint))
    }

    /// "Reachable again after 0 failed attempts" is no news: a collector that refused the credential was reachable
    /// all along. Its acceptance is told as such, and an outage's end only after an outage.
    @Test func aCredentialAcceptedAgainIsNotAnnouncedAsTheEndOfAnOutage() {
        var m = machine()
        var actions = attempt(&m, .credentialRejected(status: 401, reason: "bad token"), at: t0)
        actions += attempt(&m, .delivered(status: 200), at: t0 + .seconds(3600))
        // Refused, then unreachable, then a rejection (the credential passed): one outage, then both ends.
        actions += attempt(&m, .credentialRejected(status: 403, reason: "bad token"), at: t0 + .seconds(3601))
        actions += attempt(&m, refused, at: t0 + .seconds(7201))
        actions += attempt(&m, .rejected(status: 400, reason: "HTTP 400"), at: t0 + .seconds(7231))
        let ends = actions.compactMap { if case .logReachableAgain(_, let n) = $0 { n } else { nil } }
        #expect(ends == [1], "one outage of one failed attempt, got \(actions)")
        let accepted = actions.filter { $0 == .logCredentialAccepted(endpoint: endpoint) }
        #expect(accepted.count == 2, "both ends of a credential refusal are told, got \(actions)")
    }

    @Test func aNewTokenLiftsTheCredentialPause() {
        var m = machine()
        _ = attempt(&m, .credentialRejected(status: 401, reason: "bad token"), at: t0)
        m.reconfigure(endpoint: endpoint, retryMin: .seconds(30), retryMax: .seconds(3600), enabled: true,
                      credentialChanged: true, routeChanged: false)
        #expect(m.gate(now: t0 + .seconds(1)) == .open)
    }

    @Test func aReloadThatKeepsTheEndpointKeepsTheCollectorsRetryAfter() {
        var m = machine()
        let asked = SendOutcome.retry(status: 503, retryAfter: .seconds(7200), reason: "HTTP 503")
        _ = attempt(&m, asked, at: t0)
        // TimeoutSec=, Compress=, CAFile=, even the proxy or the token: the collector's pause stands.
        m.reconfigure(endpoint: endpoint, retryMin: .seconds(30), retryMax: .seconds(3600), enabled: true,
                      credentialChanged: true, routeChanged: true)
        #expect(m.gate(now: t0 + .seconds(7199)) == .wait(until: t0 + .seconds(7200)))
        #expect(m.collectorUnreachable)
        // A new endpoint starts afresh.
        m.reconfigure(endpoint: "https://other.example.com/r", retryMin: .seconds(30), retryMax: .seconds(3600), enabled: true,
                      credentialChanged: false, routeChanged: false)
        #expect(m.gate(now: t0 + .seconds(1)) == .open)
        #expect(!m.collectorUnreachable)
    }

    @Test func aNewProxyLiftsOurOwnBackoffOnly() {
        var m = machine()
        _ = attempt(&m, refused, at: t0)
        m.reconfigure(endpoint: endpoint, retryMin: .seconds(30), retryMax: .seconds(3600), enabled: true,
                      credentialChanged: false, routeChanged: false)
        #expect(m.gate(now: t0 + .seconds(1)) == .wait(until: t0 + .seconds(30)), "TimeoutSec= alone changes nothing")
        m.reconfigure(endpoint: endpoint, retryMin: .seconds(30), retryMax: .seconds(3600), enabled: true,
                      credentialChanged: false, routeChanged: true)
        #expect(m.gate(now: t0 + .seconds(1)) == .open)
    }

    @Test func anAttemptToAReplacedEndpointSetsNothingForTheNewOne() {
        var m = machine()
        let ticket = start(&m, at: t0)
        m.reconfigure(endpoint: "https://new.example.com/r", retryMin: .seconds(30), retryMax: .seconds(3600), enabled: true,
                      credentialChanged: false, routeChanged: false)
        let actions = m.attemptFinished(refused, ticket: ticket, unspooled: false, now: t0, random: { 0 })
        #expect(actions == [.report(.init(kind: .staleEndpoint, level: .info, status: nil, reason: "connection refused", endpoint: endpoint))])
        #expect(!m.collectorUnreachable)
        #expect(m.gate(now: t0) == .open)
        // A 2xx from the old endpoint still delivered the report.
        let t2 = start(&m, at: t0)
        m.reconfigure(endpoint: "https://third.example.com/r", retryMin: .seconds(30), retryMax: .seconds(3600), enabled: true,
                      credentialChanged: false, routeChanged: false)
        let delivered = m.attemptFinished(.delivered(status: 200), ticket: t2, unspooled: false, now: t0, random: { 0 })
        #expect(delivered.contains(.removeFromSpool))
        if case .report(let l) = delivered[1] { #expect(l.endpoint == "https://new.example.com/r") } else { Issue.record("\(delivered)") }
    }

    @Test func anUnspooledReportIsDroppedNotRetriedOrRequeuedForANewEndpoint() {
        var m = machine()
        let actions = attempt(&m, refused, at: t0, unspooled: true)
        #expect(actions.contains(.dropUnspooled(reason: "connection refused", status: nil)))
        #expect(!actions.contains(.removeFromSpool))
        let ticket = start(&m, at: t0 + .seconds(30))
        m.reconfigure(endpoint: "https://new.example.com/r", retryMin: .seconds(30), retryMax: .seconds(3600), enabled: true,
                      credentialChanged: false, routeChanged: false)
        let stale = m.attemptFinished(refused, ticket: ticket, unspooled: true, now: t0, random: { 0 })
        #expect(stale.last == .requeueUnspooled)
    }

    @Test func theBurstLimitHoldsWhateverTheOutcomeAndNoResetClearsIt() {
        var m = machine(limit: .init(burst: 3, window: .seconds(10)))
        for i in 0..<3 { _ = attempt(&m, .delivered(status: 200), at: t0 + .milliseconds(i)) }
        #expect(m.gate(now: t0 + .milliseconds(3)) == .wait(until: t0 + .seconds(10)))
        m.purge()
        m.reconfigure(endpoint: "https://new.example.com/r", retryMin: .seconds(30), retryMax: .seconds(3600), enabled: true,
                      credentialChanged: true, routeChanged: true)
        #expect(m.gate(now: t0 + .seconds(5)) == .wait(until: t0 + .seconds(10)))
        #expect(m.gate(now: t0 + .seconds(10)) == .open)
    }

    @Test func purgeAndShutdownIgnoreTheOutcomeInFlight() {
        var m = machine()
        let ticket = start(&m, at: t0)
        m.purge()
        #expect(m.attemptFinished(refused, ticket: ticket, unspooled: false, now: t0, random: { 0 }) == [])
        #expect(m.gate(now: t0) == .wait(until: nil), "suspended after an opt-out")
        m.reconfigure(endpoint: endpoint, retryMin: .seconds(30), retryMax: .seconds(3600), enabled: true,
                      credentialChanged: false, routeChanged: false)
        let t2 = start(&m, at: t0)
        m.shutdown()
        #expect(m.attemptFinished(.delivered(status: 200), ticket: t2, unspooled: false, now: t0, random: { 0 }) == [])
        #expect(m.gate(now: t0) == .wait(until: nil))
    }

    @Test func noSecondAttemptWhileOneIsInFlight() {
        var m = machine()
        _ = start(&m, at: t0)
        #expect(m.gate(now: t0) == .wait(until: nil))
    }

    /// The worker may await between the gate and the start (it reads the token file again): a shutdown or an
    /// opt-out that came meanwhile means nothing is sent, not a crash.
    @Test func noAttemptStartsAfterAShutdownOrAnOptOutThatRacedTheGate() {
        var m = machine()
        #expect(m.gate(now: t0) == .open)
        m.purge()
        #expect(m.attemptStarted(now: t0) == nil)
        #expect(!m.acceptsReports)
        m.reconfigure(endpoint: endpoint, retryMin: .seconds(30), retryMax: .seconds(3600), enabled: true,
                      credentialChanged: false, routeChanged: false)
        #expect(m.acceptsReports)
        m.shutdown()
        #expect(m.isStopped)
        #expect(m.attemptStarted(now: t0) == nil)
        #expect(m.acceptsReports, "after a shutdown a report is spooled for the next start")
        m.purge()
        #expect(!m.acceptsReports, "but not after an opt-out")
        m.reconfigure(endpoint: endpoint, retryMin: .seconds(30), retryMax: .seconds(3600), enabled: true,
                      credentialChanged: false, routeChanged: false)
        #expect(m.isStopped && m.gate(now: t0) == .wait(until: nil), "a reload does not restart a stopped machine")
    }

    @Test func anAttemptStartedBeforeAReloadDisabledTelemetryStillCounts() {
        var m = machine()
        let ticket = start(&m, at: t0)
        m.reconfigure(endpoint: endpoint, retryMin: .seconds(30), retryMax: .seconds(3600), enabled: false,
                      credentialChanged: false, routeChanged: false)
        m.reconfigure(endpoint: endpoint, retryMin: .seconds(30), retryMax: .seconds(3600), enabled: true,
                      credentialChanged: false, routeChanged: false)
        #expect(m.gate(now: t0) == .wait(until: nil), "still one attempt in flight")
        let actions = m.attemptFinished(.delivered(status: 200), ticket: ticket, unspooled: false, now: t0, random: { 0 })
        #expect(actions.contains(.removeFromSpool))
        #expect(m.gate(now: t0) == .open)
    }

    // MARK: forget reports

    /// A forget attempt, started at `at` while the machine is in whatever state the test left it.
    func forgetAttempt(_ m: inout M, _ outcome: SendOutcome, at: ContinuousClock.Instant) -> [M.Action] {
        #expect(m.gate(now: at, forget: true) == .open)
        guard let ticket = m.attemptStarted(now: at, forget: true) else {
            Issue.record("no forget attempt may start at \(at)")
            return []
        }
        #expect(ticket.forget)
        return m.attemptFinished(outcome, ticket: ticket, unspooled: false, now: at, random: { 0 })
    }

    @Test func whileDisabledOnlyAForgetReportMayGo() {
        var m = M(endpoint: endpoint, retryMin: .seconds(30), retryMax: .seconds(3600), enabled: false)
        #expect(m.gate(now: t0) == .wait(until: nil), "nothing else is sent while disabled")
        #expect(m.attemptStarted(now: t0) == nil)
        #expect(m.gate(now: t0, forget: true) == .open)
        let actions = forgetAttempt(&m, .delivered(status: 202), at: t0)
        #expect(actions == [.removeFromSpool,
                            .report(.init(kind: .sent, level: .info, status: 202, reason: "HTTP 202", endpoint: endpoint)),
                            .eraseLocalState], "erased, and not kept in sent/: it holds the key")
        #expect(!m.acceptsReports, "still disabled afterwards")
        m.purge()
        #expect(m.gate(now: t0, forget: true) == .open, "an opt-out does not stop a forget report either")
    }

    @Test func aForgetReportWaitsOutTheSameBackoffAndRetryAfter() {
        var m = M(endpoint: endpoint, retryMin: .seconds(30), retryMax: .seconds(3600), enabled: false)
        let actions = forgetAttempt(&m, .retry(status: 503, retryAfter: .seconds(120), reason: "HTTP 503"), at: t0)
        #expect(!actions.contains(.removeFromSpool) && !actions.contains(.eraseLocalState))
        #expect(m.gate(now: t0 + .seconds(1), forget: true) == .wait(until: t0 + .seconds(120)))
        #expect(m.gate(now: t0 + .seconds(120), forget: true) == .open)
    }

    @Test func aForget403IsAWrongKeyDroppedWithItsOwnLineNotACredentialPause() {
        var m = machine()
        let actions = forgetAttempt(&m, .credentialRejected(status: 403, reason: "HTTP 403: the collector refused the token"), at: t0)
        #expect(actions == [.removeFromSpool,
                            .report(.init(kind: .erasureRefused, level: .error, status: 403,
                                          reason: "HTTP 403: the collector did not accept this install's erasure key",
                                          endpoint: endpoint))])
        #expect(m.gate(now: t0) == .open, "no RetryMaxSec pause: the collector answered")
        // The same 403 for a scheduled report is still a credential to fix: kept, paused.
        let other = attempt(&m, .credentialRejected(status: 403, reason: "HTTP 403"), at: t0)
        #expect(!other.contains(.removeFromSpool))
        #expect(m.gate(now: t0) == .wait(until: t0 + .seconds(3600)))
    }

    @Test func aForget401IsStillACredentialProblemAndKept() {
        var m = machine()
        let actions = forgetAttempt(&m, .credentialRejected(status: 401, reason: "HTTP 401"), at: t0)
        #expect(!actions.contains(.removeFromSpool))
        #expect(actions.contains(.logCredentialProblem(endpoint: endpoint, status: 401, reason: "HTTP 401")))
        #expect(m.gate(now: t0, forget: true) == .wait(until: t0 + .seconds(3600)))
    }

    @Test func aScheduledReportsDeliveryNeverErases() {
        var m = machine()
        #expect(!attempt(&m, .delivered(status: 200), at: t0).contains(.eraseLocalState))
        #expect(!attempt(&m, .rejected(status: 400, reason: "HTTP 400"), at: t0).contains(.eraseLocalState))
    }

    @Test func aForgetDeliveredToTheEndpointOfBeforeAReloadStillErases() {
        var m = machine()
        let ticket = m.attemptStarted(now: t0, forget: true)
        m.reconfigure(endpoint: "https://new.example.com/r", retryMin: .seconds(30), retryMax: .seconds(3600), enabled: true,
                      credentialChanged: false, routeChanged: false)
        let actions = ticket.map { m.attemptFinished(.delivered(status: 202), ticket: $0, unspooled: false, now: t0, random: { 0 }) } ?? []
        #expect(actions.last == .eraseLocalState)
    }
}
