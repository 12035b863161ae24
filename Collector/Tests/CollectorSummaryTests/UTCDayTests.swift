import Foundation
import CollectorSummary
import Testing

@Suite struct UTCDayTests {
    @Test func daysAndText() {
        #expect(UTCDay(Date(timeIntervalSince1970: 0)).description == "1970-01-01")
        #expect(UTCDay(Date(timeIntervalSince1970: 1_796_083_200)).description == "2026-12-01")
        #expect(UTCDay(Date(timeIntervalSince1970: 1_796_083_199)).description == "2026-11-30")   // one second before midnight UTC
        #expect(UTCDay(Date(timeIntervalSince1970: -1)).description == "1969-12-31")
        #expect(UTCDay("2024-02-29")?.adding(days: 1).description == "2024-03-01")
        #expect(UTCDay("2023-02-29") == nil)
        #expect(UTCDay("2026-1-01") == nil)
        #expect(UTCDay("2026-12-01")?.start == Date(timeIntervalSince1970: 1_796_083_200))
    }

    @Test func roundTripsEveryDayOfFourHundredYears() {
        for n in stride(from: -1000, through: 146_097 + 1000, by: 1) {
            let d = UTCDay(daysSinceEpoch: n)
            #expect(UTCDay(d.description) == d)
        }
    }

    @Test(arguments: [("2026-12-07", "2026-12-07", "2026-W50"), ("2026-12-06", "2026-11-30", "2026-W49"),
                      ("2021-01-03", "2020-12-28", "2020-W53"), ("2024-12-30", "2024-12-30", "2025-W01"),
                      ("1970-01-01", "1969-12-29", "1970-W01"), ("1969-12-28", "1969-12-22", "1969-W52")])
    func isoWeek(_ day: String, _ monday: String, _ week: String) throws {
        let d = try #require(UTCDay(day))
        #expect(d.isoWeekStart.description == monday)
        #expect(d.isoWeek == week)
    }
}
