import ReportValidation

/// The reports in an import file: the whole file when it is one JSON object (a report file, pretty-printed or
/// not), else every non-blank line (JSON lines, as `telemetryd export` prints). Each with its 1-based line.
public enum ImportSplitter {
    public static func reports(in bytes: [UInt8]) -> [(line: Int, body: [UInt8])] {
        var lines: [(Int, [UInt8])] = []
        var start = 0, number = 1
        for i in 0...bytes.count {
            if i == bytes.count || bytes[i] == 0x0A {
                var line = Array(bytes[start..<i])
                if line.last == 0x0D { line.removeLast() }
                if line.contains(where: { !isBlank($0) }) { lines.append((number, line)) }
                start = i + 1
                number += 1
            }
        }
        // One object spread over several lines: the first non-blank line opens it but does not close it.
        if lines.count > 1, let first = lines.first, (try? JSONValue.parse(first.1, maxDepth: ReportValidator.maxDepth)) == nil,
           (try? JSONValue.parse(bytes, maxDepth: ReportValidator.maxDepth))?.object != nil {
            return [(first.0, bytes)]
        }
        return lines
    }

    static func isBlank(_ b: UInt8) -> Bool { b == 0x20 || b == 0x09 || b == 0x0D || b == 0x0A }
}
