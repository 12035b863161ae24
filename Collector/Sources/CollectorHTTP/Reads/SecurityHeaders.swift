import HTTPTypes
import Hummingbird

/// Headers every read answer carries. The dashboard is server-rendered HTML with inline SVG and one inline
/// `<style>`, no script, no image file, no font, no form that posts anywhere: its policy allows inline styles
/// and nothing else, and no page may frame it (clickjacking) or learn where its links came from.
public enum SecurityHeaders {
    public static let contentSecurityPolicy =
        "default-src 'none'; style-src 'unsafe-inline'; img-src data:; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"

    /// For the HTML page.
    public static let page = fields([
        ("Content-Security-Policy", contentSecurityPolicy),
        ("X-Content-Type-Options", "nosniff"),
        ("X-Frame-Options", "DENY"),
        ("Referrer-Policy", "no-referrer"),
    ])

    /// For JSON and text answers: a browser must never take them for HTML or script.
    public static let data = fields([("X-Content-Type-Options", "nosniff")])

    public static func add(_ headers: [HTTPField], to fields: inout HTTPFields) {
        for field in headers { fields[field.name] = field.value }
    }

    /// Names spelled here rather than as `HTTPField.Name` statics, so they cannot clash with another file's.
    private static func fields(_ pairs: [(String, String)]) -> [HTTPField] {
        pairs.compactMap { name, value in HTTPField.Name(name).map { HTTPField(name: $0, value: value) } }
    }
}
