import Logging
import TelemetryWire

/// Every kind of event telemetryd logs, each with a fixed journal `MESSAGE_ID` that `systemd/telemetryd.catalog`
/// documents (README, "Inspecting it"). Log metadata keys are journal field names as they are: the journal handler
/// passes `MESSAGE_ID` and `TELEMETRY_*` through, and the stderr handler leaves them out of plain lines.
public enum TelemetryEvent: String, CaseIterable, Sendable {
    case started, stopping, stopped, reloaded, reloadFailed, configError, configWarning, clockChanged
    case disabled, enabled, stuck
    case identityCreated, identityReplaced, cloneDetected, identityNotPersisted
    case reportSent, reportQueued, reportRetrying, reportRejected, reportDropped, reportDryRun
    case spoolPurged, spoolError, spoolWritable, spoolDropFailed, spoolDeleteFailed, spoolDeletable, spoolFileDiscarded
    case stateDirectoryUnwritable, daemonRecordNotWritten, scheduleUnreadable, scheduleNotRecorded, resultNotRecorded
    case payload
    case collectorUnreachable, collectorReachable, credentialRefused, credentialAccepted
    case factsDropped, productFileProblem
    case countersNotRecorded, countersRecovered
    case erased, erasureIncomplete, erasureRefused, forgetUndeliverable

    /// 128-bit ID, 32 lower-case hex digits, as `journalctl --new-id128` makes them. Never change a shipped one.
    public var messageID: String {
        switch self {
        case .started: "043ec8b9c41348de9e9ec0d931ac58b9"
        case .stopping: "7ab837d65ba344309913a8e6b96b765b"
        case .stopped: "cbb0124eec1b4c13a108d705573ec42b"
        case .reloaded: "e3c9d69a69b2421cada774c7698df674"
        case .clockChanged: "54090ea9c135430baa0d0d1328725106"
        case .reloadFailed: "d70402c7e9d140609ff3b965d336243b"
        case .configError: "7ac6befc811b40f6a2a6c7d81b6dac1a"
        case .configWarning: "52ae7d26a5884fcb86bd6aff279af6c3"
        case .disabled: "9c38dfa99ab04ee3ad45648e792add52"
        case .enabled: "e1217430572042dd8cc3ba101b8da176"
        case .stuck: "801a3b71331244a7b5e14ef30a823b34"
        case .identityCreated: "8411e0d64df149ceaaa786ef4a8dbe78"
        case .identityReplaced: "e010802685144308b1b99b94c945e969"
        case .cloneDetected: "5c9724b2d2b947019758ff53a9b58ca8"
        case .identityNotPersisted: "9e186e064b1c4df59c666b0081cebc7a"
        case .reportSent: "71157fc101f646c5a128aa3658b8b131"
        case .reportQueued: "b3a3d0e9f4e047bfbadbc0a5620b7a21"
        case .reportRetrying: "69087f7c7d994a1b809744718b554561"
        case .reportRejected: "80f1ca10e51141af8d4384dedc5bbd94"
        case .reportDropped: "2f6136b84b1547caad8f2f6e153e8b1b"
        case .reportDryRun: "a8092499130d4ff0846cbaeff3f7149b"
        case .spoolPurged: "6eca046308cb402883439df817f65891"
        case .spoolError: "d9c1a3ca1bbc45f594dbc916edadff5c"
        case .spoolWritable: "4bf9aa6009a54570b274a77489d21bdb"
        case .spoolDropFailed: "3f9125800fd74020a0feaa0174fef83b"
        case .spoolDeleteFailed: "7c370b767b904e62a6ca73df01a36f49"
        case .spoolDeletable: "3f975655d5f24c908c461cd8434450de"
        case .spoolFileDiscarded: "f6d2b779a95a45d6a40bacf9e33e4421"
        case .stateDirectoryUnwritable: "4ee80696300c48a1bddece3d672ceb3d"
        case .daemonRecordNotWritten: "a65fbdbbcbc44359bd9c6bc71b1c2da7"
        case .scheduleUnreadable: "0da800dd6a054b5a8dc2bb20a979850a"
        case .scheduleNotRecorded: "7c2f7e16a1f44d8093e5ab71322b946c"
        case .resultNotRecorded: "d14acf56c7044a098e2a2ce1a641deab"
        case .payload: "9f231ea8c4924fc9abee4aee002755d2"
        case .collectorUnreachable: "5d0f4c0a7b9e4c4e8d3a61f2b7c9e014"
        case .collectorReachable: "a6e2b1d95c3f47a8b0e4d7c1f2a9b365"
        case .credentialRefused: "689ddaf62dfd4799bd190af8daf1d58e"
        case .credentialAccepted: "80c590ed124845cea7d3e9ff1eb48de4"
        case .factsDropped: "c88c0ed2392247d0930d63c4d345e23a"
        case .productFileProblem: "284947edcdf04ca786584981321fb72e"
        case .countersNotRecorded: "cf994b3a50fa4189bcdf535ea0e32ba1"
        case .countersRecovered: "48f9b04e4195493abee6efef2f7aac72"
        case .erased: "43a2920731924d8aa871201d5ea1ccdd"
        case .erasureIncomplete: "892f01999c9d4d0cb2451c9cf859beca"
        case .erasureRefused: "e18533eaa1394ae0b98c3f5c4809350e"
        case .forgetUndeliverable: "30a3aa4dfcdb412983ad32fb447b38b4"
        }
    }

    /// `["MESSAGE_ID": …]`, to pass as a log call's metadata.
    public var metadata: Logger.Metadata { ["MESSAGE_ID": .string(messageID)] }

    /// The event of a report result.
    public static func report(_ result: ReportResult) -> TelemetryEvent {
        switch result {
        case .sent: .reportSent
        case .queued: .reportQueued
        case .retrying: .reportRetrying
        case .rejected: .reportRejected
        case .dropped: .reportDropped
        case .dryRun: .reportDryRun
        }
    }
}

/// `TELEMETRY_RESULT` values of the contract.
public enum ReportResult: String, Sendable, Codable, CaseIterable {
    case sent, queued, retrying, rejected, dropped
    case dryRun = "dry-run"
}

extension Logger.Metadata {
    /// MESSAGE_ID plus the contract's fields on every report event: TELEMETRY_TYPE, TELEMETRY_MESSAGE_ID,
    /// TELEMETRY_RESULT and TELEMETRY_HTTP_STATUS where there is one.
    public static func report(_ result: ReportResult, type: ReportType, messageId: String, httpStatus: Int? = nil) -> Logger.Metadata {
        var m: Logger.Metadata = [
            "MESSAGE_ID": .string(TelemetryEvent.report(result).messageID),
            "TELEMETRY_TYPE": .string(type.rawValue),
            "TELEMETRY_MESSAGE_ID": .string(messageId),
            "TELEMETRY_RESULT": .string(result.rawValue),
        ]
        if let httpStatus { m["TELEMETRY_HTTP_STATUS"] = .string(String(httpStatus)) }
        return m
    }
}
