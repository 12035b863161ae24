/// A strict reader of the Prometheus text format (0.0.4) for the tests: every line a `# HELP`, a `# TYPE` or a
/// sample of a family whose TYPE came before; label values with only the three escapes the format has; no label
/// set twice in a family; values that parse. Anything else is an error naming the line.
struct PrometheusText {
    struct Sample: Equatable {
        var name: String
        var labels: [String: String]
        var value: Double
    }

    struct Malformed: Error, CustomStringConvertible {
        var description: String
    }

    var samples: [Sample] = []
    var types: [String: String] = [:]
    var help: [String: String] = [:]

    init(_ text: String) throws {
        var seen = Set<String>()
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) where !line.isEmpty {
            if line.hasPrefix("# HELP ") || line.hasPrefix("# TYPE ") {
                let rest = line.dropFirst(7)
                guard let space = rest.firstIndex(of: " ") else { throw Malformed(description: "no text: \(line)") }
                let name = String(rest[..<space]), value = String(rest[rest.index(after: space)...])
                guard Self.isName(name) else { throw Malformed(description: "bad metric name: \(line)") }
                if line.hasPrefix("# HELP ") {
                    guard help[name] == nil else { throw Malformed(description: "HELP twice: \(line)") }
                    help[name] = value
                } else {
                    guard types[name] == nil, ["counter", "gauge", "histogram", "summary", "untyped"].contains(value) else {
                        throw Malformed(description: "bad or repeated TYPE: \(line)")
                    }
                    types[name] = value
                }
                continue
            }
            guard !line.hasPrefix("#") else { continue }
            var chars = Array(line)
            var i = 0
            while i < chars.count, chars[i] != "{", chars[i] != " " { i += 1 }
            let name = String(chars[0..<i])
            guard Self.isName(name) else { throw Malformed(description: "bad sample name: \(line)") }
            let family = types[name] != nil ? name : (name.hasSuffix("_total") ? String(name.dropLast(6)) : name)
            guard types[family] != nil || types[name] != nil else { throw Malformed(description: "sample before its TYPE: \(line)") }
            var labels: [String: String] = [:]
            if i < chars.count, chars[i] == "{" {
                i += 1
                while i < chars.count, chars[i] != "}" {
                    var key = ""
                    while i < chars.count, chars[i] != "=" { key.append(chars[i]); i += 1 }
                    guard Self.isName(key), i + 1 < chars.count, chars[i + 1] == "\"" else { throw Malformed(description: "bad label: \(line)") }
                    i += 2
                    var value = ""
                    while i < chars.count, chars[i] != "\"" {
                        if chars[i] == "\\" {
                            guard i + 1 < chars.count else { throw Malformed(description: "dangling escape: \(line)") }
                            switch chars[i + 1] {
                            case "\\": value.append("\\")
                            case "\"": value.append("\"")
                            case "n": value.append("\n")
                            default: throw Malformed(description: "unknown escape: \(line)")
                            }
                            i += 2
                        } else {
                            value.append(chars[i]); i += 1
                        }
                    }
                    guard i < chars.count, labels[key] == nil else { throw Malformed(description: "unterminated or repeated label: \(line)") }
                    labels[key] = value
                    i += 1
                    if i < chars.count, chars[i] == "," { i += 1 }
                }
                guard i < chars.count else { throw Malformed(description: "unterminated labels: \(line)") }
                i += 1
            }
            guard i < chars.count, chars[i] == " " else { throw Malformed(description: "no value: \(line)") }
            chars.removeFirst(i + 1)
            let text = String(chars)
            guard let value = Double(text) ?? (text == "+Inf" ? .infinity : text == "-Inf" ? -.infinity : text == "NaN" ? .nan : nil) else {
                throw Malformed(description: "bad value: \(line)")
            }
            let key = name + "|" + labels.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ",")
            guard seen.insert(key).inserted else { throw Malformed(description: "series twice: \(line)") }
            samples.append(Sample(name: name, labels: labels, value: value))
        }
    }

    /// The samples of `name` by their labels.
    func series(_ name: String) -> [[String: String]: Double] {
        Dictionary(samples.filter { $0.name == name }.map { ($0.labels, $0.value) }, uniquingKeysWith: { a, _ in a })
    }

    static func isName(_ s: String) -> Bool {
        func letter(_ c: Unicode.Scalar) -> Bool { ("a"..."z").contains(c) || ("A"..."Z").contains(c) || c == "_" || c == ":" }
        guard let first = s.unicodeScalars.first, letter(first) else { return false }
        return s.unicodeScalars.allSatisfy { letter($0) || ("0"..."9").contains($0) }
    }
}
