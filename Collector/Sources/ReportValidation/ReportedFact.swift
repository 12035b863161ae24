/// One product fact of a report (`data.facts`), typed as the report carried it: the kind decides the aggregate
/// (a boolean: installs with it on; an enum string: installs per value; a number: zeros and percentiles).
public enum ReportedFact: Sendable, Equatable {
    case boolean(Bool)
    case number(Double)
    /// A string the product's facts schema lists in an `enum`; a label (`ReservedLabels`).
    case enumeration(String)
}
