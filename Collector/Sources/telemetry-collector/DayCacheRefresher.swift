#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import CollectorEvents
import CollectorHTTP
import CollectorService
import CollectorStore
import Logging
import NIOConcurrencyHelpers
import ServiceLifecycle

/// While serving: stores the counts of closed days on `DayCacheSchedule`, over RetainDays= (read at each run, so a
/// reload applies), then the final cells of the retention cohorts those days show. The only writer of the day cache
/// and the retention cache; summaries only read them.
struct DayCacheRefresher: Service {
    let store: any ReportStore
    let retainDays: NIOLockedValueBox<Int>
    let logger: Logger

    func run() async throws {
        var failures = 0
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            let days = DayCacheSchedule.days(retainDays: retainDays.withLockedValue { $0 }, maxDays: CollectorRoutes.maxSummaryDays)
            let now = Date()
            let next: Date
            do {
                // A stop cancels the pass (the stores stop between days): the first pass over a new or imported history
                // counts up to RetainDays= days, and SIGTERM must not wait for it. What was stored stays.
                let store = self.store, logger = self.logger
                try await cancelWhenGracefulShutdown {
                    let n = try await store.refreshDayCache(days: days, asOf: now)
                    if n > 0 { logger.info("counted \(n) closed day\(n == 1 ? "" : "s") for the day cache (the last \(days) days)") }
                    guard !Task.isCancelled else { return }
                    let cells = try await store.refreshRetentionCache(days: days, asOf: now)
                    if cells > 0 { logger.info("counted \(cells) final retention cell\(cells == 1 ? "" : "s") for the retention cache") }
                }
                failures = 0
                next = DayCacheSchedule.nextRun(after: Date())
            } catch where Task.isShuttingDownGracefully || Task.isCancelled {
                return
            } catch {
                failures += 1
                next = DayCacheSchedule.retry(after: Date(), failures: failures)
                logger.warning("cannot keep the counts of closed days (summaries count them each time until this succeeds; next try in \(Int(next.timeIntervalSinceNow.rounded())) s): \(error)",
                               metadata: CollectorEvent.dayCacheFailed.metadata)
            }
            let wait = max(1, next.timeIntervalSince(Date()))
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: .seconds(wait)) }
        }
    }
}
