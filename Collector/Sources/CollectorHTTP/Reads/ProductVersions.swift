import CollectorSummary

/// Today's active installs by product and product version: `telemetry_active_installs{product=…,product_version=…}`.
/// A summary breaks installs down by version only, so each product's versions come from a summary filtered to it;
/// what the products do not account for (installs without a product, or of products left out) is the remainder:
/// product `unknown` when every product was asked, `other` when some were left out (more than `maxProducts`, or a
/// product's summary could not be had). Each product's versions are then capped like every breakdown.
public struct ProductVersions: Sendable, Equatable {
    /// Products asked for one by one per scrape (each a cached, filtered summary of today): the first by name.
    public static let maxProducts = 10

    /// Product → version label → installs.
    public var counts: [String: [String: Int]]

    public init(counts: [String: [String: Int]] = [:]) { self.counts = counts }

    /// `total`: every install's version label today; `perProduct`: each product asked and its versions today;
    /// `complete`: whether those are all the products of the day.
    public static func split(total: [String: Int], perProduct: [(product: String, versions: [String: Int])],
                             complete: Bool) -> ProductVersions {
        var out: [String: [String: Int]] = [:]
        var rest = total
        for (product, versions) in perProduct {
            let nonzero = versions.filter { $0.value > 0 }
            guard !nonzero.isEmpty else { continue }
            out[product, default: [:]].merge(nonzero, uniquingKeysWith: +)
            for (v, n) in nonzero { rest[v, default: 0] -= n }
        }
        // Answers computed moments apart may disagree by a report or two: never a negative count.
        let remainder = rest.filter { $0.value > 0 }
        if !remainder.isEmpty {
            out[complete ? Buckets.unknown : Buckets.other, default: [:]].merge(remainder, uniquingKeysWith: +)
        }
        return ProductVersions(counts: out)
    }

    /// At most `max` versions per product besides `unknown` and `other` (`MaxDistinctValues=`).
    public func cappingDistinctValues(_ max: Int) -> ProductVersions {
        ProductVersions(counts: counts.mapValues { Summary.cap($0, max: max) })
    }
}

extension ReadModel {
    /// Today's installs by product and version, from today's unfiltered summary and one filtered summary per
    /// product (at most `ProductVersions.maxProducts`, all cached like any answer).
    public func productVersions() async throws -> ProductVersions {
        let today = try await summary(days: 1)
        let total = today.days.last?.byProductVersion ?? [:]
        let asked = today.products.sorted().prefix(ProductVersions.maxProducts)
        var perProduct: [(product: String, versions: [String: Int])] = []
        var complete = asked.count == today.products.count
        for product in asked {
            if let s = try? await summary(days: 1, filter: SummaryFilter(product: product)) {
                perProduct.append((product, s.days.last?.byProductVersion ?? [:]))
            } else {
                complete = false
            }
        }
        return ProductVersions.split(total: total, perProduct: perProduct, complete: complete)
    }
}
