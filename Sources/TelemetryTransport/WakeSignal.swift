import IdleTimer

/// The delivery worker's doorbell: a `Wakeup` with one kind of event.
final class WakeSignal: Sendable {
    private enum Ring: Hashable, Sendable { case ring }
    private let wakeup = Wakeup<Ring>()

    func ring() { wakeup.post(.ring) }

    /// Returns when rung (now or since the last wait), at `deadline` (never when nil), or when cancelled.
    func wait(until deadline: ContinuousClock.Instant?) async {
        _ = await wakeup.wait(until: deadline)
    }
}
