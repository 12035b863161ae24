/// What an HTTP status means for a report (README, "Reports"). Pure.
public enum ResponseClassifier {
    public enum Verdict: Sendable, Equatable {
        case delivered
        case retry
        /// 401, 403: a credential problem the operator can fix; the report stays spooled.
        case credentialRejected
        case rejected
    }

    /// 2xx delivered; 408, 429 and 5xx retried; 401 and 403 kept for a fixed token; everything else rejected,
    /// including 3xx: redirects are not followed, so a report is never re-posted somewhere the operator did not
    /// configure.
    public static func classify(status: Int) -> Verdict {
        switch status {
        case 200...299: .delivered
        case 408, 429, 500...599: .retry
        case 401, 403: .credentialRejected
        default: .rejected
        }
    }
}
