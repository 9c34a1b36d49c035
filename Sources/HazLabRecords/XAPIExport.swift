import Foundation

// MARK: - The outbox contract
//
// `ExportOutbox` is what the exporters drain. The SQLite results store implements it (Store*/
// Outbox*.swift); `InMemoryOutbox` below is the reference implementation used by tests.
//
//   enqueue(items)            add items; an item whose (target, id) is already there is left
//                             untouched (re-enqueueing an attempt is a no-op, never a duplicate)
//   pending(target, limit)    items of `target` not yet delivered and not in conflict, in
//                             enqueue order (so statements of an attempt go out in sequence)
//   markDelivered(target, id) delivered (or found already stored and equivalent): never sent again
//   markFailed(target, id, error)   a try failed for a transient reason: the item stays pending,
//                             `attempts` goes up by one, `lastError` is kept (no credentials in it)
//   markConflict(target, id, detail) the receiver holds a different item under this id, or
//                             rejects it for good (4xx): not retried; reported for a person to look at
//   markDelivered(target, ids)      a whole batch delivered: one transaction in the store
//   quarantine(target, attempt, reason)  hold one attempt back (its undelivered items are never
//                             sent until a person acts); other attempts go on
//   items(target, attempt)    an attempt's items and whether each was delivered (to void them)
//   supersede(target, ids)    undelivered items of a replaced result: never sent
//
// Items are opaque to the outbox: `body` is the exact bytes to send, so a re-send is identical.

public struct OutboxItem: Sendable, Equatable {
    /// "xapi", "ilabx", …
    public var target: String
    /// Unique within the target: the statement id for xAPI, the originId for ilab-x.
    public var id: String
    /// The attempt the item belongs to, and its position among that attempt's items.
    public var attempt: String
    public var sequence: Int
    public var body: String
    public var attempts: Int
    public var lastError: String?

    public init(target: String, id: String, attempt: String, sequence: Int, body: String, attempts: Int = 0, lastError: String? = nil) {
        self.target = target; self.id = id; self.attempt = attempt; self.sequence = sequence; self.body = body
        self.attempts = attempts; self.lastError = lastError
    }
}

/// Where an item stands, as far as replacing a result is concerned.
public enum OutboxItemState: Sendable, Equatable {
    /// Not delivered yet (pending, failed, in conflict or quarantined).
    case waiting
    case delivered
    /// Replaced by a newer result before it was delivered: never sent.
    case superseded
}

public protocol ExportOutbox: AnyObject {
    func enqueue(_ items: [OutboxItem]) throws
    func pending(target: String, limit: Int) throws -> [OutboxItem]
    func markDelivered(target: String, id: String) throws
    func markFailed(target: String, id: String, error: String) throws
    func markConflict(target: String, id: String, detail: String) throws
    func markDelivered(target: String, ids: [String]) throws
    func quarantine(target: String, attempt: String, reason: String) throws
    func items(target: String, attempt: String) throws -> [(id: String, state: OutboxItemState)]
    func supersede(target: String, ids: [String]) throws
}

/// The outbox in memory (tests, and one-shot CLI exports without a store).
public final class InMemoryOutbox: ExportOutbox, @unchecked Sendable {
    public enum State: Sendable, Equatable { case pending, delivered, conflict(String), quarantined(String), superseded }
    private let lock = NSLock()
    private var items: [OutboxItem] = []
    private var states: [State] = []

    public init() {}

    public func enqueue(_ new: [OutboxItem]) throws {
        lock.lock(); defer { lock.unlock() }
        for i in new where !items.contains(where: { $0.target == i.target && $0.id == i.id }) {
            items.append(i); states.append(.pending)
        }
    }

    public func pending(target: String, limit: Int) throws -> [OutboxItem] {
        lock.lock(); defer { lock.unlock() }
        var out: [OutboxItem] = []
        for (i, it) in items.enumerated() where it.target == target && states[i] == .pending && out.count < limit { out.append(it) }
        return out
    }

