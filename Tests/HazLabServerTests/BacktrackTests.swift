import Foundation
import HazLabCore
import HazLabLab
import HazLabRecords
import HazLabRunner
import HazLabScenario
import HazLabServer
import XCTest

/// Backtrack (teaching, issue 15 debrief): an instructor continues a finished attempt from a tick
/// as a new practice attempt, taken by a real `hazlab-viewer --offscreen --script` against a real
/// `hazlab serve`. The new journal carries `from`/`fromTick` in its header and the parent's actions
/// before the tick at their own ticks, so it replays with the ordinary replay.
final class BacktrackTests: XCTestCase {
    /// The shared staff (LabFixture.staffed) with s1 in t1's class c1; ws-01 and ws-02's key files in the lab folder.
    func makeLab() throws -> LabFixture {
        let keys = [WorkstationKey(id: "ws-01"), WorkstationKey(id: "ws-02")]
        let lab = try LabFixture.staffed(students: [("s1", "张三", "c1")], keys: keys)
        for k in keys { _ = try k.write(to: lab.dir.path) }
        return lab
    }

    func viewer(_ lab: LabFixture, station: Int, script: String) throws -> ViewerOnServerTests.ViewerProcess {
        let scriptURL = lab.dir.appendingPathComponent("bt-0\(station)-\(UUID().uuidString.prefix(6)).script")
        try script.write(to: scriptURL, atomically: true, encoding: .utf8)
        return try ViewerOnServerTests.ViewerProcess(["--server", "http://127.0.0.1:\(lab.port)", "--workstation", "ws-0\(station)",
                                                      "--key", lab.dir.appendingPathComponent("ws-0\(station).key").path,
                                                      "--journals", lab.dir.appendingPathComponent("journals-\(station)").path,
                                                      "--scenarios", repoRoot.appendingPathComponent("Scenarios").path,
                                                      "--offscreen", "--script", scriptURL.path], in: lab.dir)
    }

    func attemptId(in stdout: String) -> String? {
        stdout.split(separator: "\n").first { $0.hasPrefix("attempt: ") }?.dropFirst("attempt: ".count).split(separator: " ").first.map(String.init)
    }

    /// The server's stored lines of an attempt.
    func serverLines(_ lab: LabFixture, _ attempt: String) throws -> [String] {
        try ResultsStore(path: lab.storePath).db.query("SELECT text FROM lab_lines WHERE attempt = ? ORDER BY seq", [attempt]).map { $0[0].string ?? "" }
    }

    /// Waits (a bounded safety net, no timing asserted) until the attempt's trailer is stored.
    func waitFinished(_ lab: LabFixture, _ attempt: String) throws {
        for _ in 0..<600 {
            if try serverLines(lab, attempt).last?.contains("\"type\":\"trailer\"") == true { return }
            usleep(50_000)
        }
        XCTFail("attempt \(attempt): no trailer stored")
    }

