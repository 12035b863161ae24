import TelemetryWire

/// The rules of product facts, pure: from the file's metadata and bytes (and the vendor's schema) to what is sent.
///
/// - the file: a regular file, at most 16 KiB, not writable by others, modified within `FactsMaxAgeSec=`
///   (else `stale`); not valid JSON or not an object: `invalid`;
/// - keys: `^[a-z][A-Za-z0-9_]{0,63}$`, at most 64 of them (the first 64 valid keys in byte order), one level;
/// - values: booleans and finite numbers always; strings only where the schema declares the key with an `enum`,
///   and only a listed value;
/// - with a schema, undeclared keys and values outside the declared type or range are dropped;
/// - a key the schema declares `{"type": "counter"}` is a running total (a whole number from 0 to 2^53-1), kept apart
///   in `FactsOutcome.counters` and never sent as a fact; at most 64 counters.
public enum FactsRules {
    public static let maxFileSize = 16 * 1024
    public static let maxKeys = 64
    public static let keyPattern = "^[a-z][A-Za-z0-9_]{0,63}$"

    public struct FileInfo: Sendable, Equatable {
        public var isRegularFile: Bool
        public var size: Int
        /// Permission bits (`st_mode & 0o7777`).
        public var mode: UInt32
        /// Seconds since the epoch.
        public var modified: Double
        public init(isRegularFile: Bool, size: Int, mode: UInt32, modified: Double) {
            self.isRegularFile = isRegularFile
            self.size = size
            self.mode = mode
            self.modified = modified
        }
    }

    public static func isValidKey(_ key: String) -> Bool {
        let b = Array(key.utf8)
        guard let first = b.first, b.count <= TextLimit.factKey, first >= 0x61 && first <= 0x7A else { return false }
        return b.allSatisfy { ($0 >= 0x61 && $0 <= 0x7A) || ($0 >= 0x41 && $0 <= 0x5A) || ($0 >= 0x30 && $0 <= 0x39) || $0 == 0x5F }
    }

    /// The file checks that come before reading it.
    public static func check(_ info: FileInfo, now: Double, maxAgeSeconds: Double) -> FactsOutcome? {
        if !info.isRegularFile { return FactsOutcome(status: .invalid, problem: "not a regular file") }
        if info.size > maxFileSize { return FactsOutcome(status: .invalid, problem: "larger than \(maxFileSize) bytes") }
        if info.mode & 0o002 != 0 { return FactsOutcome(status: .invalid, problem: "writable by others (chmod o-w)") }
        if now - info.modified > maxAgeSeconds {
            return FactsOutcome(status: .stale, problem: "not modified for more than FactsMaxAgeSec=")
        }
        return nil
    }

    /// Applies the key and value rules to the file's bytes (already within the size cap).
    /// `sizeCap` is for tests that push more than a file may hold through the key rules.
    public static func evaluate(_ bytes: [UInt8], schema: FactsSchema?, sizeCap: Int = maxFileSize) -> FactsOutcome {
        guard bytes.count <= sizeCap else { return FactsOutcome(status: .invalid, problem: "larger than \(maxFileSize) bytes") }
        guard let object = FactsJSON.topLevelObject(bytes) else {
            return FactsOutcome(status: .invalid, problem: "not a JSON object")
        }
        var facts: [String: FactValue] = [:]
        var counters = schema.map { CounterReading(declared: $0.counters) }
        var dropped: [DroppedFact] = []
        for key in object.keys.sorted(by: { $0.utf8.lexicographicallyPrecedes($1.utf8) }) {
            guard let input = object[key] else { continue }
            guard isValidKey(key) else {
                // An invalid key is reported by a safe stand-in: the key itself may be anything.
                dropped.append(DroppedFact(key: safeKeyName(key), reason: "key does not match \(keyPattern)"))
                continue
            }
            // A declared counter is a running total, never a fact: it goes to the counter rules or nowhere.
            if let schema, schema.facts[key]?.type == .counter {
                guard schema.counters.contains(key) else {
                    dropped.append(DroppedFact(key: key, reason: "more than \(FactsSchema.maxCounters) counters"))
                    continue
                }
                switch acceptCounter(input) {
                case .success(let total): counters?.totals[key] = total
                case .failure(let why): dropped.append(DroppedFact(key: key, reason: why.text))
                }
                continue
            }
            switch accept(key, input, schema: schema) {
            case .success(let v):
                if facts.count >= maxKeys {
                    dropped.append(DroppedFact(key: key, reason: "more than \(maxKeys) facts"))
                } else {
                    facts[key] = v
                }
            case .failure(let why):
                dropped.append(DroppedFact(key: key, reason: why.text))
            }
        }
        return FactsOutcome(status: .ok, facts: facts, counters: counters, dropped: dropped)
    }

    /// A counter's running total: a whole number from 0 to 2^53-1 (`12.0` is taken as 12).
    static func acceptCounter(_ input: FactInput) -> Result<Int, Reason> {
        let refused = Reason(text: "a counter must be a whole number from 0 to \(CounterReading.maxTotal)")
        switch input {
        case .integer(let i) where i >= 0 && i <= CounterReading.maxTotal:
            return .success(Int(i))
        case .number(let x) where x.rounded() == x && x >= 0 && x <= Double(CounterReading.maxTotal):
            return .success(Int(x))
        default:
            return .failure(refused)
        }
    }

    struct Reason: Error { var text: String }

    static func accept(_ key: String, _ input: FactInput, schema: FactsSchema?) -> Result<FactValue, Reason> {
        let value: FactValue
        switch input {
        case .null: return .failure(Reason(text: "null is not a fact value"))
        case .nested: return .failure(Reason(text: "nested objects and arrays are not allowed"))
        case .nonFinite: return .failure(Reason(text: "not a finite number"))
        case .bool(let b): value = .bool(b)
        case .integer(let i): value = .integer(i)
        case .number(let d): value = .number(d)
        case .string(let s): value = .string(s)
        }
        guard let schema else {
            if case .string = value { return .failure(Reason(text: "a string, and no schema declares this key with an enum")) }
            return .success(value)
        }
        guard let d = schema.facts[key] else { return .failure(Reason(text: "not declared in the facts schema")) }
        switch (d.type, value) {
        case (.boolean, .bool): return .success(value)
        case (.string, .string(let s)):
            guard let allowed = d.enumValues, allowed.contains(s) else { return .failure(Reason(text: "not one of the values the schema's enum lists")) }
            return .success(value)
        case (.integer, .integer), (.number, .integer), (.number, .number):
            if let n = value.numeric {
                if let min = d.minimum, n < min { return .failure(Reason(text: "below the schema's minimum")) }
                if let max = d.maximum, n > max { return .failure(Reason(text: "above the schema's maximum")) }
            }
            return .success(value)
        case (.integer, .number(let x)) where x.rounded() == x && abs(x) < 9.0e15:
            return accept(key, .integer(Int64(x)), schema: schema)
        default:
            return .failure(Reason(text: "not of the schema's type \(d.type.rawValue)"))
        }
    }

    /// A printable stand-in for a key that breaks the key rules: its first characters when they are plain
    /// letters and digits, cut at 16, else a placeholder, so a log never carries a value disguised as a key.
    static func safeKeyName(_ key: String) -> String {
        let plain = key.unicodeScalars.prefix(16).allSatisfy { $0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0) || $0 == "_") }
        if plain && !key.isEmpty { return key.unicodeScalars.count > 16 ? String(key.prefix(16)) + "…" : key }
        return "(a key of \(key.unicodeScalars.count) characters that breaks the key rules)"
    }
}