    private func index(_ target: String, _ id: String) -> Int? { items.firstIndex { $0.target == target && $0.id == id } }

    public func markDelivered(target: String, id: String) throws {
        lock.lock(); defer { lock.unlock() }
        if let i = index(target, id) { states[i] = .delivered }
    }

    public func markFailed(target: String, id: String, error: String) throws {
        lock.lock(); defer { lock.unlock() }
        if let i = index(target, id) { items[i].attempts += 1; items[i].lastError = error }
    }

    public func markConflict(target: String, id: String, detail: String) throws {
        lock.lock(); defer { lock.unlock() }
        if let i = index(target, id) { states[i] = .conflict(detail) }
    }

    public func markDelivered(target: String, ids: [String]) throws {
        lock.lock(); defer { lock.unlock() }
        for id in ids { if let i = index(target, id) { states[i] = .delivered } }
    }

    public func quarantine(target: String, attempt: String, reason: String) throws {
        lock.lock(); defer { lock.unlock() }
        quarantined.append((attempt, reason))
        for i in items.indices where items[i].target == target && items[i].attempt == attempt && states[i] != .delivered {
            states[i] = .quarantined(reason)
        }
    }

    public func items(target: String, attempt: String) throws -> [(id: String, state: OutboxItemState)] {
        lock.lock(); defer { lock.unlock() }
        return items.indices.filter { items[$0].target == target && items[$0].attempt == attempt }.map { i in
            (items[i].id, states[i] == .delivered ? .delivered : states[i] == .superseded ? .superseded : .waiting)
        }
    }

    public func supersede(target: String, ids: [String]) throws {
        lock.lock(); defer { lock.unlock() }
        for id in ids { if let i = index(target, id), states[i] != .delivered { states[i] = .superseded } }
    }

    /// Attempts quarantined so far, with the reason.
    public private(set) var quarantined: [(attempt: String, reason: String)] = []

    public func state(target: String, id: String) -> State? {
        lock.lock(); defer { lock.unlock() }
        return index(target, id).map { states[$0] }
    }

    public func item(target: String, id: String) -> OutboxItem? {
        lock.lock(); defer { lock.unlock() }
        return index(target, id).map { items[$0] }
    }

    public var all: [OutboxItem] {
        lock.lock(); defer { lock.unlock() }
        return items
    }
}

// MARK: - Credentials

/// Where to send statements and as whom. The password never appears in `description`, logs or
/// errors.
public struct LRSCredentials: Sendable, CustomStringConvertible {
    /// The LRS endpoint, ending in `/` (e.g. `http://127.0.0.1:8100/xAPI/`).
    public var endpoint: URL
    public var username: String
    public var password: String

    public init(endpoint: URL, username: String, password: String) {
        var e = endpoint.absoluteString
        if !e.hasSuffix("/") { e += "/" }
        self.endpoint = URL(string: e) ?? endpoint
        self.username = username; self.password = password
    }

    public var description: String { "LRS \(UURL(endpoint)) as \(username) (password hidden)" }
    private func UURL(_ u: URL) -> String { URLSessionTransport.redacted(u) }

    public struct ConfigError: Error, CustomStringConvertible { public var description: String }

    /// From the environment (`HAZLAB_LRS_ENDPOINT`, `HAZLAB_LRS_USERNAME`, `HAZLAB_LRS_PASSWORD`),
    /// else from a JSON file `{"endpoint":…,"username":…,"password":…}` that only its owner can
    /// read (mode 0600 or 0400; anything readable by group or others is refused).
    public static func resolve(environment env: [String: String], configPath: String?) throws -> LRSCredentials {
        if let e = env["HAZLAB_LRS_ENDPOINT"], let u = env["HAZLAB_LRS_USERNAME"], let p = env["HAZLAB_LRS_PASSWORD"] {
            guard let url = URL(string: e), url.scheme == "http" || url.scheme == "https" else { throw ConfigError(description: "HAZLAB_LRS_ENDPOINT is not an http(s) URL") }
            return LRSCredentials(endpoint: url, username: u, password: p)
        }
        guard let path = configPath else {
            throw ConfigError(description: "no LRS credentials: set HAZLAB_LRS_ENDPOINT, HAZLAB_LRS_USERNAME and HAZLAB_LRS_PASSWORD, or pass --lrs-config FILE (mode 0600)")
        }
        let v = try ownerOnlyJSON(path)
        guard let e = v["endpoint"]?.string, let url = URL(string: e), url.scheme == "http" || url.scheme == "https",
              let u = v["username"]?.string, let p = v["password"]?.string else {
            throw ConfigError(description: "\(path): needs \"endpoint\" (http or https), \"username\" and \"password\"")
        }
        return LRSCredentials(endpoint: url, username: u, password: p)
    }

