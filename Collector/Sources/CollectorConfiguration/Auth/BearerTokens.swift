/// The tokens `TokenFile=` accepts: one a line; blank lines and lines starting with `#` are skipped,
/// surrounding white space trimmed. No tokens (no TokenFile=): ingest is open.
public struct BearerTokens: Sendable, Equatable {
    public private(set) var tokens: [[UInt8]]

    public static let open = BearerTokens(tokens: [])

    public init(tokens: [String]) { self.tokens = tokens.map { Array($0.utf8) } }

    public init(fileText: String) {
        var found: [String] = []
        for line in fileText.split(omittingEmptySubsequences: true, whereSeparator: { $0 == "\n" || $0 == "\r\n" || $0 == "\r" }) {
            let t = line.trimmingWhitespace()
            if t.isEmpty || t.hasPrefix("#") { continue }
            found.append(t)
        }
        self.init(tokens: found)
    }

    public var isOpen: Bool { tokens.isEmpty }

    /// Does the `Authorization` header carry one of the tokens (`Bearer TOKEN`, scheme case-insensitive)?
    /// Compares without an early exit, so timing does not tell how much of a guess was right.
    public func accepts(authorization: String?) -> Bool {
        if isOpen { return true }
        guard let authorization else { return false }
        let value = authorization.trimmingWhitespace()
        guard value.count > 7, value.prefix(7).lowercased() == "bearer " else { return false }
        let presented = Array(value.dropFirst(7).trimmingWhitespace().utf8)
        var matched = false
        for token in tokens where BearerTokens.constantTimeEqual(token, presented) { matched = true }
        return matched
    }

    static func constantTimeEqual(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        var diff = UInt8(truncatingIfNeeded: a.count ^ b.count)
        for i in 0..<max(a.count, b.count) {
            diff |= (i < a.count ? a[i] : 0) ^ (i < b.count ? b[i] : 0)
        }
        return diff == 0
    }
}
