import NIOCore

/// A task waiting in `Wakeup.wait`: its continuation and the timer of its deadline. Not nested in the generic
/// `Wakeup`, so the array of them is specialized code of this module rather than the standard library's generic one.
struct WakeupWaiter {
    let id: UInt64
    let continuation: UnsafeContinuation<Void, Never>
    /// The deadline's timer, cancelled when something else wakes the waiter first.
    var timer: Scheduled<Void>?
}
