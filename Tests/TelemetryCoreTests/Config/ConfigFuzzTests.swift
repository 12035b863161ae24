import Testing
import TestSupport
@testable import TelemetryCore
@testable import ConfigGrammar

/// Random input must never crash the parser: it gives a configuration, or a ConfigError with a location.
@Suite("Config: random input")
struct ConfigFuzzTests {
    /// Parses and resolves; returns a failure description, or nil when the outcome is acceptable.
    static func check(_ bytes: [UInt8], env: [String: String] = [:]) -> String? {
        do {
            let parsed = try ConfigParser.parse(bytes: bytes, fileName: "/fuzz.conf")
            let loaded = try ConfigSchema.resolve([parsed], environment: env)
            for w in loaded.warnings where w.location == nil && env.isEmpty {
                return "warning without location: \(w)"
            }
            let c = loaded.config
            if c.maxReports < 1 || c.maxReports > ConfigValues.maxReportsLimit { return "MaxReports out of range: \(c.maxReports)" }
            if c.retryMin > c.retryMax { return "RetryMinSec > RetryMaxSec" }
            for t in [c.keepAliveInterval, c.diagnosticsInterval, c.timeout, c.retryMin, c.retryMax]
            where t < TimeSpan(seconds: 1) || t > ConfigValues.maximumTimeSpan {
                return "interval out of range: \(t)"
            }
            if let id = c.clusterID, id.count != 36 || id != ConfigValues.asciiLowercased(id) { return "bad cluster ID \(id)" }
            return nil
        } catch {
            guard let loc = error.location, loc.file == "/fuzz.conf", loc.line >= 1 else { return "error without location: \(error)" }
            let lines = bytes.split(omittingEmptySubsequences: false) { $0 == 0x0A || $0 == 0x0D }.count
            return loc.line <= lines ? nil : "line \(loc.line) beyond the \(lines) lines of the input"
        }
    }

    static let tokens: [String] = [
        "[Telemetry]", "[Transport]", "[Spool]", "[X-Y]", "[", "]", "=", "#", ";", "\\", "\n", "\r", "\r\n", " ", "\t",
        "Enable", "Endpoint", "ClusterID", "KeepAliveIntervalSec", "RandomizedDelaySec", "TimeoutSec", "Proxy", "CAFile",
        "RetryMinSec", "RetryMaxSec", "MaxReports", "DryRun", "Compress", "yes", "no", "1h", "30min", ".5", "1.5h",
        "infinity", "-", "99999999999999999999", "https://", "http://", "host", ":", "8080", "/", "μs", "y", "M",
        "4f1c2a9e-8d3b-4c7a-9e21-5b6f0d8c3a17", "\u{FEFF}", "é",
    ]

    @Test func randomBytesNeverCrash() {
        var rng = SplitMix64(seed: 20_261_123)
        var outcomes = (ok: 0, error: 0)
        for _ in 0..<4000 {
            var bytes: [UInt8] = []
            let length = Int(rng.next() % 160)
            while bytes.count < length {
                if rng.next() % 3 == 0 {
                    bytes.append(UInt8(truncatingIfNeeded: rng.next()))
                } else {
                    bytes += Array(Self.tokens[Int(rng.next() % UInt64(Self.tokens.count))].utf8)
                }
            }
            let failure = Self.check(bytes)
            #expect(failure == nil, "\(failure ?? "") for \(bytes)")
            if (try? ConfigParser.parse(bytes: bytes, fileName: "/fuzz.conf")) != nil { outcomes.ok += 1 } else { outcomes.error += 1 }
        }
        // The generator exercises both paths.
        #expect(outcomes.ok > 100 && outcomes.error > 100)
    }

    @Test func mutationsOfTheShippedFileNeverCrash() throws {
        let shipped = Array(try shippedConfigText().utf8)
        let uncommented = Array(uncommentedShippedConfig(try shippedConfigText()).utf8)
        var rng = SplitMix64(seed: 0xC0FFEE)
        var loaded = 0
        for i in 0..<3000 {
            var b = i % 2 == 0 ? uncommented : shipped
            for _ in 0..<(1 + Int(rng.next() % 4)) {
                let at = b.isEmpty ? 0 : Int(rng.next() % UInt64(b.count))
                switch rng.next() % 6 {
                case 0: if !b.isEmpty { b[at] = UInt8(truncatingIfNeeded: rng.next()) }
                case 1: b.insert(UInt8(truncatingIfNeeded: rng.next()), at: at)
                case 2: b.removeSubrange(at..<min(b.count, at + Int(rng.next() % 40)))
                case 3: b.insert(contentsOf: Array(Self.tokens[Int(rng.next() % UInt64(Self.tokens.count))].utf8), at: at)
                case 4: b = Array(b[..<at])
                default:
                    let key = ConfigSchema.keys[Int(rng.next() % UInt64(ConfigSchema.keys.count))].key
                    let value = Self.tokens[Int(rng.next() % UInt64(Self.tokens.count))]
                    b.insert(contentsOf: Array("\n\(key)=\(value)\n".utf8), at: at)
                }
            }
            let failure = Self.check(b)
            #expect(failure == nil, "\(failure ?? "") for \(String(decoding: b, as: UTF8.self))")
            if failure == nil, (try? ConfigSchema.resolve([ConfigParser.parse(bytes: b, fileName: "/fuzz.conf")], environment: [:])) != nil {
                loaded += 1
            }
        }
        #expect(loaded > 300)
    }

    @Test func randomEnvironmentValuesNeverCrash() {
        var rng = SplitMix64(seed: 7)
        for _ in 0..<500 {
            let value = String(decoding: (0..<Int(rng.next() % 8)).map { _ in UInt8(truncatingIfNeeded: rng.next() % 128) }, as: UTF8.self)
            let env = ["DO_NOT_TRACK": value, "TELEMETRYD_DISABLE": value, "TELEMETRYD_DEBUG": value]
            #expect(Self.check([], env: env) == nil)
            let loaded = try? ConfigSchema.resolve([], environment: env)
            let set = ConfigValues.parseBoolean(value.trimmingWS) ?? !value.trimmingWS.isEmpty
            #expect(loaded?.config.enable == !set)
            #expect(loaded?.config.debug == set)
        }
    }
}

private extension String {
    var trimmingWS: String { String(decoding: ConfigParser.strip(Array(utf8)[...]), as: UTF8.self) }
}
