import Synchronization
@testable import TelemetryDaemon

/// Records what the daemon would send to systemd, in order, and gives it a watchdog interval of the test's choosing.
final class NotifyRecorder: Sendable {
    private let messages = Mutex<[String]>([])
    let watchdog: Duration?

    init(watchdog: Duration? = nil) { self.watchdog = watchdog }

    var notifier: DaemonNotifier {
        DaemonNotifier(send: { [self] m in messages.withLock { $0.append(m) } }, watchdogInterval: { [watchdog] in watchdog })
    }

    var all: [String] { messages.withLock { $0 } }
    /// The `STATUS=` texts sent so far (alone or with `READY=1`), in order.
    var statuses: [String] {
        all.flatMap { $0.split(separator: "\n") }.filter { $0.hasPrefix("STATUS=") }.map { String($0.dropFirst(7)) }
    }
    var pings: Int { all.filter { $0 == "WATCHDOG=1" }.count }
}
