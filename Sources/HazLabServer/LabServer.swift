import Crypto
import Foundation
import HazLabLab
import HazLabRecords
import HazLabRunner
import HazLabScenario
import Hummingbird
import HummingbirdCore
import HummingbirdTLS
import HummingbirdWebSocket
import Logging
import NIOCore
import NIOSSL
import Prometheus
import ServiceLifecycle

/// `hazlab serve`: the school lab server (Docs/lab.md). Routes:
///
///   GET  /health                        {"ok":true,"storeVersion":N,"uptimeSeconds":S}
///   GET  /metrics                       Prometheus text
///   POST /api/login                     {"user","password"} → cookie + {"user","role","csrf"}
///   POST /api/logout                    (CSRF)
///   GET  /api/me
///   GET  /api/attempts                  attempts graded or in progress: own (student), own classes (instructor), all (admin, auditor)
///   GET  /api/attempts/{attempt}        the stored record (graded) or the attempt's progress, same reach
///   GET  /api/attempts/{attempt}/live   the live mirror's snapshot (instructor of the class, admin, auditor)
///   POST /api/attempts/{attempt}/publish  an exam result to its student (instructor of the class, admin; CSRF)
///   GET  /api/classes/{class}/tasks     the class's tasks (instructor of it, admin, auditor)
///   POST /api/classes/{class}/tasks     {"scenario","mode","title"?,"opens"?,"closes"?} (instructor of it, admin; CSRF)
///   POST /api/tasks/{task}/open|close   (instructor of its class, admin; CSRF)
///   POST /api/classes/{class}/exams     an exam session: scenarios to draw from, roster, workstations, window (LabExamRoutes.swift)
///   GET  /api/classes/{class}/exams, GET /api/exams/{task}, POST /api/exams/{task}/end,
///   GET  /api/exams/{task}/results, POST /api/exams/{task}/publish
///   GET  /api/classes/{class}           members: the class's instructors, administrators, auditors
///   POST /api/admin/users               {"id","name","role","password"?} (administrator, CSRF)
///   POST /api/admin/users/{id}/role     {"role"} (administrator, CSRF)
///   POST /api/admin/users/{id}/unlock   lifts a sign-in lockout (administrator, CSRF)
///   POST /api/admin/classes/{class}/roster   CSV body (administrator, CSRF)
///   POST /api/admin/workstations        {"id","publicKey"} (administrator, CSRF)
///   POST /api/admin/workstations/{id}/revoke  (administrator, CSRF)
///   GET  /api/audit                     latest audit rows (administrator, auditor)
///   GET  /api/workstation/challenge?workstation=ID   {"nonce"}
///   POST /api/workstation/login         signed by the workstation's key + the student's password → ticket, tasks
///   POST /api/workstation/assignment    signed by the workstation's key + the student's password or ticket
///   POST /api/workstation/logout        {"workstation","ticket"} → 204
///   POST /api/workstation/upload        a journal written offline, signed by the workstation's key → adopted
///   POST /api/attempts/{attempt}/commands  an instructor's command (LabCommands.swift; instructor of the class, admin; CSRF)
///   POST /api/classes/{class}/commands  freeze/run/message/pause/resume every running attempt of the class
///   GET  /api/attempts/{attempt}/commands|faults  the attempt's commands; the faults an instructor may fire
///   GET  /api/stream                    WebSocket: LabClientMessage / LabServerMessage JSON text frames
public final class LabServer: @unchecked Sendable {
    public let config: LabConfig
    public let accounts: LabAccounts
    public let ledger: LabLedger
    public let mirror = LabMirror()
    /// Open streams per attempt (the teacher station's connection state) and the live feeds.
    public let presence = LabPresence()
    let liveFeeds = LabLiveFeeds()
    let logger: Logger
    let started = Date()
    let nonces = NonceBook()
    let uploadGate = UploadGate()
    let failures = FailureWindow()

    // Metrics.
    let registry = PrometheusCollectorRegistry()
    let requests: Counter
    let loginsOK: Counter
    let loginsRefused: Counter
    let streams: Gauge
    let streamLines: Counter

    public static let sessionCookie = "hazlab_session"
    public static let csrfHeader = "X-CSRF-Token"

    public init(config: LabConfig, logger: Logger) throws {
        self.config = config
        self.logger = logger
        let store = try ResultsStore(path: config.store, create: true)
        accounts = LabAccounts(store: store, bcryptCost: config.bcryptCost, lockoutFailures: config.lockoutFailures,
                               lockoutMinutes: config.lockoutMinutes, sessionHours: config.sessionHours)
        ledger = try LabLedger(storePath: config.store)
        // Streamed journals are graded only if signed by a key registered here and not revoked.
        ledger.signatures = LabRegistrySignatures(accounts: accounts)
        ledger.serverActor = "lab-server"
        // The trailer's ack does not wait for grading (a serial background queue grades), and
        // anything finished but not graded when the server last stopped is graded now.
        ledger.gradeInBackground = true
        ledger.gradeFinishedInBackground()
        func name(_ metric: String, _ unit: String, _ help: String) -> MetricNameDescriptor {
            MetricNameDescriptor(namespace: "hazlab", metricName: metric, unitName: unit, helpText: help)
        }
        requests = registry.makeCounter(descriptor: name("http_requests", "total", "HTTP requests answered"))
        let logins = name("logins", "total", "Sign-ins (web and workstation) by outcome")
        loginsOK = registry.makeCounter(descriptor: logins, labels: [("outcome", "ok")])
        loginsRefused = registry.makeCounter(descriptor: logins, labels: [("outcome", "refused")])
        streams = registry.makeGauge(descriptor: name("active_streams", "", "Open workstation streams"))
        streamLines = registry.makeCounter(descriptor: name("stream_frames", "total", "Stream frames received"))
        LabLimits.requestBytes.set(config.maxRequestBytes)
    }

    // MARK: the application

