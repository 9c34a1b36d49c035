import Foundation
import HazLabLab
import HazLabRecords
import Hummingbird

/// Exam sessions (考核; Docs/lab.md, "Exam sessions (考核)"): create with a draw, list, read, end,
/// results with flags, publish. The instructor of the class or an administrator (reads: the
/// auditor too); CSRF on POST. A student gets 403 on every one of them.
extension LabServer {
    /// A JSON array of strings (nil when absent or null); each item checked by `valid`.
    static func stringList(_ o: JSONText.Value, _ key: String, max: Int = 1000, item: (String) -> Bool) throws -> [String]? {
        guard let v = o[key], !v.isNull else { return nil }
        guard let a = v.array else { throw LabHTTPError.badRequest("field '\(key)' must be an array of strings") }
        guard a.count <= max else { throw LabHTTPError.badRequest("field '\(key)' lists more than \(max) items") }
        return try a.enumerated().map { n, x in
            guard let s = x.string else { throw LabHTTPError.badRequest("field '\(key)': item \(n + 1) is not a string") }
            guard item(s) else {
                throw LabHTTPError.badRequest("field '\(key)': item \(n + 1) '\(String(s.prefix(64)))' is not an id (1–64 of A-Z a-z 0-9 . _ -)")
            }
            return s
        }
    }

    /// A scenario folder's scenario id, nil when it does not resolve or compile.
    func scenarioId(_ folder: String) -> String? {
        guard let file = try? scenarioFile(folder) else { return nil }
        return try? ledger.compiled(path: file).model.id
    }

    /// The exam `task` for `user`: 404 when it is not an exam; 403 when not the user's to manage.
    func managedExam(_ task: String, _ user: LabUser, read: Bool = false) throws -> LabExam {
        guard let e = try accounts.exam(task, scenarioId: { self.scenarioId($0) }) else { throw LabHTTPError(.notFound, "no exam '\(task)'") }
        try mayManage(klass: e.task.klass, user, read: read)
        return e
    }

    static let examReaders: Set<LabRole> = [.instructor, .administrator, .auditor]
    static let examManagers: Set<LabRole> = [.instructor, .administrator]

