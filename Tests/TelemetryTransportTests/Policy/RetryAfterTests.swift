import Foundation
import Testing
@testable import TelemetryTransport

/// The Retry-After header: delta-seconds and IMF-fixdate, capped.
@Suite struct RetryAfterTests {
    @Test func retryAfterDeltaSeconds() {
        let now = Date(timeIntervalSince1970: 0)
        #expect(RetryAfter.parse("120", now: now) == .seconds(120))
        #expect(RetryAfter.parse(" 0 ", now: now) == .zero)
        #expect(RetryAfter.parse("999999999", now: now) == RetryAfter.cap)
        #expect(RetryAfter.parse("99999999999999999999999", now: now) == RetryAfter.cap)
        #expect(RetryAfter.parse("-5", now: now) == nil)
        #expect(RetryAfter.parse("soon", now: now) == nil)
        #expect(RetryAfter.parse("", now: now) == nil)
    }

    @Test func retryAfterIMFFixdate() {
        // Sun, 06 Nov 1994 08:49:37 GMT is 784111777.
        let date = "Sun, 06 Nov 1994 08:49:37 GMT"
        #expect(RetryAfter.parse(date, now: Date(timeIntervalSince1970: 784_111_777 - 90)) == .seconds(90))
        #expect(RetryAfter.parse(date, now: Date(timeIntervalSince1970: 784_111_777 + 5)) == .zero)
        #expect(RetryAfter.parse(date, now: Date(timeIntervalSince1970: 0)) == RetryAfter.cap)
        #expect(RetryAfter.parse("Sun, 06 Nov 1994 08:49:37 CET", now: Date()) == nil)
        #expect(RetryAfter.parse("Sunday, 06-Nov-94 08:49:37 GMT", now: Date()) == nil)
        #expect(RetryAfter.parse("Mon, 29 Feb 2027 25:00:00 GMT", now: Date()) == nil)
        // Leap day handled by the civil-date arithmetic: Thu, 29 Feb 2024 00:00:00 GMT = 1709164800.
        #expect(RetryAfter.parse("Thu, 29 Feb 2024 00:00:10 GMT", now: Date(timeIntervalSince1970: 1_709_164_800)) == .seconds(10))
    }
}
