#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The JSON of an answer (sorted keys, ISO 8601 dates), never failing: a value that cannot be encoded answers an
/// internal-error reason instead.
enum JSONText {
    static func encode<T: Encodable>(_ value: T) -> String {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        e.dateEncodingStrategy = .iso8601
        guard let data = try? e.encode(value) else { return #"{"reason":"internal error encoding the answer"}"# }
        return String(decoding: data, as: UTF8.self)
    }
}
