import ConfigGrammar
import Testing
import TestSupport
@testable import TelemetryTransport

/// TokenFile=: read from its path or from $CREDENTIALS_DIRECTORY (LoadCredential=), never shown.
@Suite(.removesTemporaryDirectories) struct CredentialTests {
    @Test func theTokenFileIsReadFromItsPathOrTheCredentialsDirectory() throws {
        let dir = try tempDir("token")
        try "  tok-abc \r\nsecond line\n".write(toFile: dir + "/token", atomically: false, encoding: .utf8)
        #expect(Credential.load(tokenFile: dir + "/token", environment: [:]) == .token("tok-abc"))
        #expect(Credential.load(tokenFile: "token", environment: ["CREDENTIALS_DIRECTORY": dir]) == .token("tok-abc"))
        #expect(Credential.load(tokenFile: nil, environment: [:]) == .none)
        guard case .unusable(let relative) = Credential.load(tokenFile: "token", environment: [:]) else {
            Issue.record("a relative name without $CREDENTIALS_DIRECTORY must be unusable")
            return
        }
        #expect(relative.contains("CREDENTIALS_DIRECTORY") && relative.contains("LoadCredential="))
        guard case .unusable(let missing) = Credential.load(tokenFile: dir + "/nope", environment: [:]) else {
            Issue.record("a missing file must be unusable")
            return
        }
        #expect(missing.contains(dir + "/nope"))
        try "\n".write(toFile: dir + "/empty", atomically: false, encoding: .utf8)
        #expect(Credential.load(tokenFile: dir + "/empty", environment: [:]) != .token(""))
        try "a b\n".write(toFile: dir + "/blank", atomically: false, encoding: .utf8)
        #expect(!Credential.load(tokenFile: dir + "/blank", environment: [:]).isConfigured)
        // Never shown.
        #expect(String(describing: Credential.token("tok-abc")) == "set")
        let settings = TransportSettings(endpoint: "https://c/r", timeout: TimeSpan(seconds: 5), proxy: nil, caFile: nil,
                                         compress: false, format: .telemetryd, credential: .token("tok-abc"))
        #expect(!String(describing: settings).contains("tok-abc"))
    }
}
