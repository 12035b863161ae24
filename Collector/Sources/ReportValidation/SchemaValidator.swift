// A JSON Schema (2020-12) validator for the keywords schema/report-v1.schema.json uses, and a few more a
// schema like it would reach for. Hand-written because no JSON Schema package is available to the build
// (the package mirror has none); it is small because the report schema is: local `$ref`s only, no dynamic
// references, no unevaluated*, no vocabularies. A schema using any other keyword is refused when compiled,
// so a schema change cannot be silently half-enforced (the unit tests compile the shipped schema).
//
// Supported: type, enum, const, properties, required, additionalProperties, patternProperties, propertyNames,
// minProperties, maxProperties, items, minItems, maxItems, minimum, maximum, exclusiveMinimum,
// exclusiveMaximum, minLength, maxLength, pattern, allOf, anyOf, oneOf, not, if/then/else, $ref ("#/$defs/…"),
// $defs; annotations ($schema, $id, $comment, title, description, format, default, examples) are ignored.

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import TelemetryWire

public struct SchemaError: Error, Sendable, Equatable, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}

/// One reason a document fails the schema: where (a JSON Pointer into the document) and what.
public struct SchemaViolation: Sendable, Equatable, CustomStringConvertible, Codable {
    public var path: String
    public var message: String
    public init(path: String, message: String) {
        self.path = path
        self.message = message
    }
    public var description: String { "\(path.isEmpty ? "/" : path): \(message)" }
}

public struct SchemaValidator: Sendable {
    let root: JSONValue
    let definitions: [String: JSONValue]
    let patterns: PatternCache
    /// The schema with each keyword read once into a field (validation does no dictionary lookups by keyword).
    let rootNode: SchemaNode
    let definitionNodes: [String: SchemaNode]

    static let annotations: Set<String> = ["$schema", "$id", "$comment", "title", "description", "format", "default", "examples"]
    static let keywords: Set<String> = [
        "type", "enum", "const", "properties", "required", "additionalProperties", "patternProperties", "propertyNames",
        "minProperties", "maxProperties", "items", "minItems", "maxItems", "minimum", "maximum", "exclusiveMinimum",
        "exclusiveMaximum", "minLength", "maxLength", "pattern", "allOf", "anyOf", "oneOf", "not", "if", "then", "else",
        "$ref", "$defs",
    ]

    /// Compiles `schema`: checks every keyword is supported, every `$ref` resolves and every pattern compiles.
    public init(schema: JSONValue) throws(SchemaError) {
        guard case .object(let o) = schema else { throw SchemaError("the schema is not a JSON object") }
        root = schema
        definitions = o["$defs"]?.object ?? [:]
        patterns = PatternCache()
        rootNode = SchemaNode(schema)
        definitionNodes = definitions.mapValues(SchemaNode.init)
        try check(schema, at: "#")
    }

    public init(schemaText: String) throws(SchemaError) {
        let value: JSONValue
        do { value = try JSONValue.parse(Array(schemaText.utf8), maxDepth: 64) } catch { throw SchemaError("the schema is \(error)") }
        try self.init(schema: value)
    }

    private func check(_ schema: JSONValue, at location: String) throws(SchemaError) {
        if case .bool = schema { return }
        guard case .object(let o) = schema else { throw SchemaError("\(location): a schema must be an object or a boolean") }
        for (key, value) in o {
            if SchemaValidator.annotations.contains(key) { continue }
            guard SchemaValidator.keywords.contains(key) else {
                throw SchemaError("\(location): keyword \"\(key)\" is not supported by this validator")
            }
            switch key {
            case "properties", "patternProperties", "$defs":
                guard case .object(let members) = value else { throw SchemaError("\(location)/\(key): expected an object") }
                for (name, sub) in members {
                    if key == "patternProperties" { try patterns.compile(name, at: "\(location)/\(key)") }
                    try check(sub, at: "\(location)/\(key)/\(name)")
                }
            case "allOf", "anyOf", "oneOf":
                guard case .array(let items) = value, !items.isEmpty else { throw SchemaError("\(location)/\(key): expected a non-empty array") }
                for (i, sub) in items.enumerated() { try check(sub, at: "\(location)/\(key)/\(i)") }
            case "additionalProperties", "propertyNames", "items", "not", "if", "then", "else":
                try check(value, at: "\(location)/\(key)")
            case "$ref":
                guard let ref = value.string, resolve(ref) != nil else {
                    throw SchemaError("\(location)/$ref: only \"#/$defs/NAME\" references to existing definitions are supported")
                }
            case "pattern":
                guard let p = value.string else { throw SchemaError("\(location)/pattern: expected a string") }
                try patterns.compile(p, at: "\(location)/pattern")
            case "type":
                let names: [JSONValue]
                if case .array(let a) = value { names = a } else { names = [value] }
                for n in names {
                    guard let s = n.string, ["object", "array", "string", "integer", "number", "boolean", "null"].contains(s) else {
                        throw SchemaError("\(location)/type: unknown type \(n)")
                    }
                }
            case "required", "enum":
                guard case .array = value else { throw SchemaError("\(location)/\(key): expected an array") }
            case "minProperties", "maxProperties", "minItems", "maxItems", "minLength", "maxLength",
                 "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum":
                guard value.number != nil else { throw SchemaError("\(location)/\(key): expected a number") }
            default:
                break
            }
        }
    }

