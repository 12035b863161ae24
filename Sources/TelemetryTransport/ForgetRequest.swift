import Logging
import TelemetryCore

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import TelemetryWire
import FileSupport

/// `telemetryd forget` and `telemetryd disable --forget` (README, "Privacy"): the request to erase this install is
/// spooled like any report, so it survives a collector outage, a reboot and an opt-out, then tried at once through
/// the same transport the daemon uses. What the collector answers decides the rest: a 2xx erased the install, so the
/// local state goes too; a 403 means it did not take the erasure key, other refusals that it cannot take the report:
/// either way retrying cannot help and the report is dropped; anything else leaves it queued for the daemon, which
/// delivers it even while telemetry is disabled.
public enum ForgetRequest {
    public enum Outcome: Sendable, Equatable {
        /// The collector confirmed (2xx); `erasure` says what of the local state was deleted, and what could not be.
        case erased(status: Int, erasure: LocalErasure.Result)
        /// Not confirmed now; the report waits in the spool for the daemon.
        case queued(messageId: String, reason: String)
        /// Not confirmed now, and the spool could not be written: nothing will retry it.
        case notQueued(reason: String)
        /// 403: the collector did not accept the erasure key. Dropped; nothing was erased.
        case keyRefused(status: Int)
        /// Another refusal (4xx, 3xx): the collector cannot take the report. Dropped; nothing was erased.
        case rejected(status: Int, reason: String)
    }

    /// Why `forget` cannot run under this configuration (checked before anything is written or sent).
    public enum Refusal: Sendable, Equatable {
        /// A usage or configuration error (exit 2).
        case usage(String)
        /// A runtime refusal (exit 1).
        case runtime(String)
    }

    /// `Format=segment` has no erasure call (exit 2); `DryRun=yes` sends nothing (exit 1, like `send`). An opt-out does
    /// not refuse: asking for erasure is exactly what an opted-out operator may want.
    public static func refusal(_ loaded: LoadedConfig) -> Refusal? {
        let c = loaded.config
        if c.format == .segment {
            let at = loaded.origins["Telemetry.Format"]?.description ?? "the configuration"
            return .usage("Format=segment (\(at)) has no erasure call: Segment's API cannot erase by key, so nothing can be forgotten there; nothing was sent or changed")
        }
        if c.dryRun {
            let at = loaded.origins["Telemetry.DryRun"]?.description ?? "the configuration"
            return .runtime("DryRun=yes at \(at): nothing sent; set DryRun=no to ask the collector to erase this install")
        }
        return nil
    }

    /// The forget report an earlier `forget` left queued for `instanceId`, if any: it is sent again as it is (same
    /// messageId, so a collector that took it meanwhile sees a duplicate), not joined by a second one.
    static func queued(in spool: Spool, instanceId: String) -> (SpoolEntry, [UInt8])? {
        for entry in spool.entries() where entry.type == .forget {
            if case .report(let report, let body) = spool.loadChecked(entry), report.instanceId == instanceId {
                return (entry, body)
            }
        }
        return nil
    }

    /// Spools `report` (a `forget` report, see `ReportBuilder`) unless one for the same install is queued, then makes
    /// one attempt and carries out what the answer means. `loaded` must pass `refusal(_:)`.
    public static func deliver(_ report: Report, loaded: LoadedConfig, stateDirectory: String,
                               environment: [String: String], logger: Logger) async -> Outcome {
        let spool = Spool(stateDirectory: stateDirectory)
        var entry: SpoolEntry?
        var body: [UInt8]
        var spoolProblem: String?
        if let earlier = queued(in: spool, instanceId: report.instanceId) {
            (entry, body) = (earlier.0, earlier.1)
        } else {
            do { body = Array(try report.jsonData()) } catch {
                return .notQueued(reason: "cannot encode the forget report: \(error)")
            }
            do throws(FileError) {
                entry = try spool.add(body: body, type: .forget, messageId: report.messageId,
                                      maxReports: loaded.config.maxReports).entry
            } catch {
                spoolProblem = "cannot spool it: \(error.description)"
            }
        }
        let messageId = entry?.messageId ?? report.messageId

        let settings = TransportSettings(config: loaded.config, environment: environment)
        let outcome: SendOutcome
        do {
            let transport = try HTTPTransport(settings: settings)
            if loaded.config.debug { ReportOutcomeLog.logPayload(body, type: .forget, messageId: messageId, logger: logger) }
            outcome = await transport.send(body: body, messageId: messageId)
            await transport.shutdown()
        } catch {
            outcome = .retry(status: nil, retryAfter: nil, reason: String(describing: error))
        }

        func drop() { if let entry { try? spool.remove(entry) } }
        switch outcome {
        case .delivered(let status):
            return .erased(status: status, erasure: LocalErasure.run(stateDirectory: stateDirectory))
        case .credentialRejected(let status?, _) where status == 403:
            drop()
            return .keyRefused(status: status)
        case .rejected(let status, let reason):
            drop()
            return .rejected(status: status, reason: reason)
        case .credentialRejected(_, let reason), .retry(_, _, let reason):
            if let spoolProblem { return .notQueued(reason: "\(reason), and \(spoolProblem)") }
            return .queued(messageId: messageId, reason: reason)
        }
    }
}

extension ForgetRequest.Outcome {
    /// Whether the command succeeds: only once the collector confirmed.
    public var confirmed: Bool {
        if case .erased = self { return true }
        return false
    }

    /// The one line `telemetryd forget` prints (stdout when confirmed, else the reason on stderr). `daemonPID`: the
    /// running daemon's, which delivers a queued report; nil when none runs.
    public func text(endpoint: String, stateDirectory: String, daemonPID: Int32?) -> String {
        switch self {
        case .erased(let status, let erasure):
            let deleted = erasure.deleted.isEmpty ? "nothing was left to delete" : "deleted \(erasure.deleted.joined(separator: ", "))"
            let tail = erasure.complete ? "" : "; could not delete \(erasure.failed.map(\.description).joined(separator: "; ")): delete it by hand"
            return "The collector at \(endpoint) erased this install (HTTP \(status)); \(deleted) in \(stateDirectory)\(tail). A fresh identity is made before the next report"
        case .queued(let id, let reason):
            let who = daemonPID.map { "the running daemon (PID \($0)) delivers it" }
                ?? "the daemon delivers it once it runs ('systemctl start telemetryd')"
            return "not confirmed yet: the collector at \(endpoint) could not take the request to erase this install (\(reason)). The forget report \(id) is queued in \(stateDirectory)/spool and \(who) as soon as the collector answers, even with telemetry disabled; its state is deleted then"
        case .notQueued(let reason):
            return "the request to erase this install did not reach \(endpoint) and is not queued: \(reason); make \(stateDirectory) writable (run as root) and run 'telemetryd forget' again"
        case .keyRefused(let status):
            return "the collector at \(endpoint) refused to erase this install (HTTP \(status)): it did not accept this install's erasure key (the key in \(stateDirectory)/erasure-key is not the one whose hash it holds). Nothing was erased; the local state is kept"
        case .rejected(_, let reason):
            return "the collector at \(endpoint) refused the request to erase this install (\(reason)); nothing was erased and the request was dropped. A collector that does not implement erasure refuses it so"
        }
    }
}
