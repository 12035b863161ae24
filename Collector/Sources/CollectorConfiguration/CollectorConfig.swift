import CollectorEdge
import CollectorSummary
import ConfigGrammar

/// `collector.conf`, after merging the main file and its drop-ins. Every key with its default; the shipped
/// etc/telemetry-collector/collector.conf documents each one.
public struct CollectorConfig: Sendable, Equatable {
    /// Where the SQLite database is unless `Database=` says otherwise (the unit's StateDirectory=).
    public static let defaultDatabasePath = "/var/lib/telemetry-collector/reports.db"
    /// The default `Database=` as written in collector.conf.
    public static let defaultDatabase = DatabaseURL.sqlite(path: defaultDatabasePath).description

    /// `[Collector] Listen=`: where `serve` listens when systemd passes no socket.
    public var listen = ListenAddress(host: "127.0.0.1", port: 8080)
    /// `Database=`.
    public var database = DatabaseURL.sqlite(path: CollectorConfig.defaultDatabasePath)
    /// `PasswordFile=`: the PostgreSQL password (first line), read at start and reload.
    public var passwordFile: String?
    /// `TokenFile=`: bearer tokens accepted, one a line; nil: ingest is open.
    public var tokenFile: String?
    /// `ReadTokenFile=`: bearer tokens that may read `/`, `/api/v1/summary` and `/metrics`, one a line; nil: reads
    /// are open. `/healthz` is always open.
    public var readTokenFile: String?
    /// `ReadCacheSec=`: how long a computed answer of the reads is served from memory before it is computed again.
    public var readCache = TimeSpan(seconds: 10)
    /// `MaxBodyBytes=`: the largest request body taken, before and after gunzip.
    public var maxBodyBytes = 64 * 1024
    /// `RetainDays=`: raw reports older than this are pruned (rollups stay).
    public var retainDays = 400
    /// `TLSCertificate=` / `TLSKey=`: PEM files; both or neither.
    public var tlsCertificate: String?
    public var tlsKey: String?
    /// `MaxDistinctValues=`: values a breakdown shows per day (page, API, /metrics); the rest counted as `other`.
    public var maxDistinctValues = Summary.defaultMaxDistinctValues
    /// `PublicMinInstalls=K`: `GET /public` and `/api/v1/public/summary` for anyone, every cell of fewer than K installs
    /// folded into `other` (`Summary.publicView`); 0, the default, serves neither (404).
    public var publicMinInstalls = 0

    // The HTTP edge: what an internet-facing server must bound (README, "Running it on the internet").
    /// `MaxConnections=`: open connections at most; at the cap the oldest idle one makes room, and when every
    /// one is busy accepting pauses.
    public var maxConnections = 1024
    /// `RequestTimeoutSec=`, `IdleTimeoutSec=`, `WriteTimeoutSec=`.
    public var timeouts = ConnectionTimeouts()
    /// `NetworkReportsPerMinute=`, `NetworkNewInstallsPerDay=`, `InstanceReportsPerDay=`.
    public var limits = IngestLimits()
    /// `TrustedProxies=`: whose `Forwarded`/`X-Forwarded-For` is believed.
    public var trustedProxies = TrustedProxies.loopback

    public init() {}
}
