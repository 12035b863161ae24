import CollectorSummary

/// The facts and counters of a report in the form both stores keep in their rollups (as JSON text, so one column or
/// parameter carries them): facts with each number already replaced by its `NumberHistogram` bucket code, as the
/// breakdowns keep `Buckets` labels rather than raw values, so a day is counted by grouping equal values.
extension ValidatedReport {
    /// `{"key": true | code | "value"}` with keys in byte order; nil when the report does not tell (`facts` nil).
    /// Written straight as the minimal form (`JSONValue.minimalJSON` of the same object), without building a
    /// dictionary of `JSONValue`s first: every diagnostics report goes through here.
    public var factsRollupJSON: String? {
        guard let facts else { return nil }
        var out: [UInt8] = []
        out.reserveCapacity(16 * facts.count + 2)
        out.append(UInt8(ascii: "{"))
        for (i, key) in facts.keys.sorted(by: { $0.utf8.lexicographicallyPrecedes($1.utf8) }).enumerated() {
            if i > 0 { out.append(UInt8(ascii: ",")) }
            JSONValue.appendString(key, to: &out)
            out.append(UInt8(ascii: ":"))
            switch facts[key] {
            case .boolean(let b): out += (b ? "true" : "false").utf8
            case .number(let d): out += String(NumberHistogram.code(of: d)).utf8
            case .enumeration(let s): JSONValue.appendString(s, to: &out)
            case nil: break
            }
        }
        out.append(UInt8(ascii: "}"))
        return String(decoding: out, as: UTF8.self)
    }

    /// `{"name": increment}` of the increments above 0, names in byte order; nil when there are none (nothing to add
    /// up). Written straight as the minimal form, as `factsRollupJSON`.
    public var countersRollupJSON: String? {
        let names = counters.compactMap { $0.value > 0 ? $0.key : nil }
        guard !names.isEmpty else { return nil }
        var out: [UInt8] = [UInt8(ascii: "{")]
        for (i, name) in names.sorted(by: { $0.utf8.lexicographicallyPrecedes($1.utf8) }).enumerated() {
            if i > 0 { out.append(UInt8(ascii: ",")) }
            JSONValue.appendString(name, to: &out)
            out.append(UInt8(ascii: ":"))
            out += String(counters[name] ?? 0).utf8
        }
        out.append(UInt8(ascii: "}"))
        return String(decoding: out, as: UTF8.self)
    }
}
