/// Comma-separated values as RFC 4180 writes them: a header row, then one row per record, each line ended by CRLF;
/// a field holding a comma, a double quote, CR or LF is quoted, its quotes doubled.
///
/// Labels come from reports (versions, OS names, fact values), and a spreadsheet runs a cell starting with `=`,
/// `+`, `-`, `@`, a tab or a CR as a formula: such a text cell gets a leading `'`, which every
/// spreadsheet shows as text and nothing else reads specially. Numbers are ours, never guarded.
public enum CSV {
    /// One cell of a row.
    public enum Cell: Sendable, Equatable {
        case text(String)
        case int(Int)
        /// A measurement: empty when not finite.
        case number(Double)
        case empty
    }

    /// Characters that make a spreadsheet read a cell as a formula (OWASP's list: = + - @, tab and CR).
    static let formulaStarts: Set<Unicode.Scalar> = ["=", "+", "-", "@", "\t", "\r"]

    /// `cells` as one line, CRLF included.
    public static func row(_ cells: [Cell]) -> String {
        cells.map(field).joined(separator: ",") + "\r\n"
    }

    /// A header row of plain names.
    public static func header(_ names: [String]) -> String {
        row(names.map(Cell.text))
    }

    static func field(_ cell: Cell) -> String {
        switch cell {
        case .text(let s): return quoted(guarded(s))
        case .int(let n): return String(n)
        case .number(let x): return number(x)
        case .empty: return ""
        }
    }

    /// A text that a spreadsheet would take for a formula, with a leading `'`.
    static func guarded(_ s: String) -> String {
        guard let first = s.unicodeScalars.first, formulaStarts.contains(first) else { return s }
        return "'" + s
    }

    static func quoted(_ s: String) -> String {
        guard s.unicodeScalars.contains(where: { $0 == "," || $0 == "\"" || $0 == "\r" || $0 == "\n" }) else { return s }
        var out = "\""
        for c in s.unicodeScalars {
            if c == "\"" { out += "\"\"" } else { out.unicodeScalars.append(c) }
        }
        return out + "\""
    }

    /// Whole numbers as integers (`3`, not `3.0`), others as Swift's shortest exact form (`0.25`, `1e-05`), which
    /// spreadsheets and every CSV reader parse as numbers; not finite: empty.
    static func number(_ x: Double) -> String {
        guard x.isFinite else { return "" }
        if x == x.rounded(), x.magnitude < 1e15 { return String(Int(x)) }
        return "\(x)"
    }
}
