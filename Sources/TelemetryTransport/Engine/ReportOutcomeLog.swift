import Logging
import TelemetryCore

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import TelemetryWire
import ConfigGrammar

/// The one place that turns the outcome of an attempt into the contract's journal line (TELEMETRY_RESULT,
/// TELEMETRY_HTTP_STATUS, …) and the `state.json` record `telemetryd status` shows; used by the daemon's worker and
/// by `telemetryd send` alike.
struct ReportOutcomeLog {
    let logger: Logger
    let store: DeliveryStateStore

    /// `oneShot`: `telemetryd send` (nothing is retried or dropped by the engine, the exit code tells).
    func log(_ line: DeliveryStateMachine.ReportLine, type: ReportType, messageId id: String, oneShot: Bool = false) {
        let t = type.rawValue
        switch line.kind {
        case .sent:
            logger.log(level: line.level, "Sent \(t) report \(id) (\(line.reason))",
                       metadata: .report(.sent, type: type, messageId: id, httpStatus: line.status))
            record(SendRecord(at: Date(), result: .sent, httpStatus: line.status, messageId: id), for: type)
        case .rejected:
            let tail = oneShot ? "" : "; dropped, not retried"
            logger.log(level: line.level, "Collector rejected \(t) report \(id): \(line.reason)\(tail)",
                       metadata: .report(.rejected, type: type, messageId: id, httpStatus: line.status))
            record(SendRecord(at: Date(), result: .rejected, httpStatus: line.status, messageId: id, detail: line.reason), for: type)
        case .retrying(let retryIn, let attempt):
            let tail = retryIn.map { "; retrying in \(TimeSpan(duration: $0)) (attempt \(attempt))" } ?? ""
            // "retrying" is the contract's word for a retryable failure, also for the single attempt of `send`.
            logger.log(level: line.level, "\(t) report \(id) not delivered: \(line.reason)\(tail)",
                       metadata: .report(.retrying, type: type, messageId: id, httpStatus: line.status))
            record(SendRecord(at: Date(), result: .retrying, httpStatus: line.status, messageId: id, detail: line.reason), for: type)
        case .erasureRefused:
            // TELEMETRY_RESULT=rejected like any dropped report, under an event of its own: a refused key is not a
            // malformed report, and the operator must hear that nothing was erased.
            var m = Logger.Metadata.report(.rejected, type: type, messageId: id, httpStatus: line.status)
            m["MESSAGE_ID"] = .string(TelemetryEvent.erasureRefused.messageID)
            logger.log(level: line.level, "Collector \(line.endpoint) refused to erase this install: \(line.reason). Nothing was erased; \(t) report \(id) dropped, not retried (the key cannot change). The local state is kept",
                       metadata: m)
            record(SendRecord(at: Date(), result: .rejected, httpStatus: line.status, messageId: id, detail: line.reason), for: type)
        case .staleEndpoint:
            // Not recorded: the report is attempted at the new endpoint next, and that result is the one to show.
            logger.log(level: line.level, "\(t) report \(id): the attempt to \(line.endpoint), started before a reload changed the endpoint, ended with \(line.reason); it stays queued for the new endpoint",
                       metadata: .report(.retrying, type: type, messageId: id, httpStatus: line.status))
        }
    }

    func record(_ record: SendRecord, for type: ReportType) {
        Self.record(record, for: type, store: store, logger: logger)
    }

    static func record(_ record: SendRecord, for type: ReportType, store: DeliveryStateStore, logger: Logger) {
        do {
            try store.update { $0.record(record, for: type) }
        } catch {
            logger.warning("Cannot record the \(type.rawValue) result in \(store.path): \(error); `telemetryd status` will not show it",
                           metadata: TelemetryEvent.resultNotRecorded.metadata)
        }
    }

    /// The payload line of TELEMETRYD_DEBUG=1: the exact bytes that go out.
    static func logPayload(_ body: [UInt8], type: ReportType, messageId: String, logger: Logger) {
        var m = TelemetryEvent.payload.metadata
        m["TELEMETRY_TYPE"] = .string(type.rawValue)
        m["TELEMETRY_MESSAGE_ID"] = .string(messageId)
        logger.info("[telemetry] \(String(decoding: body, as: UTF8.self))", metadata: m)
    }
}
