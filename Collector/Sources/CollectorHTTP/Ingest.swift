#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import ReportValidation
import CollectorEvents
import CollectorEdge
import CollectorStore
import CompressNIO
import Logging
import NIOConcurrencyHelpers
import NIOCore

/// `POST /v1/reports`, without HTTP: what came in (headers that matter, the body as received) and what goes
/// out (status, JSON, headers). The order of the checks is the order of the answers: 401, 415, 413, 400, 503
/// (a value the database refuses is the report's fault: 400, and no outage).
public struct Ingest: Sendable {
    /// How long an agent should wait before retrying while the database is unavailable.
    public static let retryAfterSeconds = 30

    public struct Request: Sendable {
        public var authorization: String?
        public var contentType: String?
        public var contentEncoding: String?
        public var body: ByteBuffer
        /// The address the rate limits count it against (memory only); nil: not limited (import, tests).
        public var client: IPAddress?
        public init(authorization: String?, contentType: String?, contentEncoding: String?, body: ByteBuffer, client: IPAddress? = nil) {
            self.authorization = authorization
            self.contentType = contentType
            self.contentEncoding = contentEncoding
            self.body = body
            self.client = client
        }
    }

    public struct Response: Sendable, Equatable {
        public var status: Int
        public var json: String
        public var retryAfter: Int?
        public var result: IngestResult
    }

    public let store: any ReportStore
    /// The inserts, group-committed (`GroupCommitter`): concurrent reports share a transaction.
    public let committer: GroupCommitter
    public let validator: ReportValidator
    public let settings: IngestSettingsBox
    public let now: @Sendable () -> Date
    /// Logs the start and the end of a database outage, once each.
    public let availability: AvailabilityMonitor
    /// The rate limits; nil: none.
    public let gate: IngestGate?
    /// The erasures, at notice level (`CollectorEvent.installErased`, `.erasureRefused`).
    let logger: Logger?

    public init(store: any ReportStore, validator: ReportValidator, settings: IngestSettingsBox, logger: Logger? = nil,
                gate: IngestGate? = nil, now: @escaping @Sendable () -> Date = { Date() }) {
        self.store = store
        self.committer = GroupCommitter(store: store, maxConcurrentBatches: GroupCommitter.concurrentBatches(for: store))
        self.validator = validator
        self.settings = settings
        self.now = now
        self.gate = gate
        self.logger = logger
        self.availability = AvailabilityMonitor(logger: logger)
    }

    /// 401, as `handle` answers it; the route answers it before reading a body.
    public static let unauthorized = Response.error(401, .unauthorized, "missing or unknown bearer token (Authorization: Bearer TOKEN, one of TokenFile=)")

    /// 429 with `Retry-After`: the agent keeps the report and sends it then.
    public static func limited(_ refusal: IngestLimiter.Refusal, retryAfter: Int) -> Response {
        var r = Response.error(429, .rateLimited, "too many reports: over the collector's limit of \(refusal.rawValue); keep the report and retry after \(retryAfter) s")
        r.retryAfter = retryAfter
        return r
    }

    /// Whether a Content-Type is JSON: `application/json`, any parameters (`; charset=utf-8`), any case.
    public static func isJSON(_ contentType: String?) -> Bool {
        guard let contentType else { return false }
        let media = contentType.split(separator: ";", maxSplits: 1).first.map { $0.trimmingWhitespace().lowercased() }
        return media == "application/json"
    }

    /// The body, or why it cannot be read: over the limit (413) or not gzip (400). Gunzips into a buffer of
    /// exactly the limit, so a gzip bomb stops at `limit` bytes of output.
    public static func decode(_ body: ByteBuffer, encoding: String?, limit: Int) -> Result<[UInt8], IngestFailure> {
        let enc = (encoding ?? "").trimmingWhitespace().lowercased()
        if body.readableBytes > limit { return .failure(.tooLarge) }
        switch enc {
        case "", "identity":
            return .success(Array(body.readableBytesView))
        case "gzip", "x-gzip":
            var input = body
            var output = ByteBufferAllocator().buffer(capacity: limit)
            do {
                try input.decompress(to: &output, with: .gzip())
            } catch let e as CompressNIOError where e == .bufferOverflow {
                return .failure(.tooLarge)
            } catch {
                return .failure(.badGzip)
            }
            if output.readableBytes > limit { return .failure(.tooLarge) }
            return .success(Array(output.readableBytesView))
        default:
            return .failure(.unsupportedEncoding(enc))
        }
    }

