import Crypto
import Foundation
import HazLabLab
import HazLabRecords
import HazLabRunner
import HazLabScenario

/// One student's draw (抽题) in an exam session: the scenario (a folder name from the exam's
/// list) and the seed the server assigns.
public struct LabExamDraw: Sendable, Equatable {
    public var student: String
    public var scenario: String
    public var seed: UInt64
    public init(student: String, scenario: String, seed: UInt64) { self.student = student; self.scenario = scenario; self.seed = seed }

    public var json: JSONText.Value { JSONText.object(["student": student, "scenario": scenario, "seed": String(seed)]) }
}

/// The draw rule (Docs/lab.md, "Exam sessions (考核)"): a pure function of its inputs, the same on
/// every machine and in every build.
///
///   scenario index = UInt64(big-endian, first 8 bytes of
///                    SHA-256("hazlab-exam-draw-v1" ‖ u64be(exam seed) ‖ u32be(len(student)) ‖ student)) mod count
///   seed           = ExamPlan.seed(exam: <task id>, scenario: <the drawn scenario's id>, student:)
///
/// (`len` is the UTF-8 byte count; the seed is the exam plan's, so `hazlab exam plan --exam <task id>`
/// on the drawn scenario gives the same seeds.)
public enum LabExamDrawRule {
    public static let domain = "hazlab-exam-draw-v1"

    public static func scenarioIndex(examSeed: UInt64, student: String, count: Int) -> Int {
        precondition(count > 0, "an exam draws from at least one scenario")
        var message = Array(domain.utf8)
        for i in (0..<8).reversed() { message.append(UInt8(examSeed >> (UInt64(i) * 8) & 0xFF)) }
        let bytes = Array(student.utf8)
        let n = UInt32(bytes.count)
        message += [UInt8(n >> 24 & 0xFF), UInt8(n >> 16 & 0xFF), UInt8(n >> 8 & 0xFF), UInt8(n & 0xFF)]
        message += bytes
        let d = SHA256.digest(message)
        var v: UInt64 = 0
        for b in d.prefix(8) { v = v << 8 | UInt64(b) }
        return Int(v % UInt64(count))
    }

    /// Every student's draw. `scenarios`: (folder name, scenario id) in the exam's order.
    public static func draws(task: String, examSeed: UInt64, scenarios: [(folder: String, id: String)], students: [String]) -> [LabExamDraw] {
        students.map { s in
            let pick = scenarios[scenarioIndex(examSeed: examSeed, student: s, count: scenarios.count)]
            return LabExamDraw(student: s, scenario: pick.folder, seed: ExamPlan.seed(exam: task, scenario: pick.id, student: s))
        }
    }

    /// A fresh exam seed: 53 bits from the system's CSPRNG (exact in every JSON reader).
    public static func newExamSeed() -> UInt64 {
        var g = SystemRandomNumberGenerator()
        return g.next() & ((1 << UInt64(ExamPlan.seedBits)) - 1)
    }
}

/// An exam session: an exam task (store migration 9) with what migration 12 adds. A plain exam task
/// (made with `POST /api/classes/{class}/tasks`, no session row) reads as a session of its one
/// scenario, the class's current students, any workstation, and no exam seed.
public struct LabExam: Sendable, Equatable {
    public var task: LabTask
    /// nil for a plain exam task.
    public var seed: UInt64?
    public var scenarios: [String]
    public var students: [String]
    /// Empty: any registered, unrevoked workstation.
    public var workstations: [String]
    public var draws: [LabExamDraw]
    public var ended: String?
    public var endedBy: String?

    public var isSession: Bool { seed != nil }

    public func draw(for student: String) -> LabExamDraw? { draws.first { $0.student == student } }

    public var json: JSONText.Value {
        var j = task.json
        j["scenarios"] = scenarios.jsonValue
        j["students"] = students.jsonValue
        j["workstations"] = workstations.jsonValue
        j["draws"] = draws.map(\.json).jsonValue
        j["seed"] = seed.map { String($0) }.jsonValue
        j["ended"] = ended.jsonValue
        j["endedBy"] = endedBy.jsonValue
        return j
    }
}