    func testBacktrackContinuesAFinishedAttemptAtTheSameState() throws {
        _ = try ViewerOnServerTests.viewerBinary()
        let lab = try makeLab()
        let t1 = try lab.signedIn("t1", "teacher-pass-1")
        let task = try t1.request("POST", "/api/classes/c1/tasks", json: ["scenario": "tank-filling", "mode": "exam", "title": "考核"])
        XCTAssertEqual(task.status, 201, task.text)
        let exam = task.json["task"] as? String ?? ""
        XCTAssertEqual(try t1.request("POST", "/api/tasks/\(exam)/open").status, 200)
        let signIn = ViewerOnServerTests.signIn("s1", "student-pass-1")
        // 1. s1's practice attempt, finished.
        let first = try viewer(lab, station: 1, script: signIn + "expect tasks\nchoose tank-filling\nexpect session\n" + ViewerOnServerTests.attemptScript + "\n").wait()
        XCTAssertEqual(first.status, 0, first.stdout + first.stderr)
        let parent = try XCTUnwrap(attemptId(in: first.stdout), first.stdout)
        try waitFinished(lab, parent)
        let parentLines = try serverLines(lab, parent)
        let parentJournal = try Journal.parse(data: Data((parentLines.joined(separator: "\n") + "\n").utf8), path: parent)
        let end = try XCTUnwrap(parentJournal.trailer?.endTick)
        XCTAssertGreaterThan(parentJournal.actions.count, 4)
        // T: after a few actions (and not on an action's tick), before the end.
        let tick = parentJournal.actions[3].tick + 3
        XCTAssertLessThan(tick, end)
        let copied = parentJournal.actions.filter { $0.tick < tick }

        // 2. Who may backtrack: not a student, not another class's instructor, not without CSRF; an exam never (409).
        let path = "/api/attempts/\(parent)/backtrack"
        let s1web = try lab.signedIn("s1", "student-pass-1")
        XCTAssertEqual(try s1web.request("POST", path, json: ["tick": tick]).status, 403)
        XCTAssertEqual(try lab.signedIn("t2", "teacher-pass-2").request("POST", path, json: ["tick": tick]).status, 403)
        XCTAssertEqual(try lab.signedIn("aud", "auditor-pass").request("POST", path, json: ["tick": tick]).status, 403, "the auditor only reads")
        XCTAssertEqual(try t1.request("POST", path, json: ["tick": tick], sendCSRF: false).status, 403)
        for bad: Any in [-1, 1.5, "7", end, true] {
            let r = try t1.request("POST", path, json: ["tick": bad])
            XCTAssertEqual(r.status, 400, "tick \(bad): \(r.text)")
        }
        let http = HTTPClient(port: lab.port)
        let key = try WorkstationKey.load(path: lab.dir.appendingPathComponent("ws-02.key").path)
        let n = try http.request("GET", "/api/workstation/challenge?workstation=ws-02").json["nonce"] as? String ?? ""
        let examAssigned = try http.request("POST", "/api/workstation/assignment", json: [
            "workstation": "ws-02", "nonce": n, "student": "s1", "password": "student-pass-1", "task": exam,
            "signature": try key.sign(LabProtocol.assignmentMessage(nonce: n, workstation: "ws-02", student: "s1", scenario: "task:" + exam)).base64EncodedString()])
        XCTAssertEqual(examAssigned.status, 200, examAssigned.text)
        let examAttempt = examAssigned.json["attempt"] as? String ?? ""
        let refused = try t1.request("POST", "/api/attempts/\(examAttempt)/backtrack", json: ["tick": 0])
        XCTAssertEqual(refused.status, 409, refused.text)
        XCTAssertTrue((refused.json["error"] as? String ?? "").contains("exam"), refused.text)

        // 3. The instructor backtracks at T: an offer for s1 (audited with the instructor's identity).
        let made = try t1.request("POST", path, json: ["tick": tick])
        XCTAssertEqual(made.status, 201, made.text)
        let offer = try XCTUnwrap(made.json["backtrack"] as? String)
        XCTAssertEqual(made.json["student"] as? String, "s1")
        let log = try ResultsStore(path: lab.storePath).auditLog(limit: 1000)
        XCTAssertTrue(log.contains { $0.action == "lab-backtrack" && $0.actor == "t1" && $0.subject == "s1" && $0.detail.contains(parent) },
                      "lab-backtrack audited as t1")

        // 4. s1 takes it from the task list at another workstation and goes on to submit.
        let second = try viewer(lab, station: 2, script: signIn + "expect tasks\nchoose \(offer)\nexpect session\nwait 2\nsubmit\nexpect result\n").wait()
        XCTAssertEqual(second.status, 0, second.stdout + second.stderr)
        XCTAssertTrue(second.stdout.contains("backtrack: continuing \(parent) at tick \(tick) (\(copied.count) action(s) copied)"), second.stdout)
        let child = try XCTUnwrap(attemptId(in: second.stdout), second.stdout)
        XCTAssertNotEqual(child, parent)
        try waitFinished(lab, child)

        // The new attempt's state at T is the parent's at T.
        let atParent = try t1.request("GET", "/api/attempts/\(parent)/at?tick=\(tick)")
        let atChild = try t1.request("GET", "/api/attempts/\(child)/at?tick=\(tick)")
        XCTAssertEqual(atParent.status, 200, atParent.text)
        XCTAssertEqual(atChild.status, 200, atChild.text)
        XCTAssertEqual(atChild.json["stateHash"] as? String, atParent.json["stateHash"] as? String)
        XCTAssertNotNil(atChild.json["stateHash"] as? String)

        // Its journal: the header names the parent and T (written byte-stable), the parent's
        // actions before T at their ticks, and it replays headless to its trailer's hash.
        let childLines = try serverLines(lab, child)
        let journal = try Journal.parse(data: Data((childLines.joined(separator: "\n") + "\n").utf8), path: child)
        XCTAssertEqual(journal.header.from, parent)
        XCTAssertEqual(journal.header.fromTick, tick)
        XCTAssertEqual(journal.header.seed, parentJournal.header.seed)
        XCTAssertEqual(journal.header.mode, "practice")
        XCTAssertEqual(Journal.headerLine(journal.header), childLines[0])
        XCTAssertTrue(childLines[0].hasSuffix(",\"from\":\"\(parent)\",\"fromTick\":\(tick)}"), childLines[0])
        XCTAssertEqual(Array(journal.actions.prefix(copied.count)), copied)
        XCTAssertTrue(journal.actions.dropFirst(copied.count).allSatisfy { $0.tick >= tick })
        let model = try XCTUnwrap(ScenarioCompiler.compile(path: repoRoot.appendingPathComponent("Scenarios/tank-filling/scenario.yaml").path).model)
        let run = Runner.replay(model, journal: journal)
        XCTAssertEqual(run.stateHash.hex16, journal.trailer?.stateHash)
        // The server graded it like any other attempt (the trailer's signature checked), to the same final hash.
        var graded: String?
        for _ in 0..<600 where graded == nil {
            graded = try ResultsStore(path: lab.storePath).record(attempt: child)
            if graded == nil { usleep(50_000) }
        }
        let record = try XCTUnwrap(graded, "the backtracked attempt was graded")
        XCTAssertTrue(record.contains("\"\(run.stateHash.hex16)\""), "the grade's final state hash is the replay's: \(record.prefix(400))")
        XCTAssertTrue(record.contains("\"\(child)\""), "the record is the new attempt's")

        // The offer is taken once: it leaves the task list.
        let again = try viewer(lab, station: 2, script: signIn + "expect tasks\nchoose \(offer)\n").wait()
        XCTAssertNotEqual(again.status, 0, "the offer is no longer listed")
        XCTAssertEqual(lab.stop(), 0, lab.serverLog)
    }

