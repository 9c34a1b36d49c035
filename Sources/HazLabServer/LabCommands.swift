import Foundation
import HazLabCore
import HazLabLab
import HazLabRecords
import Hummingbird
import HummingbirdWebSocket
import NIOCore

/// An instructor's command to one attempt (store migration 11, table `lab_commands`; Docs/lab.md,
/// "Instructor commands").
public struct LabCommand: Sendable, Equatable {
    public var id: Int64
    public var attempt: String
    public var kind: InstructorCommand
    public var target: String
    public var text: String
    public var by: String
    public var created: String
    /// queued (not yet sent), sent (written to the workstation's stream), journaled (its line arrived).
    public var state: String
    /// The seq of the journal line that carries it, once journaled.
    public var seq: Int?

    public var verb: String { kind.verb }

    public var json: JSONText.Value {
        JSONText.object(["id": id, "attempt": attempt, "kind": kind.rawValue, "verb": verb, "target": target, "text": text, "by": by,
                         "created": created, "state": state, "seq": seq])
    }

    public var frame: LabCommandFrame {
        LabCommandFrame(id: id, kind: kind.rawValue, verb: verb, target: target, text: text, by: by)
    }

    static let columns = "id, attempt, kind, target, text, by, created, state, seq"
    static func row(_ r: [SQLiteValue]) -> LabCommand? {
        guard let id = r[0].int, let kind = InstructorCommand(rawValue: r[2].string ?? "") else { return nil }
        return LabCommand(id: id, attempt: r[1].string ?? "", kind: kind, target: r[3].string ?? "", text: r[4].string ?? "",
                          by: r[5].string ?? "", created: r[6].string ?? "", state: r[7].string ?? "", seq: r[8].int.map { Int($0) })
    }
}

/// A refused command: HTTP status, the contract's `code`, a plain message.
struct LabCommandError: Error {
    var status: HTTPResponse.Status
    var code: String
    var message: String
    init(_ status: HTTPResponse.Status, _ code: String, _ message: String) { self.status = status; self.code = code; self.message = message }
    static func bad(_ m: String) -> LabCommandError { .init(.badRequest, "bad-command", m) }
}

/// The open, authenticated streams by attempt: where a command goes at once. Each connection is
/// added after its welcome and removed when it closes.
final class LabStreamRegistry: @unchecked Sendable {
    private let lock = NSLock()
    private var byAttempt: [String: [Int: WebSocketOutboundWriter]] = [:]
    func add(attempt: String, connection: Int, writer: WebSocketOutboundWriter) {
        lock.lock(); byAttempt[attempt, default: [:]][connection] = writer; lock.unlock()
    }
    func remove(attempt: String, connection: Int) {
        lock.lock(); defer { lock.unlock() }
        byAttempt[attempt]?[connection] = nil
        if byAttempt[attempt]?.isEmpty == true { byAttempt[attempt] = nil }
    }
    func writers(_ attempt: String) -> [WebSocketOutboundWriter] {
        lock.lock(); defer { lock.unlock() }
        return byAttempt[attempt].map { Array($0.values) } ?? []
    }
    /// Whether a workstation streams the attempt now.
    func isConnected(_ attempt: String) -> Bool { !writers(attempt).isEmpty }
}

/// The longest message, hint or reason an instructor may send (characters).
let labCommandMaxText = 500

extension LabServer {
    /// What a command needs to know of its attempt.
    struct CommandTarget {
        var assignment: LabAssignment
        var task: String?
        var ended: String?    // why no command may reach it, or nil
    }

    func commandTarget(_ attempt: String) throws -> CommandTarget? {
        guard let a = try ledger.assignment(attempt) else { return nil }
        let r = try accounts.locked { st in
            try st.db.query("SELECT state, voided, task FROM lab_assignments WHERE attempt = ?", [attempt]).first
        }
        let state = r?[0].string ?? "", voided = r?[1].string
        var ended: String?
        if voided != nil { ended = "attempt '\(attempt)' was voided" }
        else if state == "finished" || state == "graded" { ended = "attempt '\(attempt)' has ended (its trailer is stored)" }
        return CommandTarget(assignment: a, task: r?[2].string, ended: ended)
    }

    /// Instructor of the attempt's class (its task's class; a practice attempt without a task:
    /// a class of its student) or administrator.
    func mayCommand(_ t: CommandTarget, _ user: LabUser) throws {
        if let task = t.task, let k = try accounts.task(task)?.klass {
            try mayManage(klass: k, user)
        } else {
            try mayManage(student: t.assignment.student, user)
        }
    }

