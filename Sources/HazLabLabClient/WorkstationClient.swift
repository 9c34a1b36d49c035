import Crypto
import Foundation
import HazLabCore
import HazLabLab
import HazLabRecords

/// One item of the student's task list (`tasks`, then `practice`, from the login answer).
public struct LabTask: Sendable, Equatable {
    /// The instructor's task id (nil: free practice of `scenario`).
    public var task: String?
    public var scenario: String
    public var title: String
    public var mode: String
    public var state: String
    public var done: Bool
    /// A backtrack the instructor offered (a practice attempt continuing `from` at `fromTick`).
    public var backtrack: String?
    public var from: String?
    public var fromTick: Int64?
    public init(task: String?, scenario: String, title: String, mode: String, state: String = "", done: Bool = false,
                backtrack: String? = nil, from: String? = nil, fromTick: Int64? = nil) {
        self.task = task; self.scenario = scenario; self.title = title; self.mode = mode; self.state = state; self.done = done
        self.backtrack = backtrack; self.from = from; self.fromTick = fromTick
    }
}

/// A backtrack's start: the attempt continues `from` at `fromTick`; `actions` are `from`'s own
/// actions before that tick (read from its journal lines, whose hash chain is checked), to be
/// journaled at their ticks before the student acts.
public struct LabContinuation: Sendable {
    public var from: String
    public var fromTick: Int64
    public var actions: [Action]
}

/// A signed-in student at this workstation.
public struct LabLogin: Sendable {
    public var student: String
    public var name: String
    public var ticket: String
    public var tasks: [LabTask]
    public init(student: String, name: String, ticket: String, tasks: [LabTask]) {
        self.student = student; self.name = name; self.ticket = ticket; self.tasks = tasks
    }
}

/// What the server uploaded an offline journal as.
public struct LabUploadResult: Sendable {
    public var attempt: String
    public var flagged: Bool
    public var duplicate: Bool
}

/// The workstation's side of the HTTP routes (Docs/lab.md, "Workstation routes"): every request
/// that matters is signed with the workstation's key over a fresh single-use challenge, with the
/// message functions of `LabProtocol` (one definition, shared with the server).
public final class LabWorkstationClient: Sendable {
    public let http: LabHTTP
    public let workstation: String
    let key: WorkstationKey

    public init(endpoint: LabEndpoint, key: WorkstationKey) {
        http = LabHTTP(endpoint: endpoint)
        self.key = key
        workstation = key.keyId
    }

    public var endpoint: LabEndpoint { http.endpoint }

    func check(_ r: LabHTTPResponse) throws -> JSONText.Value {
        guard r.status == 200 else { throw LabClientError.refused(status: r.status, message: r.errorMessage) }
        return r.json
    }

    public func challenge() throws -> String {
        let r = try http.get("/api/workstation/challenge?workstation=\(workstation)")
        guard let n = try check(r)["nonce"]?.string, !n.isEmpty else { throw LabClientError.badAnswer("challenge without a nonce") }
        return n
    }

    func sign(_ m: [UInt8]) throws -> String { try key.sign(m).base64EncodedString() }

    public func login(student: String, password: String) throws -> LabLogin {
        let nonce = try challenge()
        let o = try check(try http.post("/api/workstation/login", json: JSONText.object([
            "workstation": workstation, "nonce": nonce, "student": student, "password": password,
            "signature": try sign(LabProtocol.loginMessage(nonce: nonce, workstation: workstation, student: student))])))
        guard let id = o["student"]?["id"]?.string, let ticket = o["ticket"]?.string else { throw LabClientError.badAnswer("login without student or ticket") }
        var tasks: [LabTask] = []
        for t in o["tasks"]?.array ?? [] {
            guard let sc = t["scenario"]?.string else { continue }
            tasks.append(LabTask(task: t["task"]?.string ?? t["task"]?.int64.map(String.init), scenario: sc,
                                 title: t["title"]?.string ?? sc, mode: t["mode"]?.string ?? "practice",
                                 state: t["state"]?.string ?? "", done: t["done"]?.bool ?? false))
        }
        for b in o["backtracks"]?.array ?? [] {
            guard let id = b["backtrack"]?.string, let sc = b["scenario"]?.string else { continue }
            tasks.append(LabTask(task: nil, scenario: sc, title: b["title"]?.string ?? sc, mode: "practice", backtrack: id,
                                 from: b["from"]?.string, fromTick: b["fromTick"]?.int64))
        }
        for p in o["practice"]?.array ?? [] {
            guard let sc = p["scenario"]?.string else { continue }
            tasks.append(LabTask(task: nil, scenario: sc, title: p["title"]?.string ?? sc, mode: "practice"))
        }
        return LabLogin(student: id, name: o["student"]?["name"]?.string ?? id, ticket: ticket, tasks: tasks)
    }

