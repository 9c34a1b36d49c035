import AsyncHTTPClient
import Foundation
import HazLabRecords
import NIOCore
import NIOHTTP1
import NIOSSL

/// Where the lab server is, and how far to trust it: `--server URL` and `--ca PEM`.
/// `https`/`wss` with `--ca` trusts that CA only; without `--ca`, the system's trust store.
public struct LabEndpoint: Sendable {
    public let tls: Bool
    public let host: String
    public let port: Int
    public let tlsConfiguration: TLSConfiguration?

    public init(url: String, caPEM: String? = nil) throws {
        guard let u = URLComponents(string: url), let scheme = u.scheme?.lowercased(), let host = u.host, !host.isEmpty else {
            throw LabClientError.badURL("--server '\(url)': not a URL (e.g. https://lab.school.local:8443)")
        }
        switch scheme {
        case "https", "wss": tls = true
        case "http", "ws": tls = false
        default: throw LabClientError.badURL("--server '\(url)': the scheme must be https or http")
        }
        self.host = host
        port = u.port ?? (tls ? 443 : 80)
        let isIP = host.contains(":") || host.allSatisfy { $0.isNumber || $0 == "." }
        if tls && isIP {
            // The stream's TLS (hummingbird-websocket) sends the host as SNI, which may not be an address.
            throw LabClientError.badURL("--server '\(url)': with https, name the server as its certificate does (e.g. https://lab.school.local:8443), not by IP address")
        }
        if tls {
            var c = TLSConfiguration.makeClientConfiguration()
            if let ca = caPEM {
                do { c.trustRoots = .certificates(try NIOSSLCertificate.fromPEMFile(ca)) } catch {
                    throw LabClientError.badURL("--ca \(ca): not a PEM certificate (\(error))")
                }
            }
            tlsConfiguration = c
        } else {
            if caPEM != nil { throw LabClientError.badURL("--ca needs an https server URL") }
            tlsConfiguration = nil
        }
    }

    var hostPort: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }
    public var streamURL: String { "\(tls ? "wss" : "ws")://\(hostPort)/api/stream" }
    public var description: String { "\(tls ? "https" : "http")://\(hostPort)" }
}

/// What went wrong talking to the server, in words a student (and a test) can read.
public enum LabClientError: Error, CustomStringConvertible, Sendable, Equatable {
    /// No connection (refused, no route, timed out, closed early).
    case unreachable(String)
    /// The server's certificate is not trusted (wrong CA, wrong name): nothing was sent.
    case untrusted(String)
    /// The server answered with an error status.
    case refused(status: Int, message: String)
    /// The answer is not what the protocol says (missing field, bad hash).
    case badAnswer(String)
    case badURL(String)

    public var description: String {
        switch self {
        case .unreachable(let m): return "the lab server cannot be reached: \(m)"
        case .untrusted(let m): return "the lab server's certificate is not trusted (nothing was sent): \(m)"
        case .refused(let s, let m): return "the lab server refused (\(s)): \(m)"
        case .badAnswer(let m): return "the lab server's answer is not valid: \(m)"
        case .badURL(let m): return m
        }
    }

    /// Classifies a transport error (NIO, NIOSSL) as untrusted or unreachable.
    static func from(_ error: any Error) -> LabClientError {
        if let e = error as? LabClientError { return e }
        let text = "\(error)"
        if text.contains("CERTIFICATE_VERIFY_FAILED") || text.contains("unableToValidateCertificate") || text.contains("handshakeFailed")
            || error is NIOSSLExtraError {
            return .untrusted(text)
        }
        return .unreachable(text)
    }
}

/// An HTTP answer.
public struct LabHTTPResponse: Sendable {
    public var status: Int
    public var body: [UInt8]
    /// The body as JSON (null when it is not JSON: a proxy's page, a cut answer).
    public var json: JSONText.Value { (try? JSONText.parse(body)) ?? .null }
    /// The server's `{"error": "..."}`, or the body.
    public var errorMessage: String { json["error"]?.string ?? String(decoding: body.prefix(300), as: UTF8.self) }
}

/// The workstation's HTTP client: AsyncHTTPClient (redirects refused, connect 10 s, read 30 s,
/// answers over 8 MiB refused), blocking on purpose: the viewer calls it from a background
/// thread, never the GL thread. One process-wide `HTTPClient` (pooled connections); each
/// request carries the endpoint's TLS configuration (`--ca`: that CA only).
public final class LabHTTP: Sendable {
    public let endpoint: LabEndpoint
    /// Safety limit for one exchange; a server that never answers is an error, not a hang.
    public let timeoutSeconds: Int64
    /// Largest answer accepted (a scenario is a few kB; base64 and JSON around it).
    public static let maxResponseBytes = 8 << 20

    /// Never shut down (it lives as long as the process), so it never needs to be. Connection
    /// failures are not retried inside the client: a refused connection or an untrusted
    /// certificate is reported at once (服务器无法连接 / 服务器证书不受信任), and the viewer
    /// has its own retries (the student signs in again; the stream backs off).
    static let client: HTTPClient = {
        var pool = HTTPClient.Configuration.ConnectionPool()
        pool.retryConnectionEstablishment = false
        return HTTPClient(eventLoopGroupProvider: .singleton, configuration: .init(
            redirectConfiguration: .disallow, timeout: .init(connect: .seconds(10), read: .seconds(30)), connectionPool: pool))
    }()

    public init(endpoint: LabEndpoint, timeoutSeconds: Int64 = 30) { self.endpoint = endpoint; self.timeoutSeconds = timeoutSeconds }

    public func get(_ path: String) throws -> LabHTTPResponse { try request("GET", path, body: nil) }
    public func post(_ path: String, json: JSONText.Value) throws -> LabHTTPResponse {
        try request("POST", path, body: Data(json.text(sortedKeys: true).utf8))
    }

    public func request(_ method: String, _ path: String, body: Data?) throws -> LabHTTPResponse {
        var headers = HTTPHeaders()
        headers.add(name: "User-Agent", value: "hazlab-viewer")
        if body != nil { headers.add(name: "Content-Type", value: "application/json") }
        let req: HTTPClient.Request
        do {
            req = try HTTPClient.Request(url: endpoint.description + path, method: HTTPMethod(rawValue: method), headers: headers,
                                         body: body.map { .data($0) }, tlsConfiguration: endpoint.tlsConfiguration)
        } catch { throw LabClientError.badURL("\(endpoint.description)\(path): \(error)") }
        do {
            let r = try Self.client.execute(request: req, delegate: ResponseAccumulator(request: req, maxBodySize: Self.maxResponseBytes),
                                            deadline: .now() + .seconds(timeoutSeconds)).futureResult.wait()
            var b = r.body ?? ByteBuffer()
            return LabHTTPResponse(status: Int(r.status.code), body: b.readBytes(length: b.readableBytes) ?? [])
        } catch {
            throw LabClientError.from(error)
        }
    }
}
