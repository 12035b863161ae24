import CollectorEvents
import Logging
import NIOConcurrencyHelpers

/// `DatabaseAvailability` behind a lock, logging its changes: one error line when an outage starts, one notice when
/// it ends (with how many reports were answered 503), never a line per report.
public final class AvailabilityMonitor: Sendable {
    private let state = NIOLockedValueBox(DatabaseAvailability())
    private let logger: Logger?
    private let origin = ContinuousClock.now

    public init(logger: Logger?) {
        self.logger = logger
    }

    public var isAvailable: Bool { state.withLockedValue { $0.isAvailable } }

    public func failed(reason: String) {
        log(state.withLockedValue { $0.failed(reason: reason, now: seconds()) })
    }

    public func succeeded() {
        // The common case takes no lock for long and changes nothing.
        log(state.withLockedValue { $0.succeeded(now: seconds()) })
    }

    private func seconds() -> Double {
        let d = ContinuousClock.now - origin
        return Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18
    }

    private func log(_ change: DatabaseAvailability.Change?) {
        guard let change, let logger else { return }
        switch change {
        case .becameUnavailable(let reason):
            logger.error("\(reason); answering reports 503 with Retry-After: \(Ingest.retryAfterSeconds) until it is back",
                         metadata: CollectorEvent.databaseUnavailable.metadata)
        case .becameAvailable(let failed, let seconds):
            logger.notice("database available again after \(seconds) s; \(failed) report\(failed == 1 ? " was" : "s were") answered 503 meanwhile (their agents keep and resend them)",
                          metadata: CollectorEvent.databaseAvailable.metadata)
        }
    }
}
