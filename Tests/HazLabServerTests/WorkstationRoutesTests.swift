import Crypto
import Foundation
import HazLabCore
import HazLabLab
import HazLabRecords
import HazLabRunner
import HazLabScenario
import HazLabScoring
import HazLabServer
import XCTest

/// The workstation's routes (Docs/lab.md, "Workstation routes") against a real `hazlab serve`:
/// sign-in with a ticket and the student's tasks, assignments from a task (exam seeds from the
/// plan, once per student), and journals written offline and uploaded later.
final class WorkstationRoutesTests: XCTestCase {
    let key = WorkstationKey(id: "ws-01")
    let other = WorkstationKey(id: "ws-02")

    /// s1 and s2 in class c1 (taught by t1), s3 in c2; ws-01 and ws-02 registered. Tasks in c1:
    /// an open practice task, an exam (opened), an exam left closed; in c2 an open practice task.
    struct Lab { var fixture: LabFixture; var practice: LabTask; var exam: LabTask; var closedExam: LabTask; var foreign: LabTask }

    func makeLab() throws -> Lab {
        let lab = try LabFixture()
        var tasks: [LabTask] = []
        try lab.withAccounts { a in
            try a.createUser(id: "s1", name: "张三", role: .student, password: "student-pass-1", actor: "test")
            try a.createUser(id: "s2", name: "李四", role: .student, password: "student-pass-2", actor: "test")
            try a.createUser(id: "s3", name: "王五", role: .student, password: "student-pass-3", actor: "test")
            try a.createUser(id: "t1", name: "王老师", role: .instructor, password: "teacher-pass-1", actor: "test")
            try a.createClass(id: "c1", name: "一班", actor: "test")
            try a.createClass(id: "c2", name: "二班", actor: "test")
            for (u, c) in [("s1", "c1"), ("s2", "c1"), ("t1", "c1"), ("s3", "c2")] { try a.enrol(user: u, in: c, actor: "test") }
            try a.registerWorkstation(id: key.keyId, publicKey: key.publicKey.publicKey, actor: "test")
            try a.registerWorkstation(id: other.keyId, publicKey: other.publicKey.publicKey, actor: "test")
            tasks.append(try a.createTask(klass: "c1", scenario: "tank-filling", title: "", mode: .practice, actor: "t1"))
            let exam = try a.createTask(klass: "c1", scenario: "tank-filling", title: "期中考试", mode: .exam, actor: "t1")
            XCTAssertEqual(exam.state, "closed", "an exam task starts closed")
            try a.setTaskState(exam.task, open: true, actor: "t1")
            tasks.append(try XCTUnwrap(try a.task(exam.task)))
            tasks.append(try a.createTask(klass: "c1", scenario: "pump-lockout-tagout", title: "", mode: .exam, actor: "t1"))
            tasks.append(try a.createTask(klass: "c2", scenario: "tank-filling", title: "", mode: .practice, actor: "t1"))
        }
        try lab.start()
        return Lab(fixture: lab, practice: tasks[0], exam: tasks[1], closedExam: tasks[2], foreign: tasks[3])
    }

    func nonce(_ http: HTTPClient, _ ws: String) throws -> String {
        try http.request("GET", "/api/workstation/challenge?workstation=\(ws)").json["nonce"] as? String ?? ""
    }

    func login(_ http: HTTPClient, student: String, password: String, signer: WorkstationKey? = nil) throws -> HTTPReply {
        let k = signer ?? key
        let n = try nonce(http, k.keyId)
        let sig = try k.sign(LabProtocol.loginMessage(nonce: n, workstation: k.keyId, student: student)).base64EncodedString()
        return try http.request("POST", "/api/workstation/login", json: [
            "workstation": k.keyId, "nonce": n, "signature": sig, "student": student, "password": password])
    }

