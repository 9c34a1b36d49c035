import Foundation
import HazLabRecords
import Hummingbird
import HummingbirdWebSocket
import NIOCore

/// The request context of every route: WebSocket-capable, with the remote address and the
/// body limit from lab.yaml (`limits.requestBytes`).
public struct LabContext: RequestContext, WebSocketRequestContext {
    public var coreContext: CoreRequestContextStorage
    public let webSocket: WebSocketHandlerReference<LabContext>
    public let remote: String

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        webSocket = .init()
        remote = source.channel.remoteAddress?.ipAddress ?? "?"
    }

    public var maxUploadSize: Int { LabLimits.requestBytes.value }
}

/// Process-wide limits read from the config at start (the context is built per request and
/// cannot be handed the config).
public enum LabLimits {
    public final class Box: @unchecked Sendable {
        let lock = NSLock()
        var v: Int
        init(_ v: Int) { self.v = v }
        public var value: Int { lock.lock(); defer { lock.unlock() }; return v }
        public func set(_ n: Int) { lock.lock(); v = n; lock.unlock() }
    }
    public static let requestBytes = Box(1 << 20)
}

/// An error answered as `{"error": message}` with its status.
public struct LabHTTPError: Error, Sendable {
    public var status: HTTPResponse.Status
    public var message: String
    public init(_ status: HTTPResponse.Status, _ message: String) { self.status = status; self.message = message }

    public static func badRequest(_ m: String) -> LabHTTPError { .init(.badRequest, m) }
    public static let unauthenticated = LabHTTPError(.unauthorized, "sign in first")
    public static let forbidden = LabHTTPError(.forbidden, "your role may not do this")
}

/// JSON request and response helpers, on the project's one JSON reader and writer (`JSONText`).
/// Outside strings only ever go out JSON-escaped.
enum LabJSON {
    /// An answer: objects with sorted keys, strings escaped by `JSON.appendString`, no escaped slashes.
    static func response(_ status: HTTPResponse.Status, _ value: JSONText.Value, headers: HTTPFields = [:]) -> Response {
        var h = headers
        h[.contentType] = "application/json; charset=utf-8"
        h[.cacheControl] = "no-store"
        return Response(status: status, headers: h, body: .init(byteBuffer: ByteBuffer(string: value.text(sortedKeys: true))))
    }

    /// An answer written as a literal: `LabJSON.response(.ok, ["ok": true])`.
    static func response(_ status: HTTPResponse.Status, _ members: KeyValuePairs<String, any JSONTextConvertible>,
                         headers: HTTPFields = [:]) -> Response {
        response(status, JSONText.object(members), headers: headers)
    }

    static func error(_ e: LabHTTPError) -> Response { response(e.status, ["error": e.message]) }

    /// Reads the body (at most the configured limit: larger → 413) and parses a JSON object.
    static func object(_ req: Request, _ ctx: LabContext, limit: Int? = nil) async throws -> JSONText.Value {
        let data = try await body(req, ctx, limit: limit)
        guard !data.isEmpty else { throw LabHTTPError.badRequest("the request body is empty; a JSON object was expected") }
        return try object(parsing: data)
    }

    /// `data` as a JSON object whose member names are all different (400 naming the problem
    /// otherwise; `notJSON` words the answer to text that is not JSON).
    static func object(parsing data: Data, notJSON: (JSONText.SyntaxError) -> String = {
        "the request body is not valid JSON (at byte \($0.offset): \($0.message))"
    }) throws -> JSONText.Value {
        let v: JSONText.Value
        do { v = try JSONText.parse(Array(data)) } catch let e as JSONText.SyntaxError {
            throw LabHTTPError.badRequest(notJSON(e))
        }
        guard let members = v.members else { throw LabHTTPError.badRequest("the request body must be a JSON object") }
        // JSON leaves open which of two same-named members counts (RFC 8259 §4): refused, not guessed.
        var seen = Set<String>()
        for m in members where !seen.insert(m.key).inserted {
            throw LabHTTPError.badRequest("field '\(String(m.key.prefix(64)))' appears more than once")
        }
        return v
    }

    static func body(_ req: Request, _ ctx: LabContext, limit: Int? = nil) async throws -> Data {
        let limit = limit ?? ctx.maxUploadSize
        if let len = req.headers[.contentLength].flatMap({ Int($0) }), len > limit {
            throw LabHTTPError(.contentTooLarge, "the request body of \(len) bytes is over the limit of \(limit) bytes (limits.requestBytes)")
        }
        do {
            let buffer = try await req.body.collect(upTo: limit)
            return Data(buffer.readableBytesView)
        } catch let e as HTTPError where e.status == .contentTooLarge {
            throw LabHTTPError(.contentTooLarge, "the request body is over the limit of \(limit) bytes (limits.requestBytes)")
        }
    }

