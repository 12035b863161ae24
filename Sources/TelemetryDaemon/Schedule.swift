#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Logging
import TelemetryCore

/// Turns persisted last-scheduled times into monotonic due times. (Placeholder until the persisted policy lands.)
struct Schedule: Sendable {
    let stateDirectory: String
    let logger: Logger

    func plan(config: TelemetryConfig, now: ContinuousClock.Instant, random: @Sendable (ClosedRange<Double>) -> Double) -> [ReportType: ContinuousClock.Instant] {
        var out: [ReportType: ContinuousClock.Instant] = [:]
        for type in ReportType.allCases {
            let jitter = config.randomizedDelay.seconds > 0 ? random(0...config.randomizedDelay.seconds) : 0
            out[type] = now.advanced(by: .milliseconds(Int64(jitter * 1000)))
        }
        return out
    }

    func markScheduled(_ type: ReportType, at: Date) {}
}
