extension StringProtocol {
    /// Without leading and trailing Unicode white space (no Foundation needed). For the lines of token files here
    /// and for HTTP header values in CollectorHTTP: visible in this package, not outside it.
    package func trimmingWhitespace() -> String {
        let scalars = unicodeScalars
        guard let first = scalars.firstIndex(where: { !$0.properties.isWhitespace }),
              let last = scalars.lastIndex(where: { !$0.properties.isWhitespace }) else { return "" }
        return String(String.UnicodeScalarView(scalars[first...last]))
    }
}
