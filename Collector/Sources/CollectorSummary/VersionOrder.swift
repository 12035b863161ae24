/// Orders version strings as people read them: `4.10.0` after `4.9.2`, `4.2.0-rc1` before `4.2.0`,
/// words before numbers (`beta` before `1.0`). The dashboard stacks product versions oldest at the bottom by it, and
/// `VersionAdoption` reads its "run V or newer" cut-offs in this order.
public enum VersionOrder {
    private enum Part: Comparable {
        case number(Int)
        case text(String)
        static func < (a: Part, b: Part) -> Bool {
            switch (a, b) {
            case (.number(let x), .number(let y)): return x < y
            case (.text(let x), .text(let y)): return x < y
            case (.text, .number): return true   // 4.2.0-rc1 (text after 0) before 4.2.0.1
            case (.number, .text): return false
            }
        }
    }

    private static func parts(_ v: String) -> [Part] {
        var out: [Part] = []
        var current = ""
        var numeric = false
        func flush() {
            guard !current.isEmpty else { return }
            out.append(numeric ? (Int(current).map(Part.number) ?? .text(current)) : .text(current))
            current = ""
        }
        for ch in v {
            if ch.isASCII, ch.isNumber {
                if !numeric { flush(); numeric = true }
                current.append(ch)
            } else if ch.isLetter {
                if numeric { flush(); numeric = false }
                current.append(ch)
            } else {
                flush()
                numeric = false
            }
        }
        flush()
        return out
    }

    /// Whether `a` is older than `b`.
    public static func less(_ a: String, _ b: String) -> Bool {
        let pa = parts(a), pb = parts(b)
        for (x, y) in zip(pa, pb) where x != y { return x < y }
        if pa.count != pb.count {
            // A pre-release suffix sorts before the release itself: 4.2.0-rc1 < 4.2.0.
            let longer = pa.count > pb.count ? pa : pb
            if case .text = longer[min(pa.count, pb.count)] { return pa.count > pb.count }
            return pa.count < pb.count
        }
        return a < b
    }
}
