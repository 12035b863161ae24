/// What the public page shows (`PublicMinInstalls=K`, Collector/README.md, "The public page"): the same answers with
/// no cell of fewer than K installs, so a published number never points at a rare configuration.
extension Summary {
    /// The summary with every cell under `minInstalls` installs folded into `other`: each breakdown value, enum fact
    /// value, counter, cluster size and product version (per day and in `adoption`). No per-install figure over fewer
    /// than K installs stays: a number fact needs K installs for its percentiles (and its zeros, and the rest, are
    /// cells: a fact with either under K is left out, as a boolean is whose `true` or `false` side is under K); a
    /// counter's `other` is shown only when at least K installs add to it, and without percentiles once a small counter
    /// was folded in (its percentiles cannot be recomputed). Retention cohorts under K are dropped; `products` (a
    /// list of names without counts) is emptied. Fleet-wide totals (active, established, new, lost installs, the
    /// lifecycle, the number of clusters) stay as they are; `lastDayByVersion` is emptied. `minInstalls` ≤ 1 changes nothing.
    public func publicView(minInstalls k: Int) -> Summary {
        guard k > 1 else { return self }
        var s = self
        s.products = []
        s.days = days.map { $0.publicView(minInstalls: k) }
        s.clusters = clusters.publicView(minInstalls: k)
        s.adoption = adoption.publicView(minInstalls: k)
        s.retention = retention.filter { $0.installs >= k }
        // The public page has no per-version tables; a version's own day would show its small cells.
        s.lastDayByVersion = [:]
        return s
    }

    /// `counts` with every value under `k` summed into `other` (the collector's own `Buckets.other`, beside any already there; a report's own is quoted).
    public static func folding(_ counts: [String: Int], under k: Int) -> [String: Int] {
        var out: [String: Int] = [:]
        var other = 0
        for (value, n) in counts {
            if n < k || value == Buckets.other { other += n } else { out[value] = n }
        }
        if other > 0 { out[Buckets.other] = other }
        return out
    }
}

extension DaySummary {
    func publicView(minInstalls k: Int) -> DaySummary {
        var d = self
        d.byProductVersion = Summary.folding(byProductVersion, under: k)
        d.byOS = Summary.folding(byOS, under: k)
        d.byArch = Summary.folding(byArch, under: k)
        d.byVirtualization = Summary.folding(byVirtualization, under: k)
        d.byContainer = Summary.folding(byContainer, under: k)
        d.byCores = Summary.folding(byCores, under: k)
        d.byMemory = Summary.folding(byMemory, under: k)
        d.facts = facts.compactMapValues { $0.publicView(minInstalls: k) }
        d.counters = DaySummary.publicCounters(counters, minInstalls: k)
        return d
    }

    static func publicCounters(_ counters: [String: CounterSummary], minInstalls k: Int) -> [String: CounterSummary] {
        var out: [String: CounterSummary] = [:]
        var other = counters[Buckets.other] ?? CounterSummary()
        var folded = false
        for (name, c) in counters where name != Buckets.other {
            if c.installs >= k {
                out[name] = c
            } else {
                other.increments += c.increments
                other.installs += c.installs
                folded = true
            }
        }
        if folded { other.p50 = 0; other.p95 = 0 }
        // A sum of increments over fewer than K installs is close to one install's own usage: not shown.
        if other.installs >= k { out[Buckets.other] = other }
        return out
    }
}

extension FactSummary {
    /// nil: the fact is left out of the public view.
    func publicView(minInstalls k: Int) -> FactSummary? {
        guard installs >= k else { return nil }
        switch self {
        case .boolean(let n, let t):
            return t == 0 || t == n || (t >= k && n - t >= k) ? self : nil
        case .enumeration(let n, let values):
            return .enumeration(installs: n, values: Summary.folding(values, under: k))
        case .number(let n, let zero, _, _, _):
            return zero == 0 || zero == n || (zero >= k && n - zero >= k) ? self : nil
        }
    }
}

extension ClusterSummary {
    /// A size whose clusters hold fewer than K installs between them is folded into `other` (its count of clusters).
    func publicView(minInstalls k: Int) -> ClusterSummary {
        var c = self
        var out: [String: Int] = [:]
        var other = 0
        for (size, count) in bySize {
            if (Int(size) ?? 0) * count < k { other += count } else { out[size] = count }
        }
        if other > 0 { out[Buckets.other, default: 0] += other }
        c.bySize = out
        return c
    }
}

extension VersionAdoption {
    /// Versions with fewer than K installs on the last day are folded into one `other` entry (installs and share summed,
    /// first seen the earliest, no days-to figures); a cut-off that names one of them is left out.
    func publicView(minInstalls k: Int) -> VersionAdoption {
        let small = versions.filter { $0.installs < k }
        guard !small.isEmpty else { return self }
        var kept = versions.filter { $0.installs >= k }
        let hidden = Set(small.map(\.version))
        if let first = small.map(\.firstSeen).min(), small.contains(where: { $0.installs > 0 }) {
            kept.append(Version(version: Buckets.other, firstSeen: first, installs: small.reduce(0) { $0 + $1.installs },
                                share: small.reduce(0) { $0 + $1.share }))
        }
        return VersionAdoption(versions: kept, cutoffs: cutoffs.filter { !hidden.contains($0.value) })
    }
}
