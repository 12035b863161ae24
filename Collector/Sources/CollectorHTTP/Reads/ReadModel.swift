#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import CollectorSummary
import CollectorStore
import NIOConcurrencyHelpers

/// What the reads (`/`, `/api/v1/summary`, `/metrics`) answer from: each summary computed at most once per
/// `ReadCacheSec=` per key and served from memory, concurrent requests of one key waiting for one computation, a
/// bounded number of keys kept. So however many clients loop on the page, the store computes a few summaries every
/// few seconds, and ingest does not feel them.
///
/// Filtered answers (`?product=`, `?version=`) live in a lane of their own, so that asking for many filters can only
/// push other filters out, never the unfiltered answers everyone reads. A filter naming a product or version that no
/// install of the range reported is answered with zeros from the unfiltered summary, without asking the store: so
/// random names cost nothing and take no slot, and the keys that do reach the store are bounded by the products and
/// versions that really report (times the `days=` asked for, each lane holding at most its `maxKeys`). A filter whose
/// names some unfiltered summary has shown before (`SeenLabels`) skips that check: the page links to the versions it
/// shows, so that is the common case, and the check costs a whole summary of the range.
public final class ReadModel: Sendable {
    public static let defaultTimeToLive: Duration = .seconds(10)
    /// Distinct unfiltered answers kept (and computed at once). Requests for more distinct keys while all are being
    /// computed get `SingleFlightCacheFull` (503), never an unbounded queue.
    public static let defaultMaxKeys = 16
    /// Distinct filtered answers kept (and computed at once): /metrics' per-product split uses a few, the rest is for
    /// people picking products and versions.
    public static let defaultMaxFilteredKeys = 32

    /// What one answer depends on. The UTC day is part of it, so a day that ends never serves yesterday's range.
    public struct Key: Hashable, Sendable {
        public var days: Int
        public var lastDay: UTCDay
        public var filter: SummaryFilter
        public init(days: Int, lastDay: UTCDay, filter: SummaryFilter = .all) {
            self.days = days
            self.lastDay = lastDay
            self.filter = filter
        }
    }

    /// One rendered answer: the summary's key and the form (`html`, `json`).
    public struct RenderedKey: Hashable, Sendable {
        public var key: Key
        public var form: String
    }

    /// The caches of one lane: summaries, and the answers rendered from them.
    private struct Lane: Sendable {
        let summaries: SingleFlightCache<Key, Summary>
        /// The page and the JSON as sent: rendering a long range costs more than reading it from the cached summary,
        /// so it is done at most once per period too.
        let rendered: SingleFlightCache<RenderedKey, [UInt8]>

        init(timeToLive: Duration, maxKeys: Int, clock: @escaping @Sendable () -> ContinuousClock.Instant) {
            summaries = SingleFlightCache(timeToLive: timeToLive, maxKeys: maxKeys, now: clock)
            rendered = SingleFlightCache(timeToLive: timeToLive, maxKeys: maxKeys, now: clock)
        }
    }

    public let store: any ReportStore
    private let unfiltered: Lane
    private let filtered: Lane
    private let seen = NIOLockedValueBox(SeenLabels())
    private let now: @Sendable () -> Date

    /// `now` is the wall clock (which days), `clock` the monotonic one (how old an answer is).
    public init(store: any ReportStore, timeToLive: Duration = ReadModel.defaultTimeToLive, maxKeys: Int = ReadModel.defaultMaxKeys,
                maxFilteredKeys: Int = ReadModel.defaultMaxFilteredKeys,
                now: @escaping @Sendable () -> Date = { Date() },
                clock: @escaping @Sendable () -> ContinuousClock.Instant = { .now }) {
        self.store = store
        self.unfiltered = Lane(timeToLive: timeToLive, maxKeys: maxKeys, clock: clock)
        self.filtered = Lane(timeToLive: timeToLive, maxKeys: maxFilteredKeys, clock: clock)
        self.now = now
    }

    private func lane(_ filter: SummaryFilter) -> Lane { filter.isAll ? unfiltered : filtered }

    /// The summary of the `days` UTC days ending today, of the installs `filter` matches.
    public func summary(days: Int, filter: SummaryFilter = .all) async throws -> Summary {
        let asOf = now()
        let store = self.store
        let key = Key(days: days, lastDay: UTCDay(asOf), filter: filter)
        guard !filter.isAll else {
            return try await unfiltered.summaries.value(for: key) { [seen] in
                let whole = try await store.summary(days: days, asOf: asOf)
                seen.withLockedValue { $0.learn(from: whole) }
                return whole
            }
        }
        // Only a product or a version can name what no install reported; `established=1` alone always may match,
        // and needs no unfiltered summary first, nor do names an unfiltered summary has shown.
        guard filter.product != nil || filter.version != nil, !seen.withLockedValue({ $0.covers(filter) }) else {
            return try await filtered.summaries.value(for: key) { try await store.summary(days: days, asOf: asOf, filter: filter) }
        }
        let whole = try await summary(days: days)
        guard Self.mayMatch(filter, whole) else {
            var zeros = Summary.empty(days: days, lastDay: key.lastDay)
            zeros.products = whole.products
            return zeros
        }
        return try await filtered.summaries.value(for: key) { try await store.summary(days: days, asOf: asOf, filter: filter) }
    }

    /// Whether any install of `whole` (the unfiltered summary of the same range) can match `filter`: its product is
    /// among the range's products and its version among the range's version labels (as `byProductVersion` shows
    /// them, so a link from the page's versions table always matches).
    static func mayMatch(_ filter: SummaryFilter, _ whole: Summary) -> Bool {
        if let product = filter.product, !whole.products.contains(product) { return false }
        if let version = filter.version, !whole.days.contains(where: { $0.byProductVersion[version] != nil }) { return false }
        return true
    }

    /// The summary of the `days` UTC days ending today, of the installs `filter` matches, as `render` makes it in
    /// `form` (one form, one renderer), rendered at most once per period.
    public func rendered(days: Int, filter: SummaryFilter = .all, form: String,
                         render: @escaping @Sendable (Summary) -> [UInt8]) async throws -> [UInt8] {
        let key = Key(days: days, lastDay: UTCDay(now()), filter: filter)
        return try await lane(filter).rendered.value(for: RenderedKey(key: key, form: form)) { [self] in
            render(try await summary(days: days, filter: filter))
        }
    }

    /// `ReadCacheSec=` changed (reload).
    public func setTimeToLive(_ ttl: Duration) async {
        for lane in [unfiltered, filtered] {
            await lane.summaries.setTimeToLive(ttl)
            await lane.rendered.setTimeToLive(ttl)
        }
    }

    /// How many summaries the store was asked for so far (for tests and diagnostics).
    public var computations: Int { get async { await unfiltered.summaries.computations + filtered.summaries.computations } }

    /// Filtered summaries held now (for tests: the filtered lane stays within its bound).
    public var filteredKeys: Int { get async { await filtered.summaries.count } }
}
