import Foundation
import CollectorCore
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
}

@Suite struct BucketsTests {
    @Test func cores() {
        #expect([1, 2, 3, 4, 5, 8, 9, 16, 64, 65, 128, 129, 4096].map { Buckets.cores($0) ?? "-" }
                == ["1", "2", "3-4", "3-4", "5-8", "5-8", "9-16", "9-16", "33-64", "65-128", "65-128", "129+", "129+"])
        #expect(Buckets.cores(nil) == nil)
        #expect(Buckets.cores(0) == nil)
    }

    @Test func memoryLowerBoundIncluded() {
        let gib: Int64 = 1 << 30
        #expect(Buckets.memory(0) == "<2GiB")
        #expect(Buckets.memory(2 * gib - 1) == "<2GiB")
        #expect(Buckets.memory(2 * gib) == "2-4GiB")
        #expect(Buckets.memory(4 * gib) == "4-8GiB")
        #expect(Buckets.memory(8 * gib - 1) == "4-8GiB")
        #expect(Buckets.memory(511 * gib) == "256-512GiB")
        #expect(Buckets.memory(512 * gib) == "512GiB+")
        #expect(Buckets.memory(nil) == nil)
        // Every label is in the display order.
        for e in 0..<62 { #expect(Buckets.memoryOrder.contains(Buckets.memory(Int64(1) << e) ?? "")) }
    }

    @Test func os() {
        #expect(Buckets.os(id: "debian", versionId: "12") == "debian 12")
        #expect(Buckets.os(id: "arch", versionId: nil) == "arch")
        #expect(Buckets.os(id: nil, versionId: "12") == nil)
    }
}

@Suite struct BearerTokensTests {
    @Test func fileLinesCommentsAndBlanks() {
        let t = BearerTokens(fileText: "# vendor tokens\n\n  alpha \r\nbeta\n")
        #expect(t.tokens.map { String(decoding: $0, as: UTF8.self) } == ["alpha", "beta"])
        #expect(t.accepts(authorization: "Bearer alpha"))
        #expect(t.accepts(authorization: "bearer beta"))
        #expect(!t.accepts(authorization: "Bearer alph"))
        #expect(!t.accepts(authorization: "Bearer alphaa"))
        #expect(!t.accepts(authorization: "Basic alpha"))
        #expect(!t.accepts(authorization: nil))
        #expect(!t.accepts(authorization: "Bearer "))
    }

    @Test func noTokensIsOpen() {
        #expect(BearerTokens.open.accepts(authorization: nil))
        #expect(BearerTokens(fileText: "# none\n").isOpen)
    }
}

@Suite struct ImportSplitterTests {
    func split(_ s: String) -> [(Int, String)] {
        ImportSplitter.reports(in: Array(s.utf8)).map { ($0.line, String(decoding: $0.body, as: UTF8.self)) }
    }

    @Test func jsonLinesWithBlanksAndCRLF() {
        let r = split("{\"a\":1}\r\n\n{\"b\":2}\n")
        #expect(r.map(\.0) == [1, 3])
        #expect(r.map(\.1) == ["{\"a\":1}", "{\"b\":2}"])
    }

    @Test func onePrettyPrintedReport() {
        let r = split("{\n  \"a\": 1,\n  \"b\": [1,\n 2]\n}\n")
        #expect(r.count == 1)
        #expect(r.first?.0 == 1)
    }

    @Test func brokenLinesStayLines() {
        // Not one object either: each line is judged (and rejected) on its own.
        #expect(split("{\"a\":\nnonsense\n").count == 2)
    }
}

@Suite struct SummaryAssemblerTests {
    @Test func rangeUnknownAndLostCutoff() {
        let last = UTCDay("2026-12-10")!
        var a = SummaryAssembler(days: 10, lastDay: last)
        a.addActive(day: last, count: 3)
        a.addActive(day: last.adding(days: 1), count: 99)   // after the range: ignored
        a.add(.os, day: last, label: nil, count: 1)
        a.add(.os, day: last, label: "debian 12", count: 2)
        a.addLost(day: last.adding(days: -7), count: 1)     // 7 days ago: lost
        a.addLost(day: last.adding(days: -6), count: 5)     // 6 days ago: not yet
        a.addClusters(size: 3, clusters: 2)
        a.addClusters(size: 1, clusters: 9)
        let s = a.build()
        #expect(s.days.count == 10)
        #expect(s.days.first?.date.description == "2026-12-01")
        #expect(s.activeInstalls == 3)
        #expect(s.days.last?.byOS == ["unknown": 1, "debian 12": 2])
        #expect(s.days.map(\.lostInstalls) == [0, 0, 1, 0, 0, 0, 0, 0, 0, 0])
        #expect(s.clusters == ClusterSummary(count: 2, installs: 6, bySize: ["3": 2]))
    }

    @Test func jsonFormIsTheAPIs() throws {
        let s = SummaryAssembler(days: 1, lastDay: UTCDay("2026-12-01")!).build()
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys]
        let text = String(decoding: try e.encode(s), as: UTF8.self)
        #expect(text.hasPrefix(#"{"activeInstalls":0,"clusters":{"bySize":{},"count":0,"installs":0},"days":[{"activeInstalls":0,"byArch":{}"#))
        #expect(text.contains(#""date":"2026-12-01""#))
        #expect(text.contains(#""byProductVersion":{}"#))
    }
}

@Suite struct DatabaseAvailabilityTests {
    @Test func anOutageIsOneChangeAtItsStartAndOneAtItsEnd() {
        var a = DatabaseAvailability()
        #expect(a.succeeded(now: 0) == nil)
        #expect(a.failed(reason: "refused", now: 10) == .becameUnavailable(reason: "refused"))
        #expect(a.failed(reason: "refused", now: 11) == nil)
        #expect(a.failed(reason: "timeout", now: 12) == nil)
        #expect(!a.isAvailable && a.failedReports == 3)
        #expect(a.succeeded(now: 40.4) == .becameAvailable(failedReports: 3, seconds: 30))
        #expect(a.succeeded(now: 41) == nil)
        #expect(a.isAvailable && a.failedReports == 0)
        // The next outage counts from zero.
        #expect(a.failed(reason: "disk full", now: 50) == .becameUnavailable(reason: "disk full"))
        #expect(a.succeeded(now: 51) == .becameAvailable(failedReports: 1, seconds: 1))
    }
}