    func assign(_ http: HTTPClient, student: String = "s1", ticket: String, task: String? = nil, scenario: String? = nil,
                signer: WorkstationKey? = nil) throws -> HTTPReply {
        let k = signer ?? key
        let n = try nonce(http, k.keyId)
        let signed = task.map { "task:" + $0 } ?? scenario ?? ""
        let sig = try k.sign(LabProtocol.assignmentMessage(nonce: n, workstation: k.keyId, student: student, scenario: signed)).base64EncodedString()
        var body: [String: Any] = ["workstation": k.keyId, "nonce": n, "signature": sig, "student": student, "ticket": ticket]
        if let task { body["task"] = task }
        if let scenario { body["scenario"] = scenario }
        return try http.request("POST", "/api/workstation/assignment", json: body)
    }

    func audit(_ lab: LabFixture) throws -> [ResultsStore.AuditEntry] { try ResultsStore(path: lab.storePath).auditLog(limit: 500) }

    func testLoginListsTheStudentsTasksAndPracticeAndRefusesAlike() throws {
        let lab = try makeLab()
        let http = HTTPClient(port: lab.fixture.port)
        let ok = try login(http, student: "s1", password: "student-pass-1")
        XCTAssertEqual(ok.status, 200, ok.text)
        XCTAssertEqual((ok.json["student"] as? [String: Any])?["id"] as? String, "s1")
        XCTAssertEqual((ok.json["student"] as? [String: Any])?["name"] as? String, "张三")
        XCTAssertEqual((ok.json["ticket"] as? String)?.count, 64)
        XCTAssertNotNil(ExportTime.parseISO8601(ok.json["expires"] as? String ?? ""), ok.text)
        let tasks = ok.json["tasks"] as? [[String: Any]] ?? []
        // The open tasks of s1's class: not the closed exam, not class c2's task.
        XCTAssertEqual(Set(tasks.compactMap { $0["task"] as? String }), [lab.practice.task, lab.exam.task], ok.text)
        let exam = try XCTUnwrap(tasks.first { $0["task"] as? String == lab.exam.task })
        XCTAssertEqual(exam["mode"] as? String, "exam")
        XCTAssertEqual(exam["title"] as? String, "期中考试")
        XCTAssertEqual(exam["done"] as? Bool, false)
        let practiceTask = try XCTUnwrap(tasks.first { $0["task"] as? String == lab.practice.task })
        XCTAssertEqual(practiceTask["title"] as? String, "储罐进料操作", "a task without a title shows the scenario's zh title")
        let practice = ok.json["practice"] as? [[String: Any]] ?? []
        let scenarios = try FileManager.default.contentsOfDirectory(atPath: repoRoot.appendingPathComponent("Scenarios").path)
            .filter { FileManager.default.fileExists(atPath: repoRoot.appendingPathComponent("Scenarios/\($0)/scenario.yaml").path) }
        XCTAssertEqual(Set(practice.compactMap { $0["scenario"] as? String }), Set(scenarios))
        XCTAssertTrue(practice.allSatisfy { !($0["title"] as? String ?? "").isEmpty })

        // Unknown account and wrong password: the same 401, byte for byte.
        let unknown = try login(http, student: "nobody", password: "student-pass-1")
        let wrong = try login(http, student: "s2", password: "wrong-password")
        XCTAssertEqual(unknown.status, 401)
        XCTAssertEqual(wrong.status, 401)
        XCTAssertEqual(unknown.text, wrong.text)

        // A teacher's right password at a workstation: 403, audited as refused, never as a login.
        let teacher = try login(http, student: "t1", password: "teacher-pass-1")
        XCTAssertEqual(teacher.status, 403, teacher.text)
        XCTAssertNil(teacher.json["ticket"])
        let rows = try audit(lab.fixture)
        XCTAssertTrue(rows.contains { $0.action == "lab-login-refused" && $0.actor == "t1" && $0.detail.contains("ws-01") }, "\(rows)")
        XCTAssertFalse(rows.contains { $0.action == "lab-login" && $0.actor == "t1" }, "a refused teacher is never an ok login")

        // A login signed by another workstation's key for ws-01: refused and audited.
        let n = try nonce(http, "ws-01")
        let forged = try other.sign(LabProtocol.loginMessage(nonce: n, workstation: "ws-01", student: "s1")).base64EncodedString()
        let refused = try http.request("POST", "/api/workstation/login", json: [
            "workstation": "ws-01", "nonce": n, "signature": forged, "student": "s1", "password": "student-pass-1"])
        XCTAssertEqual(refused.status, 403, refused.text)
        XCTAssertTrue(try audit(lab.fixture).contains { $0.action == "lab-workstation-refused" && $0.subject == "ws-01" })
        XCTAssertEqual(lab.fixture.stop(), 0, lab.fixture.serverLog)
    }