    /// Reads a JSON config file that must not be readable by group or others.
    public static func ownerOnlyJSON(_ path: String) throws -> JSONText.Value {
        let attrs: [FileAttributeKey: Any]
        do { attrs = try FileManager.default.attributesOfItem(atPath: path) } catch {
            throw ConfigError(description: "cannot read config file \(path)")
        }
        let mode = (attrs[.posixPermissions] as? NSNumber)?.intValue ?? 0o777
        if mode & 0o077 != 0 {
            throw ConfigError(description: "config file \(path) is readable by others (mode \(String(mode, radix: 8))); run chmod 600 \(path)")
        }
        guard let d = FileManager.default.contents(atPath: path), let v = try? JSONText.parse(Array(d)) else {
            throw ConfigError(description: "config file \(path) is not valid JSON")
        }
        return v
    }

    var basicAuth: String { "Basic " + Data("\(username):\(password)".utf8).base64EncodedString() }

    /// `text` with the password and the basic-auth token blanked out.
    public func scrub(_ text: String) -> String {
        var t = text
        if !password.isEmpty { t = t.replacingOccurrences(of: password, with: "***") }
        let token = String(basicAuth.dropFirst(6))
        if !token.isEmpty { t = t.replacingOccurrences(of: token, with: "***") }
        return t
    }
}

// MARK: - Retry policy

/// Exponential backoff with "equal jitter": try k (0-based) waits
/// `d/2 + random(0…d/2)` with `d = min(cap, base · 2^k)`, for at most `maxTries` tries.
/// The random source and the sleeper are injected, so tests neither wait nor vary.
public struct Backoff: Sendable {
    public var base: Double
    public var cap: Double
    public var maxTries: Int
    public var random: @Sendable () -> Double
    public var sleep: @Sendable (Double) -> Void

    public init(base: Double = 0.5, cap: Double = 30, maxTries: Int = 6,
                random: @escaping @Sendable () -> Double = { Double.random(in: 0..<1) },
                sleep: @escaping @Sendable (Double) -> Void = { Thread.sleep(forTimeInterval: $0) }) {
        self.base = base; self.cap = cap; self.maxTries = max(1, maxTries); self.random = random; self.sleep = sleep
    }

    public func delay(afterTry k: Int) -> Double {
        let d = min(cap, base * pow(2, Double(min(k, 30))))
        return d / 2 + min(max(random(), 0), 1) * d / 2
    }
}

// MARK: - The LRS client

public enum XAPIDelivery: Sendable, Equatable {
    /// 200 or 204.
    case delivered
    /// 409, and the stored statement is equivalent to ours.
    case alreadyStored
    /// 409 with a different statement stored, or another 4xx: not retried.
    case conflict(String)
}

public enum XAPIClientError: Error, CustomStringConvertible, Equatable {
    /// 401 or 403: stop the export.
    case unauthorized(status: Int, endpoint: String)
    /// 5xx, timeouts, refused connections: retry later.
    case transient(String)

    public var description: String {
        switch self {
        case .unauthorized(let s, let e):
            return "the LRS at \(e) refused the credentials (HTTP \(s)): check the username and password (HAZLAB_LRS_USERNAME/HAZLAB_LRS_PASSWORD or the config file)"
        case .transient(let m): return m
        }
    }
}

