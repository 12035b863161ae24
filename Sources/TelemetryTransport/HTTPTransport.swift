import AsyncHTTPClient
import NIOCore
import NIOHTTP1
import NIOSSL
import Synchronization
import TelemetryCore

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

#if canImport(Glibc)
import Glibc
#endif
import ConfigGrammar

/// What the transport needs from the configuration, resolved once per (re)load: the proxy from `Proxy=` or the
/// environment, the credential read from `TokenFile=`. `description` shows neither credentials nor token.
public struct TransportSettings: Sendable, Equatable, CustomStringConvertible {
    public var endpoint: String
    /// One whole attempt: name lookup, connect, TLS, request and response.
    public var timeout: TimeSpan
    public var proxy: ProxyAddress?
    public var caFile: String?
    public var compress: Bool
    public var format: ReportFormat
    public var credential: Credential

    public init(endpoint: String, timeout: TimeSpan, proxy: ProxyAddress?, caFile: String?, compress: Bool,
                format: ReportFormat = .telemetryd, credential: Credential = .none) {
        self.endpoint = endpoint
        self.timeout = timeout
        self.proxy = proxy
        self.caFile = caFile
        self.compress = compress
        self.format = format
        self.credential = credential
    }

    public init(config: TelemetryConfig, environment: [String: String]) {
        self.init(
            endpoint: config.endpoint,
            timeout: config.timeout,
            proxy: ProxySelector.select(endpoint: config.endpoint, configured: config.proxy, environment: environment),
            caFile: config.caFile,
            compress: config.compress,
            format: config.format,
            credential: Credential.load(tokenFile: config.tokenFile, environment: environment)
        )
    }

    public var description: String {
        "\(endpoint) (format \(format.rawValue), proxy \(proxy.map(String.init(describing:)) ?? "none"), token \(credential))"
    }
}

/// The result of one POST.
public enum SendOutcome: Sendable, Equatable {
    case delivered(status: Int)
    /// 408, 429, 5xx, or no HTTP answer at all (`status` nil: network, TLS, timeout).
    case retry(status: Int?, retryAfter: Duration?, reason: String)
    /// 401 or 403: the token (or its absence) was refused; `status` nil: the token file cannot be used, nothing was
    /// sent. The operator can fix either, so the report is kept.
    case credentialRejected(status: Int?, reason: String)
    case rejected(status: Int, reason: String)
}

/// Setting up the transport failed (for now only the CA file).
public struct TransportError: Error, Sendable, Equatable, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}

/// One HTTPS client for the collector: system trust roots plus `CAFile=`, no redirects, one deadline of `TimeoutSec`
/// per attempt, a CONNECT proxy (with Basic authentication) when one is selected. Call `shutdown()` before dropping it.
public final class HTTPTransport: Sendable {
    /// At most this much of a response body is read (and then thrown away: it is never logged).
    public static let maxResponseBody = 64 * 1024

    public let settings: TransportSettings
    private let client: HTTPClient
    private let isShutDown = Mutex(false)