    private func resolve(_ ref: String) -> JSONValue? {
        let prefix = "#/$defs/"
        if ref == "#" { return root }
        guard ref.hasPrefix(prefix) else { return nil }
        return definitions[String(ref.dropFirst(prefix.count))]
    }

    private func resolveNode(_ ref: String) -> SchemaNode? {
        let prefix = "#/$defs/"
        if ref == "#" { return rootNode }
        guard ref.hasPrefix(prefix) else { return nil }
        return definitionNodes[String(ref.dropFirst(prefix.count))]
    }

    /// Every violation found (at most `limit`), empty when `document` is valid.
    public func validate(_ document: JSONValue, limit: Int = 10) -> [SchemaViolation] {
        // Nearly every document is valid: a first pass that only counts (members in the dictionary's order, no paths
        // built, no messages) answers those. Only a document that fails is walked again, members in name order, for
        // the messages. Whether a document is valid does not depend on the order its members are checked in.
        var quick = Violations(limit: 1, quiet: true)
        validate(document, against: rootNode, path: .root, into: &quick)
        if quick.count == 0 { return [] }
        var out = Violations(limit: limit, quiet: false)
        validate(document, against: rootNode, path: .root, into: &out)
        return out.found
    }

    /// Whether `value` is valid, building no messages (the trial of an anyOf/oneOf/not/if branch).
    private func isValid(_ value: JSONValue, against schema: SchemaNode, path: JSONPath) -> Bool {
        var out = Violations(limit: 1, quiet: true)
        validate(value, against: schema, path: path, into: &out)
        return out.count == 0
    }