/// Talks xAPI 1.0.3 to one LRS: PUT statements?statementId=…, GET statements?statementId=….
public struct XAPIClient: Sendable {
    public var credentials: LRSCredentials
    public var transport: any HTTPTransport
    public var timeout: Double

    public init(credentials: LRSCredentials, transport: any HTTPTransport = URLSessionTransport(), timeout: Double = 30) {
        self.credentials = credentials; self.transport = transport; self.timeout = timeout
    }

    var endpointText: String { URLSessionTransport.redacted(credentials.endpoint) }

    func url(_ path: String, _ query: [(String, String)]) -> URL {
        var c = URLComponents(url: credentials.endpoint.appendingPathComponent(path), resolvingAgainstBaseURL: false)!
        if !query.isEmpty { c.queryItems = query.map { URLQueryItem(name: $0.0, value: $0.1) } }
        return c.url!
    }

    func headers(json: Bool) -> [(String, String)] {
        var h = [("Authorization", credentials.basicAuth), ("X-Experience-API-Version", "1.0.3")]
        if json { h.append(("Content-Type", "application/json; charset=utf-8")) }
        return h
    }

    func perform(_ r: HTTPRequest) throws -> HTTPResponse {
        let resp: HTTPResponse
        do { resp = try transport.send(r) } catch let e as HTTPTransportError {
            throw XAPIClientError.transient(credentials.scrub(e.description))
        } catch {
            throw XAPIClientError.transient("\(r.method) \(endpointText): network error")
        }
        if resp.status == 401 || resp.status == 403 { throw XAPIClientError.unauthorized(status: resp.status, endpoint: endpointText) }
        if resp.status >= 500 { throw XAPIClientError.transient("\(r.method) \(endpointText)statements: HTTP \(resp.status)") }
        return resp
    }

    /// Sends one statement (its exact bytes) and classifies the answer.
    public func send(id: String, body: String) throws -> XAPIDelivery {
        let r = HTTPRequest(method: "PUT", url: url("statements", [("statementId", id)]), headers: headers(json: true),
                            body: Array(body.utf8), timeout: timeout)
        let resp = try perform(r)
        switch resp.status {
        case 200, 204: return .delivered
        case 409:
            guard let stored = try fetch(id: id) else { return .conflict("HTTP 409 but statement \(id) cannot be read back") }
            guard let ours = try? JSONText.parse(Array(body.utf8)) else { return .conflict("our statement \(id) is not JSON") }
            if let diff = XAPIEquivalence.difference(ours: ours, stored: stored) {
                return .conflict("statement \(id): the LRS holds a different statement (\(diff))")
            }
            return .alreadyStored
        default:
            let snippet = credentials.scrub(String(resp.text.prefix(200)))
            return .conflict("statement \(id): HTTP \(resp.status) \(snippet)")
        }
    }

    /// Sends several statements in one `POST statements` (a JSON array of their exact bytes).
    /// The LRS stores all or none: `.delivered` with the number newly stored (the rest were
    /// already there, equivalent), or `.refused` (409 or another 4xx: one of them is
    /// different or invalid; the caller sends them one by one to find which).
    public enum BatchAnswer: Sendable, Equatable { case delivered(newlyStored: Int), refused(String) }

    public func post(ids: [String], bodies: [String]) throws -> BatchAnswer {
        var body: [UInt8] = [UInt8(ascii: "[")]
        for (i, b) in bodies.enumerated() {
            if i > 0 { body.append(UInt8(ascii: ",")) }
            body += Array(b.utf8)
        }
        body.append(UInt8(ascii: "]"))
        let resp = try perform(HTTPRequest(method: "POST", url: url("statements", []), headers: headers(json: true), body: body, timeout: timeout))
        switch resp.status {
        case 204: return .delivered(newlyStored: 0)
        case 200:
            // The ids stored; an LRS may also answer them all, so count only ours.
            let ours = Set(ids.map { $0.lowercased() })
            let stored = (try? JSONText.parse(resp.body))?.array?.compactMap { $0.string?.lowercased() }.filter { ours.contains($0) }
            return .delivered(newlyStored: stored.map { Set($0).count } ?? ids.count)
        default:
            return .refused("HTTP \(resp.status) \(credentials.scrub(String(resp.text.prefix(200))))")
        }
    }

