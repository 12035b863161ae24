import Logging
import TelemetryCore

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import TelemetryWire

extension HTTPReportDelivery {
    /// `telemetryd send`: one POST now, outside the daemon's spool (the report is not queued for later when it
    /// fails: the operator sees the failure and the exit code). Logs the result with the contract's fields and records
    /// it in state.json like the daemon does. The caller refuses DryRun=yes before building the report
    /// (`telemetryd send` exits 1 naming the line): this sends.
    public static func sendOnce(_ report: Report, loaded: LoadedConfig, stateDirectory: String,
                                environment: [String: String], logger: Logger) async -> SendOutcome {
        let type = report.type, id = report.messageId
        let log = ReportOutcomeLog(logger: logger, store: DeliveryStateStore(stateDirectory: stateDirectory))
        let body: [UInt8]
        do { body = Array(try report.jsonData()) } catch {
            return .retry(status: nil, retryAfter: nil, reason: "cannot encode the report: \(error)")
        }
        let settings = TransportSettings(config: loaded.config, environment: environment)
        let outcome: SendOutcome
        var wire = body
        do {
            wire = try SegmentTrack.wireBody(body, format: settings.format)
            let transport = try HTTPTransport(settings: settings)
            if loaded.config.debug { ReportOutcomeLog.logPayload(wire, type: type, messageId: id, logger: logger) }
            outcome = await transport.send(body: wire, messageId: id)
            await transport.shutdown()
        } catch {
            outcome = .retry(status: nil, retryAfter: nil, reason: String(describing: error))
        }
        log.log(line(for: outcome, endpoint: settings.endpoint), type: type, messageId: id, oneShot: true)
        if case .delivered = outcome {
            _ = try? SentLog(stateDirectory: stateDirectory).record(body: wire, type: type, messageId: id)
        }
        return outcome
    }

    /// The journal line of a single attempt (no retry is planned).
    static func line(for outcome: SendOutcome, endpoint: String) -> DeliveryStateMachine.ReportLine {
        switch outcome {
        case .delivered(let status):
            .init(kind: .sent, level: .info, status: status, reason: "HTTP \(status)", endpoint: endpoint)
        case .rejected(let status, let reason):
            .init(kind: .rejected, level: .error, status: status, reason: reason, endpoint: endpoint)
        case .credentialRejected(let status, let reason):
            .init(kind: .retrying(retryIn: nil, attempt: 1), level: .warning, status: status, reason: reason, endpoint: endpoint)
        case .retry(let status, _, let reason):
            .init(kind: .retrying(retryIn: nil, attempt: 1), level: .warning, status: status, reason: reason, endpoint: endpoint)
        }
    }
}