    func testTicketAssignmentsFromTasksExamOncePerStudentAndTicketBinding() throws {
        let lab = try makeLab()
        let http = HTTPClient(port: lab.fixture.port)
        let ticket = try login(http, student: "s1", password: "student-pass-1").json["ticket"] as? String ?? ""

        // A free-practice assignment with the ticket.
        let free = try assign(http, ticket: ticket, scenario: "tank-filling")
        XCTAssertEqual(free.status, 200, free.text)
        XCTAssertEqual(free.json["mode"] as? String, "practice")

        // The exam task: mode and seed from the task, the seed the exam plan's.
        let exam = try assign(http, ticket: ticket, task: lab.exam.task)
        XCTAssertEqual(exam.status, 200, exam.text)
        XCTAssertEqual(exam.json["mode"] as? String, "exam")
        XCTAssertEqual(exam.json["task"] as? String, lab.exam.task)
        let file = repoRoot.appendingPathComponent("Scenarios/tank-filling/scenario.yaml").path
        let model = try XCTUnwrap(ScenarioCompiler.compile(bytes: [UInt8](FileManager.default.contents(atPath: file)!), path: file).model)
        let plan = try ExamPlan.make(exam: lab.exam.exam, model: model, students: ["s1", "s2"])
        XCTAssertEqual(exam.json["seed"] as? String, plan.seed(for: "s1").map { String($0) })
        // Asked again before a line was streamed (the station failed): the same attempt, handed
        // again (LabStreamTests covers the 409 once a line is stored). Another student: another seed.
        let again = try assign(http, ticket: ticket, task: lab.exam.task)
        XCTAssertEqual(again.status, 200, again.text)
        XCTAssertEqual(again.json["attempt"] as? String, exam.json["attempt"] as? String)
        XCTAssertEqual(again.json["seed"] as? String, exam.json["seed"] as? String)
        let t2 = try login(http, student: "s2", password: "student-pass-2").json["ticket"] as? String ?? ""
        let s2 = try assign(http, student: "s2", ticket: t2, task: lab.exam.task)
        XCTAssertEqual(s2.json["seed"] as? String, plan.seed(for: "s2").map { String($0) }, s2.text)
        // The practice task: practice mode, a fresh random seed each time.
        let practice = try assign(http, ticket: ticket, task: lab.practice.task)
        XCTAssertEqual(practice.json["mode"] as? String, "practice", practice.text)
        // A closed exam, a task of another class, an unknown task.
        XCTAssertEqual(try assign(http, ticket: ticket, task: lab.closedExam.task).status, 409)
        XCTAssertEqual(try assign(http, ticket: ticket, task: lab.foreign.task).status, 403)
        XCTAssertEqual(try assign(http, ticket: ticket, task: "t-0000000000000000").status, 404)
        // Without a task, an exam cannot be asked for.
        let n = try nonce(http, "ws-01")
        let sig = try key.sign(LabProtocol.assignmentMessage(nonce: n, workstation: "ws-01", student: "s1", scenario: "tank-filling")).base64EncodedString()
        let self_exam = try http.request("POST", "/api/workstation/assignment", json: [
            "workstation": "ws-01", "nonce": n, "signature": sig, "student": "s1", "ticket": ticket, "scenario": "tank-filling", "mode": "exam"])
        XCTAssertEqual(self_exam.status, 400, self_exam.text)

        // The ticket is bound to (ws-01, s1): used from ws-02, or for s2, it is refused (401).
        XCTAssertEqual(try assign(http, ticket: ticket, scenario: "tank-filling", signer: other).status, 401)
        XCTAssertEqual(try assign(http, student: "s2", ticket: ticket, scenario: "tank-filling").status, 401)
        XCTAssertTrue(try audit(lab.fixture).contains { $0.action == "lab-ticket-refused" })
        // Signed out: the ticket is dead.
        let out = try http.request("POST", "/api/workstation/logout", json: ["workstation": "ws-01", "ticket": ticket])
        XCTAssertEqual(out.status, 204, out.text)
        XCTAssertEqual(try assign(http, ticket: ticket, scenario: "tank-filling").status, 401)

        // Once s1's exam attempt is finished, the task shows done.
        XCTAssertEqual(lab.fixture.stop(), 0, lab.fixture.serverLog)
        let attempt = exam.json["attempt"] as? String ?? ""
        let ledger = try LabLedger(storePath: lab.fixture.storePath)
        let a = try XCTUnwrap(try ledger.assignment(attempt))
        let text = try writeJournal(a, header: nil, in: lab.fixture.dir)
        for (seq, line) in text.dropLast().split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            _ = try ledger.append(attempt: attempt, workstation: "ws-01", seq: seq, text: String(line), arrived: Date())
        }
        try lab.fixture.start()
        let relog = try login(HTTPClient(port: lab.fixture.port), student: "s1", password: "student-pass-1")
        let done = (relog.json["tasks"] as? [[String: Any]] ?? []).first { $0["task"] as? String == lab.exam.task }
        XCTAssertEqual(done?["done"] as? Bool, true, relog.text)
        XCTAssertEqual(lab.fixture.stop(), 0, lab.fixture.serverLog)
    }

    func writeJournal(_ a: LabAssignment?, header: Journal.Header?, in dir: URL, signer: WorkstationKey? = nil, keyId: String? = nil) throws -> String {
        try labJournal(a, header: header, in: dir, key: key, signer: signer, keyId: keyId)
    }

    func offlineHeader(attempt: String, seed: UInt64 = 12345, mode: String = "practice", student: String = "s1",
                       scenario: String = "tank-filling") -> Journal.Header {
        let file = repoRoot.appendingPathComponent("Scenarios/\(scenario)/scenario.yaml").path
        var h = Journal.Header(scenario: scenario, scenarioSHA256: SHA256.hex([UInt8](FileManager.default.contents(atPath: file)!)),
                               seed: seed, mode: mode)
        h.student = student; h.workstation = "ws-01"; h.attempt = attempt
        return h
    }

    func upload(_ http: HTTPClient, _ journal: String, signer: WorkstationKey? = nil) throws -> HTTPReply {
        let k = signer ?? key
        let n = try nonce(http, k.keyId)
        let sha = SHA256.hex(Array(journal.utf8))
        let sig = try k.sign(LabProtocol.uploadMessage(nonce: n, workstation: k.keyId, sha256: sha)).base64EncodedString()
        return try http.request("POST", "/api/workstation/upload", json: ["workstation": k.keyId, "nonce": n, "signature": sig, "journal": journal])
    }

    func testOfflineJournalIsAdoptedGradedAndUploadedOnce() throws {
        let lab = try makeLab()
        let http = HTTPClient(port: lab.fixture.port)
        let text = try writeJournal(nil, header: offlineHeader(attempt: "local-0001", scenario: "pump-lockout-tagout"), in: lab.fixture.dir)
        XCTAssertGreaterThan(text.utf8.count, 4096, "larger than the fixture's request limit: uploads have the journal limit")
        let r = try upload(http, text)
        XCTAssertEqual(r.status, 200, r.text)
        let attempt = r.json["attempt"] as? String ?? ""
        XCTAssertTrue(attempt.hasPrefix("a-") && attempt.count == 18, r.text)
        XCTAssertEqual(r.json["clientAttempt"] as? String, "local-0001")
        XCTAssertEqual(r.json["live"] as? Bool, false)
        // Every offline upload, practice too, is flagged: its student id was typed at the offline
        // workstation and no password was checked.
        XCTAssertEqual(r.json["flagged"] as? Bool, true, r.text)
        XCTAssertEqual(r.json["flag"] as? String, "uploaded offline: identity not checked at the workstation", r.text)
        XCTAssertEqual(r.json["state"] as? String, "graded", r.text)
        XCTAssertEqual(r.json["duplicate"] as? Bool, false)

        // The same bytes again: the same attempt, nothing new stored.
        let again = try upload(http, text)
        XCTAssertEqual(again.status, 200, again.text)
        XCTAssertEqual(again.json["attempt"] as? String, attempt)
        XCTAssertEqual(again.json["duplicate"] as? Bool, true)

        // Other bytes under the same workstation attempt id: 409, audited.
        let altered = try writeJournal(nil, header: offlineHeader(attempt: "local-0001", seed: 999, scenario: "pump-lockout-tagout"), in: lab.fixture.dir)
        let conflict = try upload(http, altered)
        XCTAssertEqual(conflict.status, 409, conflict.text)
        XCTAssertTrue(try audit(lab.fixture).contains { $0.action == "lab-upload-refused" && $0.detail.contains("other bytes") })

        // A trailer signed by another key than ws-01's registered one (even under ws-01's key id): refused.
        let forged = try writeJournal(nil, header: offlineHeader(attempt: "local-0002"), in: lab.fixture.dir, signer: WorkstationKey(id: "ws-01"))
        let f = try upload(http, forged)
        XCTAssertEqual(f.status, 403, f.text)
        XCTAssertTrue(f.text.contains("bad-signature"), f.text)
        // Signed by another registered workstation's key (ws-02's), uploaded by ws-01: refused.
        let foreign = try writeJournal(nil, header: offlineHeader(attempt: "local-0003"), in: lab.fixture.dir, signer: other, keyId: "ws-02")
        let g = try upload(http, foreign)
        XCTAssertEqual(g.status, 403, g.text)
        XCTAssertTrue(g.text.contains("unknown-key"), g.text)
        // A teacher as the journal's student; an upload signed by ws-02 for ws-01's journal.
        XCTAssertEqual(try upload(http, try writeJournal(nil, header: offlineHeader(attempt: "local-0004", student: "t1"), in: lab.fixture.dir)).status, 422)
        XCTAssertEqual(try upload(http, text, signer: other).status, 422, "a journal written at ws-01 cannot be uploaded by ws-02")

        // An exam written offline: adopted, flagged for the instructor, unpublished.
        let examText = try writeJournal(nil, header: offlineHeader(attempt: "local-exam", mode: "exam"), in: lab.fixture.dir)
        let exam = try upload(http, examText)
        XCTAssertEqual(exam.status, 200, exam.text)
        XCTAssertEqual(exam.json["flagged"] as? Bool, true, exam.text)
        XCTAssertEqual(exam.json["flag"] as? String, "uploaded offline: identity not checked at the workstation", exam.text)
        // The instructor sees the flag and its reason, in the list and in the attempt's answer.
        let teacher = HTTPClient(port: lab.fixture.port)
        XCTAssertEqual(try teacher.login("t1", "teacher-pass-1").status, 200)
        let one = try teacher.request("GET", "/api/attempts/\(attempt)")
        XCTAssertEqual(one.status, 200, one.text)
        let labPart = one.json["lab"] as? [String: Any] ?? [:]
        XCTAssertEqual(labPart["flagged"] as? Bool, true, one.text)
        XCTAssertEqual(labPart["flag"] as? String, "uploaded offline: identity not checked at the workstation", one.text)
        let list = ((try teacher.request("GET", "/api/attempts").json["attempts"] as? [[String: Any]]) ?? []).first { $0["attempt"] as? String == attempt }
        XCTAssertEqual(list?["flag"] as? String, "uploaded offline: identity not checked at the workstation", "\(String(describing: list))")

        XCTAssertEqual(lab.fixture.stop(), 0, lab.fixture.serverLog)
        let ledger = try LabLedger(storePath: lab.fixture.storePath)
        XCTAssertEqual(try ledger.lines(attempt).joined(separator: "\n") + "\n", text, "the server's copy equals the uploaded file")
        let status = try XCTUnwrap(try ledger.status(attempt))
        XCTAssertEqual(status.live, false)
        XCTAssertTrue(status.flagged)
        XCTAssertEqual(status.state, "graded")
        let store = try ResultsStore(path: lab.fixture.storePath)
        XCTAssertEqual(try store.db.scalar("SELECT client_attempt FROM lab_assignments WHERE attempt = ?", [attempt])?.string, "local-0001")
        XCTAssertEqual(try store.db.scalar("SELECT count(*) FROM lab_assignments WHERE client_attempt = 'local-0001'")?.int, 1)
        XCTAssertNotNil(try store.record(attempt: attempt), "graded and stored under the server's attempt id")
        XCTAssertNil(try store.record(attempt: "local-0001"), "never under the workstation's own id")
        let examStatus = try XCTUnwrap(try ledger.status(exam.json["attempt"] as? String ?? ""))
        XCTAssertFalse(examStatus.published)
        XCTAssertTrue(try store.auditLog(limit: 500).contains { $0.action == "lab-upload" && $0.subject == attempt })
    }
}

