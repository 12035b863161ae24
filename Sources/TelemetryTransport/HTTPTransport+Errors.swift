import AsyncHTTPClient
import NIOCore
import NIOPosix
import NIOSSL
import TelemetryCore
import ConfigGrammar

#if canImport(Glibc)
import Glibc
#endif

extension HTTPTransport {
    /// A short human reason for a failed exchange: "connection refused", "TLS: certificate not trusted", "timed out
    /// after 30s", never a payload. Matches the error types AsyncHTTPClient, NIO and NIOSSL throw, not their text.
    static func describe(_ error: any Error, timeout: TimeSpan) -> String {
        switch error {
        case let e as HTTPClientError:
            if let reason = describe(e, timeout: timeout) { return reason }
        case is CancellationError:
            return "cancelled"
        case let e as IOError:
            return describe(errno: e.errnoCode)
        case let e as ChannelError:
            if let reason = describe(e, timeout: timeout) { return reason }
        case let e as NIOConnectionError:
            return describe(e, timeout: timeout)
        case is SocketAddressError, is SocketAddressError.UnknownHost:
            return "cannot resolve or reach the collector"
        case let e as NIOSSLError:
            return describe(e)
        case let e as BoringSSLError:
            return describe(e)
        case let e as NIOSSLExtraError:
            return e == .failedToValidateHostname ? "TLS: certificate does not match the host" : "TLS: handshake failed"
        case is NIOSSLCloseTimedOutError:
            return "TLS: handshake failed"
        default:
            break
        }
        // Bounded: an error's description is ours, not the collector's, but keep journal lines short.
        return "network error: " + String(String(describing: error).prefix(120))
    }

    private static func describe(_ e: HTTPClientError, timeout: TimeSpan) -> String? {
        switch e {
        case .connectTimeout, .readTimeout, .writeTimeout, .deadlineExceeded, .tlsHandshakeTimeout,
             .getConnectionFromPoolTimeout:
            return "timed out after \(timeout)"
        case .httpProxyHandshakeTimeout: return "proxy: timed out after \(timeout)"
        case .invalidProxyResponse: return "proxy: refused the CONNECT request"
        case .proxyAuthenticationRequired: return "proxy: authentication required or refused (HTTP 407); check user:password@ of the proxy URL"
        case .remoteConnectionClosed: return "connection closed by the collector"
        case .cancelled: return "cancelled"
        case .invalidURL, .emptyHost, .emptyScheme: return "invalid endpoint URL"
        default: return nil
        }
    }

    private static func describe(_ e: ChannelError, timeout: TimeSpan) -> String? {
        switch e {
        case .connectTimeout: "timed out after \(timeout)"
        case .eof, .inputClosed, .ioOnClosedChannel, .alreadyClosed: "connection closed by the collector"
        case .writeHostUnreachable: "host unreachable"
        default: nil
        }
    }

    /// Name lookup failed, or every address refused: the first attempt that says something specific decides.
    private static func describe(_ e: NIOConnectionError, timeout: TimeSpan) -> String {
        for failure in e.connectionErrors {
            let reason = describe(failure.error, timeout: timeout)
            if !reason.hasPrefix("network error: ") { return reason }
        }
        return "cannot resolve or reach the collector"
    }

    private static func describe(_ e: NIOSSLError) -> String {
        switch e {
        case .unableToValidateCertificate, .noCertificateToValidate: "TLS: certificate not trusted"
        case .handshakeFailed(let b): describe(b)
        case .uncleanShutdown: "connection closed by the collector"
        default: "TLS: handshake failed"
        }
    }

    private static func describe(_ e: BoringSSLError) -> String {
        switch e {
        case .sslError(let stack), .unknownError(let stack):
            // NIOSSL keeps BoringSSL's packed error code private; its description carries the reason's name.
            stack.contains { $0.description.contains("CERTIFICATE_VERIFY_FAILED") }
                ? "TLS: certificate not trusted" : "TLS: handshake failed"
        default:
            "TLS: handshake failed"
        }
    }

    static func describe(errno code: Int32) -> String {
        switch code {
        case ECONNREFUSED: "connection refused"
        case ECONNRESET: "connection reset"
        case ENETUNREACH: "network unreachable"
        case EHOSTUNREACH: "host unreachable"
        case ETIMEDOUT: "timed out"
        default: "I/O error: \(String(cString: strerror(code)))"
        }
    }
}