    /// The stored statement with this id, or nil (404).
    public func fetch(id: String) throws -> JSONText.Value? {
        let resp = try perform(HTTPRequest(method: "GET", url: url("statements", [("statementId", id)]), headers: headers(json: false), timeout: timeout))
        guard resp.status == 200, let v = try? JSONText.parse(resp.body) else { return nil }
        // The spec answers the statement itself; Ralph 5.1 wraps it in {"statements":[…]}.
        if let list = v["statements"]?.array { return list.first { $0["id"]?.string?.lowercased() == id.lowercased() } }
        return v
    }

    /// Every statement of a registration (following `more`), for checks and tests.
    public func statements(registration: String) throws -> [JSONText.Value] {
        var out: [JSONText.Value] = []
        var next: URL? = url("statements", [("registration", registration), ("limit", "500")])
        while let u = next {
            let resp = try perform(HTTPRequest(method: "GET", url: u, headers: headers(json: false), timeout: timeout))
            guard resp.status == 200, let v = try? JSONText.parse(resp.body) else {
                throw XAPIClientError.transient("GET \(endpointText)statements: HTTP \(resp.status)")
            }
            out += v["statements"]?.array ?? []
            if let more = v["more"]?.string, !more.isEmpty {
                // `more` is relative to the LRS's root.
                var root = URLComponents(url: credentials.endpoint, resolvingAgainstBaseURL: false)!
                root.path = ""; root.query = nil
                next = URL(string: more, relativeTo: root.url)?.absoluteURL
            } else { next = nil }
        }
        return out
    }
}

/// xAPI statement comparison (Data 2.3.1, "Statement Comparison Requirements"): the LRS may add
/// `stored`, `authority` and `version`, may write a timestamp in another form (the same
/// instant) and numbers in another form (the same value); object member order never matters.
public enum XAPIEquivalence {
    /// nil when equivalent, else where they first differ.
    public static func difference(ours: JSONText.Value, stored: JSONText.Value) -> String? {
        guard case .object(let a) = ours, case .object(let b) = stored else { return "not objects" }
        for m in b where !["stored", "authority", "version"].contains(m.key) && !a.contains(where: { $0.key == m.key }) {
            return "extra member \(m.key)"
        }
        for m in a {
            guard let other = stored[m.key] else { return "missing \(m.key)" }
            if m.key == "timestamp" {
                if ExportTime.parseISO8601(m.value.string ?? "") != ExportTime.parseISO8601(other.string ?? "x") { return "timestamp" }
                continue
            }
            if let d = diff(m.value, other, m.key) { return d }
        }
        return nil
    }

    static func diff(_ a: JSONText.Value, _ b: JSONText.Value, _ path: String) -> String? {
        switch (a, b) {
        case (.object(let x), .object(let y)):
            if x.count != y.count { return path }
            for m in x {
                guard let o = b[m.key] else { return path + "." + m.key }
                if let d = diff(m.value, o, path + "." + m.key) { return d }
            }
            return nil
        case (.array(let x), .array(let y)):
            if x.count != y.count { return path }
            for i in x.indices { if let d = diff(x[i], y[i], "\(path)[\(i)]") { return d } }
            return nil
        case (.number(let x), .number(let y)):
            return Double(x) == Double(y) ? nil : path
        case (.string(let x), .string(let y)):
            // UUIDs compare without regard to case.
            if x == y || (XAPIValidator.isUUID(x) && x.lowercased() == y.lowercased()) { return nil }
            return path
        default:
            return a == b ? nil : path
        }
    }
}

// MARK: - The exporter

