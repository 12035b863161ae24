/// How fast each product version spread (`Summary.adoption`): per version the day it was first seen, its installs
/// and share on the last day, and the days from first seen until it first reached 10 %, 50 % and 90 % of the day's
/// active installs (nil: not yet); and the cut-offs "P % of active installs run V or newer" on the last day, versions
/// ordered as semantic versions, others after them by text (`VersionOrder`).
public struct VersionAdoption: Codable, Sendable, Equatable {
    public struct Version: Codable, Sendable, Equatable {
        public var version: String
        public var firstSeen: UTCDay
        /// Installs on the last day, and their share of the day's active installs (0…1).
        public var installs: Int
        public var share: Double
        /// Days from `firstSeen` to the first day the version ran on at least 10 / 50 / 90 % of active installs.
        public var daysTo10: Int?
        public var daysTo50: Int?
        public var daysTo90: Int?

        public init(version: String, firstSeen: UTCDay, installs: Int = 0, share: Double = 0,
                    daysTo10: Int? = nil, daysTo50: Int? = nil, daysTo90: Int? = nil) {
            self.version = version
            self.firstSeen = firstSeen
            self.installs = installs
            self.share = share
            self.daysTo10 = daysTo10
            self.daysTo50 = daysTo50
            self.daysTo90 = daysTo90
        }
    }

    /// Newest version first.
    public var versions: [Version]
    /// "50", "75", "90", "95" → the newest version V such that at least that share of the last day's active installs
    /// (with a known version) run V or newer; absent when no install tells its version.
    public var cutoffs: [String: String]

    public init(versions: [Version] = [], cutoffs: [String: String] = [:]) {
        self.versions = versions
        self.cutoffs = cutoffs
    }

    public static let cutoffPercents = [50, 75, 90, 95]
}
