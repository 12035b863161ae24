// swift-tools-version:6.0
// telemetry-collector: the receiving end of telemetryd's reports. A separate package so the daemon's own
// build links none of the collector's dependencies (Hummingbird, SQLite, PostgreSQL, Prometheus); it
// shares the daemon's report model, configuration grammar and systemd face through the root package.
//
//   swift build --package-path Collector          # .build/debug/telemetry-collector
//   swift test --package-path Collector
import PackageDescription

let strict: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
]

let package = Package(
    name: "telemetry-collector",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "telemetry-collector", targets: ["telemetry-collector"]),
    ],
    dependencies: [
        .package(name: "telemetryd", path: ".."),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/vapor/sqlite-nio", from: "1.13.2"),
        .package(url: "https://github.com/vapor/postgres-nio", from: "1.33.2"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        // ServerQuiescingHelper: a graceful stop closes idle keep-alive connections.
        .package(url: "https://github.com/apple/swift-nio-extras", from: "1.35.2"),
        // HTTPS when TLSCertificate=/TLSKey= are set.
        .package(url: "https://github.com/apple/swift-nio-ssl", from: "2.37.6"),
        // gunzip of request bodies with an output limit (a gzip bomb costs no more than MaxBodyBytes=).
        .package(url: "https://github.com/adam-fowler/compress-nio", from: "1.5.0"),
        // Tests only: the PostgreSQL test server runs initdb, pg_ctl and psql through it (as the postgres user, in
        // the server's directory). No product links it.
        .package(url: "https://github.com/swiftlang/swift-subprocess", from: "1.0.2"),
        // FilePath, in Subprocess's API (already in the graph through swift-nio).
        .package(url: "https://github.com/apple/swift-system", from: "1.5.0"),
    ],
    targets: [
        // The modules, roughly in the order a report flows (Collector/README.md, "Modules", says which are pure).
        // The HTTP edge's policies, pure: client address behind trusted proxies, per-network and per-install
        // rate limits, connection deadlines and the connection cap. The NIO handlers that apply them are in
        // CollectorHTTP.
        .target(
            name: "CollectorEdge",
            swiftSettings: strict
        ),
        // The answers: UTC days, the breakdowns' labels and dimensions, the Summary and how stores assemble it.
        .target(
            name: "CollectorSummary",
            swiftSettings: strict
        ),
        // A body -> a ValidatedReport or a ReportRejection: the JSON parser, report-v1 (embedded), the labels a
        // report is counted under.
        .target(
            name: "ReportValidation",
            dependencies: [
                "CollectorSummary",
                .product(name: "TelemetryWire", package: "telemetryd"),
            ],
            swiftSettings: strict
        ),
        // collector.conf and its drop-ins -> CollectorConfig; the bearer tokens of TokenFile= and ReadTokenFile=.
        .target(
            name: "CollectorConfiguration",
            dependencies: [
                "CollectorEdge",
                "CollectorSummary",
                .product(name: "ConfigGrammar", package: "telemetryd"),
            ],
            swiftSettings: strict
        ),
        // What the collector logs at notice level or above, each with its journal MESSAGE_ID, and the state
        // machines that decide when (once per outage, not once per report).
        .target(
            name: "CollectorEvents",
            dependencies: [.product(name: "Logging", package: "swift-log")],
            swiftSettings: strict
        ),
        // Where reports live: the ReportStore protocol and what every store answers with (InsertOutcome,
        // StoreHealth, StoreError). The stores themselves are CollectorSQLite and CollectorPostgres, side by side.
        .target(
            name: "CollectorStore",
            dependencies: ["CollectorSummary", "ReportValidation"],
            swiftSettings: strict
        ),
        // The SQLite ReportStore: one collector on one machine.
        .target(
            name: "CollectorSQLite",
            dependencies: [
                "CollectorSummary", "ReportValidation", "CollectorStore",
                .product(name: "SQLiteNIO", package: "sqlite-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ],
            swiftSettings: strict
        ),
        // The behaviour every ReportStore must show, run by the SQLite and PostgreSQL test targets alike.
        .target(
            name: "CollectorStoreConformance",
            dependencies: ["CollectorSummary", "ReportValidation", "CollectorStore", .product(name: "TelemetryWire", package: "telemetryd")],
            swiftSettings: strict
        ),
        // Summary -> the dashboard page (HTML with SVG charts).
        .target(
            name: "CollectorDashboard",
            dependencies: ["CollectorSummary"],
            swiftSettings: strict
        ),
        // The PostgreSQL ReportStore: many stateless collectors behind a load balancer on one database.
        .target(
            name: "CollectorPostgres",
            dependencies: [
                "CollectorSummary", "ReportValidation", "CollectorStore",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ],
            swiftSettings: strict
        ),
        // The HTTP face: ingest, the JSON API, /metrics, /healthz, the dashboard route.
        .target(
            name: "CollectorHTTP",
            dependencies: [
                "CollectorSummary",
                "ReportValidation",
                "CollectorConfiguration",
                "CollectorEvents",
                "CollectorEdge",
                "CollectorStore",
                "CollectorDashboard",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "NIOExtras", package: "swift-nio-extras"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOHTTPTypes", package: "swift-nio-extras"),
                .product(name: "NIOHTTPTypesHTTP1", package: "swift-nio-extras"),
                .product(name: "CompressNIO", package: "compress-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ],
            swiftSettings: strict
        ),
        // What the commands decide, with no I/O or systemd of its own (the import stores through the ReportStore it
        // is given): the words of STATUS=, which reloaded keys need a restart, the import's windowing and tally, the
        // schedules of pruning and of the day cache, the summary table. The executable parses arguments and wires.
        .target(
            name: "CollectorService",
            dependencies: ["CollectorSummary", "ReportValidation", "CollectorConfiguration", "CollectorStore"],
            swiftSettings: strict
        ),
        .executableTarget(
            name: "telemetry-collector",
            dependencies: [
                .product(name: "CommandLineSupport", package: "telemetryd"),
                "CollectorService",
                "CollectorSummary",
                "ReportValidation",
                "CollectorConfiguration",
                "CollectorEvents",
                "CollectorStore",
                "CollectorSQLite",
                "CollectorPostgres",
                "CollectorHTTP",
                .product(name: "Systemd", package: "telemetryd"),
                .product(name: "TelemetryWire", package: "telemetryd"),
                .product(name: "ConfigGrammar", package: "telemetryd"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ],
            swiftSettings: strict
        ),
        .testTarget(
            name: "CollectorSummaryTests",
            dependencies: ["CollectorSummary"],
            swiftSettings: strict
        ),
        .testTarget(
            name: "CollectorStoreTests",
            dependencies: ["CollectorStore", "CollectorSummary", "ReportValidation", "CollectorStoreConformance"],
            swiftSettings: strict
        ),
        .testTarget(
            name: "ReportValidationTests",
            dependencies: ["ReportValidation", "CollectorSummary", .product(name: "TelemetryWire", package: "telemetryd")],
            swiftSettings: strict
        ),
        .testTarget(
            name: "CollectorConfigurationTests",
            dependencies: ["CollectorConfiguration", "CollectorEdge", .product(name: "ConfigGrammar", package: "telemetryd")],
            swiftSettings: strict
        ),
        .testTarget(
            name: "CollectorServiceTests",
            dependencies: ["CollectorService", "CollectorSummary", "ReportValidation", "CollectorConfiguration", "CollectorStore",
                           "CollectorStoreConformance", .product(name: "TelemetryWire", package: "telemetryd")],
            swiftSettings: strict
        ),
        .testTarget(
            name: "CollectorEventsTests",
            dependencies: ["CollectorEvents"],
            swiftSettings: strict
        ),
        .testTarget(
            name: "CollectorSQLiteTests",
            dependencies: ["CollectorSQLite", "CollectorStore", "CollectorSummary", "ReportValidation", "CollectorStoreConformance",
                           .product(name: "SQLiteNIO", package: "sqlite-nio")],
            swiftSettings: strict
        ),
        .testTarget(
            name: "CollectorHTTPTests",
            dependencies: [
                "CollectorHTTP", "CollectorStore", "CollectorSQLite", "CollectorSummary", "ReportValidation", "CollectorConfiguration",
                "CollectorEdge", "CollectorStoreConformance",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "CompressNIO", package: "compress-nio"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict
        ),
        // Runs ReportStoreConformance and its own tests against a throwaway PostgreSQL server (PostgresTestServer).
        .testTarget(
            name: "CollectorPostgresTests",
            dependencies: ["CollectorPostgres", "CollectorStore", "CollectorSummary", "ReportValidation", "CollectorStoreConformance",
                           .product(name: "PostgresNIO", package: "postgres-nio"),
                           .product(name: "NIOCore", package: "swift-nio"),
                           .product(name: "Subprocess", package: "swift-subprocess"),
                           .product(name: "SystemPackage", package: "swift-system")],
            swiftSettings: strict
        ),
        .testTarget(
            name: "CollectorEdgeTests",
            dependencies: ["CollectorEdge"],
            swiftSettings: strict
        ),
        .testTarget(
            name: "CollectorDashboardTests",
            dependencies: ["CollectorDashboard", "CollectorSummary"],
            swiftSettings: strict
        ),
    ],
    swiftLanguageModes: [.v6]
)