    public func makeApplication(onRunning: @escaping @Sendable (Int) async -> Void = { _ in }) throws -> some ApplicationProtocol {
        let router = Router(context: LabContext.self)
        router.middlewares.add(CountingMiddleware(counter: requests))
        let book = LabRouteBook()
        router.middlewares.add(LabNotFoundMiddleware(book: book))
        routes(LabRoutes(router: router, book: book))
        let ws = WebSocketServerConfiguration(maxFrameSize: config.maxFrameBytes, autoPing: .enabled(timePeriod: .seconds(30)))
        var server: HTTPServerBuilder = .http1WebSocketUpgrade(webSocketRouter: router, configuration: .init(ws: ws))
        if let cert = config.tlsCertificate, let key = config.tlsKey {
            let chain: [NIOSSLCertificate], pkey: NIOSSLPrivateKey
            do { chain = try NIOSSLCertificate.fromPEMFile(cert) } catch {
                throw LabConfigError("\(config.file): error: key 'tls.certificate': cannot read '\(cert)': \(error)")
            }
            do { pkey = try NIOSSLPrivateKey(file: key, format: .pem) } catch {
                throw LabConfigError("\(config.file): error: key 'tls.key': cannot read '\(key)': \(error)")
            }
            let tls = TLSConfiguration.makeServerConfiguration(certificateChain: chain.map { .certificate($0) }, privateKey: .privateKey(pkey))
            server = try .tls(server, tlsConfiguration: tls)
        }
        let logger = self.logger
        let scheme = config.tls ? "https" : "http"
        let bind = config.bind
        return Application(
            router: router,
            server: server,
            configuration: .init(address: .hostname(config.bind, port: config.port), serverName: "hazlab",
                                 availableConnectionsDelegate: MaximumAvailableConnections(config.maxConnections, logger: logger)),
            onServerRunning: { channel in
                let port = channel.localAddress?.port ?? 0
                logger.notice("hazlab serve listening", metadata: ["url": "\(scheme)://\(bind):\(port)", "port": "\(port)"])
                await onRunning(port)
            },
            logger: logger
        )
    }

    func routes(_ router: LabRoutes) {
        serviceRoutes(router)
        sessionRoutes(router)
        attemptRoutes(router)
        taskRoutes(router)
        examRoutes(router)
        liveFeedRoutes(router)
        debriefRoutes(router)
        backtrackRoutes(router)
        teacherPageRoutes(router)
        commandRoutes(router)
        classMembersRoute(router)
        adminRoutes(router)
        workstationRoutes(router)
    }

    /// Health and metrics, for the school's monitoring (no sign-in).
    func serviceRoutes(_ router: LabRoutes) {
        router.get("/health") { _, _ in
            let version = (try? self.accounts.locked { try $0.schemaVersion() }) ?? -1
            return LabJSON.response(.ok, ["ok": version >= 0, "storeVersion": version,
                                          "uptimeSeconds": Int(Date().timeIntervalSince(self.started))])
        }
        router.get("/metrics") { _, _ in
            var h = HTTPFields()
            h[.contentType] = "text/plain; version=0.0.4; charset=utf-8"
            return Response(status: .ok, headers: h, body: .init(byteBuffer: ByteBuffer(bytes: self.registry.emitToBuffer())))
        }
    }

    /// Web sign-in, sign-out and who is signed in.
    func sessionRoutes(_ router: LabRoutes) {
        router.post("/api/login", use: handle { req, ctx in try await self.login(req, ctx) })
        router.post("/api/logout", use: handle { req, ctx in
            let s = try self.authorise(req, ctx, state: true)
            if let token = req.cookie(Self.sessionCookie) { try self.accounts.endSession(token: token, actor: s.user.id) }
            var h = HTTPFields()
            h[.setCookie] = self.cookieHeader(value: "", maxAge: 0)
            return LabJSON.response(.ok, ["ok": true], headers: h)
        })
        router.get("/api/me", use: handle { req, ctx in
            let s = try self.authorise(req, ctx)
            return LabJSON.response(.ok, ["user": s.user.id, "name": s.user.name, "role": s.user.role.rawValue, "csrf": s.csrf])
        })
    }

    /// A class's members: its instructors, administrators and auditors read it.
    func classMembersRoute(_ router: LabRoutes) {
        router.get("/api/classes/{class}", use: handle { req, ctx in
            let s = try self.authorise(req, ctx)
            let klass = pathParameter(ctx.parameters.get("class"))
            switch s.user.role {
            case .administrator, .auditor: break
            case .instructor: guard try self.accounts.teaches(instructor: s.user.id, klass: klass) else { throw LabHTTPError(.forbidden, "you do not teach class '\(klass)'") }
            case .student: throw LabHTTPError.forbidden
            }
            guard try self.accounts.classExists(klass) else { throw LabHTTPError(.notFound, "no class '\(klass)'") }
            let members = try self.accounts.members(of: klass).map { ["id": $0.user.id, "name": $0.user.name, "role": $0.role] }
            return LabJSON.response(.ok, ["class": klass, "members": members])
        })
    }

