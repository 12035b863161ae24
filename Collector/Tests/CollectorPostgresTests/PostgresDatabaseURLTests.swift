import CollectorPostgres
import Testing

@Suite("Database=postgresql:// URLs")
struct PostgresDatabaseURLTests {
    @Test func theDocumentedForm() throws {
        let u = try PostgresDatabaseURL(parsing: "postgresql://telemetry@db.example.com:5433/reports")
        #expect(u == PostgresDatabaseURL(user: "telemetry", host: "db.example.com", port: 5433, database: "reports", tls: .prefer))
        #expect(u.description == "postgresql://telemetry@db.example.com:5433/reports")
    }

    @Test func defaultsIPv6EscapesAndSSLMode() throws {
        let u = try PostgresDatabaseURL(parsing: "postgres://col%40lector@[::1]/?sslmode=disable")
        #expect(u == PostgresDatabaseURL(user: "col@lector", host: "::1", port: 5432, database: "col@lector", tls: .disable))
        #expect(u.description == "postgresql://col@lector@[::1]:5432/col@lector?sslmode=disable")
        #expect(try PostgresDatabaseURL(parsing: "postgresql://u@h/d?sslmode=verify-full").tls == .require)
    }

    @Test(arguments: [
        ("sqlite:///var/lib/x.db", "not a postgresql:// URL"),
        ("postgresql://db:5432/x", "no user name"),
        ("postgresql://u:secret@db/x", "a password in the URL is not accepted"),
        ("postgresql://u@db:99999/x", "bad port"),
        ("postgresql://u@/x", "no host"),
        ("postgresql://u@db/x?sslmode=maybe", "sslmode=maybe"),
        ("postgresql://u@db/x?connect_timeout=3", "unknown parameter"),
    ])
    func refusedWithTheReason(_ text: String, _ reason: String) {
        #expect {
            _ = try PostgresDatabaseURL(parsing: text)
        } throws: { error in
            let message = "\(error)"
            return message.contains(reason) && !message.contains("secret")
        }
    }
}