/// One row of an exam's results: an attempt, or a rostered student with none (`attempt` nil,
/// state `not-started`).
public struct LabExamResult: Sendable, Equatable {
    public enum Flag: String, Sendable, CaseIterable {
        /// Not seen arriving live (uploaded offline, or streamed after the fact).
        case offlineUpload = "offline-upload"
        /// More than one stream session was welcomed for it.
        case reconnected
        /// Its journal has an `incident-pause` line.
        case incident
        /// An instructor voided it.
        case voided
    }
    public var student: String
    public var attempt: String?
    public var scenario: String
    public var state: String
    public var score: Double?
    public var maxScore: Double?
    public var grade: String?
    public var published: Bool
    public var flags: [Flag]
    public var workstation: String?
    public var streams: Int

    public var json: JSONText.Value {
        JSONText.object(["student": student, "attempt": attempt, "scenario": scenario, "state": state,
                         "score": score, "maxScore": maxScore, "grade": grade, "published": published,
                         "flags": flags.map(\.rawValue), "workstation": workstation, "streams": streams])
    }
}

/// What `publishExam` did.
public struct LabExamPublishing: Sendable, Equatable {
    public var published: [String] = []
    public var skipped: [(attempt: String, reason: String)] = []

    public static func == (a: Self, b: Self) -> Bool {
        a.published == b.published && a.skipped.map(\.attempt) == b.skipped.map(\.attempt) && a.skipped.map(\.reason) == b.skipped.map(\.reason)
    }

    public var json: JSONText.Value {
        JSONText.object(["published": published, "skipped": skipped.map { ["attempt": $0.attempt, "reason": $0.reason] }])
    }
}

extension LabAccounts {
    static func jsonList(_ items: [String]) -> String { "[" + items.map(JSON.string).joined(separator: ",") + "]" }

    static func parseList(_ text: String?) -> [String] {
        guard let text, let v = try? JSONText.parse(Array(text.utf8)), let a = v.array else { return [] }
        return a.compactMap(\.string)
    }