    /// The administrator's routes: users, roles, lockouts, rosters, workstation keys, the audit log.
    func adminRoutes(_ router: LabRoutes) {
        router.post("/api/admin/users", use: handle { req, ctx in
            let s = try self.authorise(req, ctx, state: true, roles: [.administrator])
            let o = try await LabJSON.object(req, ctx)
            let id = try LabJSON.string(o, "id", max: 64), name = try LabJSON.optionalString(o, "name") ?? ""
            let role = try Self.role(o)
            let pw = try LabJSON.optionalString(o, "password", max: 72)
            let made = try await self.offload { try self.accounts.createUser(id: id, name: name, role: role, password: pw, actor: s.user.id) }
            return LabJSON.response(.created, pw == nil ? ["id": id, "password": made] : ["id": id])
        })
        router.post("/api/admin/users/{id}/role", use: handle { req, ctx in
            let s = try self.authorise(req, ctx, state: true, roles: [.administrator])
            let role = try Self.role(try await LabJSON.object(req, ctx))
            try self.accounts.setRole(user: pathParameter(ctx.parameters.get("id")), role: role, actor: s.user.id)
            return LabJSON.response(.ok, ["ok": true])
        })
        router.post("/api/admin/users/{id}/unlock", use: handle { req, ctx in
            let s = try self.authorise(req, ctx, state: true, roles: [.administrator])
            let id = pathParameter(ctx.parameters.get("id"))
            let until = try self.accounts.unlock(id: id, actor: s.user.id)
            return LabJSON.response(.ok, ["id": id, "wasLocked": !until.isEmpty, "lockedUntil": until.isEmpty ? String?.none : until])
        })
        router.post("/api/admin/classes/{class}/roster", use: handle { req, ctx in
            let s = try self.authorise(req, ctx, state: true, roles: [.administrator])
            let data = try await LabJSON.body(req, ctx)
            guard let text = String(data: data, encoding: .utf8) else { throw LabHTTPError.badRequest("the roster is not UTF-8 text") }
            let klass = pathParameter(ctx.parameters.get("class"))
            let made = try await self.offload { try self.accounts.importRoster(csv: text, klass: klass, actor: s.user.id) }.map { ($0.id, $0.password) }
            return LabJSON.response(.ok, ["imported": made.count,
                                          "passwords": made.compactMap { m in m.1.map { ["id": m.0, "password": $0] } }])
        })
        router.post("/api/admin/workstations", use: handle { req, ctx in
            let s = try self.authorise(req, ctx, state: true, roles: [.administrator])
            let o = try await LabJSON.object(req, ctx)
            try self.accounts.registerWorkstation(id: try LabJSON.string(o, "id", max: 64), publicKey: try LabJSON.string(o, "publicKey", max: 64), actor: s.user.id)
            return LabJSON.response(.created, ["ok": true])
        })
        router.post("/api/admin/workstations/{id}/revoke", use: handle { req, ctx in
            let s = try self.authorise(req, ctx, state: true, roles: [.administrator])
            try self.accounts.revokeWorkstation(id: pathParameter(ctx.parameters.get("id")), actor: s.user.id)
            return LabJSON.response(.ok, ["ok": true])
        })
        router.get("/api/audit", use: handle { req, ctx in
            _ = try self.authorise(req, ctx, roles: [.administrator, .auditor])
            let rows = try self.accounts.locked { try $0.auditLog(limit: 200) }
            return LabJSON.response(.ok, ["audit": rows.map { JSONText.object(["id": $0.id, "at": $0.at, "actor": $0.actor, "action": $0.action,
                                                                               "subject": $0.subject, "detail": $0.detail]) }])
        })
    }

    /// The `role` member of an admin request: one of the four roles.
    static func role(_ o: JSONText.Value) throws -> LabRole {
        guard let role = LabRole(rawValue: try LabJSON.string(o, "role", max: 32)) else {
            throw LabHTTPError.badRequest("field 'role' must be one of student, instructor, administrator, auditor")
        }
        return role
    }

    /// The workstation's routes (signed by its key) and its journal stream.
    func workstationRoutes(_ router: LabRoutes) {
        router.get("/api/workstation/challenge", use: handle { req, ctx in
            let ws = req.uri.queryParameters["workstation"].map(String.init) ?? ""
            guard LabAccounts.validId(ws) else { throw LabHTTPError.badRequest("query 'workstation' must be a workstation id") }
            guard let nonce = self.nonces.make(for: ws) else {
                throw LabHTTPError(.serviceUnavailable, "too many outstanding challenges; try again in a minute")
            }
            return LabJSON.response(.ok, ["nonce": nonce])
        })
        router.post("/api/workstation/assignment", use: handle { req, ctx in try await self.assign(req, ctx) })
        router.post("/api/workstation/login", use: handle { req, ctx in try await self.workstationLogin(req, ctx) })
        router.post("/api/workstation/logout", use: handle { req, ctx in
            let o = try await LabJSON.object(req, ctx)
            let ws = try LabJSON.string(o, "workstation", max: 64), ticket = try LabJSON.string(o, "ticket", max: 128)
            _ = try self.accounts.endTicket(token: ticket, workstation: ws)
            return Response(status: .noContent)
        })
        router.post("/api/workstation/upload", use: handle { req, ctx in try await self.upload(req, ctx) })
        router.ws("/api/stream") { req, _ in
            // A plain GET (no WebSocket upgrade) would otherwise get an empty 200.
            guard req.headers[.upgrade]?.lowercased().contains("websocket") == true else {
                throw LabHTTPError.badRequest("/api/stream is a WebSocket: send GET with 'Upgrade: websocket' (Docs/lab.md, \"Journal stream protocol\")")
            }
            return .upgrade([:])
        } onUpgrade: { inbound, outbound, _ in
            try await self.stream(inbound: inbound, outbound: outbound)
        }
    }

    /// Wraps a handler: a `LabHTTPError` (or an account error) becomes a JSON error answer; anything
    /// else is logged and answered 500 without detail.
    func handle(_ body: @escaping @Sendable (Request, LabContext) async throws -> Response) -> @Sendable (Request, LabContext) async throws -> Response {
        { [logger] req, ctx in
            do { return try await body(req, ctx) }
            catch let e as LabHTTPError { return LabJSON.error(e) }
            catch let e as LabAccountError {
                return LabJSON.error(.init(e.kind == .notFound ? .notFound : e.kind == .conflict ? .conflict : .badRequest, e.message))
            }
            catch let e as LabConflict { return LabJSON.error(.init(.conflict, e.message)) }
            catch let e as HTTPError where e.status == .contentTooLarge {
                return LabJSON.error(.init(.contentTooLarge, "the request body is over the limit of \(ctx.maxUploadSize) bytes (limits.requestBytes)"))
            }
            catch {
                logger.error("request failed", metadata: ["path": "\(req.uri.path)", "error": "\(error)"])
                return LabJSON.error(.init(.internalServerError, "internal error (see the server log)"))
            }
        }
    }

    // MARK: sessions and roles

    func cookieHeader(value: String, maxAge: Int) -> String {
        "\(Self.sessionCookie)=\(value); Path=/; Max-Age=\(maxAge); HttpOnly; SameSite=Strict\(config.tls ? "; Secure" : "")"
    }

