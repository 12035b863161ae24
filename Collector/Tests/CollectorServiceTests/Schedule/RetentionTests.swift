import CollectorService
import Foundation
import Testing

@Suite struct RetentionTests {
    @Test func theCutoffIsRetainDaysBeforeNow() {
        let now = Date(timeIntervalSince1970: 1_796_083_200 + 3600)
        #expect(Retention.cutoff(retainDays: 1, now: now) == Date(timeIntervalSince1970: 1_796_083_200 + 3600 - 86_400))
        #expect(Retention.cutoff(retainDays: 400, now: now) == now.addingTimeInterval(-400 * 86_400))
    }
}
