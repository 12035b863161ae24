import CollectorEdge
@testable import CollectorHTTP
import Logging
import NIOConcurrencyHelpers
import Testing

@Suite("ServerEdge: waking the accept gate")
struct ServerEdgeTests {
    /// The accept gate's waker runs on every request's end (`setIdle`) and every close. Kept as a bare closure in a
    /// generic lock box, reading it out through the box's `inout` re-wrapped the stored closure in two more
    /// reabstraction thunks on every wake: after n wakes a wake ran 2n nested calls (half the collector's CPU at
    /// saturation, and a stack overflow at the end of a long enough run). A closure that is called from a fixed
    /// depth has its locals at the same stack address every time; the chain would put the thousandth call tens of
    /// kilobytes deeper than the first.
    @Test func aWakeCostsTheSameAfterAThousandWakes() {
        let edge = ServerEdge(maxConnections: 4, timeouts: ConnectionTimeouts(), logger: Logger(label: "test"))
        let depths = NIOLockedValueBox<[UInt]>([])
        edge.setWaker {
            var local = 0
            let address = withUnsafeMutablePointer(to: &local) { UInt(bitPattern: $0) }
            depths.withLockedValue { $0.append(address) }
        }
        for _ in 0..<1000 { edge.setIdle(1, true) }
        let seen = depths.withLockedValue { $0 }
        #expect(seen.count == 1000, "every wake reaches the waker")
        if let first = seen.first, let last = seen.last {
            let deeper = first > last ? first - last : 0
            #expect(deeper < 1024, "the 1000th wake ran \(deeper) bytes of stack deeper than the first")
        }
    }
}
