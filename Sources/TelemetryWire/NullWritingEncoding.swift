/// JSON objects with every key: a value that is absent is written as `null`, never left out (report-v1 and
/// `telemetryd status --json` promise every key, so consumers need not test for presence). Synthesized `Encodable`
/// leaves nil optionals out, so the types that promise every key call this from their `encode(to:)` instead of
/// listing each property by hand: it encodes the stored properties under their own names.
public enum NullWritingEncoding {
    /// Encodes `value`'s stored properties as one keyed object; `omitting` names properties that are not part of
    /// the JSON. Every property must be `Encodable` (checked by the tests of each type's JSON).
    public static func encode<T>(_ value: T, to encoder: any Encoder, omitting: Set<String> = []) throws {
        var c = encoder.container(keyedBy: NameKey.self)
        for child in Mirror(reflecting: value).children {
            guard let name = child.label, !omitting.contains(name) else { continue }
            let key = NameKey(name)
            if let optional = child.value as? any OptionalValue, optional.isNone {
                try c.encodeNil(forKey: key)
            } else if let encodable = child.value as? any Encodable {
                try c.encode(encodable, forKey: key)
            } else {
                throw EncodingError.invalidValue(child.value, .init(
                    codingPath: encoder.codingPath + [key], debugDescription: "\(T.self).\(name) is not Encodable"))
            }
        }
    }

    struct NameKey: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(_ name: String) { stringValue = name }
        init?(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }
}

private protocol OptionalValue {
    var isNone: Bool { get }
}

extension Optional: OptionalValue {
    fileprivate var isNone: Bool { self == nil }
}
