import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix
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
    public var json: [String: Any] { ((try? JSONSerialization.jsonObject(with: Data(body))) as? [String: Any]) ?? [:] }
    /// The server's `{"error": "..."}`, or the body.
    public var errorMessage: String { json["error"] as? String ?? String(decoding: body.prefix(300), as: UTF8.self) }
}

/// A small blocking HTTP/1.1 client on swift-nio (+ swift-nio-ssl): one connection per request,
/// JSON in and out. Blocking on purpose: the viewer calls it from a background thread, never the
/// GL thread. (Why not AsyncHTTPClient: see Docs/viewer.md, "Network client".)
public final class LabHTTP: Sendable {
    public let endpoint: LabEndpoint
    /// Safety limit for one exchange (connect + answer); a server that never answers is an error, not a hang.
    public let timeoutSeconds: Int64
    /// Largest answer accepted (a scenario is a few kB; base64 and JSON around it).
    public static let maxResponseBytes = 8 << 20

    public init(endpoint: LabEndpoint, timeoutSeconds: Int64 = 30) { self.endpoint = endpoint; self.timeoutSeconds = timeoutSeconds }

    public func get(_ path: String) throws -> LabHTTPResponse { try request("GET", path, body: nil) }
    public func post(_ path: String, json: [String: Any]) throws -> LabHTTPResponse {
        try request("POST", path, body: try JSONSerialization.data(withJSONObject: json, options: [.sortedKeys]))
    }

    public func request(_ method: String, _ path: String, body: Data?) throws -> LabHTTPResponse {
        let loop = MultiThreadedEventLoopGroup.singleton.next()
        let promise = loop.makePromise(of: LabHTTPResponse.self)
        let ep = endpoint
        var sslContext: NIOSSLContext?
        if let c = ep.tlsConfiguration {
            do { sslContext = try NIOSSLContext(configuration: c) } catch { throw LabClientError.badURL("TLS: \(error)") }
        }
        let context = sslContext
        let isIP = ep.host.allSatisfy { $0.isNumber || $0 == "." } || ep.host.contains(":")
        let bootstrap = ClientBootstrap(group: loop)
            .connectTimeout(.seconds(10))
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    if let context {
                        try channel.pipeline.syncOperations.addHandler(try NIOSSLClientHandler(context: context, serverHostname: isIP ? nil : ep.host))
                    }
                    try channel.pipeline.syncOperations.addHTTPClientHandlers()
                    try channel.pipeline.syncOperations.addHandler(ResponseCollector(promise: promise))
                }
            }
        let timeout = loop.scheduleTask(in: .seconds(timeoutSeconds)) {
            promise.fail(LabClientError.unreachable("no answer within \(self.timeoutSeconds) s"))
        }
        defer { timeout.cancel() }
        let channel: Channel
        do { channel = try bootstrap.connect(host: ep.host, port: ep.port).wait() } catch {
            promise.fail(error)
            throw LabClientError.unreachable("\(ep.description): \(error)")
        }
        var head = HTTPRequestHead(version: .http1_1, method: HTTPMethod(rawValue: method), uri: path)
        head.headers.add(name: "Host", value: ep.hostPort)
        head.headers.add(name: "Connection", value: "close")
        head.headers.add(name: "User-Agent", value: "hazlab-viewer")
        if let body {
            head.headers.add(name: "Content-Type", value: "application/json")
            head.headers.add(name: "Content-Length", value: "\(body.count)")
        }
        channel.write(HTTPClientRequestPart.head(head), promise: nil)
        if let body { channel.write(HTTPClientRequestPart.body(.byteBuffer(ByteBuffer(bytes: body))), promise: nil) }
        channel.writeAndFlush(HTTPClientRequestPart.end(nil), promise: nil)
        defer { channel.close(promise: nil) }
        do { return try promise.futureResult.wait() } catch { throw LabClientError.from(error) }
    }
}

/// Collects one response; fails the promise when the connection ends without one.
final class ResponseCollector: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPClientResponsePart
    let promise: EventLoopPromise<LabHTTPResponse>
    var status = 0
    var body: [UInt8] = []
    var done = false

    init(promise: EventLoopPromise<LabHTTPResponse>) { self.promise = promise }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard !done else { return }
        switch unwrapInboundIn(data) {
        case .head(let h): status = Int(h.status.code)
        case .body(var b):
            body += b.readBytes(length: b.readableBytes) ?? []
            if body.count > LabHTTP.maxResponseBytes {
                done = true
                promise.fail(LabClientError.badAnswer("the answer is over \(LabHTTP.maxResponseBytes) bytes"))
                context.close(promise: nil)
            }
        case .end:
            done = true
            promise.succeed(LabHTTPResponse(status: status, body: body))
            context.close(promise: nil)
        }
    }
    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        if !done { done = true; promise.fail(error) }
        context.close(promise: nil)
    }
    func channelInactive(context: ChannelHandlerContext) {
        if !done { done = true; promise.fail(LabClientError.unreachable("the connection closed before an answer")) }
        context.fireChannelInactive()
    }
}
