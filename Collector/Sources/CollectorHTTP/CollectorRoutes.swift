#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import CollectorSummary
import ReportValidation
import CollectorDashboard
import CollectorEdge
import CollectorStore
import HTTPTypes
import Hummingbird
import Logging

/// The collector's endpoints on a Hummingbird router:
///   POST /v1/reports        ingest (Ingest)
///   GET  /api/v1/summary    the answers as JSON (?days=N, default 30)
///   GET  /metrics           Prometheus text
///   GET  /healthz           200 `ok` when the database answers, else 503 `unavailable` (nothing more)
///   GET  /                  the dashboard page
/// The reads (all GETs but /healthz) need a token of ReadTokenFile= when it is set, and answer from `ReadModel`
/// (computed at most once per ReadCacheSec=), never from a database query per request.
/// Nothing here logs or stores the client's address: the request context carries none (BasicRequestContext)
/// and no request-logging middleware is installed.
public enum CollectorRoutes {
    public static let defaultSummaryDays = 30
    public static let maxSummaryDays = 3660

    /// `reads` nil: reads open, answers cached for the default ReadCacheSec= (tests).
    public static func router(ingest: Ingest, metrics: CollectorMetrics, reads: Reads? = nil,
                              now: @escaping @Sendable () -> Date = { Date() }) -> Router<BasicRequestContext> {
        let router = Router(context: BasicRequestContext.self)
        // MaxDistinctValues=: what every read serves of a summary (the current value, so a reload applies at once).
        let capped: @Sendable (Summary) -> Summary = { $0.cappingDistinctValues(ingest.settings.current.maxDistinctValues) }

        router.post("/v1/reports") { request, context -> Response in
            // Before a byte of the body is read: the token, then the client network's rate. Either answer closes the
            // connection with the body unread (the edge does that for any answer sent before the body was read).
            guard ingest.settings.current.tokens.accepts(authorization: request.headers[.authorization]) else {
                return respond(Ingest.unauthorized, metrics)
            }
            var client: IPAddress?
            if let gate = ingest.gate, let peer = RequestPeer.address {
                let c = gate.client(peer: peer, headers: request.headers)
                client = c
                if case .refuse(let refusal, let seconds) = gate.admitReport(from: c) {
                    return respond(Ingest.limited(refusal, retryAfter: seconds), metrics)
                }
            }
            // One byte over the limit is enough to know the answer; the whole body is never held beyond it. A
            // declared length over it is answered before a byte is read.
            let limit = ingest.settings.current.maxBodyBytes
            let tooLarge = Ingest.Response.error(413, .tooLarge, "the report is larger than \(limit) bytes (MaxBodyBytes=)")
            if let declared = request.headers[.contentLength].flatMap({ Int($0) }), declared > limit {
                return respond(tooLarge, metrics)
            }
            var request = request
            let body: ByteBuffer
            do {
                body = try await request.collectBody(upTo: limit + 1)
            } catch {
                return respond(tooLarge, metrics)
            }
            return respond(await ingest.handle(Ingest.Request(
                authorization: request.headers[.authorization], contentType: request.headers[.contentType],
                contentEncoding: request.headers[.contentEncoding], body: body, client: client)), metrics)
        }

        let reads = reads ?? Reads(ingest: ingest, now: now)

        router.get("/api/v1/summary") { request, _ -> Response in
            if let denied = readDenied(request, reads) { return denied }
            let days: Int
            switch parseDays(request.uri.queryParameters.get("days")) {
            case .success(let d): days = d
            case .failure(let reason): return json(400, JSONText.encode(ReportRejection(reason: reason.description)))
            }
            return await rendered(reads, days: days, form: "json", cap: ingest.settings.current.maxDistinctValues,
                                  contentType: "application/json", security: SecurityHeaders.data) {
                Array(JSONText.encode($0).utf8)
            }
        }

        router.get("/metrics") { request, _ -> Response in
            if let denied = readDenied(request, reads) { return denied }
            let summary = (try? await reads.model.summary(days: CollectorMetrics.summaryDays)).map(capped)
            var headers: HTTPFields = [.contentType: "text/plain; version=0.0.4; charset=utf-8"]
            SecurityHeaders.add(SecurityHeaders.data, to: &headers)
            return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: metrics.render(summary: summary))))
        }

        // Always open (load balancers, monitoring); says nothing but ok or unavailable.
        router.get("/healthz") { _, _ -> Response in
            let answer = HealthCheck.answer(available: await reads.health.isAvailable())
            var r = text(answer.status, answer.body)
            r.headers[.cacheControl] = "no-store"
            return r
        }

        router.get("/") { request, _ -> Response in
            if let denied = readDenied(request, reads) { return denied }
            let days: Int
            switch parseDays(request.uri.queryParameters.get("days")) {
            case .success(let d): days = d
            case .failure(let reason): return text(400, reason.description + "\n")
            }
            return await rendered(reads, days: days, form: "html", cap: ingest.settings.current.maxDistinctValues,
                                  contentType: "text/html; charset=utf-8", security: SecurityHeaders.page) {
                Array(Dashboard.render($0).utf8)
            }
        }
        return router
    }

    struct BadRequest: Error, CustomStringConvertible {
        var description: String
    }

    static func parseDays(_ text: String?) -> Result<Int, BadRequest> {
        guard let text else { return .success(defaultSummaryDays) }
        guard let n = Int(text), (1...maxSummaryDays).contains(n) else {
            return .failure(BadRequest(description: "days must be a whole number from 1 to \(maxSummaryDays)"))
        }
        return .success(n)
    }

    /// A summary of `days` capped at `cap` values per breakdown and rendered by `render`, from the read model's
    /// cache. The cap is part of the key, so a reload that changes MaxDistinctValues= applies at once.
    static func rendered(_ reads: Reads, days: Int, form: String, cap: Int, contentType: String, security: [HTTPField],
                         render: @escaping @Sendable (Summary) -> [UInt8]) async -> Response {
        do {
            let body = try await reads.model.rendered(days: days, form: "\(form)/\(cap)") { render($0.cappingDistinctValues(cap)) }
            var headers: HTTPFields = [.contentType: contentType]
            SecurityHeaders.add(security, to: &headers)
            return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: body)))
        } catch {
            return unavailable(error)
        }
    }

    /// An ingest answer as HTTP, counted by its result: `Retry-After` when it has one, `WWW-Authenticate` on a 401.
    static func respond(_ answer: Ingest.Response, _ metrics: CollectorMetrics) -> Response {
        metrics.count(answer.result)
        var response = json(answer.status, answer.json)
        if let seconds = answer.retryAfter { response.headers[.retryAfter] = String(seconds) }
        if answer.status == 401 { response.headers[.wwwAuthenticate] = "Bearer" }
        return response
    }

    static func json(_ status: Int, _ text: String) -> Response {
        var headers: HTTPFields = [.contentType: "application/json"]
        SecurityHeaders.add(SecurityHeaders.data, to: &headers)
        return Response(status: HTTPResponse.Status(code: status), headers: headers, body: .init(byteBuffer: ByteBuffer(string: text)))
    }

    static func text(_ status: Int, _ body: String) -> Response {
        var headers: HTTPFields = [.contentType: "text/plain; charset=utf-8"]
        SecurityHeaders.add(SecurityHeaders.data, to: &headers)
        return Response(status: HTTPResponse.Status(code: status), headers: headers, body: .init(byteBuffer: ByteBuffer(string: body)))
    }

    static func unavailable(_ error: any Error) -> Response {
        // Every slot busy computing other answers: retry soon. Else the database: retry as agents do.
        let busy = error is SingleFlightCacheFull
        var r = json(503, JSONText.encode(ReportRejection(reason: busy ? "busy computing other answers; retry in a few seconds" : "the database is unavailable")))
        r.headers[.retryAfter] = String(busy ? 5 : Ingest.retryAfterSeconds)
        return r
    }

    /// 401 unless ReadTokenFile= is empty or the request carries one of its tokens.
    static func readDenied(_ request: Request, _ reads: Reads) -> Response? {
        guard !reads.access.allows(authorization: request.headers[.authorization]) else { return nil }
        var r = json(401, JSONText.encode(ReportRejection(reason: "missing or unknown bearer token (Authorization: Bearer TOKEN, one of ReadTokenFile=)")))
        r.headers[.wwwAuthenticate] = "Bearer"
        return r
    }
}
