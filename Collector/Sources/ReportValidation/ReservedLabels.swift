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
        let trimmed = value.drop(while: \.isWhitespace).reversed().drop(while: \.isWhitespace)
        return reserved.contains(String(trimmed.reversed()).lowercased())
    }
}
