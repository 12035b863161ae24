/// A systemd time span (`6h`, `15min`, `1h 30min`), kept in microseconds like systemd's `usec_t`.
///
/// `TimeSpan.infinity` (`UInt64.max` microseconds) is systemd's `USEC_INFINITY`; the parser accepts
/// "infinity" but telemetryd's keys reject it.
public struct TimeSpan: Sendable, Hashable, Comparable, CustomStringConvertible {
    public var microseconds: UInt64
    public init(microseconds: UInt64) { self.microseconds = microseconds }
    /// Saturates at `TimeSpan.infinity` instead of trapping on overflow.
    public init(seconds: UInt64) {
        let (v, overflow) = seconds.multipliedReportingOverflow(by: 1_000_000)
        self.microseconds = overflow ? .max : v
    }
    public var seconds: Double { Double(microseconds) / 1_000_000 }
    public var duration: Duration { .microseconds(Int64(clamping: microseconds)) }
    public static func < (a: TimeSpan, b: TimeSpan) -> Bool { a.microseconds < b.microseconds }
    /// Like systemd's `format_timespan(…, accuracy=1us)`: "6h", "5h 59min", "30s", "1h 30min", "1.500000s".
    /// The result parses back to the same value with `TimeSpan(parsing:)`.
    public var description: String { formatted() }
}
