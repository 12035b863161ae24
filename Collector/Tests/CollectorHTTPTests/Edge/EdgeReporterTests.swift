import CollectorEdge
@testable import CollectorHTTP
import Testing

@Suite("The edge in the journal: counts, never addresses")
struct EdgeReporterTests {
    @Test func nothingHappenedSaysNothing() {
        #expect(EdgeReporter.line(refused: [:], closed: [:]) == nil)
        #expect(EdgeReporter.line(refused: [:], closed: [.idle: 40]) == nil, "idle closes are routine")
    }

    @Test func oneLineWithEveryCount() {
        let line = EdgeReporter.line(refused: [.networkRate: 12, .networkNewInstalls: 3], closed: [.requestTimeout: 1, .evicted: 7])
        #expect(line == "in the last minute: 15 reports answered 429 (12 network reports per minute, 3 network new installs per day); 1 request cut off at RequestTimeoutSec= (408); 7 idle connections closed to make room at MaxConnections=")
    }
}
