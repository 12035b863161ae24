#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

enum FactsJSON {
    /// The file as one JSON object with opaque nested values; nil when it is not valid JSON (RFC 8259: no NaN,
    /// no Infinity, no comments) or not an object. JSONDecoder bounds the nesting depth itself.
    static func topLevelObject(_ bytes: [UInt8]) -> [String: FactInput]? {
        try? JSONDecoder().decode([String: FactInput].self, from: Data(bytes))
    }
}
