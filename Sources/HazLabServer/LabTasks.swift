import Foundation
import HazLabLab
import HazLabRecords

/// What an instructor assigned to a class (store migration 9, table `lab_tasks`).
public struct LabTask: Sendable, Equatable {
    public var task: String
    public var klass: String
    public var scenario: String
    public var title: String
    public var mode: LabMode
    public var state: String          // open | closed | ended (an exam that ended, store migration 12)
    /// Exam tasks: the exam id of the per-student seed plan (`ExamPlan.seed(exam:scenario:student:)`).
    public var exam: String
    public var opens: String?
    public var closes: String?
    public var createdBy: String
    public var created: String

    /// Whether a student may start it at `now` (ISO 8601 UTC): open, and inside its window.
    public func isAvailable(at now: String) -> Bool {
        state == "open" && (opens.map { $0 <= now } ?? true) && (closes.map { now < $0 } ?? true)
    }

    public var json: JSONText.Value {
        JSONText.object(["task": task, "class": klass, "scenario": scenario, "title": title, "mode": mode.rawValue, "state": state,
                         "opens": opens, "closes": closes, "createdBy": createdBy, "created": created])
    }
}

/// A workstation sign-in: bound to (workstation, student), stored only as its SHA-256.
public struct LabTicket: Sendable, Equatable {
    public var token: String
    public var expires: String
}

extension LabAccounts {
    static let taskColumns = "task, class, scenario, title, mode, state, exam, opens, closes, created_by, created"

    static func taskRow(_ r: [SQLiteValue]) -> LabTask? {
        guard let id = r[0].string, let mode = r[4].string.flatMap(LabMode.init(rawValue:)) else { return nil }
        return LabTask(task: id, klass: r[1].string ?? "", scenario: r[2].string ?? "", title: r[3].string ?? "", mode: mode,
                       state: r[5].string ?? "closed", exam: r[6].string ?? "", opens: r[7].string, closes: r[8].string,
                       createdBy: r[9].string ?? "", created: r[10].string ?? "")
    }

    /// A fresh task id: "t-" + 16 hex digits from the system's CSPRNG.
    static func newTaskId() -> String { "t-" + LabAccounts.randomToken(bytes: 8) }

