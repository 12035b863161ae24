/// Puts results that finish in any order back into the order their work was handed out: work number n (0, 1, 2, …)
/// comes out only after every number before it. `ReportImporter` validates parts of a file on every core and stores
/// what comes out of here, so reports reach the store in file order (each install's reports in the order they were
/// written, which its rollups depend on: within a day the last report stored wins).
public struct ImportReorder<Value: Sendable>: Sendable {
    /// The next number to hand on.
    public private(set) var next = 0
    /// Finished early: waiting for a number before them.
    private var waiting: [Int: Value] = [:]

    public init() {}

    /// How many results wait for an earlier one.
    public var waitingCount: Int { waiting.count }

    /// Takes the result of work `number` (each number once) and returns the results now in order, oldest first.
    public mutating func add(_ number: Int, _ value: Value) -> [Value] {
        guard number == next else {
            precondition(number > next && waiting[number] == nil, "work \(number) finished twice or after it was handed on")
            waiting[number] = value
            return []
        }
        var ready = [value]
        next += 1
        while let v = waiting.removeValue(forKey: next) {
            ready.append(v)
            next += 1
        }
        return ready
    }
}
