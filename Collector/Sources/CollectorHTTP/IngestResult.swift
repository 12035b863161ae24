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
    /// 202 to a `forget` report: the install is erased (now, or before with the same key).
    case erased
    /// 403 to a `forget` report: its key does not hash to the one pinned, or none was pinned.
    case erasureRefused = "erasure_refused"
    /// 200, nothing stored: a report of an install erased before (its agent drops it as delivered).
    case erasedInstall = "erased_install"
}