    /// Creates an exam session for `klass`: an exam task (state `closed` until opened) plus its
    /// scenarios, roster, allowed workstations, exam seed and every student's draw. Checks every
    /// item (unknown scenarios are the caller's to check: `scenarios` are already resolved to ids).
    /// `students` nil: every student enrolled in the class now; `workstations` nil or empty: any
    /// registered, unrevoked one. Audited `lab-exam-create`. Errors name the field.
    public func createExam(klass: String, title: String, scenarios: [(folder: String, id: String)], students: [String]?,
                           workstations: [String]?, opens: String?, closes: String?, actor: String, examSeed: UInt64? = nil) throws -> LabExam {
        guard !scenarios.isEmpty else { throw LabAccountError("field 'scenarios': list at least one scenario") }
        var seen = Set<String>()
        for s in scenarios where !seen.insert(s.folder).inserted { throw LabAccountError("field 'scenarios': '\(s.folder)' is listed twice") }
        for s in scenarios where !LabAccounts.validId(s.folder) { throw LabAccountError("field 'scenarios': bad scenario name '\(s.folder)'") }
        if let opens, let closes, closes <= opens { throw LabAccountError("field 'closes' must be after 'opens'") }
        guard try classExists(klass) else { throw LabAccountError("no class '\(klass)'", kind: .notFound) }
        let enrolled = try members(of: klass).filter { $0.role == "student" }.map(\.user.id)
        let roster: [String]
        if let students {
            guard !students.isEmpty else { throw LabAccountError("field 'students': list at least one student, or leave it out for the whole class") }
            let inClass = Set(enrolled)
            var once = Set<String>()
            for s in students {
                guard once.insert(s).inserted else { throw LabAccountError("field 'students': '\(s)' is listed twice") }
                guard inClass.contains(s) else { throw LabAccountError("field 'students': '\(s)' is not a student enrolled in class '\(klass)'") }
            }
            roster = students
        } else {
            guard !enrolled.isEmpty else { throw LabAccountError("field 'students': class '\(klass)' has no students enrolled") }
            roster = enrolled
        }
        let allowed = workstations ?? []
        var wsSeen = Set<String>()
        for w in allowed {
            guard wsSeen.insert(w).inserted else { throw LabAccountError("field 'workstations': '\(w)' is listed twice") }
            guard let k = try workstation(w) else { throw LabAccountError("field 'workstations': '\(w)' is not a registered workstation") }
            guard k.revoked.isEmpty else { throw LabAccountError("field 'workstations': '\(w)''s key was revoked at \(k.revoked)") }
        }
        let id = Self.newTaskId()
        let seed = examSeed ?? LabExamDrawRule.newExamSeed()
        let draws = LabExamDrawRule.draws(task: id, examSeed: seed, scenarios: scenarios, students: roster)
        let t = LabTask(task: id, klass: klass, scenario: scenarios[0].folder, title: title, mode: .exam, state: "closed", exam: id,
                        opens: opens, closes: closes, createdBy: actor, created: iso(now()))
        try locked { s in
            try s.db.transaction {
                try s.db.run("INSERT INTO lab_tasks (\(Self.taskColumns)) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                             [t.task, t.klass, t.scenario, t.title, t.mode.rawValue, t.state, t.exam,
                              t.opens.map { SQLiteValue.text($0) } ?? .null, t.closes.map { SQLiteValue.text($0) } ?? .null, t.createdBy, t.created])
                try s.db.run("INSERT INTO lab_exams (task, seed, scenarios, workstations) VALUES (?, ?, ?, ?)",
                             [id, String(seed), Self.jsonList(scenarios.map(\.folder)), Self.jsonList(allowed)])
                for (n, d) in draws.enumerated() {
                    try s.db.run("INSERT INTO lab_exam_students (task, student, ordinal, scenario, seed) VALUES (?, ?, ?, ?, ?)",
                                 [id, d.student, n, d.scenario, String(d.seed)])
                }
                try s.audit(actor: actor, action: LabAuditAction.examCreate.rawValue, subject: id,
                            detail: "class \(klass) scenarios \(scenarios.map(\.folder).joined(separator: ",")) students \(roster.count) workstations \(allowed.isEmpty ? "any" : allowed.joined(separator: ",")) seed \(seed)")
            }
        }
        return LabExam(task: t, seed: seed, scenarios: scenarios.map(\.folder), students: roster, workstations: allowed, draws: draws)
    }

    /// The exam session of an exam task; nil when `task` is not an exam task. A plain exam task's
    /// draws need its scenario's id: `scenarioId` (nil: no draws listed).
    public func exam(_ task: String, scenarioId: ((String) -> String?)? = nil) throws -> LabExam? {
        guard let t = try self.task(task), t.mode == .exam else { return nil }
        return try exam(of: t, scenarioId: scenarioId)
    }

    func exam(of t: LabTask, scenarioId: ((String) -> String?)?) throws -> LabExam {
        try locked { s in
            if let r = try s.db.query("SELECT seed, scenarios, workstations, ended, ended_by FROM lab_exams WHERE task = ?", [t.task]).first {
                let draws = try s.db.query("SELECT student, scenario, seed FROM lab_exam_students WHERE task = ? ORDER BY ordinal", [t.task]).map {
                    LabExamDraw(student: $0[0].string ?? "", scenario: $0[1].string ?? "", seed: UInt64($0[2].string ?? "") ?? 0)
                }
                return LabExam(task: t, seed: UInt64(r[0].string ?? "") ?? 0, scenarios: Self.parseList(r[1].string), students: draws.map(\.student),
                               workstations: Self.parseList(r[2].string), draws: draws, ended: r[3].string, endedBy: r[4].string)
            }
            let students = try s.db.query("SELECT user FROM lab_enrolments WHERE class = ? AND role = 'student' ORDER BY user", [t.klass])
                .compactMap { $0[0].string }
            let id = scenarioId?(t.scenario)
            let draws = id.map { id in students.map { LabExamDraw(student: $0, scenario: t.scenario, seed: ExamPlan.seed(exam: t.exam, scenario: id, student: $0)) } } ?? []
            return LabExam(task: t, seed: nil, scenarios: [t.scenario], students: students, workstations: [], draws: draws)
        }
    }

    /// The exam tasks of `klass`, oldest first.
    public func exams(of klass: String, scenarioId: ((String) -> String?)? = nil) throws -> [LabExam] {
        try tasks(of: klass).filter { $0.mode == .exam }.map { try exam(of: $0, scenarioId: scenarioId) }
    }

    /// Ends an exam: state `ended` (never opened again; no assignment is issued for it). Ending an
    /// ended exam again changes nothing but is audited too (the route submits running stations
    /// again). Audited `lab-exam-end`. Returns whether it had ended already.
    @discardableResult
    public func endExam(_ task: String, actor: String) throws -> Bool {
        try locked { s in
            try s.db.transaction {
                guard let row = try s.db.query("SELECT mode, state FROM lab_tasks WHERE task = ?", [task]).first, row[0].string == "exam" else {
                    throw LabAccountError("no exam '\(task)'", kind: .notFound)
                }
                let was = row[1].string ?? ""
                if was != "ended" {
                    let at = iso(now())
                    try s.db.run("UPDATE lab_tasks SET state = 'ended' WHERE task = ?", [task])
                    try s.db.run("UPDATE lab_exams SET ended = ?, ended_by = ? WHERE task = ?", [at, actor, task])
                }
                let running = try s.db.scalar("SELECT count(*) FROM lab_assignments WHERE task = ? AND state IN ('issued', 'streaming') AND voided IS NULL",
                                              [task])?.int ?? 0
                try s.audit(actor: actor, action: LabAuditAction.examEnd.rawValue, subject: task,
                            detail: "\(was == "ended" ? "already ended" : "was \(was)"); \(running) attempt(s) unfinished")
                return was == "ended"
            }
        }
    }

    /// The exam's results: every attempt of the task (voided ones included), then every rostered
    /// student without one (`not-started`). Ordered by student, then issue time.
    public func examResults(_ exam: LabExam) throws -> [LabExamResult] {
        let rows = try locked { s in
            try s.db.query("""
                SELECT x.attempt, x.student, x.scenario, CASE WHEN a.attempt IS NOT NULL THEN 'graded' ELSE x.state END,
                       a.total, a.max, a.evaluation, x.published, x.flagged, x.client_attempt, x.streams, x.voided, x.workstation,
                       EXISTS (SELECT 1 FROM lab_lines l WHERE l.attempt = x.attempt AND l.tick IS NOT NULL
                               AND instr(l.text, 'incident-pause') > 0 AND json_extract(l.text, '$.verb') = 'incident-pause')
                FROM lab_assignments x LEFT JOIN attempts a ON a.attempt = x.attempt
                WHERE x.task = ? ORDER BY x.student, x.issued, x.attempt
                """, [exam.task.task])
        }
        var out: [LabExamResult] = rows.map { r in
            var flags: [LabExamResult.Flag] = []
            if r[8].int == 1 || r[9].string != nil { flags.append(.offlineUpload) }
            if (r[10].int ?? 0) > 1 { flags.append(.reconnected) }
            if r[13].int == 1 { flags.append(.incident) }
            if r[11].string != nil { flags.append(.voided) }
            let graded = r[4].double != nil
            return LabExamResult(student: r[1].string ?? "", attempt: r[0].string, scenario: r[2].string ?? "", state: r[3].string ?? "",
                                 score: graded ? r[4].double : nil, maxScore: graded ? r[5].double : nil, grade: graded ? r[6].string : nil,
                                 published: r[7].int == 1, flags: flags, workstation: r[12].string, streams: Int(r[10].int ?? 0))
        }
        let sat = Set(out.map(\.student))
        for s in exam.students where !sat.contains(s) {
            out.append(LabExamResult(student: s, attempt: nil, scenario: exam.draw(for: s)?.scenario ?? exam.task.scenario, state: "not-started",
                                     score: nil, maxScore: nil, grade: nil, published: false, flags: [], workstation: nil, streams: 0))
        }
        return out
    }

    /// Counts a welcomed stream session of `attempt` (more than one: the `reconnected` flag).
    public func countStream(attempt: String) throws {
        try locked { s in try s.db.run("UPDATE lab_assignments SET streams = streams + 1 WHERE attempt = ?", [attempt]) }
    }

    /// Publishes an exam's results through `ledger` (each `lab-publish`, queued for export), then
    /// audits `lab-exam-publish`. `attempts` nil: every graded, unflagged, unpublished attempt;
    /// a list: exactly those (flagged ones too: the instructor reviewed them). Every attempt not
    /// published is in `skipped` with the reason.
    public func publishExam(_ exam: LabExam, attempts: [String]?, ledger: LabLedger, actor: String) throws -> LabExamPublishing {
        let results = try examResults(exam).filter { $0.attempt != nil }
        var byId: [String: LabExamResult] = [:]
        for r in results { byId[r.attempt!] = r }
        var out = LabExamPublishing()
        let chosen: [(String, LabExamResult?)] = attempts.map { $0.map { ($0, byId[$0]) } } ?? results.map { ($0.attempt!, $0) }
        var done = Set<String>()
        for (id, r) in chosen {
            guard done.insert(id).inserted else { continue }
            guard let r else { out.skipped.append((id, "not an attempt of exam '\(exam.task.task)'")); continue }
            if r.flags.contains(.voided) { out.skipped.append((id, "voided")); continue }
            if r.published { out.skipped.append((id, "already published")); continue }
            if r.state != "graded" { out.skipped.append((id, "not graded yet (state \(r.state))")); continue }
            if attempts == nil, !r.flags.isEmpty {
                out.skipped.append((id, "flagged (\(r.flags.map(\.rawValue).joined(separator: ", "))): review it, then publish it by listing it"))
                continue
            }
            do {
                try ledger.publish(attempt: id, actor: actor)
                out.published.append(id)
            } catch let e as LabStreamError {
                out.skipped.append((id, e.message))
            }
        }
        try audit(actor: actor, action: LabAuditAction.examPublish.rawValue, subject: exam.task.task,
                  detail: "\(attempts == nil ? "all unflagged" : "listed"): published \(out.published.count)\(out.published.isEmpty ? "" : " (" + out.published.joined(separator: ",") + ")"), skipped \(out.skipped.count)")
        return out
    }
}