public struct XAPIExportReport: Sendable, Equatable {
    public var delivered = 0
    public var alreadyStored = 0
    public var conflicts: [String] = []
    public var invalid: [String] = []
    /// Attempts held back, with the reason (invalid statement, or refused by the LRS).
    public var quarantined: [String] = []
    /// Requests sent (batches and single statements).
    public var requests = 0
    /// Set when the drain stopped early on a transient failure (items remain pending).
    public var stoppedOn: String?
    public var retries = 0
    public init() {}
}

public struct XAPIExporter {
    public static let target = "xapi"
    public var client: XAPIClient
    public var backoff: Backoff
    /// Statements per POST (1: one PUT per statement).
    public var batchSize: Int
    public var log: (String) -> Void

    public init(client: XAPIClient, backoff: Backoff = Backoff(), batchSize: Int = 500, log: @escaping (String) -> Void = { _ in }) {
        self.client = client; self.backoff = backoff; self.batchSize = batchSize; self.log = log
    }

    /// Outbox items for one attempt's statements (validated first: an invalid statement is an
    /// error in HazLab, never queued).
    public static func items(_ statements: [XAPIStatement]) throws -> [OutboxItem] {
        try statements.map { s in
            // Validated as a value (what parsing the rendered bytes gives), rendered once to queue.
            let problems = XAPIValidator.validate(s.json.value)
            let body = s.body
            if !problems.isEmpty { throw ExportError.invalidStatement(id: s.id, problems: problems) }
            return OutboxItem(target: target, id: s.id, attempt: s.attempt, sequence: s.sequence, body: body)
        }
    }

    public enum ExportError: Error, CustomStringConvertible, Equatable {
        case invalidStatement(id: String, problems: [String])
        public var description: String {
            switch self {
            case .invalidStatement(let id, let p): return "statement \(id) is not valid xAPI: " + p.joined(separator: "; ")
            }
        }
    }

    /// What `enqueue` did with one attempt.
    public struct Enqueued: Sendable, Equatable {
        /// Set when the attempt was quarantined instead (its statements are not all valid).
        public var quarantined: String?
        /// Delivered statements of a replaced result, now voided.
        public var voided = 0
        /// Undelivered statements of a replaced result, now never sent.
        public var superseded = 0
        /// Ids of the statements validated and queued (their queued bytes are what was validated).
        public var validatedIds: [String] = []
    }

    /// Queues one attempt's statements. An invalid statement quarantines that attempt alone.
    /// Statements of an earlier result of the same attempt (another result identity, so other
    /// ids) are replaced: delivered ones are voided by a statement from the system agent,
    /// queued ahead of the new ones; undelivered ones are superseded and never sent.
    public static func enqueue(attempt: String, _ statements: [XAPIStatement], into outbox: any ExportOutbox,
                               voidAt: @autoclosure () -> Int64 = ExportTime.millis(Date())) throws -> Enqueued {
        var done = Enqueued()
        let new: [OutboxItem]
        do { new = try items(statements) } catch let e as ExportError {
            let reason = e.description
            try outbox.quarantine(target: target, attempt: attempt, reason: reason)
            done.quarantined = reason
            return done
        }
        let newIds = Set(new.map(\.id))
        let existing = try outbox.items(target: target, attempt: attempt)
        if !existing.isEmpty {
            let existingIds = Set(existing.map(\.id))
            // Voiding statements already queued are neither voided nor superseded.
            let voidIds = Set(existing.map { XAPIProfile.voidingId(of: $0.id) })
            let old = existing.filter { !newIds.contains($0.id) && !voidIds.contains($0.id) && $0.state != .superseded }
            var voids: [OutboxItem] = []
            var at: Int64?
            for o in old where o.state == .delivered {
                let vid = XAPIProfile.voidingId(of: o.id)
                if existingIds.contains(vid) { continue }
                let ms = at ?? voidAt()
                at = ms
                let v = XAPIProfile.voiding(statementId: o.id, attempt: attempt, registration: statements.first?.registration, atMillis: ms)
                voids.append(OutboxItem(target: target, id: v.id, attempt: attempt, sequence: -1, body: v.body))
            }
            let stale = old.filter { $0.state == .waiting }.map(\.id)
            try outbox.supersede(target: target, ids: stale)
            try outbox.enqueue(voids)
            done.voided = voids.count
            done.superseded = stale.count
        }
        try outbox.enqueue(new)
        done.validatedIds = new.map(\.id)
        return done
    }

