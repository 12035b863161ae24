import CollectorConfiguration
import CollectorService
import Testing

@Suite struct ServiceStatusTests {
    @Test func startingOpenIngestAndReads() {
        let s = ServiceStatus(database: "sqlite:///var/lib/r.db", tokens: .open, readTokens: .open)
        #expect(s.text == "Starting; database sqlite:///var/lib/r.db; open ingest (no TokenFile=); open reads")
    }

    @Test func listeningWithTokensCountsThemInTheRightNumber() {
        var s = ServiceStatus(database: "db", tokens: BearerTokens(tokens: ["a"]), readTokens: BearerTokens(tokens: ["r", "s"]))
        s.listening(on: "127.0.0.1:8080")
        #expect(s.text == "Listening on 127.0.0.1:8080; database db; 1 token; reads need one of 2 tokens")
        s.reloaded(tokens: BearerTokens(tokens: ["a", "b"]), readTokens: BearerTokens(tokens: ["r"]), note: nil)
        #expect(s.text == "Listening on 127.0.0.1:8080; database db; 2 tokens; reads need one of 1 token")
    }

    @Test func anUnhealthyDatabaseIsSaidUntilItAnswers() {
        var s = ServiceStatus(database: "db", tokens: .open, readTokens: .open)
        s.health("connection refused")
        #expect(s.text == "Starting; database db UNAVAILABLE: connection refused; open ingest (no TokenFile=); open reads")
        s.health(nil)
        #expect(s.text == "Starting; database db; open ingest (no TokenFile=); open reads")
    }

    @Test func theLastReloadsNoteIsKeptAndReplaced() {
        var s = ServiceStatus(database: "db", tokens: .open, readTokens: .open)
        s.reloadFailed("reload failed, running configuration kept: bad key")
        #expect(s.text.hasSuffix("; open reads; reload failed, running configuration kept: bad key"))
        s.reloaded(tokens: .open, readTokens: .open, note: nil)
        #expect(s.text.hasSuffix("; open reads"))
    }
}
