import CollectorSummary

/// The products and product version labels that unfiltered summaries have shown since the collector started: what
/// lets a filtered read that names them go to the store at once, instead of computing the unfiltered summary of its
/// range first only to learn that it may match (that summary costs as much as the filtered one: over a million
/// reports, two summaries instead of one).
///
/// Only a yes is taken from it: a name seen in another range, or longer ago, that this range lacks costs one store
/// query answering zeros (as the check would have answered), bounded like every real name. A name it lacks is
/// checked against the range's unfiltered summary, as before, so a name nothing reported never reaches the store.
/// Bounded: past `maxLabels` names it starts again from the summary at hand.
struct SeenLabels: Sendable {
    static let defaultMaxLabels = 4096

    private(set) var products: Set<String> = []
    private(set) var versions: Set<String> = []
    let maxLabels: Int

    init(maxLabels: Int = SeenLabels.defaultMaxLabels) {
        self.maxLabels = maxLabels
    }

    /// Learns the products and version labels `summary` shows.
    mutating func learn(from summary: Summary) {
        let shownProducts = Set(summary.products)
        var shownVersions = Set<String>()
        for day in summary.days { shownVersions.formUnion(day.byProductVersion.keys) }
        products.formUnion(shownProducts)
        versions.formUnion(shownVersions)
        if products.count + versions.count > maxLabels {
            products = shownProducts
            versions = shownVersions
        }
    }

    /// Whether every product and version `filter` names was seen: then some install may match it.
    func covers(_ filter: SummaryFilter) -> Bool {
        if let product = filter.product, !products.contains(product) { return false }
        if let version = filter.version, !versions.contains(version) { return false }
        return true
    }
}
