#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import CollectorSummary
import ReportValidation
import CollectorEdge
import CollectorStore
import Hummingbird
import Logging
import NIOConcurrencyHelpers
import NIOCore

/// The ingest's rate limits at work: `IngestLimiter` behind a lock, fed the time and each UTC day's salt, asking the
/// store once per install and day whether the install is new, and `TrustedProxies=` to know whose network a
/// report counts against. Shared by every connection; limits and proxies are replaced on reload.
public final class IngestGate: Sendable {
    private let limiter: NIOLockedValueBox<IngestLimiter>
    private let proxies: NIOLockedValueBox<TrustedProxies>
    private let now: @Sendable () -> Date
    private let uptime: @Sendable () -> Double

    public init(limits: IngestLimits, trustedProxies: TrustedProxies,
                now: @escaping @Sendable () -> Date = { Date() },
                uptime: @escaping @Sendable () -> Double = { Double(NIODeadline.now().uptimeNanoseconds) / 1e9 }) {
        let today = UTCDay(now()).daysSinceEpoch
        limiter = NIOLockedValueBox(IngestLimiter(limits: limits, day: today, salt: UInt64.random(in: .min ... .max)))
        proxies = NIOLockedValueBox(trustedProxies)
        self.now = now
        self.uptime = uptime
    }

    /// Reload: new limits and proxies; what was counted today stays.
    public func update(limits: IngestLimits, trustedProxies: TrustedProxies) {
        limiter.withLockedValue { $0.limits = limits }
        proxies.withLockedValue { $0 = trustedProxies }
    }

    /// The address a request counts against (see `TrustedProxies`).
    public func client(peer: IPAddress, headers: HTTPFields) -> IPAddress {
        var forwarded: [String] = [], forwardedFor: [String] = []
        for field in headers {
            switch field.name.canonicalName {
            case "forwarded": forwarded.append(field.value)
            case "x-forwarded-for": forwardedFor.append(field.value)
            default: break
            }
        }
        return proxies.withLockedValue { $0 }.client(peer: peer, forwarded: forwarded, forwardedFor: forwardedFor)
    }

    /// Before the body is read: the client network's reports per minute.
    public func admitReport(from client: IPAddress) -> IngestLimiter.Decision {
        let (day, t) = (UTCDay(now()).daysSinceEpoch, uptime())
        return limiter.withLockedValue { l in
            Self.roll(&l, to: day)
            return l.admitReport(from: client, now: t)
        }
    }

    /// After validation: the install's reports today and, for an install never seen, the network's new installs
    /// today. Throws when the store cannot say whether the install is new (the ingest answers 503).
    public func admitInstall(_ report: ValidatedReport, from client: IPAddress, store: any ReportStore) async throws -> IngestLimiter.Decision {
        let date = now()
        let day = UTCDay(date)
        let (known, asks) = limiter.withLockedValue { l in
            Self.roll(&l, to: day.daysSinceEpoch)
            return (l.admittedToday(instanceId: report.instanceId), l.limits.networkNewInstallsPerDay > 0)
        }
        var isNew = false
        if !known, asks { isNew = try await !store.knowsInstall(report.instanceId) }
        let toMidnight = max(1, Int(day.adding(days: 1).start.timeIntervalSince(date).rounded(.up)))
        return limiter.withLockedValue { $0.admitInstall(report.instanceId, isNew: isNew, from: client, secondsToMidnight: toMidnight) }
    }

    /// A new UTC day starts under a new random salt (drawn only then, not per report).
    private static func roll(_ l: inout IngestLimiter, to day: Int) {
        if l.day != day { l.startDay(day, salt: UInt64.random(in: .min ... .max)) }
    }

    /// The refusals since the last call, and whether one network sends most of today's reports (once a day).
    public func drain() -> (refused: [IngestLimiter.Refusal: Int], proxyNotice: Bool) {
        limiter.withLockedValue { l in (l.drainRefusals(), l.takeProxyNotice()) }
    }
}
