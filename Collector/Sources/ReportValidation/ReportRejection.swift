/// Why a body is not a report the collector takes: the ingest answers 400 with this as JSON, `import` prints it.
public struct ReportRejection: Error, Sendable, Equatable, CustomStringConvertible, Codable {
    /// One line for people.
    public var reason: String
    /// Where the document breaks the schema, when it does.
    public var violations: [SchemaViolation]

    public init(reason: String, violations: [SchemaViolation] = []) {
        self.reason = reason
        self.violations = violations
    }

    public var description: String {
        violations.isEmpty ? reason : reason + ": " + violations.map(\.description).joined(separator: "; ")
    }
}
