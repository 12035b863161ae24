import CollectorSummary

/// The numbers of every table and chart of the page as CSV (`GET /api/v1/<table>.csv`, linked under each), from the
/// same summary as the page and the JSON: one row per day for the counts, long format (one row per day and label)
/// for the rest, so a spreadsheet or a script can pivot them as it likes. Pure functions of a `Summary`.
public enum SummaryCSV {
    public enum Table: String, CaseIterable, Sendable {
        /// date, active, established, new, lost, returning, resurrected: one row per day.
        case days = "summary"
        /// date, dimension, value, installs: every breakdown of every day.
        case breakdowns
        /// date, version, installs, share: the versions chart (shares of the day's active installs).
        case versions
        /// date, fact, kind, value, installs, zero, p5, p50, p95.
        case facts
        /// date, counter, increments, installs, p50, p95.
        case counters
        /// version, firstSeen, installs, share, daysTo10, daysTo50, daysTo90 (empty: not yet).
        case adoption
        /// percent, version: "percent % of active installs run version or newer".
        case cutoffs
        /// week, installs, weeksLater, activeShare: the retention cohorts.
        case retention
        /// size, clusters: clusters by size on the last day.
        case clusters

        /// The path under the collector's root, without the leading `/`: `api/v1/summary.csv`.
        public var path: String { "api/v1/\(rawValue).csv" }

        /// The header row's names.
        public var columns: [String] {
            switch self {
            case .days: return ["date", "active", "established", "new", "lost", "returning", "resurrected"]
            case .breakdowns: return ["date", "dimension", "value", "installs"]
            case .versions: return ["date", "version", "installs", "share"]
            case .facts: return ["date", "fact", "kind", "value", "installs", "zero", "p5", "p50", "p95"]
            case .counters: return ["date", "counter", "increments", "installs", "p50", "p95"]
            case .adoption: return ["version", "firstSeen", "installs", "share", "daysTo10", "daysTo50", "daysTo90"]
            case .cutoffs: return ["percent", "version"]
            case .retention: return ["week", "installs", "weeksLater", "activeShare"]
            case .clusters: return ["size", "clusters"]
            }
        }
    }

    /// `table` of `summary`, header row first.
    public static func render(_ summary: Summary, _ table: Table) -> String {
        var out = CSV.header(table.columns)
        for row in rows(summary, table) { out += CSV.row(row) }
        return out
    }

    static func rows(_ summary: Summary, _ table: Table) -> [[CSV.Cell]] {
        switch table {
        case .days:
            let lifecycle = Dictionary(summary.lifecycle.map { ($0.date, $0) }, uniquingKeysWith: { _, last in last })
            return summary.days.map { d in
                let l = lifecycle[d.date]
                return [.text(d.date.description), .int(d.activeInstalls), .int(d.establishedInstalls), .int(d.newInstalls),
                        .int(d.lostInstalls), .int(l?.returning ?? 0), .int(l?.resurrected ?? 0)]
            }
        case .breakdowns:
            return summary.days.flatMap { d in
                Dimension.allCases.flatMap { dim in
                    byCount(d[keyPath: dim.summaryKeyPath]).map { [.text(d.date.description), .text(dim.rawValue), .text($0.key), .int($0.value)] }
                }
            }
        case .versions:
            return summary.days.flatMap { d in
                byCount(d.byProductVersion).map { v, n in
                    [.text(d.date.description), .text(v), .int(n), .number(d.activeInstalls > 0 ? Double(n) / Double(d.activeInstalls) : 0)]
                }
            }
        case .facts:
            return summary.days.flatMap { d in
                d.facts.sorted { $0.key < $1.key }.flatMap { key, fact -> [[CSV.Cell]] in
                    let head: [CSV.Cell] = [.text(d.date.description), .text(key), .text(fact.kind)]
                    switch fact {
                    case .boolean(let n, let t):
                        return [head + [.text("true"), .int(t), .empty, .empty, .empty, .empty],
                                head + [.text("false"), .int(n - t), .empty, .empty, .empty, .empty]]
                    case .enumeration(_, let values):
                        return byCount(values).map { head + [.text($0.key), .int($0.value), .empty, .empty, .empty, .empty] }
                    case .number(let n, let zero, let p5, let p50, let p95):
                        return [head + [.empty, .int(n), .int(zero), .number(p5), .number(p50), .number(p95)]]
                    }
                }
            }
        case .counters:
            return summary.days.flatMap { d in
                d.counters.sorted { $0.key < $1.key }.map { key, c in
                    [.text(d.date.description), .text(key), .int(c.increments), .int(c.installs), .number(c.p50), .number(c.p95)]
                }
            }
        case .adoption:
            return summary.adoption.versions.map { v in
                [.text(v.version), .text(v.firstSeen.description), .int(v.installs), .number(v.share),
                 v.daysTo10.map(CSV.Cell.int) ?? .empty, v.daysTo50.map(CSV.Cell.int) ?? .empty, v.daysTo90.map(CSV.Cell.int) ?? .empty]
            }
        case .cutoffs:
            return VersionAdoption.cutoffPercents.compactMap { p in
                summary.adoption.cutoffs[String(p)].map { [.int(p), .text($0)] }
            }
        case .retention:
            return summary.retention.flatMap { c in
                RetentionCohort.weeksLater.compactMap { w in
                    c.active[String(w)].map { [.text(c.week), .int(c.installs), .int(w), .number($0)] }
                }
            }
        case .clusters:
            return summary.clusters.bySize.compactMap { k, v in Int(k).map { ($0, v) } }.sorted { $0.0 < $1.0 }
                .map { [.int($0.0), .int($0.1)] }
        }
    }

    /// A breakdown's labels, the most installs first, then by label: the same order every time.
    static func byCount(_ counts: [String: Int]) -> [(key: String, value: Int)] {
        counts.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }
    }
}