    /// `from`/`fromTick` in a header: read and written back byte for byte; either without the other, or a bad tick, is refused naming it.
    func testHeaderFromMembersAreByteStableAndChecked() throws {
        let line = #"{"type":"header","format":2,"engine":"0.1.0","scenario":"tank-filling","scenarioSHA256":"ab","seed":7,"mode":"practice","student":"s1","workstation":"ws-01","attempt":"a-1","started":"2026-12-07T08:00:00.000Z","key":"ws-01","from":"a-0","fromTick":120}"#
        let h = try XCTUnwrap(Journal.parseHeader(bytes: Array(line.utf8), path: "x"))
        XCTAssertEqual(h.from, "a-0")
        XCTAssertEqual(h.fromTick, 120)
        XCTAssertEqual(Journal.headerLine(h), line)
        var plain = h
        plain.from = ""; plain.fromTick = nil
        XCTAssertFalse(Journal.headerLine(plain).contains("from"), "no members when not a backtrack")
        let base = String(line.dropLast(",\"from\":\"a-0\",\"fromTick\":120}".count))
        for (bad, name) in [(base + ",\"from\":\"a-0\"}", "fromTick"), (base + ",\"fromTick\":3}", "fromTick"),
                            (base + ",\"from\":\"a-0\",\"fromTick\":-3}", "fromTick"), (base + ",\"from\":\"\",\"fromTick\":3}", "from")] {
            XCTAssertThrowsError(try Journal.parse(data: Data((bad + "\n").utf8), path: "x"), bad) { e in
                XCTAssertTrue("\(e)".contains(name), "\(e)")
            }
        }
    }
}
