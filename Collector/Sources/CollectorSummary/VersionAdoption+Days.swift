/// The adoption answers computed from per-day counts alone, so both stores share one meaning of them.
extension VersionAdoption {
    /// How many days before the summary's last day the history behind first-seen days and days-to-X reaches: a
    /// version first seen earlier shows the first day of this window (documented as "first seen, at most 400 days
    /// back"), and the days-to-X count from there.
    public static let lookBackDays = 400

    /// `days`: every day of the history, oldest first, ending with the summary's last day: active installs and
    /// installs per product version label (`unknown` for none; it is no version and is left out). Versions are listed
    /// when they ran on some day from `listedFrom` on (the summary's range), newest first (`VersionOrder`).
    public init(days: [(date: UTCDay, active: Int, byVersion: [String: Int])], listedFrom: UTCDay) {
        self.init()
        guard let last = days.last else { return }
        var firstSeen: [String: UTCDay] = [:]
        var reached: [String: [Int: Int]] = [:]   // version → percent → days from first seen
        var listed = Set<String>()
        for day in days {
            for (version, n) in day.byVersion where n > 0 && version != Buckets.unknown {
                let first = firstSeen[version] ?? day.date
                firstSeen[version] = first
                if day.date >= listedFrom { listed.insert(version) }
                for p in [10, 50, 90] where reached[version]?[p] == nil && day.active > 0 && n * 100 >= p * day.active {
                    reached[version, default: [:]][p] = day.date.daysSinceEpoch - first.daysSinceEpoch
                }
            }
        }
        versions = listed.sorted { VersionOrder.less($1, $0) }.compactMap { version in
            guard let first = firstSeen[version] else { return nil }
            let n = last.byVersion[version] ?? 0
            return Version(version: version, firstSeen: first, installs: n,
                           share: last.active > 0 ? Double(n) / Double(last.active) : 0,
                           daysTo10: reached[version]?[10], daysTo50: reached[version]?[50], daysTo90: reached[version]?[90])
        }
        cutoffs = VersionAdoption.cutoffs(last.byVersion)
    }

    /// "P" → the newest version V such that at least P % of the installs with a known version run V or newer.
    public static func cutoffs(_ byVersion: [String: Int]) -> [String: String] {
        let known = byVersion.filter { $0.key != Buckets.unknown && $0.value > 0 }
        let total = known.values.reduce(0, +)
        guard total > 0 else { return [:] }
        var out: [String: String] = [:]
        var running = 0
        for version in known.keys.sorted(by: { VersionOrder.less($1, $0) }) {
            running += known[version] ?? 0
            for p in cutoffPercents where out[String(p)] == nil && running * 100 >= p * total {
                out[String(p)] = version
            }
        }
        return out
    }
}
