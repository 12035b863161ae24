import CollectorCore

/// The dashboard page (`GET /`): server-rendered HTML with SVG charts, readable without JavaScript.
/// Until the charts land this renders the summary's headline numbers.
public enum Dashboard {
    public static func render(_ summary: Summary) -> String {
        """
        <!doctype html>
        <html lang="en"><head><meta charset="utf-8"><title>telemetry-collector</title></head>
        <body><h1>telemetry-collector</h1>
        <p>Active installs: \(summary.activeInstalls)</p>
        </body></html>
        """
    }
}
