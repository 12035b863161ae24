#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// RetainDays=: which raw reports `prune` (and `serve`, every `interval`) deletes. Rollups stay, so answers do
/// not change.
public enum Retention {
    /// How often `serve` prunes, after the first time at start.
    public static let interval: Duration = .seconds(6 * 3600)

    /// Reports received before this instant's UTC day are older than `retainDays` days.
    public static func cutoff(retainDays: Int, now: Date) -> Date {
        now.addingTimeInterval(-Double(retainDays) * 86_400)
    }
}
