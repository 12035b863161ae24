import Testing
@testable import TelemetryWire

@Suite("Report: free text is cut to the schema's limits")
struct TextLimitTests {
    @Test func cutsOnCharacterBoundaries() {
        #expect(TextLimit.cut("abc", to: 2) == "ab")
        #expect(TextLimit.cut("abc", to: 3) == "abc")
        // "é" as e + combining acute is two code points and one character: never split.
        let combining = String(repeating: "e\u{301}", count: 3)
        let cut = TextLimit.cut(combining, to: 5)
        #expect(cut.unicodeScalars.count == 4 && cut == String(repeating: "e\u{301}", count: 2))
        // A family emoji (7 code points) does not fit in 6: dropped whole.
        #expect(TextLimit.cut("a👨‍👩‍👧‍👦", to: 6) == "a")
    }
}

@Suite("Report: control and format characters are recognised and taken out")
struct TextCleaningTests {
    /// One of each kind the collector refuses (Unicode Cc and Cf).
    static let invisible: [Unicode.Scalar] = ["\u{0}", "\u{1B}", "\u{7F}", "\u{85}", "\u{9F}", "\u{AD}", "\u{200B}", "\u{200C}",
                                              "\u{200D}", "\u{200E}", "\u{202A}", "\u{202E}", "\u{2066}", "\u{2069}", "\u{2060}", "\u{FEFF}"]

    @Test func controlAndFormatCharactersAreRecognised() {
        for s in Self.invisible { #expect(TextLimit.isControlOrFormat(s), "U+\(String(s.value, radix: 16))") }
        for s: Unicode.Scalar in ["a", " ", "é", "\u{301}", "Ω", "\u{2028}", "👍", "\u{3000}"] {
            #expect(!TextLimit.isControlOrFormat(s), "U+\(String(s.value, radix: 16))")
        }
    }

    @Test func cleanTakesThemOutAndKeepsTheRest() {
        var s = "1.2"
        for c in Self.invisible { s.unicodeScalars.append(c) }
        s += ".3"
        #expect(TextLimit.clean(s) == "1.2.3")
        #expect(TextLimit.clean("Debian GNU/Linux 12 (bookworm) é") == "Debian GNU/Linux 12 (bookworm) é")
        // Cut after cleaning: the limit counts what is sent.
        #expect(TextLimit.sendable("\u{200B}\u{200B}abc", limit: 2) == "ab")
    }
}