    /// The caller's session; with `state` (a state-changing request) the CSRF token must be in
    /// the `X-CSRF-Token` header; with `roles`, the caller must hold one of them.
    func authorise(_ req: Request, _ ctx: LabContext, state: Bool = false, roles: Set<LabRole>? = nil) throws -> LabSession {
        guard let token = req.cookie(Self.sessionCookie), let s = try accounts.session(token: token) else { throw LabHTTPError.unauthenticated }
        if state {
            let given = req.headers.first(where: { $0.name.canonicalName == Self.csrfHeader.lowercased() })?.value ?? ""
            guard !s.csrf.isEmpty, Self.constantTimeEqual(given, s.csrf) else {
                try? accounts.audit(actor: s.user.id, action: LabAuditAction.csrfRefused.rawValue, subject: req.uri.path, detail: "from \(ctx.remote)")
                throw LabHTTPError(.forbidden, "missing or wrong CSRF token (send the session's token in the \(Self.csrfHeader) header)")
            }
        }
        if let roles, !roles.contains(s.user.role) {
            throw LabHTTPError(.forbidden, "your role (\(s.user.role.rawValue)) may not do this")
        }
        return s
    }

    func mayRead(student: String, _ user: LabUser) throws {
        switch user.role {
        case .administrator, .auditor: return
        case .student: if student == user.id { return }
        case .instructor: if try accounts.teachesStudent(instructor: user.id, student: student) { return }
        }
        throw LabHTTPError(.forbidden, "you may not read this attempt")
    }

    /// bcrypt is slow on purpose (≈ 0.3 s of CPU at cost 12 in a debug build): sign-ins are checked
    /// one at a time on their own queue, so a class signing in at once takes at most one core and
    /// never blocks the concurrency pool that answers the streams.
    let bcryptQueue = DispatchQueue(label: "hazlab.bcrypt")