    func examRoutes(_ router: LabRoutes) {
        router.post("/api/classes/{class}/exams", use: handle { req, ctx in
            let s = try self.authorise(req, ctx, state: true, roles: Self.examManagers)
            let klass = pathParameter(ctx.parameters.get("class"))
            try self.mayManage(klass: klass, s.user)
            guard try self.accounts.classExists(klass) else { throw LabHTTPError(.notFound, "no class '\(klass)'") }
            let o = try await LabJSON.object(req, ctx)
            let title = try LabJSON.optionalString(o, "title", max: 200) ?? ""
            guard title.unicodeScalars.allSatisfy({ !CharacterSet.controlCharacters.contains($0) }) else {
                throw LabHTTPError.badRequest("field 'title' must not hold control characters")
            }
            guard let listed = o["scenarios"], !listed.isNull else { throw LabHTTPError.badRequest("missing field 'scenarios' (the scenarios to draw from)") }
            let names = try Self.stringList(o, "scenarios", max: 50) { LabAccounts.validId($0) && !$0.contains("..") } ?? []
            var scenarios: [(folder: String, id: String)] = []
            for name in names {
                guard (try? self.scenarioFile(name)) != nil else { throw LabHTTPError.badRequest("field 'scenarios': no scenario '\(name)' on this server") }
                guard let id = self.scenarioId(name) else { throw LabHTTPError.badRequest("field 'scenarios': scenario '\(name)' does not compile") }
                scenarios.append((name, id))
            }
            let students = try Self.stringList(o, "students", max: 1000, item: LabAccounts.validId)
            let workstations = try Self.stringList(o, "workstations", max: 1000, item: LabAccounts.validId)
            let opens = try Self.time(o, "opens"), closes = try Self.time(o, "closes")
            let exam = try self.accounts.createExam(klass: klass, title: title, scenarios: scenarios, students: students,
                                                    workstations: workstations, opens: opens, closes: closes, actor: s.user.id)
            return LabJSON.response(.ok, ["exam": exam.json])
        })
        router.get("/api/classes/{class}/exams", use: handle { req, ctx in
            let s = try self.authorise(req, ctx, roles: Self.examReaders)
            let klass = pathParameter(ctx.parameters.get("class"))
            try self.mayManage(klass: klass, s.user, read: true)
            guard try self.accounts.classExists(klass) else { throw LabHTTPError(.notFound, "no class '\(klass)'") }
            return LabJSON.response(.ok, ["exams": try self.accounts.exams(of: klass, scenarioId: { self.scenarioId($0) }).map(\.json)])
        })
        router.get("/api/exams/{task}", use: handle { req, ctx in
            let s = try self.authorise(req, ctx, roles: Self.examReaders)
            let exam = try self.managedExam(pathParameter(ctx.parameters.get("task")), s.user, read: true)
            return LabJSON.response(.ok, ["exam": exam.json])
        })
        router.post("/api/exams/{task}/end", use: handle { req, ctx in
            let s = try self.authorise(req, ctx, state: true, roles: Self.examManagers)
            let task = pathParameter(ctx.parameters.get("task"))
            _ = try self.managedExam(task, s.user)
            try self.accounts.endExam(task, actor: s.user.id)
            // The stations still running get a `submit` (INTERVENE's command queue, wired by the lead).
            let submitted: Int
            do { submitted = try self.submitRunning(task: task, actor: s.user.id) } catch {
                self.logger.error("exam end: submitting running stations failed", metadata: ["task": "\(task)", "error": "\(error)"])
                throw LabHTTPError(.internalServerError, "the exam ended, but submitting the running stations failed: POST end again to retry")
            }
            let exam = try self.managedExam(task, s.user)
            return LabJSON.response(.ok, ["exam": exam.json, "submitted": submitted])
        })
        router.get("/api/exams/{task}/results", use: handle { req, ctx in
            let s = try self.authorise(req, ctx, roles: Self.examReaders)
            let exam = try self.managedExam(pathParameter(ctx.parameters.get("task")), s.user, read: true)
            return LabJSON.response(.ok, ["exam": exam.task.task, "state": exam.task.state,
                                          "results": try self.accounts.examResults(exam).map(\.json)])
        })
        router.post("/api/exams/{task}/publish", use: handle { req, ctx in
            let s = try self.authorise(req, ctx, state: true, roles: Self.examManagers)
            let exam = try self.managedExam(pathParameter(ctx.parameters.get("task")), s.user)
            // No body, an empty body or `{}`: every graded, unflagged attempt.
            let data = try await LabJSON.body(req, ctx)
            var list: [String]? = nil
            if !data.allSatisfy({ $0 == 0x20 || $0 == 0x0A || $0 == 0x0D || $0 == 0x09 }) {
                let obj = try LabJSON.object(parsing: data) { _ in
                    "the request body is not valid JSON (send {\"attempts\":[…]} or nothing)"
                }
                list = try Self.stringList(obj, "attempts", max: 1000) { !$0.isEmpty && $0.utf8.count <= 128 }
            }
            let r = try self.accounts.publishExam(exam, attempts: list, ledger: self.ledger, actor: s.user.id)
            return LabJSON.response(.ok, r.json)
        })
    }

    /// The exam branch of `POST /api/workstation/assignment`: the student must be on the exam's
    /// roster, at an allowed workstation, inside the window of an open exam. Returns the scenario
    /// folder and the seed to issue (the draw; a plain exam task: its scenario, the plan's seed).
    /// Every refusal is audited `lab-exam-refused` with the student's identity.
    func examAssignment(_ t: LabTask, student: String, workstation ws: String) throws -> (scenario: String, seed: UInt64) {
        func refuse(_ status: HTTPResponse.Status, _ why: String) throws -> Never {
            try accounts.audit(actor: student, action: LabAuditAction.examRefused.rawValue, subject: t.task, detail: "\(why) (at workstation \(ws))")
            throw LabHTTPError(status, why)
        }
        let exam = try accounts.exam(of: t, scenarioId: { self.scenarioId($0) })
        guard let draw = exam.draw(for: student) else {
            if exam.isSession { try refuse(.forbidden, "you are not on the roster of exam '\(t.task)'") }
            try refuse(.internalServerError, "exam '\(t.task)': its scenario '\(t.scenario)' does not compile on this server")
        }
        if !exam.workstations.isEmpty && !exam.workstations.contains(ws) {
            try refuse(.forbidden, "workstation '\(ws)' is not one of the workstations allowed for exam '\(t.task)'")
        }
        if t.state == "ended" { try refuse(.conflict, "exam '\(t.task)' has ended") }
        guard t.isAvailable(at: ExportTime.iso8601(millis: ExportTime.millis(Date()))) else {
            try refuse(.conflict, "exam '\(t.task)' is not open now\(t.state == "open" ? " (outside its time window)" : "")")
        }
        return (draw.scenario, draw.seed)
    }

    /// Audits a refused exam assignment that the ledger refused (a second attempt).
    func auditExamRefusal(_ t: LabTask, student: String, workstation ws: String, _ why: String) {
        try? accounts.audit(actor: student, action: LabAuditAction.examRefused.rawValue, subject: t.task, detail: "\(why) (at workstation \(ws))")
    }
}
