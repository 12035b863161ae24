import CollectorConfiguration
import Testing

@Suite struct BearerTokensTests {
    @Test func fileLinesCommentsAndBlanks() {
        let t = BearerTokens(fileText: "# vendor tokens\n\n  alpha \r\nbeta\n")
        #expect(t.tokens.map { String(decoding: $0, as: UTF8.self) } == ["alpha", "beta"])
        #expect(t.accepts(authorization: "Bearer alpha"))
        #expect(t.accepts(authorization: "bearer beta"))
        #expect(!t.accepts(authorization: "Bearer alph"))
        #expect(!t.accepts(authorization: "Bearer alphaa"))
        #expect(!t.accepts(authorization: "Basic alpha"))
        #expect(!t.accepts(authorization: nil))
        #expect(!t.accepts(authorization: "Bearer "))
    }

    @Test func noTokensIsOpen() {
        #expect(BearerTokens.open.accepts(authorization: nil))
        #expect(BearerTokens(fileText: "# none\n").isOpen)
    }
}
