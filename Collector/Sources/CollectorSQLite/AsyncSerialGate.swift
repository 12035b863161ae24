// One operation at a time on a shared resource, across suspension points, in arrival order.
// An actor alone does not do this (it is re-entrant at every `await`, so two transactions on one SQLite
// connection would interleave), and no package in reach offers an async mutex; hence this small one.
//
// The queue is bounded: when `maxWaiting` operations already wait, the next one fails at once with
// `StoreError.unavailable` (an ingest answers 503 + Retry-After, a read 503) instead of piling up memory and
// latency behind a database that cannot keep up.

import CollectorStore

actor AsyncSerialGate {
    private var busy = false
    private var waiters: [CheckedContinuation<Void, Never>] = []
    private let maxWaiting: Int
    private let name: String

    /// `name` says which queue in the error (`writer`, `reader`).
    init(name: String, maxWaiting: Int) {
        self.name = name
        self.maxWaiting = max(0, maxWaiting)
    }

    func run<T: Sendable>(_ body: @Sendable () async throws -> T) async throws -> T {
        try await acquire()
        defer { release() }
        return try await body()
    }

    /// Operations waiting now (not counting the one running).
    var waiting: Int { waiters.count }

    private func acquire() async throws {
        if !busy {
            busy = true
            return
        }
        guard waiters.count < maxWaiting else {
            throw StoreError.unavailable("busy: \(waiters.count) operations already wait for the \(name) connection")
        }
        await withCheckedContinuation { waiters.append($0) }
    }

    private func release() {
        if waiters.isEmpty {
            busy = false
        } else {
            waiters.removeFirst().resume()   // stays busy: ownership passes to the next waiter
        }
    }
}
