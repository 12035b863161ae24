import CollectorSummary

/// The facts and counters of a report in the form both stores keep in their rollups (as JSON text, so one column or
/// parameter carries them): facts with each number already replaced by its `NumberHistogram` bucket code, as the
/// breakdowns keep `Buckets` labels rather than raw values, so a day is counted by grouping equal values.
extension ValidatedReport {
    /// `{"key": true | code | "value"}` with keys in byte order; nil when the report does not tell (`facts` nil).
    public var factsRollupJSON: String? {
        guard let facts else { return nil }
        var object: [String: JSONValue] = [:]
        for (key, fact) in facts {
            switch fact {
            case .boolean(let b): object[key] = .bool(b)
            case .number(let d): object[key] = .integer(Int64(NumberHistogram.code(of: d)))
            case .enumeration(let s): object[key] = .string(s)
            }
        }
        return JSONValue.object(object).minimalJSON
    }

    /// `{"name": increment}` of the increments above 0; nil when there are none (nothing to add up).
    public var countersRollupJSON: String? {
        let positive = counters.filter { $0.value > 0 }
        guard !positive.isEmpty else { return nil }
        return JSONValue.object(positive.mapValues { .integer(Int64($0)) }).minimalJSON
    }
}
