#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Logging
import TelemetryCore
import TelemetryWire
import FileSupport

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
        var state: DeliveryState
        do throws(FileError) {
            state = try store.load()
        } catch {
            // Never written over (update refuses too): the operator can repair or move it away. Meanwhile plan as if
            // every type had just been sent: a lost schedule must not make a restart send early.
            logger.warning("Cannot read the schedule: \(error.description); the next reports wait one interval, and the schedule is not recorded until the file is fixed",
                           metadata: TelemetryEvent.scheduleUnreadable.metadata)
            state = DeliveryState()
            for type in ReportType.scheduled { state.lastScheduled[type.rawValue] = now }
        }
        var out: [ReportType: ContinuousClock.Instant] = [:]
        var dates: [ReportType: Date] = [:]
        for type in ReportType.scheduled {
            let due = SchedulePolicy.firstDue(lastScheduled: state.lastScheduled(type), now: now,
                                              interval: interval(type, config), jitterSeconds: jitter(config, random))
            dates[type] = due
            out[type] = clockNow.advanced(by: .milliseconds(Int64(due.timeIntervalSince(now) * 1000)))
        }
        save { state in for (type, due) in dates { state.nextDue[type.rawValue] = due } }
        return out
    }

    func next(_ type: ReportType, config: TelemetryConfig, clockNow: ContinuousClock.Instant,
              random: @Sendable (ClosedRange<Double>) -> Double) -> ContinuousClock.Instant {
        let seconds = interval(type, config).seconds + jitter(config, random)
        return clockNow.advanced(by: .milliseconds(Int64(seconds * 1000)))
    }

    /// Records that `type` was scheduled at `date` and when it is next due, before the report is built.
    func markScheduled(_ type: ReportType, at date: Date, nextDue: Date) {
        save { state in
            state.lastScheduled[type.rawValue] = date
            state.nextDue[type.rawValue] = nextDue
        }
    }

    /// After a wall-clock step: the wall-clock due times `status` shows, recomputed from the monotonic schedule.
    func rewriteNextDue(_ dates: [ReportType: Date]) {
        save { state in for (type, due) in dates { state.nextDue[type.rawValue] = due } }
    }

    private func save(_ body: (inout DeliveryState) -> Void) {
        do throws(FileError) {
            try store.update(body)
        } catch {
            logger.warning("Could not record the schedule in \(store.path): \(error.description); a restart may send a report early",
                           metadata: TelemetryEvent.scheduleNotRecorded.metadata)
        }
    }

    private func jitter(_ config: TelemetryConfig, _ random: @Sendable (ClosedRange<Double>) -> Double) -> Double {
        config.randomizedDelay.seconds > 0 ? random(0...config.randomizedDelay.seconds) : 0
    }
}
