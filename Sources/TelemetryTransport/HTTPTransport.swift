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

/// What the transport needs from the configuration, resolved once (the proxy from `Proxy=` or the environment).
public struct TransportSettings: Sendable, Equatable {
    public var endpoint: String
    public var timeout: TimeSpan
    public var proxy: ProxyAddress?
    public var caFile: String?
    public var compress: Bool

    public init(endpoint: String, timeout: TimeSpan, proxy: ProxyAddress?, caFile: String?, compress: Bool) {
        self.endpoint = endpoint
        self.timeout = timeout
        self.proxy = proxy
        self.caFile = caFile
        self.compress = compress
    }

    public init(config: TelemetryConfig, environment: [String: String]) {
        self.init(
            endpoint: config.endpoint,
            timeout: config.timeout,
            proxy: ProxySelector.select(endpoint: config.endpoint, configured: config.proxy, environment: environment),
            caFile: config.caFile,
            compress: config.compress
        )
    }
}

/// The result of one POST.
public enum SendOutcome: Sendable, Equatable {
    case delivered(status: Int)
    /// 408, 429, 5xx, or no HTTP answer at all (`status` nil: network, TLS, timeout).
    case retry(status: Int?, retryAfter: Duration?, reason: String)
    case rejected(status: Int, reason: String)
}

/// Setting up the transport failed (for now only the CA file).
public struct TransportError: Error, Sendable, Equatable, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}

/// One HTTPS client for the collector: system trust roots plus `CAFile=`, no redirects, connect and read timeouts
/// of `TimeoutSec`, a CONNECT proxy when one is selected. Call `shutdown()` before dropping it.
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
            timeout: .init(connect: timeout, read: timeout),
            proxy: settings.proxy.map { .server(host: $0.host, port: $0.port) },
            decompression: .disabled
        )
        configuration.httpVersion = .http1Only
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

    /// POSTs one report. Never throws: every failure is an outcome with a short reason. Honours task cancellation.
    public func send(body: [UInt8], messageId: String) async -> SendOutcome {
        var request = HTTPClientRequest(url: settings.endpoint)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        request.headers.add(name: "User-Agent", value: AgentInfo.userAgent)
        var buffer = ByteBuffer(bytes: body)
        if settings.compress {
            // Compression cannot really fail on a buffer this size; if it does, send it plain rather than not at all.
            if let gz = try? Gzip.compress(body) {
                buffer = gz
                request.headers.add(name: "Content-Encoding", value: "gzip")
            }
        }
        request.body = .bytes(buffer)

        // Connect and read timeouts bound each phase; the deadline bounds the whole exchange.
        let deadline = NIODeadline.now() + .microseconds(Int64(clamping: settings.timeout.microseconds)) * 2 + .seconds(5)
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
            case .rejected:
                let reason = (300...399).contains(status) ? "HTTP \(status) (redirects are not followed)" : "HTTP \(status)"
                return .rejected(status: status, reason: reason)
            }
        } catch {
            return .retry(status: nil, retryAfter: nil, reason: Self.describe(error, timeout: settings.timeout))
        }
    }

    /// A short human reason for a failed exchange: "connection refused", "TLS: certificate not trusted", "timed out
    /// after 30s", never a payload.
    static func describe(_ error: any Error, timeout: TimeSpan) -> String {
        if let e = error as? HTTPClientError {
            switch e {
            case .connectTimeout, .readTimeout, .writeTimeout, .deadlineExceeded, .tlsHandshakeTimeout,
                 .getConnectionFromPoolTimeout:
                return "timed out after \(timeout)"
            case .httpProxyHandshakeTimeout: return "proxy: timed out after \(timeout)"
            case .invalidProxyResponse: return "proxy: refused the CONNECT request"
            case .proxyAuthenticationRequired: return "proxy: authentication required (not supported)"
            case .remoteConnectionClosed: return "connection closed by the collector"
            case .cancelled: return "cancelled"
            case .invalidURL, .emptyHost, .emptyScheme: return "invalid endpoint URL"
            default: break
            }
        }
        if error is CancellationError { return "cancelled" }
        if let e = error as? IOError { return errnoReason(e.errnoCode) ?? "I/O error: \(String(cString: strerror(e.errnoCode)))" }
        let text = String(reflecting: error)
        if text.contains("CERTIFICATE_VERIFY_FAILED") || text.contains("unableToValidateCertificate") || text.contains("certificate verify") {
            return "TLS: certificate not trusted"
        }
        if text.contains("hostname") && text.contains("NIOSSL") { return "TLS: certificate does not match the host" }
        if text.contains("NIOSSL") || text.contains("BoringSSL") || text.contains("SSL") { return "TLS: handshake failed" }
        if text.contains("ECONNREFUSED") || text.contains("Connection refused") || text.contains("connection refused") {
            return "connection refused"
        }
        if text.contains("ENETUNREACH") || text.contains("Network is unreachable") { return "network unreachable" }
        if text.contains("EHOSTUNREACH") || text.contains("No route to host") { return "host unreachable" }
        if text.contains("ECONNRESET") || text.contains("Connection reset") { return "connection reset" }
        if text.contains("NIOConnectionError") || text.contains("dnsA") || text.contains("SocketAddressError") {
            return "cannot resolve or reach the collector"
        }
        if text.lowercased().contains("timeout") || text.contains("timedOut") { return "timed out after \(timeout)" }
        // Bounded: an error's description is ours, not the collector's, but keep journal lines short.
        return "network error: " + String(String(describing: error).prefix(120))
    }

    private static func errnoReason(_ code: Int32) -> String? {
        switch code {
        case ECONNREFUSED: "connection refused"
        case ECONNRESET: "connection reset"
        case ENETUNREACH: "network unreachable"
        case EHOSTUNREACH: "host unreachable"
        case ETIMEDOUT: "timed out"
        default: nil
        }
    }

    /// Shuts the client down; later calls return at once. In-flight requests fail with "cancelled".
    public func shutdown() async {
        let first = isShutDown.withLock { done -> Bool in
            defer { done = true }
            return !done
        }
        guard first else { return }
        try? await client.shutdown()
    }
}