    /// Runs `body` (which hashes or verifies passwords) on the bcrypt queue.
    func offload<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { (k: CheckedContinuation<T, any Error>) in
            bcryptQueue.async {
                do { k.resume(returning: try body()) } catch { k.resume(throwing: error) }
            }
        }
    }

    func checkLogin(id: String, password: String, via: String) async throws -> LabLoginOutcome {
        try await offload { [accounts] in try accounts.login(id: id, password: password, via: via) }
    }

    static func constantTimeEqual(_ a: String, _ b: String) -> Bool {
        let x = Array(a.utf8), y = Array(b.utf8)
        guard x.count == y.count else { return false }
        return zip(x, y).reduce(0) { $0 | ($1.0 ^ $1.1) } == 0
    }

    func login(_ req: Request, _ ctx: LabContext) async throws -> Response {
        let o = try await LabJSON.object(req, ctx)
        let id = try LabJSON.string(o, "user", max: 128), pw = try LabJSON.string(o, "password", max: 1024)
        try throttle(ctx.remote, id)
        switch try await checkLogin(id: id, password: pw, via: "web \(ctx.remote)") {
        case .ok(let user):
            loginsOK.increment()
            let (token, csrf) = try accounts.createSession(user: user)
            var h = HTTPFields()
            h[.setCookie] = cookieHeader(value: token, maxAge: config.sessionHours * 3600)
            return LabJSON.response(.ok, ["user": user.id, "name": user.name, "role": user.role.rawValue, "csrf": csrf], headers: h)
        case .refused, .wrongRole:
            loginsRefused.increment()
            failures.record(ctx.remote)
            throw LabHTTPError.refusedLogin
        }
    }

    /// Too many failed sign-ins from one address in the last minute (whatever the names): 429,
    /// before any password is checked. Audited.
    func throttle(_ address: String, _ name: String) throws {
        guard failures.count(address) >= config.lockoutPerAddressPerMinute else { return }
        try accounts.audit(actor: String(name.prefix(128)), action: LabAuditAction.loginThrottled.rawValue, subject: address,
                           detail: "over \(config.lockoutPerAddressPerMinute) failed sign-ins a minute from this address")
        throw LabHTTPError(.tooManyRequests, "too many failed sign-ins from this address: wait a minute")
    }

    // MARK: workstations

    /// What a workstation signs to get an assignment.
    public static func assignmentMessage(nonce: String, workstation: String, student: String, scenario: String) -> [UInt8] {
        LabProtocol.assignmentMessage(nonce: nonce, workstation: workstation, student: student, scenario: scenario)
    }

    /// A scenario name the server may assign: one folder name inside `scenarios`, nothing else.
    func scenarioFile(_ name: String) throws -> String {
        guard LabAccounts.validId(name), !name.contains("..") else {
            throw LabHTTPError.badRequest("bad scenario name '\(name)': one folder name of A-Z a-z 0-9 . _ - (no paths)")
        }
        let root = URL(fileURLWithPath: config.scenarios).resolvingSymlinksInPath().path
        let file = URL(fileURLWithPath: root + "/" + name + "/scenario.yaml").resolvingSymlinksInPath().path
        guard file.hasPrefix(root + "/"), FileManager.default.fileExists(atPath: file) else {
            throw LabHTTPError(.notFound, "no scenario '\(name)' on this server")
        }
        return file
    }

    /// The workstation is registered, not revoked, and holds its key: `sig` is its signature over
    /// `message` with a fresh, single-use nonce. Every refusal is audited; 403.
    func checkWorkstation(_ ws: String, nonce: String, signature sig: String, message: [UInt8], remote: String) throws -> PublicKeyRecord {
        guard let key = try accounts.workstation(ws) else {
            try accounts.audit(actor: "workstation \(ws)", action: LabAuditAction.workstationRefused.rawValue, subject: ws, detail: "unregistered key, from \(remote)")
            throw LabHTTPError(.forbidden, "workstation '\(ws)' is not registered on this server")
        }
        guard key.revoked.isEmpty else {
            try accounts.audit(actor: "workstation \(ws)", action: LabAuditAction.workstationRefused.rawValue, subject: ws, detail: "revoked key, from \(remote)")
            throw LabHTTPError(.forbidden, "workstation '\(ws)': its key was revoked at \(key.revoked)")
        }
        guard nonces.take(nonce, for: ws), key.isValidSignature(sig, for: message) else {
            try accounts.audit(actor: "workstation \(ws)", action: LabAuditAction.workstationRefused.rawValue, subject: ws, detail: "bad or stale signature, from \(remote)")
            throw LabHTTPError(.forbidden, "workstation '\(ws)': the signature does not verify (get a fresh challenge and sign it)")
        }
        return key
    }

    /// The student at the keyboard, by password: 401 (the one answer) for unknown, wrong and
    /// locked; 403 for an account that is not a student's (audited as refused, not as a login).
    func studentByPassword(_ student: String, _ pw: String, ws: String, remote: String) async throws -> LabUser {
        try throttle(remote, student)
        switch try await offload({ [accounts] in try accounts.login(id: student, password: pw, via: "workstation \(ws)", only: .student) }) {
        case .ok(let user):
            loginsOK.increment()
            return user
        case .refused:
            failures.record(remote)
            loginsRefused.increment()
            throw LabHTTPError.refusedLogin
        case .wrongRole:
            loginsRefused.increment()
            throw LabHTTPError(.forbidden, "only students sign in at a workstation")
        }
    }

    /// A scenario's title for a workstation's list: its zh title, else its id.
    func scenarioTitle(_ name: String) -> String {
        guard let file = try? scenarioFile(name), let m = try? ledger.compiled(path: file).model else { return name }
        return m.text.title.zh.isEmpty ? (m.text.title.en.isEmpty ? name : m.text.title.en) : m.text.title.zh
    }

    /// Every scenario folder on the server (free practice).
    func scenarioNames() -> [String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: config.scenarios)) ?? []
        return names.filter { LabAccounts.validId($0) && (try? scenarioFile($0)) != nil }.sorted()
    }

    func workstationLogin(_ req: Request, _ ctx: LabContext) async throws -> Response {
        let o = try await LabJSON.object(req, ctx)
        let ws = try LabJSON.string(o, "workstation", max: 64), nonce = try LabJSON.string(o, "nonce", max: 128)
        let sig = try LabJSON.string(o, "signature", max: 128), student = try LabJSON.string(o, "student", max: 128)
        let pw = try LabJSON.string(o, "password", max: 1024)
        _ = try checkWorkstation(ws, nonce: nonce, signature: sig, message: LabProtocol.loginMessage(nonce: nonce, workstation: ws, student: student),
                                 remote: ctx.remote)
        let user = try await studentByPassword(student, pw, ws: ws, remote: ctx.remote)
        let ticket = try accounts.createTicket(workstation: ws, student: user.id, hours: Double(config.ticketHours))
        let tasks = try accounts.openTasks(student: user.id).map { t in
            JSONText.object(["task": t.task.task, "scenario": t.task.scenario,
                             "title": t.task.title.isEmpty ? scenarioTitle(t.task.scenario) : t.task.title,
                             "mode": t.task.mode.rawValue, "state": t.task.state, "opens": t.task.opens, "closes": t.task.closes,
                             "done": t.done])
        }
        let practice = scenarioNames().map { ["scenario": $0, "title": scenarioTitle($0)] }
        return LabJSON.response(.ok, ["student": ["id": user.id, "name": user.name], "ticket": ticket.token, "expires": ticket.expires,
                                      "tasks": tasks, "practice": practice, "backtracks": try openBacktracks(student: user.id)])
    }

    /// What a workstation asks for in `POST /api/workstation/assignment`: one of a task, a
    /// backtrack and a scenario (free practice, with its mode), for the student at the keyboard
    /// (a password or the ticket of a sign-in), signed by the workstation over a nonce.
    struct AssignmentRequest {
        var workstation: String, nonce: String, signature: String, student: String
        var password: String?, ticket: String?
        var task: String?, backtrack: String?, scenario: String?
        /// Teaching or practice; a task's own mode replaces it.
        var mode = LabMode.practice

        init(_ o: JSONText.Value) throws {
            workstation = try LabJSON.string(o, "workstation", max: 64)
            nonce = try LabJSON.string(o, "nonce", max: 128)
            signature = try LabJSON.string(o, "signature", max: 128)
            student = try LabJSON.string(o, "student", max: 128)
            password = try LabJSON.optionalString(o, "password", max: 1024)
            ticket = try LabJSON.optionalString(o, "ticket", max: 128)
            task = try LabJSON.optionalString(o, "task", max: 64)
            backtrack = try LabJSON.optionalString(o, "backtrack", max: 64)
            guard (password == nil) != (ticket == nil) else { throw LabHTTPError.badRequest("send exactly one of 'password' and 'ticket'") }
            if backtrack != nil && (task != nil || o["scenario"] != nil) {
                throw LabHTTPError.badRequest("send one of 'task', 'backtrack' and 'scenario'")
            }
            scenario = task == nil && backtrack == nil ? try LabJSON.string(o, "scenario", max: 128) : nil
            if task == nil {
                let modeText = try LabJSON.optionalString(o, "mode", max: 16) ?? "practice"
                guard let m = LabMode(rawValue: modeText), m != .exam else {
                    throw LabHTTPError.badRequest("field 'mode' must be teaching or practice (an exam is a task: send 'task')")
                }
                mode = m
            }
        }

        /// What the workstation signed as the scenario: `task:ID`, `backtrack:ID` or the scenario's name.
        var signed: String { task.map { "task:" + $0 } ?? backtrack.map { "backtrack:" + $0 } ?? scenario ?? "" }
    }

    /// What the server assigns: the scenario folder, the seed (nil: a fresh one), the mode, and
    /// the backtrack offer being taken.
    struct AssignmentSource {
        var scenario: String
        var seed: UInt64? = nil
        var mode: LabMode
        var backtrack: LabBacktrackOffer? = nil
    }

    func assign(_ req: Request, _ ctx: LabContext) async throws -> Response {
        let r = try AssignmentRequest(try await LabJSON.object(req, ctx))
        // 1. The workstation: registered, not revoked, and holding its key (a fresh, single-use nonce).
        _ = try checkWorkstation(r.workstation, nonce: r.nonce, signature: r.signature,
                                 message: Self.assignmentMessage(nonce: r.nonce, workstation: r.workstation, student: r.student, scenario: r.signed),
                                 remote: ctx.remote)
        // 2. The student at the keyboard; 3. the server's assignment: from the task, the backtrack, or free practice.
        let user = try await assignmentStudent(r, remote: ctx.remote)
        let source = try assignmentSource(r, user: user)
        let file = try scenarioFile(source.scenario)
        if let b = source.backtrack, let parent = try ledger.assignment(b.parent), try ledger.compiled(path: file).sha256 != parent.scenarioSHA256 {
            throw LabHTTPError(.conflict, "scenario '\(source.scenario)' changed since attempt '\(b.parent)': backtrack '\(b.id)' cannot be continued")
        }
        let copied = try source.backtrack.map { try backtrackLines(parent: $0.parent, before: $0.fromTick) }
        guard let bytes = FileManager.default.contents(atPath: file) else { throw LabHTTPError(.internalServerError, "cannot read scenario '\(source.scenario)'") }
        // One student, one workstation during an exam (LabExams.swift): after the task's own checks.
        try refuseDuringExam(student: user.id, workstation: r.workstation, task: r.task)
        let a = try issueAttempt(r, source, file: file, student: user.id)
        if let b = source.backtrack { try takeBacktrack(b, by: a.attempt) }
        try accounts.audit(actor: user.id, action: LabAuditAction.assignment.rawValue, subject: a.attempt,
                           detail: "scenario \(a.scenario) seed \(a.seed) mode \(a.mode.rawValue)\(r.task.map { " task " + $0 } ?? "")"
                               + "\(source.backtrack.map { " backtrack \($0.id) from \($0.parent) tick \($0.fromTick)" } ?? "") at \(r.workstation)")
        var answer = JSONText.object(["attempt": a.attempt, "scenario": a.scenario, "scenarioSHA256": a.scenarioSHA256,
                                      "seed": String(a.seed), "mode": a.mode.rawValue, "student": a.student,
                                      "workstation": a.workstation, "issued": a.issued, "task": r.task,
                                      "scenarioBase64": bytes.base64EncodedString()])
        if let b = source.backtrack, let copied {
            answer["backtrack"] = .string(b.id); answer["from"] = .string(b.parent); answer["fromTick"] = .int(b.fromTick)
            answer["lines"] = copied.jsonValue
        }
        return LabJSON.response(.ok, answer)
    }

    /// The student at the keyboard: by password, or by the ticket of a sign-in at this workstation.
    func assignmentStudent(_ r: AssignmentRequest, remote: String) async throws -> LabUser {
        if let pw = r.password { return try await studentByPassword(r.student, pw, ws: r.workstation, remote: remote) }
        guard let u = try accounts.ticketUser(token: r.ticket ?? "", workstation: r.workstation, student: r.student) else {
            try accounts.audit(actor: "workstation \(r.workstation)", action: LabAuditAction.ticketRefused.rawValue, subject: String(r.student.prefix(128)),
                               detail: "unknown, expired or foreign ticket, from \(remote)")
            throw LabHTTPError(.unauthorized, "the ticket is not valid for this workstation and student (expired or signed out): sign in again")
        }
        return u
    }

    /// The server's assignment for the request: the task's (an exam: the student's draw), the
    /// backtrack offer's (the parent's scenario and seed), or the scenario asked for.
    func assignmentSource(_ r: AssignmentRequest, user: LabUser) throws -> AssignmentSource {
        if let taskId = r.task {
            guard let t = try accounts.task(taskId) else { throw LabHTTPError(.notFound, "no task '\(taskId)'") }
            guard try accounts.enrolled(student: user.id, in: t.klass) else {
                if t.mode == .exam { auditExamRefusal(t, student: user.id, workstation: r.workstation, "not enrolled in class '\(t.klass)'") }
                throw LabHTTPError(.forbidden, "task '\(taskId)' belongs to a class you are not in")
            }
            if t.mode == .exam {
                // The roster, the allowed workstations, the window; the scenario and seed are the
                // student's draw (LabExamRoutes.swift), never what the workstation asked for.
                let draw = try examAssignment(t, student: user.id, workstation: r.workstation)
                return AssignmentSource(scenario: draw.scenario, seed: draw.seed, mode: t.mode)
            }
            guard t.isAvailable(at: ExportTime.iso8601(millis: ExportTime.millis(Date()))) else {
                throw LabHTTPError(.conflict, "task '\(taskId)' is not open now\(t.state == "open" ? " (outside its time window)" : "")")
            }
            return AssignmentSource(scenario: t.scenario, mode: t.mode)
        }
        if let backtrackId = r.backtrack {
            guard let b = try backtrackOffer(backtrackId), b.student == user.id else { throw LabHTTPError(.notFound, "no backtrack '\(backtrackId)' for you") }
            guard b.attempt == nil else { throw LabHTTPError(.conflict, "backtrack '\(backtrackId)' was taken already (attempt \(b.attempt ?? ""))") }
            return AssignmentSource(scenario: b.scenario, seed: b.seed, mode: .practice, backtrack: b)
        }
        return AssignmentSource(scenario: r.scenario ?? "", mode: r.mode)
    }

    /// Issues the attempt in the ledger; an exam's refusal there (a second attempt) is audited.
    func issueAttempt(_ r: AssignmentRequest, _ source: AssignmentSource, file: String, student: String) throws -> LabAssignment {
        do {
            return try ledger.issue(scenarioPath: file, student: student, workstation: r.workstation, mode: source.mode, seed: source.seed, task: r.task)
        } catch let e as LabConflict {
            if source.mode == .exam, let taskId = r.task, let t = (try? accounts.task(taskId)) ?? nil {
                auditExamRefusal(t, student: student, workstation: r.workstation, e.message)
            }
            throw e
        }
    }

    /// Marks backtrack offer `b` taken by `attempt`: taken once, so a second workstation racing
    /// for the same offer gets 409.
    func takeBacktrack(_ b: LabBacktrackOffer, by attempt: String) throws {
        let taken = try accounts.locked { st -> Bool in
            try st.db.run("UPDATE lab_backtracks SET attempt = ? WHERE id = ? AND attempt IS NULL", [attempt, b.id])
            return try st.db.scalar("SELECT attempt FROM lab_backtracks WHERE id = ?", [b.id])?.string == attempt
        }
        guard taken else { throw LabHTTPError(.conflict, "backtrack '\(b.id)' was taken already") }
    }

    /// A journal written offline, uploaded whole (Docs/lab.md, "Uploads").
    func upload(_ req: Request, _ ctx: LabContext) async throws -> Response {
        // A whole class syncing after an outage: each upload holds its journal in memory twice.
        guard uploadGate.enter() else {
            throw LabHTTPError(.serviceUnavailable, "\(UploadGate.limit) uploads are being checked already: try again in a few seconds")
        }
        defer { uploadGate.leave() }
        let journalLimit = ledger.limits.maxBytes
        // JSON escaping at most doubles a journal's quotes and backslashes: room for that.
        let o = try await LabJSON.object(req, ctx, limit: max(ctx.maxUploadSize, 2 * journalLimit + 65_536))
        let ws = try LabJSON.string(o, "workstation", max: 64), nonce = try LabJSON.string(o, "nonce", max: 128)
        let sig = try LabJSON.string(o, "signature", max: 128)
        guard let text = o["journal"]?.string else { throw LabHTTPError.badRequest("missing field 'journal' (the journal file's text)") }
        let bytes = Array(text.utf8)
        guard bytes.count <= journalLimit else {
            throw LabHTTPError(.contentTooLarge, "the journal is \(bytes.count) bytes, over the journal size limit of \(journalLimit) bytes")
        }
        let sha = SHA256.hex(bytes)
        let key = try checkWorkstation(ws, nonce: nonce, signature: sig,
                                       message: LabProtocol.uploadMessage(nonce: nonce, workstation: ws, sha256: sha), remote: ctx.remote)
        func refuse(_ status: HTTPResponse.Status, _ why: String) throws -> Never {
            try accounts.audit(actor: "workstation \(ws)", action: LabAuditAction.uploadRefused.rawValue, subject: ws, detail: "sha256 \(sha): \(why)")
            throw LabHTTPError(status, "upload refused: \(why)")
        }
        guard let h = Journal.parseHeader(bytes: bytes, path: "upload") else { try refuse(.unprocessableContent, "line 1 is not a journal header") }
        if h.format < Journal.formatVersion { try refuse(.unprocessableContent, "line 1: format \(h.format) has no hash chain (format \(Journal.formatVersion) needed)") }
        if h.attempt.isEmpty { try refuse(.unprocessableContent, "line 1: the header has no attempt id") }
        if h.workstation != ws { try refuse(.unprocessableContent, "line 1: the journal was written at workstation '\(h.workstation)', not '\(ws)'") }
        guard let mode = LabMode(rawValue: h.mode) else { try refuse(.unprocessableContent, "line 1: unknown mode '\(h.mode)'") }
        let file: String
        do { file = try scenarioFile(h.scenario) } catch { try refuse(.unprocessableContent, "line 1: no scenario '\(h.scenario)' on this server") }
        let serverSHA = try ledger.compiled(path: file).sha256
        if serverSHA != h.scenarioSHA256 {
            try refuse(.unprocessableContent, "line 1: scenario '\(h.scenario)' has SHA-256 \(h.scenarioSHA256), this server's file \(serverSHA)")
        }
        guard let student = try accounts.user(h.student), student.role == .student else {
            try refuse(.unprocessableContent, "line 1: '\(h.student)' is not a student on this server")
        }
        // The chain, completeness, and a trailer signed by THIS workstation's registered key.
        let report = JournalVerifier(registry: KeyRegistry(keys: [key])).verify(bytes: bytes, path: "upload", limits: ledger.limits)
        if let p = report.problems.first {
            let signature: Set<JournalProblem.Code> = [.unsigned, .badSignature, .unknownKey, .revokedKey]
            try refuse(signature.contains(p.code) ? .forbidden : .unprocessableContent,
                       "line \(p.line): \(p.message) [\(p.code.rawValue)]\(p.code == .unknownKey ? " (only this workstation's own key may sign its uploads)" : "")")
        }
        let adopted: LabAdoption
        do {
            adopted = try ledger.adopt(journal: text, workstation: ws, scenarioPath: file, arrived: Date())
        } catch let e as LabConflict {
            try refuse(.conflict, e.message)
        } catch let e as LabStreamError {
            try refuse(.unprocessableContent, e.message)
        }
        try accounts.audit(actor: "workstation \(ws)", action: LabAuditAction.upload.rawValue, subject: adopted.attempt,
                           detail: "client attempt \(adopted.clientAttempt) student \(student.id) mode \(mode.rawValue) sha256 \(sha)\(adopted.duplicate ? " (duplicate)" : "")")
        return LabJSON.response(.ok, ["attempt": adopted.attempt, "clientAttempt": adopted.clientAttempt, "live": false,
                                      "flagged": adopted.status.flagged, "flag": adopted.status.flag, "state": adopted.status.state, "duplicate": adopted.duplicate])
    }

    // MARK: the stream

    var keyLookup: ClosureKeyLookup {
        let accounts = self.accounts
        return ClosureKeyLookup { ws, _ in
            guard let k = try? accounts.workstation(ws) else { return .unknown }
            return k.revoked.isEmpty ? .active(k) : .revoked(k.revoked)
        }
    }

    /// The open streams' writers, so that a shutdown can close each with 1001 (going away).
    let openStreams = OpenStreams()
    /// The open, welcomed streams by attempt: where instructor commands go (LabCommands.swift).
    let commandStreams = LabStreamRegistry()

    /// Closes every open stream with WebSocket close code 1001 (going away): the workstations
    /// reconnect and resume once the server is back. Called on SIGTERM/SIGINT before the
    /// graceful shutdown (whose own close would say 1000, normal closure).
    public func closeStreamsGoingAway() async {
        liveFeeds.stop()
        for w in openStreams.all() {
            try? await w.close(.goingAway, reason: "the lab server is shutting down; reconnect and resume")
        }
    }

    func stream(inbound: WebSocketInboundStream, outbound: WebSocketOutboundWriter) async throws {
        streams.increment()
        let id = openStreams.add(outbound)
        var welcomed: String? = nil
        defer {
            streams.decrement(); openStreams.remove(id); presence.closed(connection: id)
            if let welcomed { commandStreams.remove(attempt: welcomed, connection: id) }
        }
        let session = LabStreamSession(ledger: ledger, keys: keyLookup, mirror: mirror)
        for try await message in inbound.messages(maxSize: config.maxFrameBytes) {
            streamLines.increment()
            let replies: [LabServerMessage]
            switch message {
            case .binary:
                replies = [LabStreamError(.badFrame, "binary frames are not part of the protocol; send JSON text frames").serverMessage]
            case .text(let frame):
                // Malformed or oversized frames are fatal (protocol section "Errors").
                replies = session.receive(frame: frame, arrived: Date())
            }
            if let a = session.authenticated?.attempt { presence.line(connection: id, attempt: a) }
            for r in replies {
                // One more stream session for the attempt (EXAM: more than one flags a reconnect).
                if case .welcome(let a, _) = r { try? accounts.countStream(attempt: a) }
                if case .error(let code, let msg, _) = r, code == LabErrorCode.fork.rawValue {
                    logger.warning("stream refused", metadata: ["code": "\(code)", "message": "\(msg)"])
                }
                try await outbound.write(.text(LabProtocol.encode(r)))
                switch r {
                case .welcome(let attempt, _) where welcomed == nil:
                    // Instructor commands not yet journaled follow the welcome (Docs/lab.md, "Instructor commands").
                    welcomed = attempt
                    do { try await streamWelcomed(attempt: attempt, connection: id, writer: outbound) } catch {
                        // The lines still stream; the commands go again after the next welcome.
                        logger.error("instructor commands not sent", metadata: ["attempt": "\(attempt)", "error": "\(error)"])
                    }
                case .ack(let seq):
                    if let welcomed, case .text(let frame) = message, frame.contains("cmd"),
                       case .success(.line(seq, let text)) = LabProtocol.decodeClient(frame) {
                        streamLineStored(attempt: welcomed, seq: seq, text: text)
                    }
                default: break
                }
            }
            if session.closed || replies.contains(where: { if case .error(_, _, true) = $0 { return true }; return false }) { break }
        }
    }
}

extension LabHTTPError {
    /// The one answer for an unknown id, a wrong password and a locked account.
    public static let refusedLogin = LabHTTPError(.unauthorized, "wrong user id or password, or too many attempts: try again later")
}

/// The writers of the open streams, by a connection number.
final class OpenStreams: @unchecked Sendable {
    let lock = NSLock()
    var next = 0
    var writers: [Int: WebSocketOutboundWriter] = [:]
    func add(_ w: WebSocketOutboundWriter) -> Int { lock.lock(); defer { lock.unlock() }; next += 1; writers[next] = w; return next }
    func remove(_ id: Int) { lock.lock(); writers[id] = nil; lock.unlock() }
    func all() -> [WebSocketOutboundWriter] { lock.lock(); defer { lock.unlock() }; return Array(writers.values) }
}

/// Failed sign-ins per network address over the last minute.
final class FailureWindow: @unchecked Sendable {
    let lock = NSLock()
    var times: [String: [Date]] = [:]

    func record(_ address: String) {
        lock.lock(); defer { lock.unlock() }
        let now = Date()
        if times.count > 10_000 { times = times.filter { $0.value.contains { now.timeIntervalSince($0) < 60 } } }
        times[address, default: []].append(now)
    }

    func count(_ address: String) -> Int {
        lock.lock(); defer { lock.unlock() }
        let now = Date()
        let recent = (times[address] ?? []).filter { now.timeIntervalSince($0) < 60 }
        times[address] = recent.isEmpty ? nil : recent
        return recent.count
    }
}

/// How many offline uploads are read and checked at once (the rest get 503 and retry).
final class UploadGate: @unchecked Sendable {
    static let limit = 4
    private let lock = NSLock()
    private var inFlight = 0
    func enter() -> Bool { lock.lock(); defer { lock.unlock() }; guard inFlight < Self.limit else { return false }; inFlight += 1; return true }
    func leave() { lock.lock(); inFlight -= 1; lock.unlock() }
}

/// Single-use workstation challenges, valid for two minutes.
final class NonceBook: @unchecked Sendable {
    let lock = NSLock()
    var nonces: [String: (workstation: String, expires: Date)] = [:]

    static let capacity = 10_000

    /// A fresh challenge, or nil when `capacity` unexpired challenges are outstanding (a flood:
    /// refusing new ones keeps the ones already handed out valid).
    func make(for ws: String) -> String? {
        let n = LabAccounts.randomToken()
        lock.lock(); defer { lock.unlock() }
        let now = Date()
        if nonces.count >= Self.capacity { nonces = nonces.filter { $0.value.expires > now } }
        guard nonces.count < Self.capacity else { return nil }
        nonces[n] = (ws, now.addingTimeInterval(120))
        return n
    }

    func take(_ n: String, for ws: String) -> Bool {
        lock.lock(); defer { lock.unlock() }
        guard let e = nonces.removeValue(forKey: n) else { return false }
        return e.workstation == ws && e.expires > Date()
    }
}

struct CountingMiddleware: RouterMiddleware {
    typealias Context = LabContext
    let counter: Counter
    func handle(_ request: Request, context: LabContext, next: (Request, LabContext) async throws -> Response) async throws -> Response {
        counter.increment()
        return try await next(request, context)
    }
}

/// A path parameter as the client meant it: Hummingbird hands it over still percent-encoded
/// (`demo%2Dclass`), so an id a client encodes would never match.
func pathParameter(_ raw: String?) -> String {
    guard let raw else { return "" }
    return raw.removingPercentEncoding ?? raw
}
