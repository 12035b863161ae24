/// `os-release(5)` parsed the way systemd's `parse_env_file()` reads it: shell-style assignments with
/// single quotes (literal), double quotes (backslash escapes only `"`, `\`, `` ` ``, `$` and newline),
/// unquoted values (backslash escapes the next byte, trailing blanks dropped), `#`/`;` comments, CR or
/// LF line ends. Lines that are not assignments are skipped; the last assignment of a key wins.
public struct OSRelease: Sendable, Equatable {
    public var fields: [String: String]

    public init(fields: [String: String]) {
        self.fields = fields
    }

    public init(parsing text: String) {
        self.init(parsing: Array(text.utf8))
    }

    public init(parsing bytes: [UInt8]) {
        self.fields = OSRelease.parse(bytes)
    }

    /// `ID`, nil when absent or empty.
    public var id: String? { nonEmpty("ID") }
    /// `VERSION_ID`, nil when absent or empty (rolling releases have none).
    public var versionId: String? { nonEmpty("VERSION_ID") }
    /// `PRETTY_NAME`, nil when absent or empty.
    public var prettyName: String? { nonEmpty("PRETTY_NAME") }

    private func nonEmpty(_ key: String) -> String? {
        guard let v = fields[key], !v.isEmpty else { return nil }
        return v
    }

    private enum State {
        case preKey, key, preValue, value, valueEscape, singleQuote, doubleQuote, doubleQuoteEscape, comment
    }

    private static func isNewline(_ c: UInt8) -> Bool { c == 0x0A || c == 0x0D }
    private static func isBlank(_ c: UInt8) -> Bool { c == 0x20 || c == 0x09 || c == 0x0A || c == 0x0D }

    /// Names as a shell accepts them: `[A-Za-z_][A-Za-z0-9_]*`.
    static func isValidKey(_ key: [UInt8]) -> Bool {
        guard let first = key.first, !(0x30...0x39).contains(first) else { return false }
        return key.allSatisfy { c in
            (0x41...0x5A).contains(c) || (0x61...0x7A).contains(c) || (0x30...0x39).contains(c) || c == 0x5F
        }
    }

    static func parse(_ bytes: [UInt8]) -> [String: String] {
        var out: [String: String] = [:]
        var state = State.preKey
        var key: [UInt8] = []
        var value: [UInt8] = []
        // Length of `value` before a run of unescaped trailing blanks (unquoted values drop them).
        var trailingBlankStart: Int? = nil

        func push() {
            if let cut = trailingBlankStart, cut <= value.count { value.removeSubrange(cut...) }
            // Trailing blanks of the key (`ID =x`) are dropped like systemd does.
            while let last = key.last, isBlank(last) { key.removeLast() }
            if isValidKey(key) {
                out[String(decoding: key, as: UTF8.self)] = String(decoding: value, as: UTF8.self)
            }
            key.removeAll(keepingCapacity: true)
            value.removeAll(keepingCapacity: true)
            trailingBlankStart = nil
        }

        for c in bytes {
            switch state {
            case .preKey:
                if c == UInt8(ascii: "#") || c == UInt8(ascii: ";") {
                    state = .comment
                } else if !isBlank(c) {
                    state = .key
                    key = [c]
                }
            case .key:
                if isNewline(c) {
                    state = .preKey
                    key.removeAll(keepingCapacity: true)
                } else if c == UInt8(ascii: "=") {
                    state = .preValue
                    trailingBlankStart = nil
                } else {
                    key.append(c)
                }
            case .preValue:
                if isNewline(c) {
                    state = .preKey
                    push()
                } else if c == UInt8(ascii: "'") {
                    state = .singleQuote
                } else if c == UInt8(ascii: "\"") {
                    state = .doubleQuote
                } else if c == UInt8(ascii: "\\") {
                    state = .valueEscape
                } else if !isBlank(c) {
                    state = .value
                    value.append(c)
                }
            case .value:
                if isNewline(c) {
                    state = .preKey
                    push()
                } else if c == UInt8(ascii: "\\") {
                    state = .valueEscape
                    trailingBlankStart = nil
                } else {
                    if !isBlank(c) {
                        trailingBlankStart = nil
                    } else if trailingBlankStart == nil {
                        trailingBlankStart = value.count
                    }
                    value.append(c)
                }
            case .valueEscape:
                state = .value
                if !isNewline(c) { value.append(c) }  // backslash-newline continues the line
            case .singleQuote:
                if c == UInt8(ascii: "'") { state = .preValue } else { value.append(c) }
            case .doubleQuote:
                if c == UInt8(ascii: "\"") {
                    state = .preValue
                } else if c == UInt8(ascii: "\\") {
                    state = .doubleQuoteEscape
                } else {
                    value.append(c)
                }
            case .doubleQuoteEscape:
                state = .doubleQuote
                if c == UInt8(ascii: "\"") || c == UInt8(ascii: "\\") || c == UInt8(ascii: "`") || c == UInt8(ascii: "$") {
                    value.append(c)
                } else if c != 0x0A {
                    value.append(UInt8(ascii: "\\"))
                    value.append(c)
                }
            case .comment:
                if isNewline(c) { state = .preKey }
            }
        }
        switch state {
        case .preValue, .value, .valueEscape, .singleQuote, .doubleQuote, .doubleQuoteEscape:
            push()
        case .preKey, .key, .comment:
            break
        }
        return out
    }
}