/// A journal (JournalWriter, fsync per line) with the golden perfect run's actions; `header`
/// overrides the assignment's (an offline workstation picks its own attempt id and seed).
func labJournal(_ a: LabAssignment?, header: Journal.Header?, in dir: URL, key: WorkstationKey, signer: WorkstationKey? = nil, keyId: String? = nil) throws -> String {
    let scenario = a?.scenario ?? header?.scenario ?? "tank-filling"
    let scenarioPath = repoRoot.appendingPathComponent("Scenarios/\(scenario)/scenario.yaml").path
    let g = try Journal.read(path: repoRoot.appendingPathComponent("Scenarios/\(scenario)/runs/perfect.jsonl").path)
    var h: Journal.Header
    if let header { h = header } else {
        let a = a!
        h = Journal.Header(scenario: a.scenario, scenarioSHA256: a.scenarioSHA256, seed: a.seed, mode: a.mode.rawValue)
        h.student = a.student; h.workstation = a.workstation; h.attempt = a.attempt
    }
    h.started = ExportTime.iso8601(millis: ExportTime.millis(Date())); h.key = keyId ?? key.keyId
    let path = dir.appendingPathComponent("\(UUID().uuidString).jsonl").path
    let w = try JournalWriter(path: path, header: h)
    for x in g.actions { try w.append(x) }
    let model = ScenarioCompiler.compile(bytes: [UInt8](FileManager.default.contents(atPath: scenarioPath)!), path: scenarioPath).model!
    let out = Runner.replay(model, seed: h.seed, mode: TrainingMode(rawValue: h.mode)!, actions: g.actions)
    try w.finish(endTick: out.ticks, stateHash: out.stateHash.hex16, signer: signer ?? key)
    return String(decoding: FileManager.default.contents(atPath: path)!, as: UTF8.self)
}
