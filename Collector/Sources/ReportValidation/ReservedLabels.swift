import CollectorSummary

/// `unknown` and `other` are the collector's own labels (no value; the values that did not fit). A report
/// carrying one of them (in any case, with or without surrounding spaces) as a label value is counted under
/// the value in double quotes (`"unknown"`, `"other"`), so it can never be merged with, or pass for, the
/// collector's own. Every other value is counted as sent (a report sending `"unknown"` with the quotes is counted
/// with a report's own `unknown`: both are reports' values, neither the collector's).
public enum ReservedLabels {
    public static let reserved: Set<String> = [Buckets.unknown, Buckets.other]

    /// The label a report's value is counted under (nil stays nil: the collector's `unknown`).
    public static func label(_ value: String?) -> String? {
        guard let value else { return nil }
        return needsQuotes(value) ? "\"" + value + "\"" : value
    }

    static func needsQuotes(_ value: String) -> Bool {
        // Every label of a report goes through here (a dozen with facts and counters): printable ASCII without a space
        // (nearly every label) has nothing to trim, so only its bytes are compared, with no String made.
        let utf8 = value.utf8
        if utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F }) {
            guard utf8.count == 5 || utf8.count == 7 else { return false }
            let lower = utf8.lazy.map { $0 >= 0x41 && $0 <= 0x5A ? $0 | 0x20 : $0 }
            return lower.elementsEqual(Buckets.other.utf8) || lower.elementsEqual(Buckets.unknown.utf8)
        }
        let trimmed = value.drop(while: \.isWhitespace).reversed().drop(while: \.isWhitespace)
        return reserved.contains(String(trimmed.reversed()).lowercased())
    }
}