    private func validate(_ value: JSONValue, against s: SchemaNode, path: JSONPath, into out: inout Violations) {
        if out.isFull { return }
        if let b = s.boolean {
            if !b { out.add(path, "not allowed here") }
            return
        }
        func fail(_ message: @autoclosure () -> String, at p: JSONPath? = nil) { out.add(p ?? path, message()) }

        if let ref = s.ref, let target = resolveNode(ref) {
            validate(value, against: target, path: path, into: &out)
        }
        if let allowed = s.types {
            let actual = value.typeName
            let ok = allowed.contains(actual) || (actual == "integer" && allowed.contains("number"))
            if !ok {
                fail("expected \(allowed.joined(separator: " or ")), got \(actual)")
                return   // the other keywords would only repeat the type mismatch
            }
        }
        if let c = s.const, !JSONValue.sameValue(c, value) { fail("must be \(c.shortText)") }
        if let options = s.enumValues, !options.contains(where: { JSONValue.sameValue($0, value) }) {
            fail("must be one of \(options.map(\.shortText).joined(separator: ", "))")
        }

        switch value {
        case .object(let members):
            for name in s.required where members[name] == nil { fail("missing required property \"\(name)\"") }
            if let n = s.minProperties, Double(members.count) < n { fail("must have at least \(Int(n)) properties") }
            if let n = s.maxProperties, Double(members.count) > n { fail("must have at most \(Int(n)) properties, has \(members.count)") }
            func check(_ name: String, _ member: JSONValue, _ memberPath: JSONPath) {
                if let names = s.propertyNames, !isValid(.string(name), against: names, path: memberPath) {
                    fail("property name \"\(JSONValue.clip(name))\" is not allowed", at: memberPath)
                    return
                }
                var matched = false
                if let sub = s.properties[name] {
                    matched = true
                    validate(member, against: sub, path: memberPath, into: &out)
                }
                for (pattern, sub) in s.patternProperties where patterns.matches(pattern, name) {
                    matched = true
                    validate(member, against: sub, path: memberPath, into: &out)
                }
                if !matched, let extra = s.additionalProperties {
                    if extra.boolean == false {
                        fail("unknown property \"\(JSONValue.clip(name))\"", at: memberPath)
                    } else {
                        validate(member, against: extra, path: memberPath, into: &out)
                    }
                }
            }
            if out.quiet {
                // Counting only: no path is ever spelled out, so none is built (each level would be an allocation).
                for (name, member) in members { check(name, member, path) }
            } else {
                for name in members.keys.sorted() {
                    guard let member = members[name] else { continue }
                    check(name, member, .key(path, name))
                }
            }
        case .array(let items):
            if let n = s.minItems, Double(items.count) < n { fail("must have at least \(Int(n)) items") }
            if let n = s.maxItems, Double(items.count) > n { fail("must have at most \(Int(n)) items") }
            if let sub = s.items {
                for (i, item) in items.enumerated() { validate(item, against: sub, path: .index(path, i), into: &out) }
            }
        case .string(let text):
            if s.minLength != nil || s.maxLength != nil {
                let length = text.unicodeScalars.count   // JSON Schema counts code points
                if let n = s.minLength, Double(length) < n { fail("must be at least \(Int(n)) characters") }
                if let n = s.maxLength, Double(length) > n { fail("must be at most \(Int(n)) characters, is \(length)"); break }
            }
            if let p = s.pattern, !(s.knownPattern?.matches(text) ?? patterns.matches(p, text)) { fail("\"\(JSONValue.clip(text))\" does not match \(p)") }
        case .integer, .double:
            if let x = value.number {
                if !x.isFinite { fail("must be a finite number") }
                if let m = s.minimum, x < m { fail("must be at least \(JSONValue.format(m))") }
                if let m = s.maximum, x > m { fail("must be at most \(JSONValue.format(m))") }
                if let m = s.exclusiveMinimum, x <= m { fail("must be greater than \(JSONValue.format(m))") }
                if let m = s.exclusiveMaximum, x >= m { fail("must be less than \(JSONValue.format(m))") }
            }
        case .null, .bool:
            break
        }

        if let subs = s.allOf {
            for sub in subs { validate(value, against: sub, path: path, into: &out) }
        }
        if let subs = s.anyOf, !subs.contains(where: { isValid(value, against: $0, path: path) }) {
            fail("matches none of the allowed forms")
        }
        if let subs = s.oneOf {
            let n = subs.filter { isValid(value, against: $0, path: path) }.count
            if n != 1 { fail(n == 0 ? "matches none of the allowed forms" : "matches more than one of the exclusive forms") }
        }
        if let sub = s.not, isValid(value, against: sub, path: path) { fail("matches a form that is not allowed") }
        if let condition = s.ifSchema {
            if isValid(value, against: condition, path: path) {
                if let then = s.thenSchema { validate(value, against: then, path: path, into: &out) }
            } else if let otherwise = s.elseSchema {
                validate(value, against: otherwise, path: path, into: &out)
            }
        }
    }
}

/// Where in the document a value is, built as the validator descends and spelled out (a JSON Pointer) only for a
/// violation: most members of a valid report never need their path as text.
indirect enum JSONPath: Sendable {
    case root
    case key(JSONPath, String)
    case index(JSONPath, Int)

    var pointer: String {
        switch self {
        case .root: return ""
        case .key(let parent, let name): return parent.pointer + "/" + JSONValue.pointerEscape(JSONValue.clip(name))
        case .index(let parent, let i): return parent.pointer + "/\(i)"
        }
    }
}

/// The violations found so far; `quiet` only counts them (no message is built).
struct Violations {
    let limit: Int
    let quiet: Bool
    var found: [SchemaViolation] = []
    var count = 0

    init(limit: Int, quiet: Bool) {
        self.limit = limit
        self.quiet = quiet
    }

    var isFull: Bool { count >= limit }

    mutating func add(_ path: JSONPath, _ message: @autoclosure () -> String) {
        guard count < limit else { return }
        count += 1
        if !quiet { found.append(SchemaViolation(path: path.pointer, message: message())) }
    }
}

/// One (sub)schema with its keywords read into fields, made from a schema that `SchemaValidator.check` accepted.
final class SchemaNode: Sendable {
    /// A `true` or `false` schema.
    let boolean: Bool?
    let ref: String?
    let types: [String]?
    let const: JSONValue?
    let enumValues: [JSONValue]?
    let properties: [String: SchemaNode]
    let patternProperties: [(String, SchemaNode)]
    let required: [String]
    let minProperties, maxProperties, minItems, maxItems, minLength, maxLength: Double?
    let minimum, maximum, exclusiveMinimum, exclusiveMaximum: Double?
    let pattern: String?
    /// `pattern` when it is one of the report schema's own, matched by hand.
    let knownPattern: KnownPattern?
    let propertyNames, additionalProperties, items, not, ifSchema, thenSchema, elseSchema: SchemaNode?
    let allOf, anyOf, oneOf: [SchemaNode]?

