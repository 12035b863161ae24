/// Which inserts of an import may run at once: at most `capacity` in flight, and never two of one install, so
/// each install's reports are stored in file order (within a day the last one stored wins, as over HTTP).
/// A pure state machine; `ReportImporter` asks it before each insert and tells it when one ends.
public struct ImportWindow: Sendable, Equatable {
    public let capacity: Int
    /// instanceId → inserts of it in flight (0 or 1 while callers wait for `mayStart`).
    private var inFlight: [String: Int] = [:]
    public private(set) var count = 0

    public init(capacity: Int) { self.capacity = max(1, capacity) }

    /// Whether an insert of `instance` may start now; if not, wait for one in flight to end.
    public func mayStart(_ instance: String) -> Bool { count < capacity && inFlight[instance] == nil }

    public mutating func started(_ instance: String) {
        count += 1
        inFlight[instance, default: 0] += 1
    }

    public mutating func ended(_ instance: String) {
        count -= 1
        inFlight[instance, default: 1] -= 1
        if inFlight[instance] == 0 { inFlight[instance] = nil }
    }
}
