#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import CollectorSummary
import ReportValidation

/// Where the collector keeps reports and how it answers from them. One protocol, two implementations
/// (SQLite for one machine, PostgreSQL for many collectors behind a load balancer), held to the same
/// behaviour by `ReportStoreConformance`. The semantics are written down in Collector/README.md
/// ("The ReportStore contract"); in short:
///
/// - `insert` keeps the report under its unique `messageId`: a second insert of the same id changes
///   nothing and answers `.duplicate`, also when two collectors race on it.
/// - The install's day is the UTC day of `receivedAt` (the HTTP ingest passes the arrival time, `import`
///   the report's own timestamp). Per install and day the store keeps one rollup row; reads use only rollups.
/// - `prune(before:)` deletes raw reports received before that day; rollups and first/last-seen days stay,
///   so summaries do not change.
/// - `summary` only reads: it writes nothing, whatever `days` is (an anonymous `?days=3660` must not grow the
///   database). Counts of closed days kept for later summaries (a day cache) are written only by
///   `refreshDayCache`, which the collector runs on its own schedule over a range it chooses.
/// - Erasure (Collector/README.md, "Erasure on request"): `insert` pins the install's first `erasureKeyHash` (a later,
///   different one is ignored: the report is stored, the pin stays); `forget` deletes the install's raw reports and
///   per-install rows in one transaction when the presented key's hash equals the pinned one and remembers the install
///   only by the SHA-256 of its ID; from then on `insert` stores nothing of it and answers `.erased`.
/// - Any failure to reach or use the database throws `StoreError.unavailable` (the ingest answers 503 and
///   the agent keeps the report spooled). A value of the report the database refuses is the report's fault,
///   not an outage: `insert` throws `StoreError.rejected` (the ingest answers 400; a retry would fail again).
public protocol ReportStore: Sendable {
    /// `sqlite` or `postgresql`, for logs and `/healthz`.
    var kind: String { get }

    /// Creates or upgrades the schema. Safe to call on every start and from several collectors at once.
    func migrate() async throws

    /// Stores a validated report and updates the rollups, atomically; `.erased` (nothing stored) for an install erased
    /// before. A `forget` report is never inserted (`forget` is its call): `StoreError.invalidRequest`.
    func insert(_ report: ValidatedReport, receivedAt: Date) async throws -> InsertOutcome

    /// Stores the reports in order, as `insert` would one after another, committed together (one transaction where the
    /// store has them: one commit for many reports). One answer per report, in order: its `InsertOutcome`, or the
    /// `StoreError` that is the report's own fault (`.rejected`, `.invalidRequest` for a forget report), which costs
    /// only that report. A failure of the database throws `StoreError.unavailable`; then some of the batch may be
    /// stored (inserting them again answers `.duplicate`).
    func insert(batch: [ReportToStore]) async throws -> [Result<InsertOutcome, StoreError>]

    /// Erases the install when SHA-256 of its erasure key (`erasureKeyHash`, hex) equals the hash pinned at its first
    /// report, comparing in constant time: its raw reports and every per-install row are deleted and the ID is kept
    /// only as `ErasureHash.ofInstance`, in one transaction. Closed days' totals in the day cache stay (they name no
    /// install). Idempotent: the same key again answers `.alreadyErased`.
    func forget(instanceId: String, erasureKeyHash: String) async throws -> ForgetOutcome

    /// Whether any report of this install was ever stored (the ingest's limit on new installs per network asks
    /// once per install and day).
    func knowsInstall(_ instanceId: String) async throws -> Bool

    /// The `days` UTC days ending with the day `asOf` falls on (`days` ≥ 1), counting only the installs `filter`
    /// matches (`Summary.products` lists every product of the range whatever the filter). Reads only; writes nothing.
    func summary(days: Int, asOf: Date, filter: SummaryFilter) async throws -> Summary

    /// Counts the closed days among the `days` UTC days ending with `asOf`'s day that the store's day cache lacks
    /// (or holds outdated) and keeps them for later summaries; returns how many days it stored. The only writer of
    /// the day cache; a summary answers the same with or without it, only faster.
    @discardableResult func refreshDayCache(days: Int, asOf: Date) async throws -> Int

    /// Counts the final cells of the retention cohorts a summary of the `days` days ending with `asOf`'s day shows
    /// (`RetentionPlan`: cells whose activity week is closed) that the store's retention cache lacks, keeps them, and
    /// returns how many cells it stored; may drop cells of cohorts older than any summary shows. The only writer of the
    /// retention cache; a summary answers the same with or without it, only faster.
    @discardableResult func refreshRetentionCache(days: Int, asOf: Date) async throws -> Int

    /// How many retention cells `summary(days:asOf:filter:)` would count from the rollups now (the others it reads from
    /// the retention cache): what keeps a summary's cost flat as history grows. Reads only.
    func retentionCellsToCount(days: Int, asOf: Date, filter: SummaryFilter) async throws -> Int

