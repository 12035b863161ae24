import Systemd

/// What the daemon tells systemd (`sd_notify`) and the watchdog interval it must ping within, in one value, so a test
/// sees every message (and sets a watchdog) without a notification socket or the process environment.
struct DaemonNotifier: Sendable {
    /// Sends one payload (`NotifyMessage` builds them).
    let send: @Sendable (String) -> Void
    /// `WatchdogSec=` as systemd passed it (`$WATCHDOG_USEC`); nil without a watchdog.
    let watchdogInterval: @Sendable () -> Duration?

    static let systemd = DaemonNotifier(send: { Notify.send($0) }, watchdogInterval: { Watchdog.interval() })

    func ready(status: String? = nil) { send(NotifyMessage.ready(status: status)) }
    func status(_ text: String) { send(NotifyMessage.status(text)) }
    func watchdog() { send(NotifyMessage.watchdog) }
    func reloading() { send(NotifyMessage.reloading(monotonicMicroseconds: Monotonic.nowMicroseconds())) }
    func stopping() { send(NotifyMessage.stopping) }
}
