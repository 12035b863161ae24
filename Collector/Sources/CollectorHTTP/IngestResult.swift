/// Every way a POST ends, as `telemetry_reports_total{result=…}` counts it.
public enum IngestResult: String, Sendable, CaseIterable {
    case new
    case duplicate
    case invalid
    case unauthorized
    case tooLarge = "too_large"
    case unsupportedMediaType = "unsupported_media_type"
    case unavailable
    /// 429: over `NetworkReportsPerMinute=`, `NetworkNewInstallsPerDay=` or `InstanceReportsPerDay=`.
    case rateLimited = "rate_limited"
}
