import Logging
import TelemetryCore

/// Journal metadata for each kind of event: MESSAGE_ID plus the TELEMETRY_* fields of the contract.
enum Events {
    enum Kind: String {
        case started, stopping, stopped, reloaded, reloadFailed, configError, configWarning
        case disabled, enabled, stuck, dryRun, sent, queued, retrying, rejected, dropped
    }

    static func meta(_ kind: Kind) -> Logger.Metadata {
        ["MESSAGE_ID": .string(kind.rawValue)]
    }

    static func report(_ kind: Kind, report: Report, result: String, httpStatus: Int? = nil) -> Logger.Metadata {
        var m: Logger.Metadata = [
            "MESSAGE_ID": .string(kind.rawValue),
            "TELEMETRY_TYPE": .string(report.type.rawValue),
            "TELEMETRY_MESSAGE_ID": .string(report.messageId),
            "TELEMETRY_RESULT": .string(result),
        ]
        if let httpStatus { m["TELEMETRY_HTTP_STATUS"] = .string(String(httpStatus)) }
        return m
    }
}
