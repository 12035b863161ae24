import CollectorSummary

extension Dashboard {
    /// Products listed as links; more than this and the picker is a GET form with a list (it posts nowhere: the CSP's
    /// `form-action 'self'` allows it, and it works without JavaScript).
    static let maxProductLinks = 12
    /// Products offered in the form's list: names come from reports, so the list is bounded like every breakdown.
    static let maxProductOptions = 200

    /// The product picker (when more than one product reports, or a product is picked), the version in force, each
    /// with a way back to all, and the toggle between all active installs and the established ones (always: it is the
    /// first question a count raises). Plain links: a view of the page is a URL to keep or share; every link keeps
    /// the other choices in force.
    static func filters(_ summary: Summary, _ view: DashboardView) -> String {
        let days = summary.days.count
        let filter = view.filter
        let established = filter.established
        var products = summary.products
        if let p = filter.product, !products.contains(p) { products.append(p) }
        var s = "<nav class=\"filters\" id=\"filters\" aria-label=\"Filters\">"
        if products.count > 1 || filter.product != nil {
            s += "<div class=\"pick\" id=\"pick-product\"><span class=\"k\">Product</span> "
            if products.count <= maxProductLinks {
                s += filterLink("all products", days: days, filter: SummaryFilter(established: established), current: filter.product == nil, id: "product-all")
                for p in products {
                    s += filterLink(p, days: days, filter: SummaryFilter(product: p, established: established), current: filter.product == p, id: nil)
                }
            } else {
                s += "<form method=\"get\" id=\"product-form\"><input type=\"hidden\" name=\"days\" value=\"\(days)\">"
                if established { s += "<input type=\"hidden\" name=\"established\" value=\"1\">" }
                s += "<select name=\"product\" aria-label=\"Product\"><option value=\"\">all products</option>"
                var offered = Array(products.prefix(maxProductOptions))
                if let p = filter.product, !offered.contains(p) { offered.append(p) }
                for p in offered {
                    s += "<option value=\"\(HTML.escape(p))\"\(filter.product == p ? " selected" : "")>\(HTML.escape(p))</option>"
                }
                s += "</select> <button type=\"submit\">Show</button></form>"
                if products.count > maxProductOptions {
                    s += " <span class=\"note\">\(Format.count(products.count - maxProductOptions)) more products: ask for one with ?product=NAME</span>"
                }
            }
            s += "</div>"
        }
        if let v = filter.version {
            s += "<div class=\"pick\" id=\"pick-version\"><span class=\"k\">Version</span> <b>\(HTML.escape(v))</b> "
            s += "<a id=\"version-all\" \(PageLink.href(days: days, filter: SummaryFilter(product: filter.product, established: established)))>all versions</a></div>"
        }
        var all = filter, only = filter
        all.established = false
        only.established = true
        s += "<div class=\"pick\" id=\"pick-installs\"><span class=\"k\">Installs</span> "
        s += filterLink("all active", days: days, filter: all, current: !established, id: "installs-active")
        s += filterLink("established only", days: days, filter: only, current: established, id: "installs-established")
        s += "</div>"
        return s + "</nav>\n"
    }

    static func filterLink(_ text: String, days: Int, filter: SummaryFilter, current: Bool, id: String?) -> String {
        let idAttr = id.map { " id=\"\($0)\"" } ?? ""
        return "<a class=\"chip\(current ? " on" : "")\"\(idAttr) \(PageLink.href(days: days, filter: filter))\(current ? " aria-current=\"page\"" : "")>\(HTML.escape(text))</a> "
    }

    /// What the page is narrowed to, for its title and heading: ` of acme-db 4.2.1`, ` (established)`, or nothing.
    static func scope(_ filter: SummaryFilter) -> String {
        let established = filter.established ? " (established)" : ""
        switch (filter.product, filter.version) {
        case (nil, nil): return established
        case (let p?, nil): return " of \(p)" + established
        case (nil, let v?): return " of version \(v)" + established
        case (let p?, let v?): return " of \(p) \(v)" + established
        }
    }

    /// The versions worth a column of their own in the per-version tables: the most common on the day (at most
    /// `maxVersionColumns`), newest first; never the collector's `unknown` or `other`.
    public static func topVersions(_ byVersion: [String: Int]) -> [String] {
        byVersion.filter { $0.key != Buckets.unknown && $0.key != Buckets.other && $0.value > 0 }
            .sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }
            .prefix(maxVersionColumns).map(\.key)
            .sorted { VersionOrder.less($1, $0) }
    }

    /// Columns of the per-version tables.
    public static let maxVersionColumns = 5
}
