/// The report schema's length limits for free text, and cutting to them.
///
/// JSON Schema's `maxLength` counts Unicode code points; a cut never splits a character (a grapheme cluster such
/// as an emoji with modifiers or a letter with combining marks), so the result stays valid, readable text.
///
/// Control and format characters (Unicode categories Cc and Cf: NUL, C0/C1 controls, bidi overrides, zero-width
/// characters, soft hyphen, byte order mark) are taken out of every text field first: the collector refuses a
/// report carrying one (it would make a label that looks like another), so a real host must never send one.
public enum TextLimit {
    /// `os.prettyName`, `os.kernel`, `cpu.model`: the schema's `text`.
    public static let text = 256
    /// Every string that becomes a label of the collector's breakdowns (`os.id`, `os.versionId`, `os.arch`,
    /// `virtualization`, `container`, `agent.version`, `product.name`): the schema's `label` and `maxLength`s.
    public static let label = 64
    /// `product.version`.
    public static let productVersion = 64
    /// Fact keys (the schema's `propertyNames`) and a string fact's value (an enum value of the facts schema).
    public static let factKey = 64
    public static let factValue = 64

    /// A control or format character (Cc, Cf): never sent, refused by the collector.
    public static func isControlOrFormat(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.properties.generalCategory {
        case .control, .format: return true
        default: return false
        }
    }

    /// Whether `s` holds a control or format character.
    public static func hasControlOrFormat(_ s: String) -> Bool { s.unicodeScalars.contains(where: isControlOrFormat) }

    /// `s` without its control and format characters.
    public static func clean(_ s: String) -> String {
        guard hasControlOrFormat(s) else { return s }
        var out = String.UnicodeScalarView()
        out.append(contentsOf: s.unicodeScalars.filter { !isControlOrFormat($0) })
        return String(out)
    }

    /// `clean(_:)`, then `cut(_:to:)`: what every text field of a report goes through before it is sent.
    public static func sendable(_ s: String, limit: Int) -> String { cut(clean(s), to: limit) }

    public static func cut(_ s: String, to limit: Int) -> String {
        guard s.unicodeScalars.count > limit else { return s }
        var scalars = 0
        var end = s.startIndex
        for i in s.indices {
            let n = s[i].unicodeScalars.count
            if scalars + n > limit { break }
            scalars += n
            end = s.index(after: i)
        }
        return String(s[..<end])
    }

    /// `sendable(_:limit:)` for a field that may be null, to the schema's `text` limit.
    public static func cutText(_ s: String?) -> String? { s.map { sendable($0, limit: text) } }

    /// `sendable(_:limit:)` for a field that may be null, to the schema's `label` limit.
    public static func cutLabel(_ s: String?) -> String? { s.map { sendable($0, limit: label) } }
}

extension OSInfo {
    /// Every field cleaned and cut to the schema's limit (the fields that become labels to the shorter one).
    public func cutToLimits() -> OSInfo {
        OSInfo(id: TextLimit.cutLabel(id), versionId: TextLimit.cutLabel(versionId), prettyName: TextLimit.cutText(prettyName),
               kernel: TextLimit.cutText(kernel), arch: TextLimit.cutLabel(arch))
    }
}

extension CPUInfo {
    public func cutToLimits() -> CPUInfo {
        var c = self
        c.model = TextLimit.cutText(model)
        return c
    }
}
