#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Which days a store may keep counted (the day cache, the retention cache's final cells): every day that ended at
/// least `grace` ago, so yesterday from 00:10 UTC. A report's day is its arrival's, so after midnight only an `import`
/// (or a transaction begun before midnight) can still add to yesterday; the stores take any later report into a
/// counted day out of the caches (SQLite's triggers, PostgreSQL's `day_versions`). The grace covers the one report a
/// store cannot see yet: one in a transaction begun before midnight and committed after the count (ingest and import
/// transactions last seconds). So a summary counts only today from the rollups, with yesterday as soon as it is closed.
public enum ClosedDay {
    /// How long after a day ends it counts as closed.
    public static let grace: TimeInterval = 600
    /// The same as PostgreSQL SQL: the last closed day (days since 1970) by the database's clock, the one clock all
    /// collectors sharing a database agree on.
    public static let lastDaySQL = "((now() AT TIME ZONE 'UTC') - interval '\(Int(grace)) seconds')::date - DATE '1970-01-01' - 1"

    /// The last closed day at `now`.
    public static func last(at now: Date) -> UTCDay {
        UTCDay(now.addingTimeInterval(-grace)).adding(days: -1)
    }
}
