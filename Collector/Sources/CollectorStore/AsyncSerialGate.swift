// One operation at a time on a shared resource, across suspension points, in arrival order.
// An actor alone does not do this (it is re-entrant at every `await`, so two transactions on one SQLite
// connection would interleave), and no package in reach offers an async mutex; hence this small one.

actor AsyncSerialGate {
    private var busy = false
    private var waiters: [CheckedContinuation<Void, Never>] = []

    func run<T: Sendable>(_ body: @Sendable () async throws -> T) async throws -> T {
        await acquire()
        defer { release() }
        return try await body()
    }

    private func acquire() async {
        if !busy {
            busy = true
            return
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
