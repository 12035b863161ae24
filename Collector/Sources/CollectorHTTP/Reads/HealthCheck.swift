import CollectorStore
import NIOConcurrencyHelpers

/// `GET /healthz`: `ok` or `unavailable`, from the store's recent state instead of a database round trip per
/// request. The store is asked at most once per `interval` (concurrent requests share the one check; on
/// PostgreSQL through the pool, never a connection of its own), and a failed insert since (the ingest's
/// `AvailabilityMonitor`) makes it `unavailable` at once. A check that succeeds tells the monitor, so a database
/// that came back is seen as back even before the next report arrives.
///
/// What is wrong goes to `onChange` (the journal and STATUS=), never into the answer: the details of a database
/// (its URL, its errors) are nobody's business on the open internet.
public final class HealthCheck: Sendable {
    public static let defaultInterval: Duration = .seconds(5)

    private let store: any ReportStore
    private let availability: AvailabilityMonitor?
    private let cache: SingleFlightCache<Int, StoreHealth>
    private let last = NIOLockedValueBox<Bool?>(nil)
    private let onChange: @Sendable (StoreHealth) -> Void

    /// `onChange` is called with the store's answer whenever it flips (and for the first one when it is bad).
    public init(store: any ReportStore, availability: AvailabilityMonitor?, interval: Duration = HealthCheck.defaultInterval,
                clock: @escaping @Sendable () -> ContinuousClock.Instant = { .now },
                onChange: @escaping @Sendable (StoreHealth) -> Void = { _ in }) {
        self.store = store
        self.availability = availability
        self.cache = SingleFlightCache(timeToLive: interval, maxKeys: 1, now: clock)
        self.onChange = onChange
    }

    public func isAvailable() async -> Bool {
        let store = self.store, availability = self.availability, last = self.last, onChange = self.onChange
        let health = try? await cache.value(for: 0) {
            let h = await store.health()
            if h.available { availability?.succeeded() }
            let changed = last.withLockedValue { previous in
                defer { previous = h.available }
                return previous.map { $0 != h.available } ?? !h.available
            }
            if changed { onChange(h) }
            return h
        }
        guard let health else { return false }
        return health.available && (availability?.isAvailable ?? true)
    }

    /// The answer's status and body: exactly `ok` or `unavailable`.
    public static func answer(available: Bool) -> (status: Int, body: String) {
        available ? (200, "ok") : (503, "unavailable")
    }

    /// Store checks made so far (for tests).
    public var checks: Int { get async { await cache.computations } }
}
