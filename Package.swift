// swift-tools-version:6.0
import PackageDescription

// Swift 6 language mode gives complete strict concurrency checking.
let strict: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
]

let package = Package(
    name: "telemetryd",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "telemetryd", targets: ["telemetryd"]),
        .library(name: "Systemd", targets: ["Systemd"]),
        .library(name: "TelemetryCore", targets: ["TelemetryCore"]),
        .library(name: "TelemetryWire", targets: ["TelemetryWire"]),
        .library(name: "ConfigGrammar", targets: ["ConfigGrammar"]),
        .library(name: "CommandLineSupport", targets: ["CommandLineSupport"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.37.0"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl", from: "2.37.6"),
        // gzip of request bodies (Compress=yes); AsyncHTTPClient only decompresses responses.
        .package(url: "https://github.com/adam-fowler/compress-nio", from: "1.5.0"),
    ],
    targets: [
        // libsystemd through pkg-config; Debian's provider is libsystemd-dev.
        .systemLibrary(
            name: "CSystemd",
            pkgConfig: "libsystemd",
            providers: [.apt(["libsystemd-dev"])]
        ),
        // Tiny C helpers for what Swift cannot express (CPUID for virtualization detection).
        .target(name: "CShims"),
        // Blocks the daemon's signals before main() so every thread inherits the mask (telemetryd only).
        .target(name: "CRunSignals"),
        .target(
            name: "Systemd",
            dependencies: [
                "CSystemd",
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict
        ),
        // The report as it travels (report-v1): the model, its JSON form, the schema's text limits, the version.
        // Shared with the collector, so it depends on nothing.
        .target(name: "TelemetryWire", swiftSettings: strict),
        // A failed file operation and the one directory lister, under ConfigGrammar and TelemetryCore alike.
        .target(name: "FileSupport", swiftSettings: strict),
        // The systemd INI grammar every configuration of this repository is written in (telemetry.conf,
        // collector.conf): parser, file:line diagnostics, time spans, shared value parsers, drop-in file sets.
        // Each program keeps its own schema.
        .target(name: "ConfigGrammar", dependencies: ["Systemd", "FileSupport"], swiftSettings: strict),
        .target(
            name: "TelemetryCore",
            dependencies: [
                "CShims",
                "Systemd",
                "TelemetryWire",
                "ConfigGrammar",
                "FileSupport",
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict
        ),
        // Sleeping on an event-loop timer instead of Task.sleep, so an idle daemon never wakes libdispatch.
        .target(
            name: "IdleTimer",
            dependencies: [
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ],
            swiftSettings: strict
        ),
        // madvise(MADV_DONTNEED) of the clean pages of the binary and its libraries once work is over (idle RSS).
        .target(name: "PageOut", dependencies: ["CShims"], swiftSettings: strict),
        // HTTPS to the collector: transport policy, the AsyncHTTPClient transport and the engine that drains the spool.
        .target(
            name: "TelemetryTransport",
            dependencies: [
                "TelemetryCore", "TelemetryWire", "ConfigGrammar", "FileSupport",
                "IdleTimer",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                // NIOConnectionError: what a refused or unresolvable connection throws.
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "CompressNIO", package: "compress-nio"),
            ],
            swiftSettings: strict
        ),
        .target(
            name: "TelemetryDaemon",
            dependencies: [
                "TelemetryCore", "TelemetryWire", "ConfigGrammar", "FileSupport",
                "IdleTimer",
                "Systemd",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: strict
        ),
        // The entry both executables share: exit codes 0/1/2 with a one-line reason.
        .target(
            name: "CommandLineSupport",
            dependencies: ["Systemd", .product(name: "ArgumentParser", package: "swift-argument-parser")],
            swiftSettings: strict
        ),
        .executableTarget(
            name: "telemetryd",
            dependencies: [
                "CommandLineSupport",
                "TelemetryCore",
                "TelemetryWire",
                "FileSupport",
                "TelemetryDaemon",
                "TelemetryTransport",
                "Systemd",
                "CRunSignals",
                "PageOut",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: strict
        ),
        // Test helpers shared by the test targets (temporary directories removed after each test).
        .target(
            name: "TestSupport",
            dependencies: [
                .product(name: "Logging", package: "swift-log"),
                // swift-log's InMemoryLogHandler: what a test logged (test targets only; the daemon never links it).
                .product(name: "InMemoryLogging", package: "swift-log"),
            ],
            path: "Tests/TestSupport",
            swiftSettings: strict
        ),
        .testTarget(
            name: "SystemdTests",
            dependencies: ["Systemd", .product(name: "Logging", package: "swift-log")],
            swiftSettings: strict
        ),
        .testTarget(
            name: "TelemetryCoreTests",
            dependencies: ["TelemetryCore", "TelemetryWire", "ConfigGrammar", "FileSupport", "Systemd", "TestSupport",
                           .product(name: "Logging", package: "swift-log"), .product(name: "InMemoryLogging", package: "swift-log")],
            resources: [.copy("Fixtures")],
            swiftSettings: strict
        ),
        .testTarget(
            name: "TelemetryWireTests",
            dependencies: ["TelemetryWire"],
            swiftSettings: strict
        ),
        .testTarget(
            name: "ConfigGrammarTests",
            dependencies: ["ConfigGrammar", "TestSupport"],
            swiftSettings: strict
        ),
        .testTarget(
            name: "TelemetryTransportTests",
            dependencies: [
                "TelemetryTransport", "TelemetryCore", "TelemetryWire", "ConfigGrammar", "TestSupport",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "InMemoryLogging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ],
            swiftSettings: strict
        ),
        .testTarget(
            name: "PageOutTests",
            dependencies: ["PageOut"],
            swiftSettings: strict
        ),
        .testTarget(
            name: "IdleTimerTests",
            dependencies: ["IdleTimer"],
            swiftSettings: strict
        ),
        .testTarget(
            name: "TelemetryDaemonTests",
            dependencies: ["TelemetryDaemon", "TelemetryCore", "TelemetryWire", "ConfigGrammar", "TestSupport", .product(name: "Logging", package: "swift-log")],
            swiftSettings: strict
        ),
    ],
    swiftLanguageModes: [.v6]
)
