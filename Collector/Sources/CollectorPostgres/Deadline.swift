import NIOConcurrencyHelpers

/// Runs `body` and returns its result, or throws `onTimeout()` once `deadline` has passed, whichever comes first;
/// a late `body` is cancelled and its result dropped. Unlike a task group, this returns at the deadline even when
/// `body` ignores cancellation (a query already sent to a stuck server), which is the point: the ingest must answer
/// 503 while the database hangs, not hang with it.
func withDeadline<T: Sendable>(_ deadline: Duration, onTimeout: @escaping @Sendable () -> any Error,
                               _ body: @escaping @Sendable () async throws -> T) async throws -> T {
    let work = Task { try await body() }
    let waiter = NIOLockedValueBox<CheckedContinuation<T, any Error>?>(nil)
    let timer = NIOLockedValueBox<Task<Void, Never>?>(nil)
    @Sendable func finish(_ result: Result<T, any Error>) {
        let c = waiter.withLockedValue { c in
            defer { c = nil }
            return c
        }
        c?.resume(with: result)
    }
    return try await withTaskCancellationHandler {
        try await withCheckedThrowingContinuation { (c: CheckedContinuation<T, any Error>) in
            waiter.withLockedValue { $0 = c }
            timer.withLockedValue {
                $0 = Task {
                    guard (try? await Task.sleep(for: deadline)) != nil else { return }
                    work.cancel()
                    finish(.failure(onTimeout()))
                }
            }
            Task {
                let result = await work.result
                timer.withLockedValue { $0?.cancel() }
                finish(result)
            }
        }
    } onCancel: {
        work.cancel()
    }
}