    public func logout(ticket: String) {
        _ = try? http.post("/api/workstation/logout", json: JSONText.object(["workstation": workstation, "ticket": ticket]))
    }

    /// The server's assignment for a task (or free practice of a scenario), with the scenario's bytes,
    /// checked against the SHA-256 the server states.
    public func assignment(student: String, ticket: String, task: LabTask) throws -> (LabAssignment, [UInt8]) {
        let (a, bytes, _) = try start(student: student, ticket: ticket, task: task)
        return (a, bytes)
    }

    /// `assignment`, with a backtrack's continuation (nil for any other task).
    public func start(student: String, ticket: String, task: LabTask) throws -> (LabAssignment, [UInt8], LabContinuation?) {
        let nonce = try challenge()
        let subject = task.task.map { "task:\($0)" } ?? task.backtrack.map { "backtrack:\($0)" } ?? task.scenario
        var body = JSONText.object(["workstation": workstation, "nonce": nonce, "student": student, "ticket": ticket,
                                    "signature": try sign(LabProtocol.assignmentMessage(nonce: nonce, workstation: workstation, student: student, scenario: subject))])
        if let t = task.task { body["task"] = .string(t) } else if let b = task.backtrack { body["backtrack"] = .string(b) } else {
            body["scenario"] = .string(task.scenario); body["mode"] = .string(task.mode)
        }
        let o = try check(try http.post("/api/workstation/assignment", json: body))
        guard let attempt = o["attempt"]?.string, let scenario = o["scenario"]?.string, let sha = o["scenarioSHA256"]?.string,
              let seed = o["seed"]?.string.flatMap(UInt64.init), let mode = o["mode"]?.string.flatMap(LabMode.init(rawValue:)),
              let b64 = o["scenarioBase64"]?.string, let bytes = Data(base64Encoded: b64) else {
            throw LabClientError.badAnswer("assignment is missing attempt, scenario, scenarioSHA256, seed, mode or scenarioBase64")
        }
        let got = SHA256.hash(data: bytes).map { String(format: "%02x", $0) }.joined()
        guard got == sha else { throw LabClientError.badAnswer("scenario bytes hash to \(got), the server says \(sha)") }
        guard o["workstation"]?.string ?? workstation == workstation else { throw LabClientError.badAnswer("assignment for another workstation") }
        let a = LabAssignment(attempt: attempt, scenario: scenario, scenarioSHA256: sha, seed: seed, mode: mode,
                              student: o["student"]?.string ?? student, workstation: workstation, issued: o["issued"]?.string ?? "")
        guard task.backtrack != nil else { return (a, [UInt8](bytes), nil) }
        return (a, [UInt8](bytes), try Self.continuation(o, a))
    }

    /// A backtrack answer's `from`, `fromTick` and `lines` (the parent's header and its action
    /// lines before `fromTick`): parsed as a journal (chain checked), same scenario and seed.
    static func continuation(_ o: JSONText.Value, _ a: LabAssignment) throws -> LabContinuation {
        guard let from = o["from"]?.string, let tick = o["fromTick"]?.int64, tick >= 0,
              let lines = o["lines"]?.strings, !lines.isEmpty else {
            throw LabClientError.badAnswer("backtrack assignment is missing from, fromTick or lines")
        }
        let j: Journal
        do { j = try Journal.parse(data: Data((lines.joined(separator: "\n") + "\n").utf8), path: "backtrack from \(from)") } catch {
            throw LabClientError.badAnswer("backtrack lines of \(from) do not read as a journal: \(error)")
        }
        guard j.header.scenario == a.scenario, j.header.seed == a.seed, j.trailer == nil, j.actions.count == lines.count - 1 else {
            throw LabClientError.badAnswer("backtrack lines of \(from) are not the same scenario and seed, or hold more than actions")
        }
        guard j.actions.allSatisfy({ $0.tick < tick }) else { throw LabClientError.badAnswer("backtrack lines of \(from) reach tick \(tick) or later") }
        return LabContinuation(from: from, fromTick: tick, actions: j.actions)
    }

    /// Uploads a journal written offline (`hazlab-viewer --sync`).
    public func upload(journal bytes: [UInt8]) throws -> LabUploadResult {
        let nonce = try challenge()
        let sha = SHA256.hash(data: bytes).map { String(format: "%02x", $0) }.joined()
        let o = try check(try http.post("/api/workstation/upload", json: JSONText.object([
            "workstation": workstation, "nonce": nonce, "journal": String(decoding: bytes, as: UTF8.self),
            "signature": try sign(LabProtocol.uploadMessage(nonce: nonce, workstation: workstation, sha256: sha))])))
        guard let attempt = o["attempt"]?.string else { throw LabClientError.badAnswer("upload answer without attempt") }
        return LabUploadResult(attempt: attempt, flagged: o["flagged"]?.bool ?? false, duplicate: o["duplicate"]?.bool ?? false)
    }
}
