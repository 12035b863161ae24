import TelemetryCore
import ConfigGrammar

extension TimeSpan {
    /// A non-negative duration, rounded to microseconds.
    init(duration: Duration) {
        self.init(microseconds: UInt64(max(0, duration.inSeconds * 1_000_000).rounded()))
    }
}
