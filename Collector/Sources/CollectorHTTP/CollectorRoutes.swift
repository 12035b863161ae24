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
///   GET  /api/v1/summary    the answers as JSON (?days=N, default 30; ?product=P, ?version=V, ?established=1: ReadQuery)
///   GET  /api/v1/*.csv      the same answers as CSV, one file per table of the page (SummaryCSV; the same query)
///   GET  /metrics           Prometheus text
///   GET  /healthz           200 `ok` when the database answers, else 503 `unavailable` (nothing more)
///   GET  /                  the dashboard page (the same query)
///   GET  /public, /api/v1/public/summary   with PublicMinInstalls=K: the page and the JSON for anyone (no read
///                           token), the whole fleet with every cell under K installs folded (Summary.publicView); else 404
/// The reads (all GETs but /healthz) need a token of ReadTokenFile= when it is set, and answer from `ReadModel`
/// (computed at most once per ReadCacheSec=), never from a database query per request.
/// Nothing here logs or stores the client's address: the request context carries none (BasicRequestContext)
/// and no request-logging middleware is installed.
public enum CollectorRoutes {
    public static let defaultSummaryDays = ReadQuery.defaultDays
    public static let maxSummaryDays = ReadQuery.maxDays

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
            // Built only when answered: its JSON encoding cost every accepted report about 1.5 % of the CPU.
            let tooLarge = { Ingest.Response.error(413, .tooLarge, "the report is larger than \(limit) bytes (MaxBodyBytes=)") }
            if let declared = request.headers[.contentLength].flatMap({ Int($0) }), declared > limit {
                return respond(tooLarge(), metrics)
            }
            var request = request
            let body: ByteBuffer
            do {
                body = try await request.collectBody(upTo: limit + 1)
            } catch {
                return respond(tooLarge(), metrics)
            }
            return respond(await ingest.handle(Ingest.Request(
                authorization: request.headers[.authorization], contentType: request.headers[.contentType],
                contentEncoding: request.headers[.contentEncoding], body: body, client: client)), metrics)
        }

        let reads = reads ?? Reads(ingest: ingest, now: now)

        router.get("/api/v1/summary") { request, _ -> Response in
            if let denied = readDenied(request, reads) { return denied }
            let query: ReadQuery
            switch parseQuery(request) {
            case .success(let q): query = q
            case .failure(let reason): return json(400, JSONText.encode(ReportRejection(reason: reason.description)))
            }
            return await rendered(reads, query, form: "json", cap: ingest.settings.current.maxDistinctValues,
                                  contentType: "application/json", security: SecurityHeaders.data) { summary in
                Array(JSONText.encode(summary).utf8)
            }
        }

        // The CSVs: rendered from the same cached summaries as the page and the JSON, each once per ReadCacheSec= and key.
        for table in SummaryCSV.Table.allCases {
            router.get(RouterPath("/" + table.path)) { request, _ -> Response in
                if let denied = readDenied(request, reads) { return denied }
                let query: ReadQuery
                switch parseQuery(request) {
                case .success(let q): query = q
                case .failure(let reason): return text(400, reason.description + "\n")
                }
                var response = await rendered(reads, query, form: "csv-\(table.rawValue)", cap: ingest.settings.current.maxDistinctValues,
                                              contentType: "text/csv; charset=utf-8", security: SecurityHeaders.data) { summary in
                    Array(SummaryCSV.render(summary, table).utf8)
                }
                if response.status == .ok {
                    response.headers[.contentDisposition] = "attachment; filename=\"\(table.rawValue)-\(query.days)d.csv\""
                }
                return response
            }
        }

        router.get("/metrics") { request, _ -> Response in
            if let denied = readDenied(request, reads) { return denied }
            let summary = (try? await reads.model.summary(days: CollectorMetrics.summaryDays)).map(capped)
            let cap = ingest.settings.current.maxDistinctValues
            let split = summary == nil ? nil : (try? await reads.model.productVersions())?.cappingDistinctValues(cap)
            var headers: HTTPFields = [.contentType: "text/plain; version=0.0.4; charset=utf-8"]
            SecurityHeaders.add(SecurityHeaders.data, to: &headers)
            return Response(status: .ok, headers: headers,
                            body: .init(byteBuffer: ByteBuffer(bytes: metrics.render(summary: summary, productVersions: split))))
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
            let query: ReadQuery
            switch parseQuery(request) {
            case .success(let q): query = q
            case .failure(let reason): return text(400, reason.description + "\n")
            }
            let cap = ingest.settings.current.maxDistinctValues
            return await rendered(reads, query, form: "html", cap: cap,
                                  contentType: "text/html; charset=utf-8", security: SecurityHeaders.page) { summary in
                let versions = query.filter.version == nil ? versionDays(summary) : []
                return Array(Dashboard.render(summary, view: DashboardView(filter: query.filter, versions: versions)).utf8)
            }
        }
        // The public page (PublicMinInstalls=K, 0: off): open to anyone, read-only, the whole fleet only (`days=`; a
        // filter to a rare product or version would tell its installs by the headline), every small cell folded.
        router.get("/api/v1/public/summary") { request, _ -> Response in
            let k = ingest.settings.current.publicMinInstalls
            guard k > 0 else { return publicOff() }
            let query: ReadQuery
            switch parsePublicQuery(request) {
            case .success(let q): query = q
            case .failure(let reason): return json(400, JSONText.encode(ReportRejection(reason: reason.description)))
            }
            return await rendered(reads, query, form: "public-json/\(k)", cap: ingest.settings.current.maxDistinctValues,
                                  contentType: "application/json", security: SecurityHeaders.data) { summary in
                Array(JSONText.encode(summary.publicView(minInstalls: k)).utf8)
            }
        }

        router.get("/public") { request, _ -> Response in
            let k = ingest.settings.current.publicMinInstalls
            guard k > 0 else { return publicOff() }
            let query: ReadQuery
            switch parsePublicQuery(request) {
            case .success(let q): query = q
            case .failure(let reason): return text(400, reason.description + "\n")
            }
            return await rendered(reads, query, form: "public-html/\(k)", cap: ingest.settings.current.maxDistinctValues,
                                  contentType: "text/html; charset=utf-8", security: SecurityHeaders.page) { summary in
                Array(PublicPage.render(summary, minInstalls: k).utf8)
            }
        }
        return router
    }

    /// Only `days=`: the public reads take no product or version filter.
    static func parsePublicQuery(_ request: Request) -> Result<ReadQuery, ReadQuery.Invalid> {
        ReadQuery.parse(days: request.uri.queryParameters.get("days"), product: nil, version: nil)
    }

    /// 404 while PublicMinInstalls= is 0: nothing is public unless the operator says so.
    static func publicOff() -> Response {
        json(404, JSONText.encode(ReportRejection(reason: "no public page: PublicMinInstalls= is 0 (off)")))
    }

    static func parseQuery(_ request: Request) -> Result<ReadQuery, ReadQuery.Invalid> {
        let q = request.uri.queryParameters
        return ReadQuery.parse(days: q.get("days"), product: q.get("product"), version: q.get("version"),
                               established: q.get("established"))
    }

    /// The page's per-version tables: the last day of each of the most common versions of that day (at most
    /// `Dashboard.maxVersionColumns`; none when the page is already narrowed to one version), from the summary's own
    /// `lastDayByVersion`: the counts the summary made of its last day anyway, so the tables cost no read of their own.
    static func versionDays(_ summary: Summary) -> [VersionDay] {
        guard let last = summary.days.last else { return [] }
        let top = Dashboard.topVersions(last.byProductVersion)
        guard top.count > 1 else { return [] }
        return top.compactMap { version in summary.lastDayByVersion[version].map { VersionDay(version: version, day: $0) } }
    }

    /// The summary `query` asks for, capped at `cap` values per breakdown and rendered by `render`, from the read
    /// model's cache. The cap is part of the key, so a reload that changes MaxDistinctValues= applies at once.
    static func rendered(_ reads: Reads, _ query: ReadQuery, form: String, cap: Int, contentType: String, security: [HTTPField],
                         render: @escaping @Sendable (Summary) -> [UInt8]) async -> Response {
        do {
            let body = try await reads.model.rendered(days: query.days, filter: query.filter, form: "\(form)/\(cap)") { summary in
                render(summary.cappingDistinctValues(cap))
            }
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
