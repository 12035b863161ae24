// The systemd INI grammar of telemetry.conf and collector.conf, a port of systemd's config_parse()/parse_line()
// (its conf-parser.c) without any I/O:
//
// - Lines end with "\n", "\r\n" or "\r". A UTF-8 byte order mark at the start is skipped.
// - A line whose first non-blank character is `#` or `;` is a comment. Only whole lines are comments:
//   in `Key=value # note` the value is `value # note`, exactly as in systemd. (So the shipped
//   etc/telemetry.conf keeps every comment on its own line.)
// - A line ending in an odd number of backslashes continues on the next line; the backslash becomes a
//   space. Comment lines inside a continuation are skipped, as systemd does. Errors and origins name the
//   line where the continued assignment starts.
// - `[Section]` starts a section. An unknown section is one warning, and everything in it is ignored
//   silently. Sections and keys starting with "X-" are extensions and ignored without a warning.
// - `Key=value`: whitespace around key and value is trimmed. An unknown key is a warning.
//   Names are case-sensitive, like systemd's.
// - An assignment before any section header: warning "Assignment outside of section. Ignoring."
// - Errors (the file is rejected, like systemd's "Failed to parse file"): a line without "=", an empty
//   key, a malformed section header, bytes that are not UTF-8, a NUL byte.
// Values are not interpreted here; each program's schema does that (telemetryd's ConfigSchema, the collector's
// CollectorConfigSchema).

public struct ConfigAssignment: Sendable, Equatable, CustomStringConvertible {
    public var section: String
    public var key: String
    /// Trimmed; "" means "reset to the default".
    public var value: String
    public var location: ConfigLocation
    public init(section: String, key: String, value: String, location: ConfigLocation) {
        self.section = section; self.key = key; self.value = value; self.location = location
    }
    /// "Section.Key", the key of `LoadedConfig.origins`.
    public var qualifiedKey: String { "\(section).\(key)" }
    public var description: String { "\(location): [\(section)] \(key)=\(value)" }
}

public struct ParsedConfigFile: Sendable, Equatable {
    public var fileName: String
    /// Assignments of known keys, in file order.
    public var assignments: [ConfigAssignment]
    public var warnings: [ConfigDiagnostic]
    public init(fileName: String, assignments: [ConfigAssignment] = [], warnings: [ConfigDiagnostic] = []) {
        self.fileName = fileName; self.assignments = assignments; self.warnings = warnings
    }
}

public enum ConfigParser {
    public static func parse(_ text: String, fileName: String,
                             schema: [String: [String]]) throws(ConfigError) -> ParsedConfigFile {
        try parse(bytes: Array(text.utf8), fileName: fileName, schema: schema)
    }

    public static func parse(bytes: [UInt8], fileName: String,
                             schema: [String: [String]]) throws(ConfigError) -> ParsedConfigFile {
        var state = State(fileName: fileName, schema: schema)
        var start = 0
        if bytes.count >= 3 && bytes[0] == 0xEF && bytes[1] == 0xBB && bytes[2] == 0xBF { start = 3 }

        var continuation: [UInt8]?
        var continuationLine = 0
        var lineNumber = 0
        var i = start
        while i < bytes.count {
            lineNumber += 1
            var end = i
            while end < bytes.count && bytes[end] != 0x0A && bytes[end] != 0x0D {
                if bytes[end] == 0 {
                    throw ConfigError(location: ConfigLocation(file: fileName, line: lineNumber), key: nil,
                                      message: "contains a NUL byte; is this a text file?")
                }
                end += 1
            }
            let line = Array(bytes[i..<end])
            if end < bytes.count && bytes[end] == 0x0D && end + 1 < bytes.count && bytes[end + 1] == 0x0A {
                i = end + 2
            } else {
                i = end + 1
            }

            if let first = line.first(where: { !isWS($0) }), first == UInt8(ascii: "#") || first == UInt8(ascii: ";") {
                continue
            }
            var logical: [UInt8]
            if let c = continuation {
                logical = c + line
            } else {
                logical = line
                continuationLine = lineNumber
            }
            var escaped = false
            for c in logical {
                if escaped { escaped = false } else if c == UInt8(ascii: "\\") { escaped = true }
            }
            if escaped {
                logical[logical.count - 1] = UInt8(ascii: " ")
                continuation = logical
                continue
            }
            continuation = nil
            try state.parseLine(logical, line: continuationLine)
        }
        if let c = continuation {
            try state.parseLine(c, line: continuationLine)
        }
        return ParsedConfigFile(fileName: fileName, assignments: state.assignments, warnings: state.warnings)
    }

