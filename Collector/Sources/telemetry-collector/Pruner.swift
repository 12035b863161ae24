#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import CollectorEvents
import CollectorService
import CollectorStore
import Logging
import NIOConcurrencyHelpers
import ServiceLifecycle

/// While serving: prunes raw reports older than RetainDays= at start and every `Retention.interval`.
struct Pruner: Service {
    let store: any ReportStore
    let retainDays: NIOLockedValueBox<Int>
    let logger: Logger

    func run() async throws {
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            let days = retainDays.withLockedValue { $0 }
            do {
                let n = try await store.prune(before: Retention.cutoff(retainDays: days, now: Date()))
                if n > 0 {
                    logger.notice("pruned \(n) raw reports older than \(days) days (RetainDays=)", metadata: CollectorEvent.pruned.metadata)
                }
            } catch {
                logger.warning("pruning failed, will retry in 6 hours: \(error)", metadata: CollectorEvent.pruneFailed.metadata)
            }
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: Retention.interval) }
        }
    }
}
