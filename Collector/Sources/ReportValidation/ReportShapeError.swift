/// Why a document that passed the schema is still not a `Report` as the daemon's model reads it (a count such as
/// `1e+20` that its field's type cannot hold; with another schema, a missing key or a wrong type): where and what,
/// worded as JSONDecoder words it, so the ingest answers these reports as it did while a second JSONDecoder pass
/// built the report (`ReportDocumentTests` hold the two side by side).
public struct ReportShapeError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The path as JSONDecoder's coding path (`/data/cpu/logicalCores`, unescaped names), then what is wrong.
    public var description: String

    init(path: [String], message: String) {
        description = "/" + path.joined(separator: "/") + ": " + message
    }

    /// JSONDecoder's answer to a number its field cannot hold exactly (`1e+20` or `1.5` for an Int): a
    /// `dataCorrupted` error that names no path.
    static let numberNotRepresentable = ReportShapeError(path: [], message: "The given data was not valid JSON.")
}
