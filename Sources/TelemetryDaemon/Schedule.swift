#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Logging
import TelemetryCore

/// Turns persisted last-scheduled times (`state.json`) into monotonic due times for the loop, and records each
/// scheduling before the report is built, so a crash right after still counts as this interval's report.
struct Schedule: Sendable {
    let store: DeliveryStateStore
    let logger: Logger

    init(stateDirectory: String, logger: Logger) {
        self.store = DeliveryStateStore(stateDirectory: stateDirectory)
        self.logger = logger
    }

    func plan(config: TelemetryConfig, now: Date, clockNow: ContinuousClock.Instant,
              random: @Sendable (ClosedRange<Double>) -> Double) -> [ReportType: ContinuousClock.Instant] {
        let state = store.load()
        var out: [ReportType: ContinuousClock.Instant] = [:]
        for type in ReportType.allCases {
            let due = SchedulePolicy.firstDue(lastScheduled: state.lastScheduled(type), now: now,
                                              interval: interval(type, config), jitterSeconds: jitter(config, random))
            out[type] = clockNow.advanced(by: .milliseconds(Int64(due.timeIntervalSince(now) * 1000)))
        }
        return out
    }

    func next(_ type: ReportType, config: TelemetryConfig, clockNow: ContinuousClock.Instant,
              random: @Sendable (ClosedRange<Double>) -> Double) -> ContinuousClock.Instant {
        let seconds = interval(type, config).seconds + jitter(config, random)
        return clockNow.advanced(by: .milliseconds(Int64(seconds * 1000)))
    }

    func markScheduled(_ type: ReportType, at date: Date) {
        do throws(FileError) {
            try store.update { $0.lastScheduled[type.rawValue] = date }
        } catch {
            logger.warning("Could not record the schedule in \(store.path): \(error.description); a restart may send this \(type.rawValue) report again",
                           metadata: TelemetryEvent.spoolError.metadata)
        }
    }

    private func jitter(_ config: TelemetryConfig, _ random: @Sendable (ClosedRange<Double>) -> Double) -> Double {
        config.randomizedDelay.seconds > 0 ? random(0...config.randomizedDelay.seconds) : 0
    }
}
