import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// One HTTP request, as the exporters build it.
public struct HTTPRequest: Sendable {
    public var method: String
    public var url: URL
    public var headers: [(String, String)]
    public var body: [UInt8]?
    /// Seconds until the request is abandoned (connect + response).
    public var timeout: Double

    public init(method: String, url: URL, headers: [(String, String)] = [], body: [UInt8]? = nil, timeout: Double = 30) {
        self.method = method; self.url = url; self.headers = headers; self.body = body; self.timeout = timeout
    }
}

public struct HTTPResponse: Sendable {
    public var status: Int
    public var body: [UInt8]
    public init(status: Int, body: [UInt8]) { self.status = status; self.body = body }
    public var text: String { String(decoding: body, as: UTF8.self) }
}

/// No response at all: refused, unreachable, timed out, reset. Always worth a retry.
public struct HTTPTransportError: Error, CustomStringConvertible, Sendable {
    public var description: String
    public init(_ description: String) { self.description = description }
}

/// Sends one request and waits for its response. Blocking, so the exporters stay synchronous
/// (the CLI and the SQLite outbox are); tests substitute their own transport.
public protocol HTTPTransport: Sendable {
    func send(_ request: HTTPRequest) throws -> HTTPResponse
}

/// `HTTPTransport` on Foundation's URLSession (FoundationNetworking on Linux). An ephemeral
/// session: no cookies, no credential store, no cache.
public final class URLSessionTransport: HTTPTransport, @unchecked Sendable {
    let session: URLSession

    public init() {
        let c = URLSessionConfiguration.ephemeral
        c.urlCache = nil
        c.httpCookieStorage = nil
        c.urlCredentialStorage = nil
        c.requestCachePolicy = .reloadIgnoringLocalCacheData
        session = URLSession(configuration: c)
    }

    deinit { session.invalidateAndCancel() }

    final class Box: @unchecked Sendable {
        var data: Data?
        var response: URLResponse?
        var error: Error?
    }

    public func send(_ r: HTTPRequest) throws -> HTTPResponse {
        var req = URLRequest(url: r.url, cachePolicy: .reloadIgnoringLocalCacheData, timeoutInterval: r.timeout)
        req.httpMethod = r.method
        for (k, v) in r.headers { req.setValue(v, forHTTPHeaderField: k) }
        if let b = r.body { req.httpBody = Data(b) }
        let box = Box()
        let done = DispatchSemaphore(value: 0)
        let task = session.dataTask(with: req) { data, response, error in
            box.data = data; box.response = response; box.error = error
            done.signal()
        }
        task.resume()
        // A hard bound in case the session's own timeout does not fire.
        if done.wait(timeout: .now() + r.timeout + 5) == .timedOut {
            task.cancel()
            throw HTTPTransportError("\(r.method) \(Self.redacted(r.url)): timed out after \(Int(r.timeout)) s")
        }
        if let e = box.error {
            let reason: String
            if let u = e as? URLError {
                switch u.code {
                case .timedOut: reason = "timed out after \(Int(r.timeout)) s"
                case .cannotConnectToHost: reason = "connection refused"
                case .networkConnectionLost: reason = "connection lost"
                case .cannotFindHost: reason = "host not found"
                case .serverCertificateUntrusted, .serverCertificateHasUnknownRoot:
                    reason = "TLS certificate of \(r.url.host ?? "the host") is not trusted"
                case .serverCertificateHasBadDate, .serverCertificateNotYetValid:
                    reason = "TLS certificate of \(r.url.host ?? "the host") has expired or is not yet valid"
                case .clientCertificateRejected, .clientCertificateRequired:
                    reason = "TLS: \(r.url.host ?? "the host") wants a client certificate"
                case .secureConnectionFailed:
                    reason = "TLS connection to \(r.url.host ?? "the host") failed (certificate or protocol)"
                default:
                    // FoundationNetworking on Linux reports libcurl's TLS failures as code -1 with
                    // curl's text, e.g. "SSL certificate problem: self-signed certificate".
                    let text = (e as NSError).localizedDescription.split(whereSeparator: \.isNewline).joined(separator: " ")
                    let host = r.url.host ?? "the host"
                    if let range = text.range(of: "SSL certificate problem:") {
                        let detail = text[range.upperBound...].trimmingCharacters(in: .whitespaces)
                        reason = "TLS certificate of \(host) is not trusted" + (detail.isEmpty ? "" : " (\(detail))")
                    } else if text.localizedCaseInsensitiveContains("certificate") {
                        reason = "TLS certificate of \(host) is not trusted (\(text))"
                    } else if text.hasPrefix("SSL") || text.contains("TLS") {
                        reason = "TLS connection to \(host) failed (\(text))"
                    } else {
                        reason = "network error \(u.code.rawValue)"
                    }
                }
            } else { reason = "network error" }
            throw HTTPTransportError("\(r.method) \(Self.redacted(r.url)): \(reason)")
        }
        guard let h = box.response as? HTTPURLResponse else { throw HTTPTransportError("\(r.method) \(Self.redacted(r.url)): no HTTP response") }
        return HTTPResponse(status: h.statusCode, body: Array(box.data ?? Data()))
    }

    /// The URL without user info or query (a query may hold an access token).
    public static func redacted(_ u: URL) -> String {
        guard var c = URLComponents(url: u, resolvingAgainstBaseURL: false) else { return "<url>" }
        c.user = nil; c.password = nil; c.query = nil
        return c.string ?? "<url>"
    }
}