    public func handle(_ request: Request) async -> Response {
        let current = settings.current
        guard current.tokens.accepts(authorization: request.authorization) else {
            return Ingest.unauthorized
        }
        guard Ingest.isJSON(request.contentType) else {
            return .error(415, .unsupportedMediaType, "Content-Type must be application/json")
        }
        let body: [UInt8]
        switch Ingest.decode(request.body, encoding: request.contentEncoding, limit: current.maxBodyBytes) {
        case .success(let b): body = b
        case .failure(.tooLarge):
            return .error(413, .tooLarge, "the report is larger than \(current.maxBodyBytes) bytes (MaxBodyBytes=), compressed or not")
        case .failure(.badGzip):
            return .error(400, .invalid, "Content-Encoding: gzip but the body is not valid gzip")
        case .failure(.unsupportedEncoding(let e)):
            return .error(415, .unsupportedMediaType, "Content-Encoding \(e) is not supported; send gzip or no encoding")
        }
        let report: ValidatedReport
        switch validator.validate(body) {
        case .success(let r): report = r
        case .failure(let rejection):
            return Response(status: 400, json: JSONText.encode(rejection), retryAfter: nil, result: .invalid)
        }
        do {
            if let gate, let client = request.client,
               case .refuse(let refusal, let seconds) = try await gate.admitInstall(report, from: client, store: store) {
                return Ingest.limited(refusal, retryAfter: seconds)
            }
            if report.type == .forget, let presented = report.presentedKeyHash {
                let outcome = try await store.forget(instanceId: report.instanceId, erasureKeyHash: presented)
                availability.succeeded()
                return forgotten(outcome)
            }
            let outcome = try await committer.insert(report, receivedAt: now())
            availability.succeeded()
            switch outcome {
            case .new: return Response(status: 202, json: #"{"duplicate":false}"#, retryAfter: nil, result: .new)
            case .duplicate: return Response(status: 200, json: #"{"duplicate":true}"#, retryAfter: nil, result: .duplicate)
            // A 2xx: the agent counts it delivered and drops it (a 4xx would be logged by it on every report, and a
            // 410 is not a status it knows); the body says why nothing was stored.
            case .erased: return Response(status: 200, json: #"{"duplicate":false,"erased":true}"#, retryAfter: nil, result: .erasedInstall)
            }
        } catch StoreError.rejected(let why) {
            // The database answered: no outage starts or ends, and the agent must not retry it forever.
            return .error(400, .invalid, "the database refused a value of the report: \(why)")
        } catch {
            availability.failed(reason: "\(error)")
            var r = Response.error(503, .unavailable, "the database is unavailable; keep the report and retry later")
            r.retryAfter = Ingest.retryAfterSeconds
            return r
        }
    }
}

extension Ingest {
    /// The answer to a forget report, and its journal entry. Neither names the install: the point is to forget it.
    func forgotten(_ outcome: ForgetOutcome) -> Response {
        switch outcome {
        case .erased(let reports):
            logger?.notice("Erased an install at its request: \(reports) raw report\(reports == 1 ? "" : "s") and its per-install rows deleted; its reports are ignored from now on",
                           metadata: CollectorEvent.installErased.metadata.merging(["COLLECTOR_ERASED_REPORTS": "\(reports)"]) { $1 })
            return Response(status: 202, json: #"{"erased":true}"#, retryAfter: nil, result: .erased)
        case .alreadyErased:
            // A retry after a lost answer: the same answer, no second journal entry.
            return Response(status: 202, json: #"{"erased":true}"#, retryAfter: nil, result: .erased)
        case .refused(let why):
            logger?.warning("Refused a request to erase an install: \(why)",
                            metadata: CollectorEvent.erasureRefused.metadata.merging(["COLLECTOR_ERASURE_REFUSED": "\(why.rawValue)"]) { $1 })
            return .error(403, .erasureRefused, why.description)
        }
    }
}

public enum IngestFailure: Error, Sendable, Equatable {
    case tooLarge
    case badGzip
    case unsupportedEncoding(String)
}

extension Ingest.Response {
    static func error(_ status: Int, _ result: IngestResult, _ reason: String) -> Ingest.Response {
        Ingest.Response(status: status, json: JSONText.encode(ReportRejection(reason: reason)), retryAfter: nil, result: result)
    }
}
