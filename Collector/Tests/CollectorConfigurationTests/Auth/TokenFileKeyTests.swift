import CollectorConfiguration
import Testing

@Suite struct TokenFileKeyTests {
    @Test func eachKeyNamesItsFile() {
        var c = CollectorConfig()
        #expect(TokenFileKey.allCases.allSatisfy { $0.path(in: c) == nil })
        c.tokenFile = "/etc/telemetry-collector/tokens"
        c.readTokenFile = "/etc/telemetry-collector/read-tokens"
        #expect(TokenFileKey.ingest.path(in: c) == "/etc/telemetry-collector/tokens")
        #expect(TokenFileKey.reads.path(in: c) == "/etc/telemetry-collector/read-tokens")
    }

    @Test func aFileWithTokensGivesThem() throws {
        let tokens = try TokenFileKey.ingest.tokens(fileText: "# ops\nalpha\n", path: "/t").get()
        #expect(tokens == BearerTokens(tokens: ["alpha"]))
    }

    @Test func aFileWithoutATokenIsRefusedSayingHowToOpen() {
        #expect(TokenFileKey.ingest.tokens(fileText: "# none yet\n\n", path: "/t")
                == .failure(TokenFileError(description: "TokenFile=/t: no token in the file (one a line); to accept every report, leave TokenFile= empty")))
        #expect(TokenFileKey.reads.tokens(fileText: "", path: "/r")
                == .failure(TokenFileError(description: "ReadTokenFile=/r: no token in the file (one a line); to let anyone read, leave ReadTokenFile= empty")))
    }
}
