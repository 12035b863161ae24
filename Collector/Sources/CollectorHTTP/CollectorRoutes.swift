#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import CollectorCore
import CollectorDashboard
import CollectorEdge
import CollectorStore
import Hummingbird
import Logging

/// The collector's endpoints on a Hummingbird router:
///   POST /v1/reports        ingest (Ingest)
///   GET  /api/v1/summary    the answers as JSON (?days=N, default 30)
///   GET  /metrics           Prometheus text
///   GET  /healthz           200 when the database answers, else 503
///   GET  /                  the dashboard page
/// Nothing here logs or stores the client's address: the request context carries none (BasicRequestContext)
/// and no request-logging middleware is installed.
public enum CollectorRoutes {
    public static let defaultSummaryDays = 30
    public static let maxSummaryDays = 3660

    public static func router(ingest: Ingest, metrics: CollectorMetrics, now: @escaping @Sendable () -> Date = { Date() }) -> Router<BasicRequestContext> {
        let router = Router(context: BasicRequestContext.self)
        let store = ingest.store
        // MaxDistinctValues=: what every read serves of a summary (the current value, so a reload applies at once).
        let capped: @Sendable (Summary) -> Summary = { $0.cappingDistinctValues(ingest.settings.current.maxDistinctValues) }

        router.post("/v1/reports") { request, context -> Response in
            // Before a byte of the body is read: the token, then the client network's rate. Either answer closes the
            // connection with the body unread (the edge does that for any answer sent before the body was read).
            guard ingest.settings.current.tokens.accepts(authorization: request.headers[.authorization]) else {
                metrics.count(.unauthorized)
                var response = json(401, Ingest.unauthorized.json)
                response.headers[.wwwAuthenticate] = "Bearer"
                return response
            }
            var client: IPAddress?
            if let gate = ingest.gate, let peer = RequestPeer.address {
                let c = gate.client(peer: peer, headers: request.headers)
                client = c
                if case .refuse(let refusal, let seconds) = gate.admitReport(from: c) {
                    metrics.count(.rateLimited)
                    let answer = Ingest.limited(refusal, retryAfter: seconds)
                    var response = json(answer.status, answer.json)
                    response.headers[.retryAfter] = String(seconds)
                    return response
                }
            }
            // One byte over the limit is enough to know the answer; the whole body is never held beyond it. A
            // declared length over it is answered before a byte is read.
            let limit = ingest.settings.current.maxBodyBytes
            if let declared = request.headers[.contentLength].flatMap({ Int($0) }), declared > limit {
                metrics.count(.tooLarge)
                return json(413, JSONText.encode(ReportRejection(reason: "the report is larger than \(limit) bytes (MaxBodyBytes=)")))
            }
            var request = request
            let body: ByteBuffer
            do {
                body = try await request.collectBody(upTo: limit + 1)
            } catch {
                metrics.count(.tooLarge)
                return json(413, JSONText.encode(ReportRejection(reason: "the report is larger than \(limit) bytes (MaxBodyBytes=)")))
            }
            let answer = await ingest.handle(Ingest.Request(
                authorization: request.headers[.authorization], contentType: request.headers[.contentType],
                contentEncoding: request.headers[.contentEncoding], body: body, client: client))
            metrics.count(answer.result)
            var response = json(answer.status, answer.json)
            if let seconds = answer.retryAfter { response.headers[.retryAfter] = String(seconds) }
            if answer.status == 401 { response.headers[.wwwAuthenticate] = "Bearer" }
            return response
        }

        router.get("/api/v1/summary") { request, _ -> Response in
            let days: Int
            switch parseDays(request.uri.queryParameters.get("days")) {
            case .success(let d): days = d
            case .failure(let reason): return json(400, JSONText.encode(ReportRejection(reason: reason.description)))
            }
            do {
                return json(200, JSONText.encode(capped(try await store.summary(days: days, asOf: now()))))
            } catch {
                return unavailable()
            }
        }

        router.get("/metrics") { _, _ -> Response in
            let summary = (try? await store.summary(days: CollectorMetrics.summaryDays, asOf: now())).map(capped)
            return Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                            body: .init(byteBuffer: ByteBuffer(bytes: metrics.render(summary: summary))))
        }

        router.get("/healthz") { _, _ -> Response in
            let h = await store.health()
            return json(h.available ? 200 : 503, JSONText.encode(Health(status: h.available ? "ok" : "unavailable", database: store.kind, detail: h.detail)))
        }

        router.get("/") { request, _ -> Response in
            let days: Int
            switch parseDays(request.uri.queryParameters.get("days")) {
            case .success(let d): days = d
            case .failure(let reason): return Response(status: .badRequest, headers: [.contentType: "text/plain; charset=utf-8"],
                                                       body: .init(byteBuffer: ByteBuffer(string: reason.description + "\n")))
            }
            do {
                let page = Dashboard.render(capped(try await store.summary(days: days, asOf: now())))
                return Response(status: .ok, headers: [.contentType: "text/html; charset=utf-8"], body: .init(byteBuffer: ByteBuffer(string: page)))
            } catch {
                return unavailable()
            }
        }
        return router
    }

    struct Health: Encodable {
        var status: String
        var database: String
        var detail: String
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

    static func json(_ status: Int, _ text: String) -> Response {
        Response(status: HTTPResponse.Status(code: status), headers: [.contentType: "application/json"],
                 body: .init(byteBuffer: ByteBuffer(string: text)))
    }

    static func unavailable() -> Response {
        var r = json(503, JSONText.encode(ReportRejection(reason: "the database is unavailable")))
        r.headers[.retryAfter] = String(Ingest.retryAfterSeconds)
        return r
    }
}
