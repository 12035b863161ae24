import CollectorHTTP
import Testing

@Suite struct SingleFlightCacheTests {
    struct Boom: Error {}

    /// Waits (without sleeping) until `condition` holds, yielding to the tasks that make it hold.
    static func until(_ condition: () async -> Bool) async {
        for _ in 0..<100_000 where await !condition() { await Task.yield() }
    }

    @Test func concurrentCallersShareOneComputation() async throws {
        let clock = ManualClock()
        let cache = SingleFlightCache<Int, Int>(timeToLive: .seconds(10), maxKeys: 4, now: clock.function)
        let gate = Gate(), computed = Counter()
        let results = try await withThrowingTaskGroup(of: Int.self) { group in
            for _ in 0..<20 {
                group.addTask { try await cache.value(for: 7) { computed.next(); await gate.wait(); return 42 } }
            }
            // Every caller is in: one computes, nineteen wait for it.
            await Self.until { await cache.joins == 19 }
            gate.open()
            var all: [Int] = []
            for try await r in group { all.append(r) }
            return all
        }
        #expect(results == Array(repeating: 42, count: 20))
        #expect(computed.value == 1)
        #expect(await cache.computations == 1)
    }

    @Test func servedFromMemoryUntilTheTimeToLivePasses() async throws {
        let clock = ManualClock()
        let cache = SingleFlightCache<Int, Int>(timeToLive: .seconds(10), maxKeys: 4, now: clock.function)
        let computed = Counter()
        let compute: @Sendable () async throws -> Int = { computed.next() }
        #expect(try await cache.value(for: 1, compute: compute) == 1)
        clock.advance(by: .seconds(9))
        #expect(try await cache.value(for: 1, compute: compute) == 1)
        clock.advance(by: .seconds(1))
        #expect(try await cache.value(for: 1, compute: compute) == 2)
        // Another key is computed on its own.
        #expect(try await cache.value(for: 2, compute: compute) == 3)
        #expect(computed.value == 3)
        // A shorter time to live (reload) applies to values computed afterwards.
        await cache.setTimeToLive(.seconds(1))
        clock.advance(by: .seconds(10))
        #expect(try await cache.value(for: 1, compute: compute) == 4)
        clock.advance(by: .seconds(1))
        #expect(try await cache.value(for: 1, compute: compute) == 5)
    }

    @Test func failuresAreSharedButNotKept() async throws {
        let cache = SingleFlightCache<Int, Int>(timeToLive: .seconds(10), maxKeys: 4, now: ManualClock().function)
        await #expect(throws: Boom.self) { try await cache.value(for: 1) { throw Boom() } }
        #expect(try await cache.value(for: 1) { 5 } == 5)
        #expect(await cache.computations == 2)
    }

    @Test func atMostMaxKeysKeptLeastRecentlyUsedGoesFirst() async throws {
        let clock = ManualClock()
        let cache = SingleFlightCache<Int, Int>(timeToLive: .seconds(10), maxKeys: 3, now: clock.function)
        for k in 1...3 { _ = try await cache.value(for: k) { k } }
        _ = try await cache.value(for: 1) { -1 }          // 1 used again: 2 is now the least recently used
        _ = try await cache.value(for: 4) { 4 }
        #expect(await cache.count == 3)
        #expect(try await cache.value(for: 1) { -1 } == 1)  // kept
        #expect(try await cache.value(for: 2) { -2 } == -2) // evicted, computed again
        // A thousand distinct keys never hold more than three.
        for k in 100..<1100 { _ = try await cache.value(for: k) { k } }
        #expect(await cache.count == 3)
    }

    @Test func whenEveryKeyIsComputingANewKeyIsRefused() async throws {
        let cache = SingleFlightCache<Int, Int>(timeToLive: .seconds(10), maxKeys: 2, now: ManualClock().function)
        let gate = Gate(), started = Counter()
        try await withThrowingTaskGroup(of: Void.self) { group in
            for k in 1...2 { group.addTask { _ = try await cache.value(for: k) { started.next(); await gate.wait(); return k } } }
            await Self.until { started.value == 2 }
            await #expect(throws: SingleFlightCacheFull.self) { try await cache.value(for: 3) { 3 } }
            gate.open()
            try await group.waitForAll()
        }
        // Once they are done, they are ordinary entries and make room.
        #expect(try await cache.value(for: 3) { 3 } == 3)
    }
}
