/// Colours of the charts: distinguishable, also for the common colour-vision deficiencies (Okabe–Ito, then
/// Tableau's), with grey kept for "other" and "unknown".
enum Palette {
    static let series = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#8C6D31",
                         "#7F3C8D", "#11A579"]
    static let other = "#B8BEC6"
    static let active = "#0072B2"
    static let new = "#009E73"
    static let lost = "#D55E00"
    static let resurrected = "#CC79A7"
    static let grid = "#E5E8EC"
    static let axis = "#6B7480"

    static func color(_ index: Int) -> String { series[index % series.count] }
}
