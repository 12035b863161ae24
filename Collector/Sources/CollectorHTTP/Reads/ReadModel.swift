#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import CollectorSummary
import CollectorStore

/// What the reads (`/`, `/api/v1/summary`, `/metrics`) answer from: each summary computed at most once per
/// `ReadCacheSec=` per key and served from memory, concurrent requests of one key waiting for one computation, at
/// most `maxKeys` keys kept. So however many clients loop on the page, the store computes a few summaries every
/// few seconds, and ingest does not feel them.
public final class ReadModel: Sendable {
    public static let defaultTimeToLive: Duration = .seconds(10)
    /// Distinct answers kept (and computed at once). Requests for more distinct keys while all are being computed
    /// get `SingleFlightCacheFull` (503), never an unbounded queue.
    public static let defaultMaxKeys = 16

    /// What one answer depends on. The UTC day is part of it, so a day that ends never serves yesterday's range.
    /// Filters (product, version, …) join here as fields.
    public struct Key: Hashable, Sendable {
        public var days: Int
        public var lastDay: UTCDay
        public init(days: Int, lastDay: UTCDay) {
            self.days = days
            self.lastDay = lastDay
        }
    }

    /// One rendered answer: the summary's key and the form (`html`, `json`).
    public struct RenderedKey: Hashable, Sendable {
        public var key: Key
        public var form: String
    }

    public let store: any ReportStore
    private let cache: SingleFlightCache<Key, Summary>
    /// The page and the JSON as sent: rendering a long range costs more than reading it from the cached summary, so
    /// it is done at most once per period too.
    private let rendered: SingleFlightCache<RenderedKey, [UInt8]>
    private let now: @Sendable () -> Date

    /// `now` is the wall clock (which days), `clock` the monotonic one (how old an answer is).
    public init(store: any ReportStore, timeToLive: Duration = ReadModel.defaultTimeToLive, maxKeys: Int = ReadModel.defaultMaxKeys,
                now: @escaping @Sendable () -> Date = { Date() },
                clock: @escaping @Sendable () -> ContinuousClock.Instant = { .now }) {
        self.store = store
        self.cache = SingleFlightCache(timeToLive: timeToLive, maxKeys: maxKeys, now: clock)
        self.rendered = SingleFlightCache(timeToLive: timeToLive, maxKeys: maxKeys, now: clock)
        self.now = now
    }

    /// The summary of the `days` UTC days ending today.
    public func summary(days: Int) async throws -> Summary {
        let asOf = now()
        let store = self.store
        return try await cache.value(for: Key(days: days, lastDay: UTCDay(asOf))) {
            try await store.summary(days: days, asOf: asOf)
        }
    }

    /// The summary of the `days` UTC days ending today as `render` makes it in `form` (one form, one renderer),
    /// rendered at most once per period.
    public func rendered(days: Int, form: String, render: @escaping @Sendable (Summary) -> [UInt8]) async throws -> [UInt8] {
        let key = Key(days: days, lastDay: UTCDay(now()))
        return try await rendered.value(for: RenderedKey(key: key, form: form)) { [self] in
            render(try await summary(days: days))
        }
    }

    /// `ReadCacheSec=` changed (reload).
    public func setTimeToLive(_ ttl: Duration) async {
        await cache.setTimeToLive(ttl)
        await rendered.setTimeToLive(ttl)
    }

    /// How many summaries the store was asked for so far (for tests and diagnostics).
    public var computations: Int { get async { await cache.computations } }
}
