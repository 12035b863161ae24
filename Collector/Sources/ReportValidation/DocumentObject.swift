#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// One JSON object of a parsed document, read the way a synthesized `Decodable` reads its keyed container through
/// `JSONDecoder` (`Report.makeDecoder()`): the same values, the same failures with the same words. It lets the
/// validator build the `Report` from the document it has already parsed instead of serializing it and decoding it a
/// second time, which was 9–10 % of the collector's CPU at saturation.
///
/// The path of a failure is built only when there is one: the readers take it as a closure.
struct DocumentObject {
    let members: [String: JSONValue]
    let path: [String]

    init(_ value: JSONValue, path: [String]) throws(ReportShapeError) {
        switch value {
        case .object(let m):
            members = m
            self.path = path
        case .null:
            throw ReportShapeError(path: path, message: "Cannot get keyed decoding container -- found null value instead")
        default:
            throw ReportShapeError(path: path, message: "Expected to decode Dictionary<String, Any> but found \(value.decoderKind) instead.")
        }
    }

    /// `decode(_:forKey:)`: the key must be there (null is the reader's to refuse).
    func decode<T>(_ key: String, _ read: (JSONValue, () -> [String]) throws(ReportShapeError) -> T) throws(ReportShapeError) -> T {
        guard let value = members[key] else { throw ReportShapeError(path: path, message: "missing \"\(key)\"") }
        return try read(value, { path + [key] })
    }

    /// `decodeIfPresent(_:forKey:)`: absent and null are both nil.
    func decodeIfPresent<T>(_ key: String, _ read: (JSONValue, () -> [String]) throws(ReportShapeError) -> T) throws(ReportShapeError) -> T? {
        guard let value = members[key] else { return nil }
        if case .null = value { return nil }
        return try read(value, { path + [key] })
    }

    /// A nested object, for a nested `Decodable` struct.
    func object(_ key: String) throws(ReportShapeError) -> DocumentObject {
        try decode(key) { (v, p) throws(ReportShapeError) in try DocumentObject(v, path: p()) }
    }

    func objectIfPresent(_ key: String) throws(ReportShapeError) -> DocumentObject? {
        try decodeIfPresent(key) { (v, p) throws(ReportShapeError) in try DocumentObject(v, path: p()) }
    }

    /// `[String: T]`. When several members fail, JSONDecoder names the first in its dictionary's hash order, which
    /// changes from one process to the next; this names the first in byte order of the names, the same every time.
    func dictionaryIfPresent<T>(_ key: String, _ read: (JSONValue, () -> [String]) throws(ReportShapeError) -> T) throws(ReportShapeError) -> [String: T]? {
        guard let nested = try objectIfPresent(key) else { return nil }
        var out: [String: T] = [:]
        out.reserveCapacity(nested.members.count)
        do {
            for (name, value) in nested.members { out[name] = try read(value, { nested.path + [name] }) }
        } catch {
            for name in nested.members.keys.sorted(by: { $0.utf8.lexicographicallyPrecedes($1.utf8) }) {
                _ = try read(nested.members[name] ?? .null, { nested.path + [name] })
            }
            throw error
        }
        return out
    }
}