    /// Creates a task for `klass`. Exam tasks start `closed` (the instructor opens them); the
    /// others start `open`. The exam's seed plan uses the task id as its exam id. Audited.
    @discardableResult
    public func createTask(klass: String, scenario: String, title: String, mode: LabMode, opens: String? = nil, closes: String? = nil,
                           actor: String) throws -> LabTask {
        guard LabAccounts.validId(scenario) else { throw LabAccountError("bad scenario name '\(scenario)'") }
        let id = Self.newTaskId()
        let t = LabTask(task: id, klass: klass, scenario: scenario, title: title, mode: mode, state: mode == .exam ? "closed" : "open",
                        exam: mode == .exam ? id : "", opens: opens, closes: closes, createdBy: actor, created: iso(now()))
        try locked { s in
            try s.db.transaction {
                guard try s.db.scalar("SELECT 1 FROM lab_classes WHERE id = ?", [klass]) != nil else { throw LabAccountError("no class '\(klass)'") }
                try s.db.run("INSERT INTO lab_tasks (\(Self.taskColumns)) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                             [t.task, t.klass, t.scenario, t.title, t.mode.rawValue, t.state, t.exam,
                              t.opens.map { SQLiteValue.text($0) } ?? .null, t.closes.map { SQLiteValue.text($0) } ?? .null, t.createdBy, t.created])
                try s.audit(actor: actor, action: LabAuditAction.taskCreate.rawValue, subject: id, detail: "class \(klass) scenario \(scenario) mode \(mode.rawValue)")
            }
        }
        return t
    }

    /// Opens or closes a task; audited `lab-exam-open` / `lab-exam-close` (`lab-task-open` /
    /// `lab-task-close` for the other modes). An ended exam (`endExam`) is refused (409).
    public func setTaskState(_ task: String, open: Bool, actor: String) throws {
        try locked { s in
            try s.db.transaction {
                guard let row = try s.db.query("SELECT mode, state FROM lab_tasks WHERE task = ?", [task]).first, let mode = row[0].string else {
                    throw LabAccountError("no task '\(task)'", kind: .notFound)
                }
                if row[1].string == "ended" {
                    throw LabAccountError("exam task '\(task)' has ended: an ended exam is never opened or closed again", kind: .conflict)
                }
                try s.db.run("UPDATE lab_tasks SET state = ? WHERE task = ?", [open ? "open" : "closed", task])
                let action: LabAuditAction = mode == "exam" ? (open ? .examOpen : .examClose) : (open ? .taskOpen : .taskClose)
                try s.audit(actor: actor, action: action.rawValue, subject: task)
            }
        }
    }

    public func task(_ id: String) throws -> LabTask? {
        try locked { s in try s.db.query("SELECT \(Self.taskColumns) FROM lab_tasks WHERE task = ?", [id]).first.flatMap(Self.taskRow) }
    }

    public func tasks(of klass: String) throws -> [LabTask] {
        try locked { s in try s.db.query("SELECT \(Self.taskColumns) FROM lab_tasks WHERE class = ? ORDER BY created, task", [klass]).compactMap(Self.taskRow) }
    }

    /// Whether `student` is enrolled (as a student) in `klass`.
    public func enrolled(student: String, in klass: String) throws -> Bool {
        try locked { s in
            try s.db.scalar("SELECT 1 FROM lab_enrolments WHERE class = ? AND user = ? AND role = 'student'", [klass, student]) != nil
        }
    }

    /// The open tasks of the student's classes, with `done`: an exam task the student already finished.
    /// An exam session is listed only to the students on its roster, with the student's drawn scenario.
    public func openTasks(student: String) throws -> [(task: LabTask, done: Bool)] {
        try locked { s in
            try s.db.query("""
                SELECT \(Self.taskColumns.split(separator: ",").map { "t." + $0.trimmingCharacters(in: .whitespaces) }.joined(separator: ", ")),
                       EXISTS (SELECT 1 FROM lab_assignments a WHERE a.task = t.task AND a.student = ? AND t.mode = 'exam'
                               AND a.state IN ('finished', 'graded')),
                       (SELECT d.scenario FROM lab_exam_students d WHERE d.task = t.task AND d.student = ?)
                FROM lab_tasks t JOIN lab_enrolments e ON e.class = t.class AND e.user = ? AND e.role = 'student'
                WHERE t.state = 'open' AND (NOT EXISTS (SELECT 1 FROM lab_exams x WHERE x.task = t.task)
                                            OR EXISTS (SELECT 1 FROM lab_exam_students d WHERE d.task = t.task AND d.student = ?))
                ORDER BY t.created, t.task
                """, [student, student, student, student]).compactMap { r in
                    Self.taskRow(r).map { t in
                        var t = t
                        if let drawn = r[12].string { t.scenario = drawn }
                        return (task: t, done: r[11].int == 1)
                    }
                }
        }
    }

    // MARK: workstation tickets

    /// A ticket for `student` signed in at `workstation`, valid `hours`.
    public func createTicket(workstation: String, student: String, hours: Double = 8) throws -> LabTicket {
        let token = LabAccounts.randomToken()
        let t = now()
        let expires = iso(t.addingTimeInterval(hours * 3600))
        try locked { s in
            try s.db.run("DELETE FROM lab_tickets WHERE expires < ?", [iso(t)])
            try s.db.run("INSERT INTO lab_tickets (token_sha256, workstation, student, created, expires) VALUES (?, ?, ?, ?, ?)",
                         [Self.sha256(token), workstation, student, iso(t), expires])
        }
        return LabTicket(token: token, expires: expires)
    }

    /// The student of a ticket that is unexpired and bound to exactly (workstation, student); nil otherwise.
    public func ticketUser(token: String, workstation: String, student: String) throws -> LabUser? {
        guard token.utf8.count == 64 else { return nil }
        return try locked { s in
            try s.db.query("""
                SELECT u.id, u.name, u.role FROM lab_tickets t JOIN lab_users u ON u.id = t.student
                WHERE t.token_sha256 = ? AND t.workstation = ? AND t.student = ? AND t.expires > ? AND u.disabled = 0 AND u.role = 'student'
                """, [Self.sha256(token), workstation, student, iso(now())]).first.flatMap(Self.userRow)
        }
    }

    /// Ends a ticket of `workstation`; returns its student, nil when there was none.
    public func endTicket(token: String, workstation: String) throws -> String? {
        try locked { s in
            try s.db.transaction {
                guard let student = try s.db.scalar("SELECT student FROM lab_tickets WHERE token_sha256 = ? AND workstation = ?",
                                                    [Self.sha256(token), workstation])?.string else { return nil }
                try s.db.run("DELETE FROM lab_tickets WHERE token_sha256 = ?", [Self.sha256(token)])
                try s.audit(actor: student, action: LabAuditAction.logout.rawValue, subject: student, detail: "workstation \(workstation)")
                return student
            }
        }
    }
}
