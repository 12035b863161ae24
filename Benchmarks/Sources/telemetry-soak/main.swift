// Cost as work grows: 10,000 diagnostics collections, then a simulated week of the daemon's
// schedule (every 6 h a keep-alive and a diagnostics report: build, encode, gzip, spool write, delivered,
// spool remove; 28 of each), printing RSS, open descriptors, threads and spool files before and after.
// Run: `cd Benchmarks && swift run -c release telemetry-soak [--collections N] [--days D]`.
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import BenchSupport
import TelemetryCore

func monotonicNanos() -> UInt64 {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return UInt64(ts.tv_sec) * 1_000_000_000 + UInt64(ts.tv_nsec)
}

func option(_ name: String, default value: Int) -> Int {
    let args = CommandLine.arguments
    guard let i = args.firstIndex(of: name), i + 1 < args.count, let n = Int(args[i + 1]), n > 0 else { return value }
    return n
}

func row(_ label: String, _ s: ProcessStats, spool: Int) -> String {
    "| \(label) | \(s.rssKiB) | \(s.peakRssKiB) | \(s.openFileDescriptors) | \(s.threads) | \(spool) |"
}

let collections = option("--collections", default: 10_000)
let days = option("--days", default: 7)

do {
    let work = try Workload()
    defer { work.removeScratch() }
    let header = "| point | RSS KiB | peak RSS KiB | open fds | threads | spool files |\n| --- | ---: | ---: | ---: | ---: | ---: |"

    // Warm-up: the first use of each step pays one-time costs (lazy globals, zlib tables, first page faults).
    for report in [work.collectKeepAlive(), work.collectDiagnostics()] {
        let json = try Workload.encodeJSON(report)
        _ = try Workload.gzip(json)
        try work.spoolWrite(Array(json), name: "warmup.json")
        try work.spoolRemove(name: "warmup.json")
    }
    let start = ProcessStats.current()

    // 1. N collections + encode; the cost of each decile shows whether it drifts.
    var decileMicros: [Double] = []
    let decile = max(1, collections / 10)
    var t0 = monotonicNanos()
    var bytes = 0
    for i in 1...collections {
        bytes &+= try Workload.encodeJSON(work.collectDiagnostics()).count
        if i % decile == 0 {
            let t1 = monotonicNanos()
            decileMicros.append(Double(t1 - t0) / 1000 / Double(decile))
            t0 = t1
        }
    }
    let afterCollections = ProcessStats.current()

    // 2. A simulated week: per 6 h slot one keep-alive and one diagnostics through encode, gzip, spool
    //    write (fsync, rename) and removal after "delivery", like the daemon with a collector that answers 2xx.
    let slots = days * 4
    var maxSpool = 0
    for slot in 0..<slots {
        for report in [work.collectKeepAlive(), work.collectDiagnostics()] {
            let json = try Workload.encodeJSON(report)
            let gz = try Workload.gzip(json)
            let name = "\(report.messageId).json"
            try work.spoolWrite(Array(json), name: name)
            maxSpool = max(maxSpool, ProcessStats.countEntries(work.spoolDirectory))
            bytes &+= gz.readableBytes
            try work.spoolRemove(name: name)
        }
        _ = slot
    }
    let afterWeek = ProcessStats.current()
    let spoolAfter = ProcessStats.countEntries(work.spoolDirectory)

    print("telemetry-soak: \(collections) diagnostics collections + encode, then \(slots) simulated 6-hour slots (\(days) days: \(slots) keep-alive + \(slots) diagnostics: build, encode, gzip, spool write+fsync+rename, remove)")
    print("")
    print(header)
    print(row("after warm-up", start, spool: 0))
    print(row("after \(collections) collections", afterCollections, spool: 0))
    print(row("after \(days) simulated days", afterWeek, spool: spoolAfter))
    print("")
    print("Mean µs per collection+encode, by tenth of the run: " + decileMicros.map { String(Int(($0 * 10).rounded()) / 10) + "." + String(Int(($0 * 10).rounded()) % 10) }.joined(separator: ", "))
    print("Most spool files at once during the week: \(maxSpool); left at the end: \(spoolAfter)")
    print("RSS growth over the collections: \(afterCollections.rssKiB - start.rssKiB) KiB; over the week: \(afterWeek.rssKiB - afterCollections.rssKiB) KiB; fd growth: \(afterWeek.openFileDescriptors - start.openFileDescriptors)")
    if bytes == 0 { print("(no bytes produced?)") }
} catch {
    let message = Array("telemetry-soak: \(error)\n".utf8)
    _ = message.withUnsafeBytes { write(2, $0.baseAddress, $0.count) }
    exit(1)
}
