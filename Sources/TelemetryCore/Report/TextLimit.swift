/// The report schema's length limits for free text, and cutting to them.
///
/// JSON Schema's `maxLength` counts Unicode code points; a cut never splits a character (a grapheme cluster such
/// as an emoji with modifiers or a letter with combining marks), so the result stays valid, readable text.
public enum TextLimit {
    /// `os.*`, `cpu.model`: the schema's `text`.
    public static let text = 256
    /// `product.version`.
    public static let productVersion = 64

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

    /// `cut(_:to:)` for a field that may be null, to the schema's `text` limit.
    public static func cutText(_ s: String?) -> String? { s.map { cut($0, to: text) } }
}

extension OSInfo {
    /// Every field cut to the schema's limit.
    public func cutToLimits() -> OSInfo {
        OSInfo(id: TextLimit.cutText(id), versionId: TextLimit.cutText(versionId), prettyName: TextLimit.cutText(prettyName),
               kernel: TextLimit.cutText(kernel), arch: TextLimit.cutText(arch))
    }
}

extension CPUInfo {
    public func cutToLimits() -> CPUInfo {
        var c = self
        c.model = TextLimit.cutText(model)
        return c
    }
}
