extension StringProtocol {
    /// ASCII whitespace trimmed from both ends (FoundationEssentials has no `trimmingCharacters`).
    @inlinable
    public func trimmedASCII() -> String {
        let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\t" || $0 == "\n" || $0 == "\r" || $0 == "\u{0B}" || $0 == "\u{0C}" }
        guard let start = firstIndex(where: { !isSpace($0) }), let end = lastIndex(where: { !isSpace($0) }) else { return "" }
        return String(self[start...end])
    }
}
