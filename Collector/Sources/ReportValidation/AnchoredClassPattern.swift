/// A `pattern` of the one shape the report schema uses, `^…$` around a sequence of ASCII character classes and
/// literals, each at most once or with a quantifier (`?`, `*`, `+`, `{n}`, `{m,}`, `{m,n}`): `^[a-z][A-Za-z0-9_]{0,63}$`,
/// the UUIDs, the timestamp. Matched over printable ASCII text by walking the bytes, for what `Regex.firstMatch`
/// spends: about 2 µs a match, and a diagnostics report with facts and counters has a dozen (every fact and
/// counter name is checked against `propertyNames`). Anything else, in the pattern (escapes, groups, alternation,
/// `.`, negated classes) or in the text (controls, non-ASCII: where grapheme clusters and line ends could make
/// Swift's `Regex` differ from a byte walk), is left to `Regex`: `matches` answers nil.
struct AnchoredClassPattern: Sendable {
    /// One class (or literal) with its repeat bounds; `max` nil: unbounded.
    struct Step: Sendable {
        var allowed: (UInt64, UInt64)
        var min: Int
        var max: Int?

        func admits(_ byte: UInt8) -> Bool {
            byte < 64 ? allowed.0 & (1 << UInt64(byte)) != 0 : allowed.1 & (1 << UInt64(byte - 64)) != 0
        }
    }

    let steps: [Step]

    /// nil when `pattern` is not of the shape above.
    init?(_ pattern: String) {
        let p = Array(pattern.utf8)
        guard p.count >= 2, p.first == UInt8(ascii: "^"), p.last == UInt8(ascii: "$") else { return nil }
        var steps: [Step] = []
        var i = 1
        let end = p.count - 1
        func printable(_ b: UInt8) -> Bool { b >= 0x20 && b < 0x7F }
        func set(_ b: UInt8, in bits: inout (UInt64, UInt64)) {
            if b < 64 { bits.0 |= 1 << UInt64(b) } else { bits.1 |= 1 << UInt64(b - 64) }
        }
        let special: Set<UInt8> = Set("\\^$.|?*+()[]{}".utf8)
        while i < end {
            var bits: (UInt64, UInt64) = (0, 0)
            if p[i] == UInt8(ascii: "[") {
                i += 1
                guard i < end, p[i] != UInt8(ascii: "^"), p[i] != UInt8(ascii: "]") else { return nil }
                let first = i
                while i < end, p[i] != UInt8(ascii: "]") {
                    let c = p[i]
                    guard printable(c), c != UInt8(ascii: "\\"), c != UInt8(ascii: "[") else { return nil }
                    if c == UInt8(ascii: "-") {
                        // Only the last one is taken: a literal `-` (`[a-z0-9-]`).
                        guard i > first, i + 1 < end, p[i + 1] == UInt8(ascii: "]") else { return nil }
                        set(c, in: &bits)
                        i += 1
                    } else if i + 2 < end, p[i + 1] == UInt8(ascii: "-"), p[i + 2] != UInt8(ascii: "]") {
                        let last = p[i + 2]
                        guard printable(last), last != UInt8(ascii: "\\"), last != UInt8(ascii: "["), c <= last else { return nil }
                        for b in c...last { set(b, in: &bits) }
                        i += 3
                    } else {
                        set(c, in: &bits)
                        i += 1
                    }
                }
                guard i < end else { return nil }
                i += 1   // the `]`
            } else {
                guard printable(p[i]), !special.contains(p[i]) else { return nil }
                set(p[i], in: &bits)
                i += 1
            }
            var step = Step(allowed: bits, min: 1, max: 1)
            if i < end {
                switch p[i] {
                case UInt8(ascii: "?"): step.min = 0; i += 1
                case UInt8(ascii: "*"): step.min = 0; step.max = nil; i += 1
                case UInt8(ascii: "+"): step.max = nil; i += 1
                case UInt8(ascii: "{"):
                    guard let close = p[i...].firstIndex(of: UInt8(ascii: "}")), close < end else { return nil }
                    let inside = String(decoding: p[(i + 1)..<close], as: UTF8.self)
                    let bounds = inside.split(separator: ",", omittingEmptySubsequences: false)
                    guard bounds.count == 1 || bounds.count == 2, let lower = Int(bounds[0]) else { return nil }
                    step.min = lower
                    if bounds.count == 1 {
                        step.max = lower
                    } else if bounds[1].isEmpty {
                        step.max = nil
                    } else {
                        guard let upper = Int(bounds[1]), upper >= lower else { return nil }
                        step.max = upper
                    }
                    i = close + 1
                default: break
                }
                // `a{2}?` (lazy) or `a**`: not of this shape.
                if i < end, [UInt8(ascii: "?"), UInt8(ascii: "*"), UInt8(ascii: "+"), UInt8(ascii: "{")].contains(p[i]) { return nil }
            }
            steps.append(step)
        }
        self.steps = steps
    }

    /// Whether all of `text` matches; nil when the text is not printable ASCII (then `Regex` decides).
    func matches(_ text: String) -> Bool? {
        var text = text
        return text.withUTF8 { bytes -> Bool? in
            guard bytes.allSatisfy({ $0 >= 0x20 && $0 < 0x7F }) else { return nil }
            let n = bytes.count
            // reachable[k]: the steps so far can consume exactly the first k bytes.
            var reachable = [Bool](repeating: false, count: n + 1)
            reachable[0] = true
            var run = [Int](repeating: 0, count: n + 1)
            var edges = [Int](repeating: 0, count: n + 2)
            var next = [Bool](repeating: false, count: n + 1)
            for step in steps {
                // run[k]: how many bytes from k on the step's class admits, one after the other.
                run[n] = 0
                for k in stride(from: n - 1, through: 0, by: -1) { run[k] = step.admits(bytes[k]) ? run[k + 1] + 1 : 0 }
                // Every k reachable so far reaches k + min … k + most: marked as +1/−1 at the ends of each range
                // (linear in the text however long the ranges).
                for k in 0...(n + 1) { edges[k] = 0 }
                for k in 0...n where reachable[k] {
                    let most = step.max.map { Swift.min($0, run[k]) } ?? run[k]
                    guard most >= step.min else { continue }
                    edges[k + step.min] += 1
                    edges[k + most + 1] -= 1
                }
                var open = 0
                var any = false
                for k in 0...n {
                    open += edges[k]
                    next[k] = open > 0
                    any = any || open > 0
                }
                guard any else { return false }
                swap(&reachable, &next)
            }
            return reachable[n]
        }
    }
}
