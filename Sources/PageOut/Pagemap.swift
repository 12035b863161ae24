/// What `/proc/self/pagemap` says of a run of pages: one 64-bit entry per page, in address order.
///
/// Bit 63 says the page is present and mapped by this process (a page table entry points at it), which is what a
/// later `mlock` should hold: `mincore(2)` would not do, it reports pages in the page cache whether this process
/// maps them or not. The bit is readable without privilege (only the frame numbers are hidden then).
public enum Pagemap {
    /// Bit 63 of an entry: present in RAM and mapped here.
    static let presentBit: UInt64 = 1 << 63
    /// Bytes per entry.
    public static let entrySize = 8

    /// The address ranges of the present pages among `entries`, the entries of consecutive pages of `pageSize`
    /// bytes from `start`: adjacent present pages make one range, in address order.
    public static func presentRanges(_ entries: [UInt64], start: UInt, pageSize: UInt) -> [Range<UInt>] {
        var out: [Range<UInt>] = []
        var runStart: UInt?
        for (i, entry) in entries.enumerated() {
            let address = start + UInt(i) * pageSize
            if entry & presentBit != 0 {
                if runStart == nil { runStart = address }
            } else if let s = runStart {
                out.append(s..<address)
                runStart = nil
            }
        }
        if let s = runStart { out.append(s..<(start + UInt(entries.count) * pageSize)) }
        return out
    }
}
