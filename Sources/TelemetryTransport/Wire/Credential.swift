import TelemetryCore

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The collector credential of `TokenFile=`, read when the configuration is (re)loaded. `description` never shows
/// the token: only whether one is set, or why it cannot be used.
public enum Credential: Sendable, Equatable, CustomStringConvertible {
    /// TokenFile= is empty: no Authorization header.
    case none
    case token(String)
    /// TokenFile= is set but cannot be used; every attempt fails with this reason (file, what is wrong, what to do).
    case unusable(String)

    /// A token is at most this long; anything longer is not a token.
    public static let maxLength = 4096

    /// Whether a usable token is configured (for `telemetryd status`: never the token itself).
    public var isConfigured: Bool {
        if case .token = self { return true }
        return false
    }

    public var description: String {
        switch self {
        case .none: "none"
        case .token: "set"
        case .unusable(let why): why
        }
    }

    /// The path `TokenFile=` names: itself when absolute, else inside `$CREDENTIALS_DIRECTORY` (nil when unset).
    public static func path(of tokenFile: String, environment: [String: String]) -> String? {
        if tokenFile.hasPrefix("/") { return tokenFile }
        guard let dir = environment["CREDENTIALS_DIRECTORY"], dir.hasPrefix("/") else { return nil }
        return dir.hasSuffix("/") ? dir + tokenFile : dir + "/" + tokenFile
    }

    /// Reads the first line of the token file (surrounding blanks and a trailing CR dropped).
    public static func load(tokenFile: String?, environment: [String: String]) -> Credential {
        guard let tokenFile, !tokenFile.isEmpty else { return .none }
        guard let path = path(of: tokenFile, environment: environment) else {
            return .unusable("TokenFile=\(tokenFile) is relative to $CREDENTIALS_DIRECTORY, which is not set; add LoadCredential=\(tokenFile):/path/to/file to the unit, or give an absolute path")
        }
        let bytes: [UInt8]?
        do { bytes = try AtomicFile.read(path, limit: maxLength + 2) } catch {
            return .unusable("TokenFile=\(path): cannot read it (\(error)); check the path and that the service may read it")
        }
        guard let bytes else {
            return .unusable("TokenFile=\(path): no such file; create it or set TokenFile= empty")
        }
        let firstLine = bytes.prefix { $0 != UInt8(ascii: "\n") }
        let token = String(decoding: firstLine, as: UTF8.self).trimmedASCII()
        guard !token.isEmpty else { return .unusable("TokenFile=\(path): the file is empty; put the token on its first line") }
        guard token.utf8.count <= maxLength else {
            return .unusable("TokenFile=\(path): the first line is longer than \(maxLength) bytes; is it the right file?")
        }
        // A header value: printable ASCII only, so nothing can be smuggled into the request.
        guard token.utf8.allSatisfy({ $0 >= 0x21 && $0 < 0x7F }) else {
            return .unusable("TokenFile=\(path): the token holds blanks or non-ASCII characters; put only the token on the first line")
        }
        return .token(token)
    }

    /// The `Authorization` header value for `format`: `Bearer TOKEN`, or for Segment HTTP Basic with the write key
    /// as user name and an empty password. nil without a usable token.
    public func authorization(for format: ReportFormat) -> String? {
        guard case .token(let token) = self else { return nil }
        switch format {
        case .telemetryd: return "Bearer " + token
        case .segment: return "Basic " + Data((token + ":").utf8).base64EncodedString()
        }
    }
}
