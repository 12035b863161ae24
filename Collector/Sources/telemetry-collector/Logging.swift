import Logging
import Systemd

enum CollectorLogging {
    /// The journal under systemd, else stderr (telemetryd's handlers); `$TELEMETRY_COLLECTOR_DEBUG=1` logs debug.
    static func bootstrap() -> Logger {
        let debug = EnvironmentFlag(getenvString("TELEMETRY_COLLECTOR_DEBUG")).isSet
        LogHandlerFactory.bootstrap(syslogIdentifier: "telemetry-collector", debug: debug)
        return Logger(label: "telemetry-collector")
    }
}

#if canImport(Glibc)
import Glibc
#endif
func getenvString(_ name: String) -> String? { getenv(name).map { String(cString: $0) } }
