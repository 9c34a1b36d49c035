import Foundation
import HazLabLab
import HazLabRecords
import HazLabServer
import XCTest
#if canImport(Glibc)
import Glibc
#endif

/// An instructor's commands reaching real `hazlab-viewer --server --offscreen --script`
/// processes through a real `hazlab serve` (issue 15, "Intervention"): a fault journaled with
/// `by`/`cmd` in both journals and replaying to the trailer's hash, a class-wide freeze and a
/// run, an exam that refuses a fault but takes an incident pause and ends by the instructor's
/// submit, and a command resent after a cut and journaled once.
final class ViewerCommandsTests: XCTestCase {
    /// s1…s3 in class c1 (instructor t1), workstations ws-01…ws-03 with their key files.
    func makeLab() throws -> LabFixture {
        let lab = try LabFixture()
        try lab.withAccounts { a in
            try a.createClass(id: "c1", name: "一班", actor: "test")
            try a.createUser(id: "t1", name: "王老师", role: .instructor, password: "teacher-pass-1", actor: "test")
            try a.enrol(user: "t1", in: "c1", actor: "test")
            for k in 1...3 {
                try a.createUser(id: "s\(k)", name: "学生\(k)", role: .student, password: "student-pass-\(k)", actor: "test")
                try a.enrol(user: "s\(k)", in: "c1", actor: "test")
                let key = WorkstationKey(id: "ws-0\(k)")
                _ = try key.write(to: lab.dir.path)
                try a.registerWorkstation(id: key.keyId, publicKey: key.publicKey.publicKey, actor: "test")
            }
        }
        return lab
    }

    func viewer(_ lab: LabFixture, station: Int, script: String, server: String? = nil) throws -> ViewerOnServerTests.ViewerProcess {
        let scriptURL = lab.dir.appendingPathComponent("cmd-ws-0\(station).script")
        try script.write(to: scriptURL, atomically: true, encoding: .utf8)
        return try ViewerOnServerTests.ViewerProcess(["--server", server ?? "http://127.0.0.1:\(lab.port)", "--workstation", "ws-0\(station)",
                                                      "--key", lab.dir.appendingPathComponent("ws-0\(station).key").path,
                                                      "--journals", lab.dir.appendingPathComponent("journals-\(station)").path,
                                                      "--scenarios", repoRoot.appendingPathComponent("Scenarios").path,
                                                      "--offscreen", "--script", scriptURL.path], in: lab.dir)
    }

    func signIn(_ k: Int) -> String { ViewerOnServerTests.signIn("s\(k)", "student-pass-\(k)") }

    /// The attempt id and local journal the viewer reported.
    func attempt(in stdout: String) -> (id: String, path: String)? {
        guard let line = stdout.split(separator: "\n").first(where: { $0.hasPrefix("attempt: ") }),
              let j = line.range(of: " — journal: ") else { return nil }
        return (line.dropFirst("attempt: ".count).split(separator: " ").first.map(String.init) ?? "", String(line[j.upperBound...]))
    }

    /// Polls the store (read-only) until `query` gives a row; a safety net of 120 s, not a timing assertion.
    func waitFor(_ lab: LabFixture, _ what: String, _ query: String, _ args: [any SQLiteBindable]) -> [SQLiteValue]? {
        for _ in 0..<1200 {
            if let db = try? SQLiteDatabase(path: lab.storePath, flags: [.readOnly]),
               let row = (try? db.query(query, args))?.first { return row }
            usleep(100_000)
        }
        XCTFail("gave up waiting for \(what)")
        return nil
    }

    /// The attempt of `student`, once its header line is stored (the stream is up).
    func streamingAttempt(_ lab: LabFixture, _ student: String) -> String {
        waitFor(lab, "\(student)'s stream", """
            SELECT x.attempt FROM lab_assignments x JOIN lab_lines l ON l.attempt = x.attempt AND l.seq = 0 WHERE x.student = ?
            """, [student])?[0].string ?? ""
    }

    /// Waits until command `id` is journaled; returns the seq of its line.
    @discardableResult
    func journaled(_ lab: LabFixture, _ id: Int) -> Int {
        Int(waitFor(lab, "command \(id) journaled", "SELECT seq FROM lab_commands WHERE id = ? AND state = 'journaled'", [id])?[0].int ?? -1)
    }

    func command(_ r: HTTPReply) -> Int { (r.json["command"] as? [String: Any])?["id"] as? Int ?? -1 }

    func serverJournal(_ lab: LabFixture, _ attempt: String) throws -> String {
        try ResultsStore(path: lab.storePath).db.query("SELECT text FROM lab_lines WHERE attempt = ? ORDER BY seq", [attempt])
            .map { ($0[0].string ?? "") + "\n" }.joined()
    }

