/// One mapping of `/proc/PID/smaps` with what decides whether dropping its pages is safe: how much of it is the
/// process's private copy (anonymous pages, written at least once, e.g. relocated) or swapped out. A private file
/// mapping with neither holds only pages identical to the file's.
public struct SmapsEntry: Equatable, Sendable {
    public var mapping: MemoryMapping
    /// `Anonymous:` in KiB.
    public var anonymousKiB: Int
    /// `Swap:` in KiB.
    public var swapKiB: Int

    public init(mapping: MemoryMapping, anonymousKiB: Int = 0, swapKiB: Int = 0) {
        self.mapping = mapping
        self.anonymousKiB = anonymousKiB
        self.swapKiB = swapKiB
    }
}