    /// Sends every pending statement, in order, `batch` statements per `POST` (1: one `PUT`
    /// each). A batch the LRS refuses (409 or another 4xx) is sent again one statement at a
    /// time, so only the statement at fault is singled out: its attempt is quarantined and
    /// every other attempt delivered. 401/403 throws `XAPIClientError.unauthorized` at once.
    /// A transient failure is retried with backoff; when the tries run out the items are marked
    /// failed (they stay pending) and the drain stops, leaving the rest for the next drain.
    /// Delivery is recorded per batch (one store transaction).
    ///
    /// `validated`: ids whose queued bytes this process has just validated (`enqueue`); an
    /// outbox refuses a second body under one id, so they are not parsed and checked again.
    public func drain(_ outbox: any ExportOutbox, batch: Int? = nil, validated: Set<String> = []) throws -> XAPIExportReport {
        let batchSize = Swift.max(1, batch ?? self.batchSize)
        var report = XAPIExportReport()
        while true {
            var items = try outbox.pending(target: Self.target, limit: batchSize)
            if items.isEmpty { return report }
            // Never send an invalid statement: its attempt is held back.
            var held = Set<String>()
            for item in items where !held.contains(item.attempt) && !validated.contains(item.id) {
                let problems = XAPIValidator.validate(item.body)
                if !problems.isEmpty {
                    let msg = "statement \(item.id) is not valid xAPI: " + problems.joined(separator: "; ")
                    try hold(item.attempt, msg, outbox, &report)
                    report.invalid.append(msg)
                    held.insert(item.attempt)
                }
            }
            items.removeAll { held.contains($0.attempt) }
            if items.isEmpty { continue }

            if batchSize > 1 {
                let answer = try withRetries(items, outbox, &report) {
                    try client.post(ids: items.map(\.id), bodies: items.map(\.body))
                }
                guard let answer else { return report }
                report.requests += 1
                switch answer {
                case .delivered(let n):
                    try outbox.markDelivered(target: Self.target, ids: items.map(\.id))
                    report.delivered += n
                    report.alreadyStored += items.count - n
                    continue
                case .refused(let why):
                    log("batch of \(items.count) refused (\(why)); sending them one by one")
                }
            }
            // One by one: `--batch 1`, or a batch the LRS refused.
            var delivered: [String] = []
            for item in items where !held.contains(item.attempt) {
                let answer = try withRetries([item], outbox, &report) { try client.send(id: item.id, body: item.body) }
                guard let answer else {
                    try outbox.markDelivered(target: Self.target, ids: delivered)
                    return report
                }
                report.requests += 1
                switch answer {
                case .delivered: report.delivered += 1; delivered.append(item.id)
                case .alreadyStored: report.alreadyStored += 1; delivered.append(item.id)
                case .conflict(let d):
                    report.conflicts.append(d); log("refused: \(d)")
                    try outbox.markDelivered(target: Self.target, ids: delivered)
                    delivered = []
                    try hold(item.attempt, d, outbox, &report)
                    held.insert(item.attempt)
                }
            }
            try outbox.markDelivered(target: Self.target, ids: delivered)
        }
    }

    private func hold(_ attempt: String, _ reason: String, _ outbox: any ExportOutbox, _ report: inout XAPIExportReport) throws {
        try outbox.quarantine(target: Self.target, attempt: attempt, reason: reason)
        report.quarantined.append("\(attempt): \(reason)")
        log("attempt \(attempt) quarantined: \(reason)")
    }

