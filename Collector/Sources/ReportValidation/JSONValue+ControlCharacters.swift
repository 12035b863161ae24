import TelemetryWire

/// Control and format characters (Unicode Cc and Cf: NUL, C0/C1 controls, bidi overrides, zero-width characters,
/// soft hyphen, byte order mark) are refused in every string of a report, member names included: in a label they
/// make a value that looks like another (`1.2.3` followed by a zero-width space), reorder the text around it on the
/// page, or (NUL) cannot be stored by PostgreSQL. The agent takes them out before sending (`TextLimit.clean`).
extension JSONValue {
    public struct ControlOrFormat: Sendable, Equatable {
        /// JSON Pointer of the string's value (for a member name: of the member).
        public var path: String
        public var scalar: Unicode.Scalar

        public var violation: SchemaViolation {
            SchemaViolation(path: path, message: "holds U+\(Self.hex(scalar)), a control or format character (such as NUL, a bidi override or a zero-width space); labels must read as what they are")
        }

        static func hex(_ s: Unicode.Scalar) -> String {
            let h = String(s.value, radix: 16, uppercase: true)
            return String(repeating: "0", count: max(0, 4 - h.count)) + h
        }
    }

    /// The first string holding a control or format character, members visited in byte order of their names (so
    /// the answer names the same field every time); nil when there is none.
    public func firstControlOrFormat() -> ControlOrFormat? {
        // Nearly no report holds one: a scan in the dictionaries' own order answers those without sorting names.
        guard containsControlOrFormat() else { return nil }
        var path: [String] = []
        guard let scalar = firstControlOrFormat(path: &path) else { return nil }
        // Names clipped as in the schema's messages: the answer never echoes a long or invisible name whole.
        return ControlOrFormat(path: path.map { "/" + JSONValue.pointerEscape(JSONValue.clip($0)) }.joined(), scalar: scalar)
    }

    /// `path` holds the names (array indices as decimal text) down to the string found; built only on the way out.
    private func firstControlOrFormat(path: inout [String]) -> Unicode.Scalar? {
        switch self {
        case .string(let s):
            return JSONValue.firstInvisible(s)
        case .array(let items):
            for (i, item) in items.enumerated() {
                if let found = item.firstControlOrFormat(path: &path) {
                    path.insert(String(i), at: 0)
                    return found
                }
            }
            return nil
        case .object(let members):
            for name in members.keys.sorted(by: { $0.utf8.lexicographicallyPrecedes($1.utf8) }) {
                if let found = JSONValue.firstInvisible(name) ?? members[name]?.firstControlOrFormat(path: &path) {
                    path.insert(name, at: 0)
                    return found
                }
            }
            return nil
        case .null, .bool, .integer, .double:
            return nil
        }
    }

    private func containsControlOrFormat() -> Bool {
        switch self {
        case .string(let s): return JSONValue.firstInvisible(s) != nil
        case .array(let items): return items.contains { $0.containsControlOrFormat() }
        case .object(let members): return members.contains { JSONValue.firstInvisible($0.key) != nil || $0.value.containsControlOrFormat() }
        case .null, .bool, .integer, .double: return false
        }
    }

    private static func firstInvisible(_ s: String) -> Unicode.Scalar? {
        // Plain ASCII text without controls, the common case, needs no lookup of Unicode properties.
        if s.utf8.allSatisfy({ $0 >= 0x20 && $0 < 0x7F }) { return nil }
        return s.unicodeScalars.first(where: TextLimit.isControlOrFormat)
    }
}