    init(_ schema: JSONValue) {
        if case .bool(let b) = schema { boolean = b } else { boolean = nil }
        let o = schema.object ?? [:]
        func node(_ key: String) -> SchemaNode? { o[key].map(SchemaNode.init) }
        func nodes(_ key: String) -> [SchemaNode]? {
            if case .array(let a)? = o[key] { return a.map(SchemaNode.init) } else { return nil }
        }
        ref = o["$ref"]?.string
        switch o["type"] {
        case .array(let a)?: types = a.compactMap(\.string)
        case let t?: types = [t.string ?? ""]
        case nil: types = nil
        }
        const = o["const"]
        if case .array(let a)? = o["enum"] { enumValues = a } else { enumValues = nil }
        properties = (o["properties"]?.object ?? [:]).mapValues(SchemaNode.init)
        patternProperties = (o["patternProperties"]?.object ?? [:]).sorted { $0.key < $1.key }.map { ($0.key, SchemaNode($0.value)) }
        if case .array(let a)? = o["required"] { required = a.compactMap(\.string) } else { required = [] }
        minProperties = o["minProperties"]?.number
        maxProperties = o["maxProperties"]?.number
        minItems = o["minItems"]?.number
        maxItems = o["maxItems"]?.number
        minLength = o["minLength"]?.number
        maxLength = o["maxLength"]?.number
        minimum = o["minimum"]?.number
        maximum = o["maximum"]?.number
        exclusiveMinimum = o["exclusiveMinimum"]?.number
        exclusiveMaximum = o["exclusiveMaximum"]?.number
        pattern = o["pattern"]?.string
        knownPattern = pattern.flatMap { KnownPattern(pattern: $0) }
        propertyNames = node("propertyNames")
        additionalProperties = node("additionalProperties")
        items = node("items")
        not = node("not")
        ifSchema = node("if")
        thenSchema = node("then")
        elseSchema = node("else")
        allOf = nodes("allOf")
        anyOf = nodes("anyOf")
        oneOf = nodes("oneOf")
    }
}

/// Compiled `pattern`s, built once when the schema is compiled and only read afterwards: the report schema's own
/// patterns as `KnownPattern`s (matched by hand), any other as a `Regex`.
final class PatternCache: @unchecked Sendable {
    // @unchecked: `Regex<AnyRegexOutput>` is not Sendable; the dictionaries are filled in SchemaValidator.init
    // (before the validator is shared) and never mutated afterwards, so concurrent reads are safe.
    private var compiled: [String: Regex<AnyRegexOutput>] = [:]
    private var known: [String: KnownPattern] = [:]

    func compile(_ pattern: String, at location: String) throws(SchemaError) {
        if compiled[pattern] != nil || known[pattern] != nil { return }
        if let k = KnownPattern(pattern: pattern) {
            known[pattern] = k
            return
        }
        do { compiled[pattern] = try Regex(pattern) } catch {
            throw SchemaError("\(location): pattern \(pattern) does not compile: \(error)")
        }
    }

    /// ECMA-262 semantics as JSON Schema asks: a match anywhere (patterns anchor themselves with ^…$).
    func matches(_ pattern: String, _ text: String) -> Bool {
        if let k = known[pattern] { return k.matches(text) }
        guard let r = compiled[pattern] else { return false }
        return (try? r.firstMatch(in: text)) != nil
    }
}

extension JSONValue {
    /// JSON Schema equality: numbers by value (1 == 1.0), objects regardless of key order.
    static func sameValue(_ a: JSONValue, _ b: JSONValue) -> Bool {
        if let x = a.number, let y = b.number { return x == y }
        return a == b
    }

    /// The value for a message: short, never more than 40 characters of user text.
    var shortText: String {
        switch self {
        case .null: return "null"
        case .bool(let b): return b ? "true" : "false"
        case .integer(let i): return String(i)
        case .double(let d): return JSONValue.format(d)
        case .string(let s): return "\"\(JSONValue.clip(s))\""
        case .array: return "an array"
        case .object: return "an object"
        }
    }

    static func format(_ d: Double) -> String {
        d.rounded() == d && abs(d) < 1e15 ? String(Int64(d)) : String(d)
    }

    static func clip(_ s: String) -> String {
        // Controls and format characters (a bidi override would reorder the message around it) as "?".
        let clean = String(String.UnicodeScalarView(s.unicodeScalars.map { TextLimit.isControlOrFormat($0) || $0 == "\"" || $0 == "\\" ? "?" : $0 }))
        return clean.count > 40 ? String(clean.prefix(40)) + "…" : clean
    }

    /// RFC 6901: `~` → `~0`, `/` → `~1`.
    static func pointerEscape(_ s: String) -> String {
        var out = ""
        for ch in s {
            switch ch {
            case "~": out += "~0"
            case "/": out += "~1"
            default: out.append(ch)
            }
        }
        return out
    }
}