extension LabServer {
    /// One student, one workstation during an exam: while the student has an exam attempt in
    /// progress (streaming: its header or more stored, no trailer; not voided; its exam open and
    /// inside its window), any other assignment — free practice, a teaching task, another exam —
    /// is refused with 409 and audited `lab-assignment-refused`. An exam attempt issued but never
    /// streamed is not begun (the ledger hands it again at another workstation), so it does not
    /// count. The same exam task again goes on to the ledger's own rule (exam taken once).
    func refuseDuringExam(student: String, workstation ws: String, task: String?) throws {
        let rows = try ledger.withStore { st in
            try st.db.query("""
                SELECT attempt, task, workstation FROM lab_assignments
                WHERE student = ? AND mode = 'exam' AND voided IS NULL AND state = 'streaming' AND task IS NOT NULL
                ORDER BY attempt
                """, [student])
        }
        let now = ExportTime.iso8601(millis: ExportTime.millis(Date()))
        for r in rows {
            guard let attempt = r[0].string, let examTask = r[1].string, examTask != task else { continue }
            guard let t = try accounts.task(examTask), t.mode == .exam, t.isAvailable(at: now) else { continue }
            let at = r[2].string ?? "?"
            let why = "you are taking exam '\(examTask)' (attempt \(attempt) at workstation '\(at)'): no other attempt until it is submitted"
            try accounts.audit(actor: student, action: LabAuditAction.assignmentRefused.rawValue, subject: attempt,
                               detail: "\(task.map { "task " + $0 } ?? "free practice") at workstation \(ws) refused: exam \(examTask) in progress at \(at)")
            throw LabHTTPError(.conflict, why)
        }
    }
}
