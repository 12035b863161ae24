/// Values computed at most once per `timeToLive` per key and served from memory: concurrent callers of one key
/// share one computation (single flight), and at most `maxKeys` keys are held, so what a request can make the
/// collector compute and keep is bounded by this type, not by the request.
///
/// Failures are not kept: every caller waiting on a failed computation gets its error, the next call computes again
/// (still one at a time per key). The clock is passed in, so tests move time instead of sleeping.
public actor SingleFlightCache<Key: Hashable & Sendable, Value: Sendable> {

    private enum Entry {
        case computing(Task<Value, any Error>)
        case ready(Value, expires: ContinuousClock.Instant, lastUsed: UInt64)
    }

    public let maxKeys: Int
    public private(set) var timeToLive: Duration
    private let now: @Sendable () -> ContinuousClock.Instant
    private var entries: [Key: Entry] = [:]
    /// A counter, not a time: orders entries by last use for eviction.
    private var uses: UInt64 = 0
    /// Computations started, and callers that joined one already in flight (for tests and diagnostics).
    public private(set) var computations = 0
    public private(set) var joins = 0

    public init(timeToLive: Duration, maxKeys: Int, now: @escaping @Sendable () -> ContinuousClock.Instant = { .now }) {
        self.timeToLive = timeToLive
        self.maxKeys = max(1, maxKeys)
        self.now = now
    }

    /// A new time to live (reload); values already kept keep their expiry.
    public func setTimeToLive(_ ttl: Duration) { timeToLive = ttl }

    /// Keys held now, computing or ready (expired ones included until they are pruned).
    public var count: Int { entries.count }

    /// The value of `key`: from memory while fresh, else from the computation in flight, else computed now by
    /// `compute` (which runs in a task of its own, so a caller that goes away does not cancel it for the others).
    public func value(for key: Key, compute: @escaping @Sendable () async throws -> Value) async throws -> Value {
        uses += 1
        switch entries[key] {
        case .ready(let value, let expires, _) where now() < expires:
            entries[key] = .ready(value, expires: expires, lastUsed: uses)
            return value
        case .computing(let task):
            joins += 1
            return try await task.value
        case .ready, nil:
            break
        }
        entries[key] = nil
        try makeRoom()
        computations += 1
        let task = Task { try await compute() }
        entries[key] = .computing(task)
        do {
            let value = try await task.value
            // Fresh from the end of the computation: a slow answer is still kept for a whole period.
            entries[key] = .ready(value, expires: now().advanced(by: timeToLive), lastUsed: uses)
            return value
        } catch {
            entries[key] = nil
            throw error
        }
    }

    /// Frees a slot for a new key: expired values first, then the least recently used value; a computation in
    /// flight is never dropped (its callers wait for it).
    private func makeRoom() throws {
        guard entries.count >= maxKeys else { return }
        let t = now()
        entries = entries.filter { _, entry in
            if case .ready(_, let expires, _) = entry { return t < expires }
            return true
        }
        guard entries.count >= maxKeys else { return }
        var oldest: (key: Key, used: UInt64)?
        for (key, entry) in entries {
            if case .ready(_, _, let used) = entry, used < oldest?.used ?? .max { oldest = (key, used) }
        }
        guard let oldest else { throw SingleFlightCacheFull(maxKeys: maxKeys) }
        entries[oldest.key] = nil
    }
}

/// Every slot of a `SingleFlightCache` holds a computation in flight: the caller should answer "busy" (503) and
/// retry later.
public struct SingleFlightCacheFull: Error, CustomStringConvertible {
    public var maxKeys: Int
    public var description: String { "all \(maxKeys) slots are busy computing; retry later" }
}