    static func isWS(_ c: UInt8) -> Bool { c == 0x20 || c == 0x09 || c == 0x0A || c == 0x0D }

    static func strip(_ b: ArraySlice<UInt8>) -> ArraySlice<UInt8> {
        var s = b
        while let f = s.first, isWS(f) { s = s.dropFirst() }
        while let l = s.last, isWS(l) { s = s.dropLast() }
        return s
    }

    private struct State {
        let fileName: String
        let schema: [String: [String]]
        var section: String?
        var sectionIgnored = false
        var assignments: [ConfigAssignment] = []
        var warnings: [ConfigDiagnostic] = []

        init(fileName: String, schema: [String: [String]]) {
            self.fileName = fileName
            self.schema = schema
        }

        mutating func parseLine(_ raw: [UInt8], line: Int) throws(ConfigError) {
            let loc = ConfigLocation(file: fileName, line: line)
            let bytes = ConfigParser.strip(raw[...])
            if bytes.isEmpty { return }
            guard let l = String(validating: bytes, as: UTF8.self) else {
                throw ConfigError(location: loc, key: nil, message: "line is not valid UTF-8; save the file as UTF-8 text")
            }

            if bytes.first == UInt8(ascii: "[") {
                guard bytes.count >= 2, bytes.last == UInt8(ascii: "]") else {
                    throw ConfigError(location: loc, key: nil,
                                      message: "invalid section header '\(l)'; expected [Telemetry], [Transport] or [Spool]")
                }
                let nameBytes = bytes.dropFirst().dropLast()
                // systemd's string_is_safe()
                guard nameBytes.allSatisfy({ $0 >= 0x20 && $0 != 0x7F && $0 != UInt8(ascii: "\\")
                        && $0 != UInt8(ascii: "\"") && $0 != UInt8(ascii: "'") }) else {
                    throw ConfigError(location: loc, key: nil, message: "bad characters in section header '\(l)'")
                }
                let name = String(decoding: nameBytes, as: UTF8.self)
                if schema[name] != nil {
                    section = name
                    sectionIgnored = false
                } else {
                    if !name.hasPrefix("X-") {
                        var message = "Unknown section '\(name)'. Ignoring."
                        if let known = schema.keys.first(where: { ConfigValues.asciiLowercased($0) == ConfigValues.asciiLowercased(name) }) {
                            message += " (Did you mean '\(known)'? Names are case-sensitive.)"
                        }
                        warnings.append(ConfigDiagnostic(location: loc, message: message))
                    }
                    section = nil
                    sectionIgnored = true
                }
                return
            }

            guard let section else {
                if !sectionIgnored {
                    warnings.append(ConfigDiagnostic(location: loc, message: "Assignment outside of section. Ignoring."))
                }
                return
            }

            guard let eq = bytes.firstIndex(of: UInt8(ascii: "=")) else {
                throw ConfigError(location: loc, key: nil, message: "missing '=' in '\(l)'; expected Key=value")
            }
            if eq == bytes.startIndex {
                throw ConfigError(location: loc, key: nil, message: "missing key name before '=' in '\(l)'; expected Key=value")
            }
            let key = String(decoding: ConfigParser.strip(bytes[..<eq]), as: UTF8.self)
            let value = String(decoding: ConfigParser.strip(bytes[(eq + 1)...]), as: UTF8.self)
            let keys = schema[section] ?? []
            if keys.contains(key) {
                assignments.append(ConfigAssignment(section: section, key: key, value: value, location: loc))
            } else if !key.hasPrefix("X-") {
                var message = "Unknown key name '\(key)' in section '\(section)', ignoring."
                if let known = keys.first(where: { ConfigValues.asciiLowercased($0) == ConfigValues.asciiLowercased(key) }) {
                    message += " (Did you mean '\(known)'? Names are case-sensitive.)"
                } else if let other = schema.first(where: { $0.value.contains(key) }) {
                    message += " (\(key)= belongs in section [\(other.key)].)"
                }
                warnings.append(ConfigDiagnostic(location: loc, message: message))
            }
        }
    }
}

extension ConfigAssignment {
    /// The value parsed by `parse`; an empty assignment (`Key=`) resets to `defaultValue`, as in systemd. A value that
    /// does not parse is a `ConfigError` naming file:line, the key and what was expected. Shared by every schema.
    public func parsed<T>(or defaultValue: T,
                          _ parse: (String) -> Result<T, ConfigValues.Expected>) throws(ConfigError) -> T {
        if value.isEmpty { return defaultValue }
        switch parse(value) {
        case .success(let v): return v
        case .failure(let expected):
            throw ConfigError(location: location, key: key, message: "\(key)=\(value): \(expected)")
        }
    }
}