    /// Checks one command against its attempt: the mode allows it, the attempt runs, the target exists.
    func checkCommand(_ kind: InstructorCommand, target: String, text: String, on t: CommandTarget) throws {
        let mode = t.assignment.mode
        if let why = t.ended { throw LabCommandError(.conflict, "finished", why) }
        if !kind.modes.contains(mode.rawValue) {
            switch (mode, kind) {
            case (.exam, _):
                throw LabCommandError(.conflict, "exam-no-intervention",
                                      "an exam allows no intervention: only pause, resume (an incident) and submit")
            case (_, .freeze), (_, .run):
                throw LabCommandError(.conflict, "teaching-only", "\(kind.rawValue) is for teaching attempts only (this one is \(mode.rawValue))")
            default:
                throw LabCommandError.bad("\(kind.rawValue) is sent to exam attempts only (this one is \(mode.rawValue))")
            }
        }
        switch kind {
        case .fault, .clear:
            guard let model = try ledger.model(for: t.assignment.attempt) else { throw LabCommandError.bad("the attempt's scenario cannot be read") }
            guard let f = model.faults.ids.firstIndex(of: target) else {
                throw LabCommandError.bad("scenario '\(model.id)' has no fault '\(target)'")
            }
            guard model.faults.instructorMay(f) else {
                throw LabCommandError.bad("fault '\(target)' is not one an instructor may trigger (the scenario does not mark it instructor: true)")
            }
            // The mirror's state (the station's, up to its last line or clock): a fault fires once.
            if kind == .fault, let state = mirroredState(t.assignment.attempt), f < state.faultFired.count, state.faultFired[f] != 0 {
                throw LabCommandError.bad("fault '\(target)' has already fired (at tick \(state.faultTick[f])): a fault fires once per attempt")
            }
            if kind == .clear && !model.faults.clearable(f) {
                throw LabCommandError.bad("fault '\(target)' has nothing to clear (a trip stays tripped: the student restarts the equipment)")
            }
        case .hint:
            guard let model = try ledger.model(for: t.assignment.attempt) else { throw LabCommandError.bad("the attempt's scenario cannot be read") }
            guard model.procedure.contains(where: { $0.id == target }) else {
                throw LabCommandError.bad("a hint's target must be a procedure step of scenario '\(model.id)'; '\(target)' is not one")
            }
        case .message:
            guard !text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else { throw LabCommandError.bad("a message needs its text") }
        default:
            guard target.isEmpty else { throw LabCommandError.bad("\(kind.rawValue) takes no target") }
        }
    }

    /// The attempt's state as the mirror holds it (caught up with the ledger); nil when it cannot follow.
    func mirroredState(_ attempt: String) -> State? {
        mirror.catchUp(attempt: attempt, ledger: ledger)
        return mirror.stepper(attempt)?.state
    }

    /// Whether a fired fault's effect still holds (a stuck valve, a failed sensor, a leak, a
    /// tripped motor or breaker); nil for faults whose effect leaves no mark (a spark, an act).
    static func faultActive(_ m: Model, _ s: State, _ f: Int) -> Bool? {
        guard s.faultFired[f] != 0 else { return false }
        var known = false
        for effect in m.faults.effects[f] {
            switch effect {
            case .stickValve(let r): known = true; if s.valveStuck[Int(r)] != 0 { return true }
            case .failSensor(let r, _): known = true; if s.sensorFailure[Int(r)] != SensorFailure.none.rawValue { return true }
            case .leak(let tank, _): known = true; if s.tankLeakRate[Int(tank)] != 0 { return true }
            case .gasLeak(let leak, _): known = true; if s.leakRate[Int(leak)] != 0 { return true }
            case .tripMotor(let r): known = true; if s.motorTripped[Int(r)] != 0 { return true }
            case .tripSwitch(let r): known = true; if s.switchTripped[Int(r)] != 0 { return true }
            case .ignite, .act: break
            }
        }
        return known ? false : nil
    }

