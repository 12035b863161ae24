/// Arithmetic on address ranges (`Range<UInt>`), for paging out around the pages an idle wake keeps locked.
public enum AddressRanges {
    /// `ranges` without the parts that any of `holes` covers, in address order. `madvise(MADV_DONTNEED)` fails with
    /// EINVAL on a range that reaches into a locked mapping, after advising the part before it: the idle page-out
    /// advises what lies around the locked pages instead.
    public static func subtracting(_ holes: [Range<UInt>], from ranges: [Range<UInt>]) -> [Range<UInt>] {
        let sortedHoles = holes.filter { !$0.isEmpty }.sorted { $0.lowerBound < $1.lowerBound }
        var out: [Range<UInt>] = []
        for range in ranges.sorted(by: { $0.lowerBound < $1.lowerBound }) {
            var from = range.lowerBound
            for hole in sortedHoles where hole.upperBound > from && hole.lowerBound < range.upperBound {
                if hole.lowerBound > from { out.append(from..<hole.lowerBound) }
                from = max(from, hole.upperBound)
                if from >= range.upperBound { break }
            }
            if from < range.upperBound { out.append(from..<range.upperBound) }
        }
        return out
    }

    /// Bytes the ranges cover (they must not overlap).
    public static func bytes(_ ranges: [Range<UInt>]) -> UInt {
        ranges.reduce(0) { $0 + UInt($1.count) }
    }
}
