import ReportValidation

/// Cuts an import's bytes, fed in chunks of any size, into its reports: every non-blank line (JSON lines, as
/// `telemetryd export` prints), each with its 1-based line number; or the whole input when it is one JSON object spread
/// over several lines (a pretty-printed report file). Memory stays bounded whatever the input's size: a line longer than
/// `maxBodyBytes` is not kept, only its length (`.tooLarge`), and the input is kept whole only while it may still be
/// one pretty-printed report (its first line is not JSON by itself) and no larger than `maxBodyBytes`; past that,
/// its lines are judged one by one.
public struct ImportSplitter: Sendable {
    public enum Piece: Sendable, Equatable {
        /// A report's bytes (a line without its line ending, or the whole input), at `line`.
        case body(line: Int, [UInt8])
        /// A line of `bytes` bytes, more than `maxBodyBytes`: not kept.
        case tooLarge(line: Int, bytes: Int)

        public var line: Int {
            switch self {
            case .body(let line, _), .tooLarge(let line, _): line
            }
        }
    }

    public let maxBodyBytes: Int
    /// The line being read: its number, its bytes so far (dropped once past `maxBodyBytes`), its length.
    private var number = 1
    private var current: [UInt8] = []
    private var currentLength = 0
    private var endsInCR = false
    /// The input so far while it may be one pretty-printed object (nil once it cannot), and its lines meanwhile.
    private var whole: [UInt8]? = []
    private var held: [Piece] = []
    /// Whether the first non-blank line has ended (then `whole` is kept only if it was not JSON by itself).
    private var decided = false

    public init(maxBodyBytes: Int) { self.maxBodyBytes = max(1, maxBodyBytes) }

    /// The reports that end in `chunk` (with the bytes fed before).
    public mutating func feed(_ chunk: some BidirectionalCollection<UInt8>) -> [Piece] {
        var out: [Piece] = []
        if whole != nil {
            whole?.append(contentsOf: chunk)
            if (whole?.count ?? 0) > maxBodyBytes { giveUpWhole(into: &out) }
        }
        var start = chunk.startIndex
        while let newline = chunk[start...].firstIndex(of: 0x0A) {
            take(chunk[start..<newline])
            endLine(into: &out)
            start = chunk.index(after: newline)
        }
        take(chunk[start...])
        return out
    }

    /// The reports left at the end of the input: its last line (with or without a newline), or the whole input when it
    /// is one JSON object spread over several lines.
    public mutating func finish() -> [Piece] {
        var out: [Piece] = []
        if currentLength > 0 { endLine(into: &out) }
        if let bytes = whole {
            whole = nil
            // One object spread over several lines: the first non-blank line opens it but does not close it.
            if held.count > 1, (try? JSONValue.parse(bytes, maxDepth: ReportValidator.maxDepth))?.object != nil,
               let first = held.first {
                held = []
                return [.body(line: first.line, bytes)]
            }
            out = held + out
            held = []
        }
        return out
    }

    /// The reports of a whole input at once.
    public static func reports(in bytes: [UInt8], maxBodyBytes: Int = Int.max) -> [Piece] {
        var splitter = ImportSplitter(maxBodyBytes: maxBodyBytes)
        return splitter.feed(bytes) + splitter.finish()
    }

    private mutating func take(_ bytes: some BidirectionalCollection<UInt8>) {
        currentLength += bytes.count
        if let last = bytes.last { endsInCR = last == 0x0D }
        // One byte of room for a CR before the newline, removed at the line's end.
        if currentLength <= maxBodyBytes + 1 {
            current.append(contentsOf: bytes)
        } else if !current.isEmpty {
            current = []
        }
    }

    private mutating func endLine(into out: inout [Piece]) {
        defer {
            number += 1
            current.removeAll(keepingCapacity: current.capacity <= 64 * 1024)
            currentLength = 0
            endsInCR = false
        }
        var length = currentLength
        if endsInCR {
            if !current.isEmpty { current.removeLast() }
            length -= 1
        }
        let piece: Piece
        if length > maxBodyBytes {
            piece = .tooLarge(line: number, bytes: length)
        } else {
            guard current.contains(where: { !Self.isBlank($0) }) else { return }
            piece = .body(line: number, current)
        }
        guard whole != nil else { return out.append(piece) }
        held.append(piece)
        if !decided {
            decided = true
            // A report a line (JSON by itself): JSON lines, nothing to keep whole.
            if case .body(_, let bytes) = piece, (try? JSONValue.parse(bytes, maxDepth: ReportValidator.maxDepth)) != nil {
                giveUpWhole(into: &out)
            }
        }
    }

    /// The input is not one pretty-printed report (or too large to be one): its lines held so far are reports.
    private mutating func giveUpWhole(into out: inout [Piece]) {
        whole = nil
        out += held
        held = []
    }

    static func isBlank(_ b: UInt8) -> Bool { b == 0x20 || b == 0x09 || b == 0x0D || b == 0x0A }
}