    /// Stores a checked command (queued), audits it, and sends it if the workstation is connected.
    @discardableResult
    func queueCommand(_ kind: InstructorCommand, target: String, text: String, attempt: String, actor: String) throws -> LabCommand {
        let created = ExportTime.iso8601(millis: ExportTime.millis(Date()))
        let c = try accounts.locked { st -> LabCommand in
            try st.db.run("INSERT INTO lab_commands (attempt, kind, verb, target, text, by, created, state) VALUES (?, ?, ?, ?, ?, ?, ?, 'queued')",
                          [attempt, kind.rawValue, kind.verb, target, text, actor, created])
            let id = st.db.lastInsertRowID
            try st.audit(actor: actor, action: LabAuditAction.command.rawValue, subject: attempt,
                         detail: "\(kind.rawValue) \(target)".trimmingCharacters(in: .whitespaces) + " (command \(id))")
            return LabCommand(id: id, attempt: attempt, kind: kind, target: target, text: text, by: actor, created: created,
                              state: "queued", seq: nil)
        }
        let writers = commandStreams.writers(attempt)
        if !writers.isEmpty {
            let frame = LabProtocol.encode(LabServerMessage.command(c.frame))
            Task {
                var sent = false
                for w in writers { if (try? await w.write(.text(frame))) != nil { sent = true } }
                if sent { self.markSent([c.id]) }
            }
        }
        return c
    }

    func markSent(_ ids: [Int64]) {
        guard !ids.isEmpty else { return }
        try? accounts.locked { st in
            for id in ids { try st.db.run("UPDATE lab_commands SET state = 'sent' WHERE id = ? AND state = 'queued'", [id]) }
        }
    }

    /// The attempt's commands, oldest first. A command whose line is stored but which is not
    /// marked journaled (the server stopped between storing the line and marking it) is marked
    /// here first, from the stored lines.
    func commands(_ attempt: String, unjournaledOnly: Bool = false) throws -> [LabCommand] {
        try accounts.locked { st in
            try st.db.run("""
                UPDATE lab_commands SET state = 'journaled',
                    seq = (SELECT min(l.seq) FROM lab_lines l WHERE l.attempt = lab_commands.attempt AND l.seq > 0
                           AND instr(l.text, '"cmd":') > 0 AND json_extract(l.text, '$.cmd') = lab_commands.id)
                WHERE attempt = ? AND state != 'journaled'
                  AND EXISTS (SELECT 1 FROM lab_lines l WHERE l.attempt = lab_commands.attempt AND l.seq > 0
                              AND instr(l.text, '"cmd":') > 0 AND json_extract(l.text, '$.cmd') = lab_commands.id)
                """, [attempt])
            return try st.db.query("SELECT \(LabCommand.columns) FROM lab_commands WHERE attempt = ?\(unjournaledOnly ? " AND state != 'journaled'" : "") ORDER BY id",
                            [attempt]).compactMap(LabCommand.row)
        }
    }

    /// After a welcome: every command of the attempt not yet journaled, oldest first, then the
    /// connection joins the registry (a command queued meanwhile may come twice: the workstation
    /// journals each id once).
    func streamWelcomed(attempt: String, connection: Int, writer: WebSocketOutboundWriter) async throws {
        commandStreams.add(attempt: attempt, connection: connection, writer: writer)
        let pending = try commands(attempt, unjournaledOnly: true)
        for c in pending { try await writer.write(.text(LabProtocol.encode(LabServerMessage.command(c.frame)))) }
        markSent(pending.map(\.id))
    }

    /// A stored journal line: if it carries `cmd` (a command of this attempt), the command is journaled.
    func streamLineStored(attempt: String, seq: Int, text: String) {
        guard text.contains("\"cmd\":"), let v = try? JSONText.parse(Array(text.utf8)), v["type"]?.string == "action",
              let id = v["cmd"]?.numberText.flatMap({ Int64($0) }) else { return }
        try? accounts.locked { st in
            try st.db.run("UPDATE lab_commands SET state = 'journaled', seq = ? WHERE id = ? AND attempt = ? AND state != 'journaled'",
                          [seq, id, attempt])
        }
    }

    /// Ends an exam: queues `submit` for every attempt of the task still in progress (issued or
    /// streaming, not voided); returns how many.
    public func submitRunning(task: String, actor: String) throws -> Int {
        let attempts = try accounts.locked { st in
            try st.db.query("SELECT attempt FROM lab_assignments WHERE task = ? AND state IN ('issued', 'streaming') AND voided IS NULL ORDER BY attempt",
                            [task]).compactMap { $0[0].string }
        }
        var n = 0
        for a in attempts {
            guard let t = try commandTarget(a), t.ended == nil, t.assignment.mode == .exam else { continue }
            try queueCommand(.submit, target: "", text: "", attempt: a, actor: actor)
            n += 1
        }
        return n
    }