    /// Deletes raw reports received before the UTC day of `before`; returns how many.
    @discardableResult func prune(before: Date) async throws -> Int

    /// After a bulk load (`import`): brings the database's planner statistics up to date with the rows just stored, so
    /// the first reads and the day cache's first count are planned for what is there rather than for the empty tables
    /// of before. A store whose database needs nothing of the kind does nothing.
    func updateStatistics() async throws

    /// Whether the database answers now; never throws.
    func health() async -> StoreHealth

    /// Closes connections; the store is unusable afterwards.
    func close() async
}

extension ReportStore {
    /// Every install, whatever its product.
    public func summary(days: Int, asOf: Date) async throws -> Summary {
        try await summary(days: days, asOf: asOf, filter: .all)
    }

    /// One `insert` after another: for a store without transactions of its own.
    public func insert(batch: [ReportToStore]) async throws -> [Result<InsertOutcome, StoreError>] {
        try await insertOneByOne(batch)
    }

    /// `insert(batch:)` as single inserts: the default, and a store's fallback when its transaction fails because of one
    /// report (the others are then stored on their own, the culprit answered).
    public func insertOneByOne(_ batch: [ReportToStore]) async throws -> [Result<InsertOutcome, StoreError>] {
        var outcomes: [Result<InsertOutcome, StoreError>] = []
        outcomes.reserveCapacity(batch.count)
        for item in batch {
            do {
                outcomes.append(.success(try await insert(item.report, receivedAt: item.receivedAt)))
            } catch let e as StoreError {
                switch e {
                case .rejected, .invalidRequest: outcomes.append(.failure(e))
                case .unavailable, .incompatible: throw e
                }
            }
        }
        return outcomes
    }

    /// Nothing to update by default.
    public func updateStatistics() async throws {}

    /// A store that keeps no day cache has nothing to refresh.
    @discardableResult public func refreshDayCache(days: Int, asOf: Date) async throws -> Int { 0 }

    /// A store that keeps no retention cache has nothing to refresh.
    @discardableResult public func refreshRetentionCache(days: Int, asOf: Date) async throws -> Int { 0 }

    /// A store that keeps no retention cache counts every cell of the summary.
    public func retentionCellsToCount(days: Int, asOf: Date, filter: SummaryFilter) async throws -> Int {
        let a = SummaryAssembler(days: days, lastDay: UTCDay(asOf))
        return RetentionPlan(a, closed: a.lastDay).cells.count
    }
}

public enum InsertOutcome: String, Sendable, Equatable {
    /// Stored now.
    case new
    /// A report with this `messageId` was stored before; nothing changed.
    case duplicate
    /// The install was erased at its request: nothing of it is stored again.
    case erased
}

/// What `ReportStore.forget` did.
public enum ForgetOutcome: Sendable, Equatable {
    /// Erased now: `reports` raw reports deleted with the install's per-install rows.
    case erased(reports: Int)
    /// Erased before with this key: nothing left to delete.
    case alreadyErased
    /// Nothing erased: the key does not prove ownership.
    case refused(ForgetRefusal)
}

public enum ForgetRefusal: String, Sendable, Equatable, CustomStringConvertible {
    /// The key's hash is not the one pinned (or the one the install was erased with).
    case wrongKey
    /// No hash was ever pinned for this install (unknown, or only reports of agents before erasure).
    case noPinnedKey

    public var description: String {
        switch self {
        case .wrongKey: "the erasure key does not match the erasureKeyHash this install sent first; nothing was erased"
        case .noPinnedKey: "this collector holds no erasureKeyHash for this install (never seen, or only from agents before erasure), so nothing proves the request comes from it; nothing was erased"
        }
    }
}

public struct StoreHealth: Sendable, Equatable, Codable {
    public var available: Bool
    /// `ok`, or what is wrong (no secrets, no client data).
    public var detail: String
    public init(available: Bool, detail: String) {
        self.available = available
        self.detail = detail
    }
}

public enum StoreError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The database cannot be reached or used right now (locked, disk full, connection refused, …).
    case unavailable(String)
    /// A caller error: what was asked for cannot be answered (e.g. `days` < 1).
    case invalidRequest(String)
    /// The database holds something this version cannot read (a newer schema, a damaged row).
    case incompatible(String)
    /// The database refused a value of this report (a character it cannot store, a value out of range): the
    /// report's fault, answered 400, never an outage.
    case rejected(String)

    public var description: String {
        switch self {
        case .unavailable(let s): return "database unavailable: \(s)"
        case .invalidRequest(let s): return s
        case .incompatible(let s): return "database incompatible: \(s)"
        case .rejected(let s): return "the database refused a value of the report: \(s)"
        }
    }
}
