#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import ReportValidation

/// One report of `ReportStore.insert(batch:)`, with the time it counts on (`insert`'s `receivedAt`).
public struct ReportToStore: Sendable {
    public var report: ValidatedReport
    public var receivedAt: Date

    public init(_ report: ValidatedReport, receivedAt: Date) {
        self.report = report
        self.receivedAt = receivedAt
    }
}