    /// Wraps a command route: refusals answer `{"error","code"}`; refusals after sign-in are audited.
    func commandHandle(_ body: @escaping @Sendable (Request, LabContext, inout (actor: String, subject: String)?) async throws -> Response)
        -> @Sendable (Request, LabContext) async throws -> Response {
        handle { req, ctx in
            var who: (actor: String, subject: String)? = nil
            func refuse(_ status: HTTPResponse.Status, _ code: String, _ message: String) -> Response {
                if let who, status != .unauthorized {
                    try? self.accounts.audit(actor: who.actor, action: LabAuditAction.commandRefused.rawValue, subject: who.subject,
                                             detail: "\(code): \(message)")
                }
                return LabJSON.response(status, ["error": message, "code": code])
            }
            do { return try await body(req, ctx, &who) }
            catch let e as LabCommandError { return refuse(e.status, e.code, e.message) }
            catch let e as LabHTTPError {
                let code = e.status == .forbidden ? "forbidden" : e.status == .notFound ? "not-found"
                    : e.status == .unauthorized ? "unauthenticated" : e.status == .badRequest ? "bad-command" : "refused"
                return refuse(e.status, code, e.message)
            }
        }
    }

    func commandRoutes(_ router: LabRoutes) {
        router.post("/api/attempts/{attempt}/commands", use: commandHandle { req, ctx, who in
            let s = try self.authorise(req, ctx, state: true)
            let attempt = pathParameter(ctx.parameters.get("attempt"))
            who = (s.user.id, attempt)
            guard s.user.role == .instructor || s.user.role == .administrator else {
                throw LabCommandError(.forbidden, "forbidden", "your role (\(s.user.role.rawValue)) may not send commands")
            }
            guard let t = try self.commandTarget(attempt) else { throw LabCommandError(.notFound, "not-found", "no lab attempt '\(attempt)'") }
            try self.mayCommand(t, s.user)
            let o = try await LabJSON.object(req, ctx)
            let kindText = try LabJSON.string(o, "kind", max: 32)
            guard let kind = InstructorCommand(rawValue: kindText) else {
                throw LabCommandError.bad("unknown kind '\(kindText)' (one of \(InstructorCommand.allCases.map(\.rawValue).joined(separator: ", ")))")
            }
            let target = try LabJSON.optionalString(o, "target", max: 128) ?? ""
            let text = try Self.commandText(o)
            try self.checkCommand(kind, target: target, text: text, on: t)
            let c = try self.queueCommand(kind, target: target, text: text, attempt: attempt, actor: s.user.id)
            return LabJSON.response(.ok, ["command": c.json])
        })
        router.post("/api/classes/{class}/commands", use: commandHandle { req, ctx, who in
            let s = try self.authorise(req, ctx, state: true)
            let klass = pathParameter(ctx.parameters.get("class"))
            who = (s.user.id, "class " + klass)
            try self.mayManage(klass: klass, s.user)
            guard try self.accounts.classExists(klass) else { throw LabCommandError(.notFound, "not-found", "no class '\(klass)'") }
            return LabJSON.response(.ok, try self.classCommand(try await LabJSON.object(req, ctx), klass: klass, actor: s.user.id))
        })
        router.get("/api/attempts/{attempt}/commands", use: commandHandle { req, ctx, _ in
            let s = try self.authorise(req, ctx)
            let attempt = pathParameter(ctx.parameters.get("attempt"))
            guard s.user.role != .student else { throw LabCommandError(.forbidden, "forbidden", "students may not read commands") }
            guard let t = try self.commandTarget(attempt) else { throw LabCommandError(.notFound, "not-found", "no lab attempt '\(attempt)'") }
            if s.user.role != .auditor { try self.mayCommand(t, s.user) }
            return LabJSON.response(.ok, ["commands": try self.commands(attempt).map(\.json)])
        })
        router.get("/api/attempts/{attempt}/faults", use: commandHandle { req, ctx, _ in
            let s = try self.authorise(req, ctx)
            let attempt = pathParameter(ctx.parameters.get("attempt"))
            guard s.user.role != .student else { throw LabCommandError(.forbidden, "forbidden", "students may not read the instructor's faults") }
            guard let t = try self.commandTarget(attempt) else { throw LabCommandError(.notFound, "not-found", "no lab attempt '\(attempt)'") }
            if s.user.role != .auditor { try self.mayCommand(t, s.user) }
            guard let m = try self.ledger.model(for: attempt) else { throw LabCommandError(.notFound, "not-found", "the attempt's scenario cannot be read") }
            // fired/active from the mirror (the station's state up to its last line or clock).
            return LabJSON.response(.ok, ["faults": Self.instructorFaults(m, state: self.mirroredState(attempt))])
        })
    }

