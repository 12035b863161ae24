// telemetryd benchmarks: wall time, allocations and instructions of each unit of work the daemon
// repeats. Run: `cd Benchmarks && swift package --allow-writing-to-package-directory benchmark`.
import Benchmark
import BenchSupport
import TelemetryCore

let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(
        metrics: [.wallClock, .mallocCountTotal, .mallocBytesCount, .instructions, .peakMemoryResident],
        warmupIterations: 10,
        maxDuration: .seconds(3),
        maxIterations: 2_000
    )

    // Fails loudly (and the benchmark tool reports it) rather than measuring nothing.
    func workload() -> Workload? {
        do { return try Workload() } catch {
            print("telemetryd benchmarks: \(error)")
            return nil
        }
    }
    guard let work = workload() else { return }
    // Each benchmark runs in its own process: remove that process's scratch directory after its run.
    Benchmark.teardown = { work.removeScratch() }

    Benchmark("Diagnostics collection (real /proc)") { benchmark in
        for _ in benchmark.scaledIterations {
            blackHole(work.collectDiagnostics())
        }
    }

    Benchmark("Diagnostics collection + JSON encode") { benchmark in
        for _ in benchmark.scaledIterations {
            blackHole(try Workload.encodeJSON(work.collectDiagnostics()))
        }
    }

    let report = work.collectDiagnostics()
    Benchmark("Report encode JSON") { benchmark in
        for _ in benchmark.scaledIterations {
            blackHole(try Workload.encodeJSON(report))
        }
    }

    Benchmark("Report encode JSON + gzip") { benchmark in
        for _ in benchmark.scaledIterations {
            blackHole(try Workload.gzip(try Workload.encodeJSON(report)))
        }
    }

    // fsync dominates and depends on the disk: fewer iterations, and syscalls show the exact cost.
    let json = (try? Workload.encodeJSON(report)).map { Array($0) } ?? []
    Benchmark("Spool write + fsync + rename",
              configuration: .init(maxDuration: .seconds(3), maxIterations: 300)) { benchmark in
        for _ in benchmark.scaledIterations {
            try work.spoolWrite(json, name: "bench.json")
        }
    }

    let fixture: ConfigFixture? = try? ConfigFixture(in: work.scratch)
    Benchmark("Config parse: telemetry.conf + 10 drop-ins") { benchmark in
        guard let fixture else { throw BenchError("could not write the config fixture under \(work.scratch)") }
        for _ in benchmark.scaledIterations {
            blackHole(try fixture.load())
        }
    }
}
