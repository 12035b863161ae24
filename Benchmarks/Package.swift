// swift-tools-version:6.1
// Benchmarks for telemetryd (see BENCHMARKS.md). A separate package so the daemon's own build never pays for
// ordo-one/benchmark, its malloc interposer or the benchmark plugin.
//
//   cd Benchmarks && swift package --allow-writing-to-package-directory benchmark   # wall, allocations, instructions
//   cd Benchmarks && swift run -c release telemetry-soak                            # cost as work grows
import PackageDescription

// The telemetryd checkout to measure: this repository, or another one (e.g. a branch's worktree) named by
// TELEMETRYD_PACKAGE_PATH, so one benchmark build can compare two versions of the code.
let telemetrydPath = Context.environment["TELEMETRYD_PACKAGE_PATH"].flatMap { $0.isEmpty ? nil : $0 } ?? ".."

let package = Package(
    name: "telemetryd-benchmarks",
    platforms: [.macOS(.v14)],
    dependencies: [
        .package(name: "telemetryd", path: telemetrydPath),
        // Only the malloc interposer trait: the 6.3 ARC runtime interposer is not needed for these numbers.
        .package(url: "https://github.com/ordo-one/benchmark", from: "1.38.1", traits: ["MallocInterposer"]),
        .package(url: "https://github.com/adam-fowler/compress-nio", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
    ],
    targets: [
        // The work each benchmark measures, shared with the soak runner so both time the same code.
        .target(
            name: "BenchSupport",
            dependencies: [
                .product(name: "TelemetryCore", package: "telemetryd"),
                .product(name: "TelemetryWire", package: "telemetryd"),
                .product(name: "CompressNIO", package: "compress-nio"),
                .product(name: "NIOCore", package: "swift-nio"),
            ]
        ),
        .executableTarget(
            name: "TelemetryBenchmarks",
            dependencies: [
                "BenchSupport",
                .product(name: "Benchmark", package: "benchmark"),
            ],
            path: "Benchmarks/TelemetryBenchmarks",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
        // Idle wakeups of the default (libdispatch) global executor against SwiftNIO's.
        .executableTarget(
            name: "executor-probe",
            dependencies: [.product(name: "NIOCore", package: "swift-nio"), .product(name: "NIOPosix", package: "swift-nio")]
        ),
        // 10,000 collections and a simulated week: RSS, open fds and spool files before and after.
        .executableTarget(
            name: "telemetry-soak",
            dependencies: ["BenchSupport"]
        ),
    ],
    swiftLanguageModes: [.v6]
)