    /// `POST /api/classes/{class}/commands`: one command (a class kind) queued for every running
    /// attempt of the class (of `task`, if given); the attempts it may not reach are listed as skipped.
    func classCommand(_ o: JSONText.Value, klass: String, actor: String) throws -> JSONText.Value {
        let kindText = try LabJSON.string(o, "kind", max: 32)
        let classKinds: [InstructorCommand] = [.freeze, .run, .message, .pause, .resume]
        guard let kind = InstructorCommand(rawValue: kindText), classKinds.contains(kind) else {
            throw LabCommandError.bad("kind '\(kindText)' cannot go to a whole class (one of \(classKinds.map(\.rawValue).joined(separator: ", ")))")
        }
        let text = try Self.commandText(o)
        let task = try LabJSON.optionalString(o, "task", max: 64)
        if let task {
            guard let t = try accounts.task(task), t.klass == klass else {
                throw LabCommandError(.notFound, "not-found", "class '\(klass)' has no task '\(task)'")
            }
        }
        if kind == .message && text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty { throw LabCommandError.bad("a message needs its text") }
        var made: [JSONText.Value] = [], skipped: [JSONText.Value] = []
        for a in try runningAttempts(klass: klass, task: task) {
            guard let t = try commandTarget(a) else { continue }
            do {
                try checkCommand(kind, target: "", text: text, on: t)
                made.append(try queueCommand(kind, target: "", text: text, attempt: a, actor: actor).json)
            } catch let e as LabCommandError {
                skipped.append(JSONText.object(["attempt": a, "code": e.code, "reason": e.message]))
            }
        }
        return JSONText.object(["commands": made, "skipped": skipped])
    }

    /// The class's attempts in progress (issued or streaming, not voided): of its tasks, or
    /// practice without a task by its students; only `task`'s when given.
    func runningAttempts(klass: String, task: String?) throws -> [String] {
        try accounts.locked { st in
            try st.db.query("""
                SELECT x.attempt FROM lab_assignments x
                WHERE x.state IN ('issued', 'streaming') AND x.voided IS NULL
                  AND ((x.task IS NOT NULL AND x.task IN (SELECT task FROM lab_tasks WHERE class = ?))
                       OR (x.task IS NULL AND x.student IN (SELECT user FROM lab_enrolments WHERE class = ? AND role = 'student')))
                  AND (? = '' OR x.task = ?)
                ORDER BY x.attempt
                """, [klass, klass, task ?? "", task ?? ""]).compactMap { $0[0].string }
        }
    }

    /// The faults an instructor may fire in `m`, with whether each has fired and still holds in
    /// `state` (`fired` null when the state is unknown).
    static func instructorFaults(_ m: Model, state: State?) -> [JSONText.Value] {
        (0..<m.faults.count).filter { m.faults.instructorMay($0) }.map { f in
            let d = f < m.text.faultDescriptions.count ? m.text.faultDescriptions[f] : LocalizedText(zh: "", en: "")
            var o = JSONText.object(["id": m.faults.ids[f], "description": ["zh": d.zh, "en": d.en], "clearable": m.faults.clearable(f)])
            if let state, f < state.faultFired.count {
                o["fired"] = .bool(state.faultFired[f] != 0)
                if state.faultFired[f] != 0 { o["firedTick"] = .int(state.faultTick[f]) }
                if let active = faultActive(m, state, f) { o["active"] = .bool(active) }
            } else {
                o["fired"] = .null
            }
            return o
        }
    }

    /// The optional `text` member: at most 500 characters, no control characters but line breaks.
    static func commandText(_ o: JSONText.Value) throws -> String {
        guard let v = o["text"], !v.isNull else { return "" }
        guard let text = v.string else { throw LabCommandError.bad("field 'text' must be a string") }
        guard text.count <= labCommandMaxText else {
            throw LabCommandError.bad("field 'text' is \(text.count) characters, over the limit of \(labCommandMaxText)")
        }
        guard text.unicodeScalars.allSatisfy({ $0 == "\n" || !CharacterSet.controlCharacters.contains($0) }) else {
            throw LabCommandError.bad("field 'text' must not hold control characters")
        }
        return text
    }
}