    func testAFaultAClassFreezeAndAnExamPauseReachTheWorkstationsJournals() throws {
        let lab = try makeLab()
        var teaching = "", exam = ""
        try lab.withAccounts { a in
            teaching = try a.createTask(klass: "c1", scenario: "reactor-cooling-loss", title: "冷却中断（教学）", mode: .teaching, actor: "test").task
            exam = try a.createTask(klass: "c1", scenario: "tank-filling", title: "储罐进料考核", mode: .exam, actor: "test").task
            try a.setTaskState(teaching, open: true, actor: "test")
            try a.setTaskState(exam, open: true, actor: "test")
        }
        try lab.start()
        // s1 (teaching): waits for the fault, then for the freeze and the run, then submits.
        let v1 = try viewer(lab, station: 1, script: signIn(1) + "expect tasks\nchoose \(teaching)\nexpect session\n"
                            + "expect-commands 1\nwait 3\nexpect-commands 3\nwait 2\nsubmit\nexpect result\n")
        // s2 (exam): waits for the incident pause and resume; the instructor's submit ends it.
        let v2 = try viewer(lab, station: 2, script: signIn(2) + "expect tasks\nchoose \(exam)\nexpect session\n"
                            + "click-entity helmet\nmenu 1\nexpect-commands 2\nexpect result\n")
        let t1 = HTTPClient(port: lab.port)
        XCTAssertEqual(try t1.login("t1", "teacher-pass-1").status, 200)
        let a1 = streamingAttempt(lab, "s1"), a2 = streamingAttempt(lab, "s2")

        // Teaching: a fault, then a class-wide freeze (the exam is skipped), then run.
        let fault = try t1.request("POST", "/api/attempts/\(a1)/commands", json: ["kind": "fault", "target": "cw_pump_trip"])
        XCTAssertEqual(fault.status, 200, fault.text)
        journaled(lab, command(fault))
        let freeze = try t1.request("POST", "/api/classes/c1/commands", json: ["kind": "freeze"])
        XCTAssertEqual(freeze.status, 200, freeze.text)
        XCTAssertEqual((freeze.json["commands"] as? [[String: Any]])?.compactMap { $0["attempt"] as? String }, [a1], freeze.text)
        XCTAssertEqual((freeze.json["skipped"] as? [[String: Any]])?.compactMap { $0["attempt"] as? String }, [a2], freeze.text)
        let freezeId = (freeze.json["commands"] as? [[String: Any]])?.first?["id"] as? Int ?? -1
        journaled(lab, freezeId)
        let run = try t1.request("POST", "/api/attempts/\(a1)/commands", json: ["kind": "run"])
        XCTAssertEqual(run.status, 200, run.text)

        // Exam: no fault; an incident pause and resume; the exam ends by the instructor's submit.
        let refused = try t1.request("POST", "/api/attempts/\(a2)/commands", json: ["kind": "fault", "target": "level_transmitter_stuck"])
        XCTAssertEqual(refused.status, 409, refused.text)
        XCTAssertEqual(refused.json["code"] as? String, "exam-no-intervention")
        let pause = try t1.request("POST", "/api/attempts/\(a2)/commands", json: ["kind": "pause", "text": "学生不适"])
        XCTAssertEqual(pause.status, 200, pause.text)
        journaled(lab, command(pause))
        let resume = try t1.request("POST", "/api/attempts/\(a2)/commands", json: ["kind": "resume"])
        journaled(lab, command(resume))
        // The exam's end (EXAM's route calls this): here its command, as `submitRunning` queues it.
        let submit = try t1.request("POST", "/api/attempts/\(a2)/commands", json: ["kind": "submit"])
        XCTAssertEqual(submit.status, 200, submit.text)

        let r1 = v1.wait(), r2 = v2.wait()
        XCTAssertEqual(r1.status, 0, r1.stdout + r1.stderr)
        XCTAssertEqual(r2.status, 0, r2.stdout + r2.stderr)
        XCTAssertTrue(r2.stdout.contains("attempt submitted: \(a2)"), r2.stdout)
        _ = try waitUntilGraded(lab, a1); _ = try waitUntilGraded(lab, a2)
        XCTAssertEqual(lab.stop(), 0, lab.serverLog)

        for (r, a, scenario) in [(r1, a1, "reactor-cooling-loss"), (r2, a2, "tank-filling")] {
            guard let local = attempt(in: r.stdout) else { XCTFail(r.stdout); continue }
            XCTAssertEqual(local.id, a)
            let text = try String(contentsOfFile: local.path, encoding: .utf8)
            XCTAssertEqual(try serverJournal(lab, a), text, "the server's journal is the workstation's, byte for byte")
            let j = try Journal.read(path: local.path)
            // `hazlab run` of the journal gives the trailer's state hash.
            let out = try runHazlab(["run", repoRoot.appendingPathComponent("Scenarios/\(scenario)").path, "--journal", local.path], in: lab.dir)
            XCTAssertEqual(out.status, 0, out.all)
            XCTAssertTrue(out.stdout.contains("stateHash \(j.trailer?.stateHash ?? "?")"), out.all)
            let store = try ResultsStore(path: lab.storePath)
            XCTAssertEqual(try store.db.scalar("SELECT state FROM lab_assignments WHERE attempt = ?", [a])?.string, "graded")
        }
        let j1 = try Journal.read(path: attempt(in: r1.stdout)!.path)
        let instr1 = j1.actions.filter { $0.command != nil }
        XCTAssertEqual(instr1.map(\.verb), ["instructor-fault", "instructor-freeze", "instructor-run"])
        XCTAssertEqual(instr1.map(\.by), ["t1", "t1", "t1"])
        XCTAssertEqual(instr1.map(\.command), [command(fault), freezeId, command(run)].map { Int64($0) })
        XCTAssertEqual(instr1[1].tick, instr1[2].tick, "frozen: no tick passed between the freeze and the run")
        let store = try ResultsStore(path: lab.storePath)
        let record = try store.record(attempt: a1) ?? ""
        XCTAssertTrue(record.contains("\"fault\":\"cw_pump_trip\""), "the graded replay fired the instructor's fault")
        let j2 = try Journal.read(path: attempt(in: r2.stdout)!.path)
        XCTAssertEqual(j2.actions.filter { $0.command != nil }.map(\.verb), ["incident-pause", "incident-resume", "submit"])
        XCTAssertEqual(j2.actions.last?.verb, "submit")
        XCTAssertEqual(j2.actions.first { $0.verb == "incident-pause" }?.text, "学生不适")
        let states = try store.db.query("SELECT state FROM lab_commands ORDER BY id").compactMap { $0[0].string }
        XCTAssertEqual(states, Array(repeating: "journaled", count: states.count), "every command journaled: \(states)")
        XCTAssertTrue(try store.auditLog(limit: 1000).contains { $0.action == "lab-command-refused" && $0.actor == "t1" && $0.subject == a2 })
    }