    /// The string member `key` of a request body, at most `max` bytes (400 naming the field otherwise).
    static func string(_ o: JSONText.Value, _ key: String, max: Int = 256) throws -> String {
        guard let v = o[key] else { throw LabHTTPError.badRequest("missing field '\(key)'") }
        guard let s = v.string else { throw LabHTTPError.badRequest("field '\(key)' must be a string") }
        guard s.utf8.count <= max else { throw LabHTTPError.badRequest("field '\(key)' is longer than \(max) bytes") }
        return s
    }

    /// `string`, or nil when the member is absent or null.
    static func optionalString(_ o: JSONText.Value, _ key: String, max: Int = 256) throws -> String? {
        o[key] == nil || o[key] == .null ? nil : try string(o, key, max: max)
    }
}

extension Request {
    /// The value of one cookie, from the raw header (no validation of other cookies needed).
    func cookie(_ name: String) -> String? {
        for header in headers[values: .cookie] {
            for part in header.split(separator: ";") {
                let kv = part.trimmingCharacters(in: .whitespaces)
                if kv.hasPrefix(name + "=") { return String(kv.dropFirst(name.count + 1)) }
            }
        }
        return nil
    }
}

/// The routes the server answers, by path pattern and method, so that a request no route
/// matches gets a JSON `404`, or `405` with `Allow` when the path exists for other methods.
final class LabRouteBook: @unchecked Sendable {
    private let lock = NSLock()
    private var routes: [(segments: [Substring], method: String)] = []

    func add(_ path: String, _ method: String) {
        lock.lock(); defer { lock.unlock() }
        routes.append((path.split(separator: "/"), method))
    }

    /// The methods of the patterns that match `path` (`{name}` matches one segment), sorted.
    func methods(for path: String) -> [String] {
        let segments = path.split(separator: "/")
        lock.lock(); defer { lock.unlock() }
        let hits = routes.filter { r in
            r.segments.count == segments.count && zip(r.segments, segments).allSatisfy { $0.hasPrefix("{") || $0 == $1 }
        }
        return Set(hits.map(\.method)).sorted()
    }
}

/// Registers routes on the router and in the route book.
struct LabRoutes {
    let router: Router<LabContext>
    let book: LabRouteBook

    func get(_ path: String, use handler: @escaping @Sendable (Request, LabContext) async throws -> Response) {
        book.add(path, "GET")
        router.get(RouterPath(path), use: handler)
    }

    func post(_ path: String, use handler: @escaping @Sendable (Request, LabContext) async throws -> Response) {
        book.add(path, "POST")
        router.post(RouterPath(path), use: handler)
    }

    func ws(_ path: String, shouldUpgrade: @Sendable @escaping (Request, LabContext) async throws -> RouterShouldUpgrade,
            onUpgrade handler: @escaping WebSocketDataHandler<WebSocketRouterContext<LabContext>>) {
        book.add(path, "GET")
        router.ws(RouterPath(path), shouldUpgrade: shouldUpgrade, onUpgrade: handler)
    }
}

/// Turns the router's own "no route" into the server's JSON error answers: `404 {"error":…}`, or
/// `405` with `Allow` when the path exists for other methods.
struct LabNotFoundMiddleware: RouterMiddleware {
    typealias Context = LabContext
    let book: LabRouteBook

    func handle(_ request: Request, context: LabContext, next: (Request, LabContext) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let e as LabHTTPError {
            return LabJSON.error(e)   // thrown outside `handle` (the WebSocket route's upgrade check)
        } catch let e as HTTPError where e.status == .notFound {
            let path = request.uri.path.count > 200 ? String(request.uri.path.prefix(200)) + "…" : request.uri.path
            let allowed = book.methods(for: request.uri.path)
            guard !allowed.isEmpty else { return LabJSON.error(.init(.notFound, "no route for \(request.method.rawValue) \(path)")) }
            var h = HTTPFields()
            h[.allow] = allowed.joined(separator: ", ")
            return LabJSON.response(.methodNotAllowed, ["error": "\(request.method.rawValue) is not allowed on \(path): use \(allowed.joined(separator: " or "))"],
                                    headers: h)
        }
    }
}
