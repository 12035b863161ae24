import AsyncHTTPClient
import NIOCore
import NIOPosix
@testable import NIOSSL
import Testing
@testable import TelemetryCore
import ConfigGrammar
@testable import TelemetryTransport

#if canImport(Glibc)
import Glibc
#endif

/// `HTTPTransport.describe`: one short reason per kind of failure, chosen by the error's type.
@Suite struct HTTPTransportErrorTests {
    let timeout = TimeSpan(seconds: 30)

    func reason(_ error: any Error) -> String { HTTPTransport.describe(error, timeout: timeout) }

    @Test(arguments: [
        HTTPClientError.connectTimeout, .readTimeout, .writeTimeout, .deadlineExceeded, .tlsHandshakeTimeout,
        .getConnectionFromPoolTimeout,
    ])
    func clientTimeoutsNameTheTimeout(_ error: HTTPClientError) {
        #expect(reason(error) == "timed out after \(timeout)")
    }

    @Test func clientErrorsEachHaveTheirReason() {
        #expect(reason(HTTPClientError.httpProxyHandshakeTimeout) == "proxy: timed out after \(timeout)")
        #expect(reason(HTTPClientError.invalidProxyResponse) == "proxy: refused the CONNECT request")
        #expect(reason(HTTPClientError.proxyAuthenticationRequired).hasPrefix("proxy: authentication required or refused (HTTP 407)"))
        #expect(reason(HTTPClientError.remoteConnectionClosed) == "connection closed by the collector")
        #expect(reason(HTTPClientError.cancelled) == "cancelled")
        for e in [HTTPClientError.invalidURL, .emptyHost, .emptyScheme] { #expect(reason(e) == "invalid endpoint URL") }
        #expect(reason(HTTPClientError.bodyLengthMismatch).hasPrefix("network error: "))
    }

    @Test func cancellation() {
        #expect(reason(CancellationError()) == "cancelled")
    }

    @Test(arguments: [
        (ECONNREFUSED, "connection refused"), (ECONNRESET, "connection reset"), (ENETUNREACH, "network unreachable"),
        (EHOSTUNREACH, "host unreachable"), (ETIMEDOUT, "timed out"),
    ])
    func ioErrorsByErrno(code: Int32, expected: String) {
        #expect(reason(IOError(errnoCode: code, reason: "connect")) == expected)
    }

    @Test func otherErrnoIsNamed() {
        #expect(reason(IOError(errnoCode: EACCES, reason: "connect")) == "I/O error: \(String(cString: strerror(EACCES)))")
    }

    @Test func channelErrors() {
        #expect(reason(ChannelError.connectTimeout(.seconds(30))) == "timed out after \(timeout)")
        #expect(reason(ChannelError.eof) == "connection closed by the collector")
        #expect(reason(ChannelError.ioOnClosedChannel) == "connection closed by the collector")
        #expect(reason(ChannelError.writeHostUnreachable) == "host unreachable")
        #expect(reason(ChannelError.operationUnsupported).hasPrefix("network error: "))
    }

    @Test func addressErrorsMeanTheCollectorCannotBeFound() {
        #expect(reason(SocketAddressError.unsupported) == "cannot resolve or reach the collector")
    }

    @Test func tlsErrors() {
        #expect(reason(NIOSSLError.unableToValidateCertificate) == "TLS: certificate not trusted")
        #expect(reason(NIOSSLError.noCertificateToValidate) == "TLS: certificate not trusted")
        #expect(reason(NIOSSLExtraError.failedToValidateHostname) == "TLS: certificate does not match the host")
        #expect(reason(NIOSSLExtraError.invalidSNIHostname) == "TLS: handshake failed")
        #expect(reason(NIOSSLError.handshakeFailed(.sslError([.eofDuringHandshake]))) == "TLS: handshake failed")
        #expect(reason(NIOSSLError.uncleanShutdown) == "connection closed by the collector")
        #expect(reason(BoringSSLError.wantRead) == "TLS: handshake failed")
        #expect(reason(NIOSSLCloseTimedOutError()) == "TLS: handshake failed")
    }

    /// BoringSSL's CERTIFICATE_VERIFY_FAILED (library SSL = 16, reason 125), as a handshake against an untrusted
    /// certificate reports it.
    @Test func untrustedCertificateInTheHandshake() {
        let verifyFailed = BoringSSLInternalError(errorCode: (16 << 24) | 125, filename: "handshake.cc", line: 1)
        #expect(reason(NIOSSLError.handshakeFailed(.sslError([verifyFailed]))) == "TLS: certificate not trusted")
        #expect(reason(BoringSSLError.sslError([verifyFailed])) == "TLS: certificate not trusted")
    }

    /// NIOConnectionError has no public initializer: get a real one from a port nobody listens on.
    @Test func refusedConnectionThroughHappyEyeballs() async throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let port = try await ServerBootstrap(group: group).bind(host: "127.0.0.1", port: 0).flatMap { channel in
            let port = channel.localAddress?.port ?? 0
            return channel.close().map { port }
        }.get()
        let error = await #expect(throws: NIOConnectionError.self) {
            _ = try await ClientBootstrap(group: group).connect(host: "127.0.0.1", port: port).get()
        }
        #expect(error.map(reason) == "connection refused")
        try await group.shutdownGracefully()
    }

    @Test func unknownErrorsAreBounded() {
        struct Odd: Error, CustomStringConvertible { var description: String { String(repeating: "x", count: 500) } }
        let r = reason(Odd())
        #expect(r.hasPrefix("network error: ") && r.count == "network error: ".count + 120)
    }
}