    public init(settings: TransportSettings) throws {
        self.settings = settings
        var tls = TLSConfiguration.makeClientConfiguration()
        if let caFile = settings.caFile {
            tls.additionalTrustRoots = [.certificates(try Self.loadCertificates(caFile))]
        }
        let timeout = TimeAmount.microseconds(Int64(clamping: max(settings.timeout.microseconds, 1000)))
        var configuration = HTTPClient.Configuration(
            tlsConfiguration: tls,
            redirectConfiguration: .disallow,
            // The deadline of `send` bounds the whole attempt; these only keep one phase from outliving it.
            timeout: .init(connect: timeout, read: timeout),
            proxy: settings.proxy.map { p in
                .server(host: p.host, port: p.port,
                        authorization: p.credentials.map { .basic(username: $0.username, password: $0.password) })
            },
            decompression: .disabled
        )
        configuration.httpVersion = .http1Only
        // By default the pool retries a refused connection with backoff until the connect timeout: a collector that
        // is down would stall each attempt for TimeoutSec. Fail at once; the engine's backoff does the retrying.
        configuration.connectionPool.retryConnectionEstablishment = false
        self.client = HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: configuration)
    }

    /// The PEM certificates of `path`, or an error naming the file and what to do.
    static func loadCertificates(_ path: String) throws(TransportError) -> [NIOSSLCertificate] {
        guard access(path, R_OK) == 0 else {
            let why = String(cString: strerror(errno))
            throw TransportError("CAFile=\(path): cannot read the file (\(why)); fix the path or its permissions, or set CAFile= empty")
        }
        let certs: [NIOSSLCertificate]
        do { certs = try NIOSSLCertificate.fromPEMFile(path) } catch {
            throw TransportError("CAFile=\(path): not a PEM certificate file (\(error)); expected one or more -----BEGIN CERTIFICATE----- blocks")
        }
        guard !certs.isEmpty else {
            throw TransportError("CAFile=\(path): no certificate in the file; expected one or more -----BEGIN CERTIFICATE----- blocks")
        }
        return certs
    }

    /// POSTs one report (`body` as it goes on the wire, see `SegmentTrack.wireBody`). Never throws: every failure is
    /// an outcome with a short reason. Honours task cancellation.
    public func send(body: [UInt8], messageId: String) async -> SendOutcome {
        if case .unusable(let why) = settings.credential {
            return .credentialRejected(status: nil, reason: why)
        }
        var request = HTTPClientRequest(url: settings.endpoint)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        request.headers.add(name: "User-Agent", value: AgentInfo.userAgent)
        if let authorization = settings.credential.authorization(for: settings.format) {
            request.headers.add(name: "Authorization", value: authorization)
        }
        var buffer = ByteBuffer(bytes: body)
        if settings.compress {
            // Compression cannot really fail on a buffer this size; if it does, send it plain rather than not at all.
            if let gz = try? Gzip.compress(body) {
                buffer = gz
                request.headers.add(name: "Content-Encoding", value: "gzip")
            }
        }
        request.body = .bytes(buffer)

        // TimeoutSec= bounds the whole attempt: waiting for a connection (DNS, connect, proxy, TLS), request, response.
        let deadline = NIODeadline.now() + .microseconds(Int64(clamping: settings.timeout.microseconds))
        do {
            let response = try await client.execute(request, deadline: deadline)
            let status = Int(response.status.code)
            // Drain a little so the connection can be reused; never keep or log it.
            _ = try? await response.body.collect(upTo: Self.maxResponseBody)
            switch ResponseClassifier.classify(status: status) {
            case .delivered:
                return .delivered(status: status)
            case .retry:
                let retryAfter = response.headers.first(name: "Retry-After").flatMap { RetryAfter.parse($0, now: Date()) }
                return .retry(status: status, retryAfter: retryAfter, reason: "HTTP \(status)")
            case .credentialRejected:
                let reason = settings.credential.isConfigured
                    ? "HTTP \(status): the collector refused the token of TokenFile="
                    : "HTTP \(status): the collector wants a token; set TokenFile="
                return .credentialRejected(status: status, reason: reason)
            case .rejected:
                let reason = (300...399).contains(status) ? "HTTP \(status) (redirects are not followed)" : "HTTP \(status)"
                return .rejected(status: status, reason: reason)
            }
        } catch {
            return .retry(status: nil, retryAfter: nil, reason: Self.describe(error, timeout: settings.timeout))
        }
    }

    /// Shuts the client down; later calls return at once. In-flight requests fail with "cancelled".
    /// What a `shutdown()` call did. Callers may ignore it; it makes a second call's "nothing to do" observable
    /// (a failure of AsyncHTTPClient's own shutdown, such as shutting it down twice, is not swallowed).
    public enum ShutdownOutcome: Sendable, Equatable {
        case shutDown
        case alreadyShutDown
        case failed(String)
    }

    @discardableResult
    public func shutdown() async -> ShutdownOutcome {
        let first = isShutDown.withLock { done -> Bool in
            defer { done = true }
            return !done
        }
        guard first else { return .alreadyShutDown }
        do {
            try await client.shutdown()
            return .shutDown
        } catch {
            return .failed(String(describing: error))
        }
    }
}
