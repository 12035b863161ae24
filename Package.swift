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
        .target(
            name: "TelemetryCore",
            dependencies: [
                "CShims",
                "Systemd",
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
        // madvise(MADV_DONTNEED) of the binary's own clean pages once a burst of work is over (idle RSS).
        .target(name: "PageOut", swiftSettings: strict),
        // HTTPS to the collector: transport policy, the AsyncHTTPClient transport and the engine that drains the spool.
        .target(
            name: "TelemetryTransport",
            dependencies: [
                "TelemetryCore",
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
                "TelemetryCore",
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
            dependencies: [.product(name: "Logging", package: "swift-log")],
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
            dependencies: ["TelemetryCore", "Systemd", "TestSupport", .product(name: "Logging", package: "swift-log")],
            resources: [.copy("Fixtures")],
            swiftSettings: strict
        ),
        .testTarget(
            name: "TelemetryTransportTests",
            dependencies: [
                "TelemetryTransport", "TelemetryCore", "TestSupport",
                .product(name: "Logging", package: "swift-log"),
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
            dependencies: ["TelemetryDaemon", "TelemetryCore", "TestSupport", .product(name: "Logging", package: "swift-log")],
            swiftSettings: strict
        ),
    ],
    swiftLanguageModes: [.v6]
)
