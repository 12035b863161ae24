/// What an import did with the reports of a file (or of all files): `3 new, 1 duplicate, 0 rejected`.
public struct ImportTally: Sendable, Equatable, CustomStringConvertible {
    public var new = 0, duplicate = 0, rejected = 0
    /// Reports of installs erased at their request (stored nothing), and forget reports that erased one.
    public var erased = 0

    public init(new: Int = 0, duplicate: Int = 0, rejected: Int = 0, erased: Int = 0) {
        self.new = new
        self.duplicate = duplicate
        self.rejected = rejected
        self.erased = erased
    }

    public mutating func add(_ o: ImportTally) {
        new += o.new
        duplicate += o.duplicate
        rejected += o.rejected
        erased += o.erased
    }

    public var description: String {
        "\(new) new, \(duplicate) duplicate, \(rejected) rejected" + (erased > 0 ? ", \(erased) of erased installs" : "")
    }
}