    /// The first stream is held after its first lines (a hung link): the command reaches the
    /// workstation and is journaled there, but its line does not reach the server. After the
    /// reconnect the server sends the command again (it is not journaled yet): the workstation
    /// does not journal it twice, and its one line arrives by the resume.
    func testACommandResentAfterACutIsJournaledOnce() throws {
        let lab = try makeLab()
        var teaching = ""
        try lab.withAccounts { a in
            teaching = try a.createTask(klass: "c1", scenario: "reactor-cooling-loss", title: "教学", mode: .teaching, actor: "test").task
            try a.setTaskState(teaching, open: true, actor: "test")
        }
        try lab.start()
        let proxy = try CuttingProxy(target: lab.port, cutStreamAfterBytes: 0, holdStreamAfterBytes: 1100)
        defer { proxy.stop() }
        let v = try viewer(lab, station: 1, script: signIn(1) + "expect tasks\nchoose \(teaching)\nexpect session\nexpect-commands 2\nwait 2\nsubmit\nexpect result\n",
                           server: "http://127.0.0.1:\(proxy.port)")
        let t1 = HTTPClient(port: lab.port)
        XCTAssertEqual(try t1.login("t1", "teacher-pass-1").status, 200)
        let a = streamingAttempt(lab, "s1")
        // A long message: its line is well past what the held link forwards.
        let text = "请检查冷却水系统。" + String(repeating: "Check the brine pump and the jacket flow. ", count: 10)
        let m = try t1.request("POST", "/api/attempts/\(a)/commands", json: ["kind": "message", "text": text])
        XCTAssertEqual(m.status, 200, m.text)
        // The held link times out on the workstation (20 s without an answer) and it reconnects;
        // the resend comes after the welcome and the held line arrives by the resume.
        let seq = journaled(lab, command(m))
        let next = try t1.request("POST", "/api/attempts/\(a)/commands", json: ["kind": "message", "text": "好"])
        XCTAssertEqual(next.status, 200, next.text)
        let r = v.wait()
        XCTAssertEqual(r.status, 0, r.stdout + r.stderr)
        XCTAssertEqual(lab.stop(), 0, lab.serverLog)
        XCTAssertGreaterThanOrEqual(proxy.streams, 2, "the stream reconnected")
        guard let local = attempt(in: r.stdout) else { return XCTFail(r.stdout) }
        let file = try String(contentsOfFile: local.path, encoding: .utf8)
        XCTAssertEqual(file.components(separatedBy: "\"cmd\":\(command(m))").count, 2, "journaled once:\n\(file)")
        XCTAssertEqual(try serverJournal(lab, a), file)
        XCTAssertEqual(seq, 1, "the line right after the header")
        XCTAssertEqual(r.stdout.components(separatedBy: "instructor command \(command(m)):").count, 2, r.stdout)
        XCTAssertTrue(r.stdout.contains("instructor command \(command(m)) again"), "the server sent it again after the reconnect:\n\(r.stdout)")
    }
}