    /// Runs `send` with backoff on transient failures; nil (items marked failed, `stoppedOn`
    /// set) when the tries run out.
    private func withRetries<T>(_ items: [OutboxItem], _ outbox: any ExportOutbox, _ report: inout XAPIExportReport,
                                _ send: () throws -> T) throws -> T? {
        var tryNo = 0
        while true {
            do { return try send() } catch XAPIClientError.transient(let m) {
                for i in items { try outbox.markFailed(target: Self.target, id: i.id, error: m) }
                tryNo += 1
                if tryNo >= backoff.maxTries {
                    report.stoppedOn = m
                    log("giving up for now after \(tryNo) tries: \(m)")
                    return nil
                }
                let d = backoff.delay(afterTry: tryNo - 1)
                report.retries += 1
                log("retry \(tryNo) in \(String(format: "%.2f", d)) s: \(m)")
                backoff.sleep(d)
            }
        }
    }
}

// MARK: - The results store as an outbox

/// `ExportOutbox` over the SQLite results store's outbox (Outbox.swift): target = destination,
/// id = item id, body = payload. `sequence` of a pending item is the store's row number (its
/// enqueue order). A failed try is retried by the store's `pending` after `retryAfter` seconds (default 0:
/// the next drain retries it first, so an attempt's statements stay in order).
public final class StoreOutbox: ExportOutbox {
    public let store: ResultsStore
    public var actor: String
    public var retryAfter: Double
    private var seqs: [String: Int64] = [:]

    public init(store: ResultsStore, actor: String, retryAfter: Double = 0) {
        self.store = store; self.actor = actor; self.retryAfter = retryAfter
    }

    private func key(_ target: String, _ id: String) -> String { target + "\u{0}" + id }

    public func enqueue(_ items: [OutboxItem]) throws {
        // One store call per (attempt, target), in the order the items came.
        var groups: [(attempt: String, target: String, items: [(id: String, payload: String)])] = []
        for i in items {
            if let g = groups.indices.last, groups[g].attempt == i.attempt, groups[g].target == i.target {
                groups[g].items.append((i.id, i.body))
            } else {
                groups.append((i.attempt, i.target, [(i.id, i.body)]))
            }
        }
        for g in groups { try store.enqueue(attempt: g.attempt, destination: g.target, items: g.items, actor: actor) }
    }

    public func pending(target: String, limit: Int) throws -> [OutboxItem] {
        try store.pending(destination: target, limit: limit).map { p in
            seqs[key(target, p.id)] = p.seq
            return OutboxItem(target: target, id: p.id, attempt: p.attempt, sequence: Int(p.seq), body: p.payload, attempts: p.tries)
        }
    }

    private func seq(_ target: String, _ id: String) throws -> Int64 {
        guard let s = seqs[key(target, id)] else { throw ResultsStoreOutboxError(description: "outbox item \(id) for \(target) was not handed out by pending()") }
        return s
    }

    public func markDelivered(target: String, id: String) throws { try store.markDelivered(try seq(target, id)) }
    public func markFailed(target: String, id: String, error: String) throws { try store.markFailed(try seq(target, id), error: error, retryAfter: retryAfter) }
    public func markConflict(target: String, id: String, detail: String) throws { try store.markConflict(try seq(target, id), error: detail) }
    public func markDelivered(target: String, ids: [String]) throws { try store.markDelivered(try ids.map { try seq(target, $0) }, actor: actor) }
    public func quarantine(target: String, attempt: String, reason: String) throws {
        try store.quarantine(attempt: attempt, destination: target, reason: reason, actor: actor)
    }
    public func items(target: String, attempt: String) throws -> [(id: String, state: OutboxItemState)] {
        try store.items(attempt: attempt, destination: target).map {
            ($0.id, $0.status == "delivered" ? .delivered : $0.status == "superseded" ? .superseded : .waiting)
        }
    }
    public func supersede(target: String, ids: [String]) throws {
        var seqs: [Int64] = []
        for id in ids {
            if let s = try store.db.scalar("SELECT seq FROM outbox WHERE destination = ? AND item = ?", [target, id])?.int { seqs.append(s) }
        }
        try store.markSuperseded(seqs, actor: actor)
    }
}

public struct ResultsStoreOutboxError: Error, CustomStringConvertible { public var description: String }
