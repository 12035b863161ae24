/// Whether the database answers, as the ingest sees it: a pure state machine, so the journal says "unavailable"
/// once when an outage starts and "available again" once when it ends, however many reports arrive in between.
public struct DatabaseAvailability: Sendable, Equatable {
    public enum Change: Sendable, Equatable {
        /// The first failure after a success (or since start).
        case becameUnavailable(reason: String)
        /// The first success after failures: how many reports were answered 503 and for how long.
        case becameAvailable(failedReports: Int, seconds: Int)
    }

    public private(set) var isAvailable = true
    public private(set) var failedReports = 0
    private var unavailableSince: Double = 0

    public init() {}

    /// A store call failed at `now` (seconds on any monotonic scale).
    public mutating func failed(reason: String, now: Double) -> Change? {
        failedReports += 1
        guard isAvailable else { return nil }
        isAvailable = false
        unavailableSince = now
        return .becameUnavailable(reason: reason)
    }

    /// A store call succeeded at `now`.
    public mutating func succeeded(now: Double) -> Change? {
        guard !isAvailable else { return nil }
        defer {
            isAvailable = true
            failedReports = 0
        }
        return .becameAvailable(failedReports: failedReports, seconds: Int((now - unavailableSince).rounded()))
    }
}
