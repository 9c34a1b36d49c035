import Foundation
import HazLabLab
import HazLabRecords
import HazLabServer
import HummingbirdWSClient
import Logging
import XCTest

/// Streams `lines` (from seq `from`) for `attempt` over a real WebSocket: hello, proof, one frame
/// per line; returns the server's messages.
func streamLines(port: Int, key: WorkstationKey, attempt: String, lines: [String], from: Int = 0) async throws -> [LabServerMessage] {
    final class Box: @unchecked Sendable { var got: [LabServerMessage] = [] }
    let box = Box()
    var log = Logger(label: "test.ws"); log.logLevel = .error
    let logger = log
    _ = try await withSafetyNet { try await WebSocketClient.connect(url: "ws://127.0.0.1:\(port)/api/stream", logger: logger) { inbound, outbound, _ in
        var it = inbound.messages(maxSize: 1 << 20).makeAsyncIterator()
        func next() async throws -> LabServerMessage? {
            guard let m = try await it.next(), case .text(let t) = m else { return nil }
            let s = try LabProtocol.decodeServer(t)
            box.got.append(s)
            return s
        }
        try await outbound.write(.text(LabProtocol.encode(LabClientMessage.hello(workstation: key.keyId, attempt: attempt))))
        guard case .challenge(let nonce)? = try await next() else { return }
        let sig = try key.sign(LabProtocol.proofMessage(nonce: nonce, attempt: attempt)).base64EncodedString()
        try await outbound.write(.text(LabProtocol.encode(LabClientMessage.proof(signature: sig))))
        guard case .welcome? = try await next() else { return }
        for (i, line) in lines.enumerated() {
            try await outbound.write(.text(LabProtocol.encode(LabClientMessage.line(seq: from + i, text: line))))
            guard try await next() != nil else { return }
        }
        try await outbound.close(.normalClosure, reason: nil)
    } }
    return box.got
}

/// The instructor's routes against a real `hazlab serve`: tasks, exams opened and closed,
/// attempts in progress, the live mirror, publishing (Docs/lab.md, "Instructor routes").
final class InstructorRoutesTests: XCTestCase {
    let key = WorkstationKey(id: "ws-01")

    func makeLab() throws -> LabFixture {
        try .staffed(students: [("s1", "张三", "c1")], keys: [key])
    }

    func listed(_ c: HTTPClient) throws -> [[String: Any]] { try c.request("GET", "/api/attempts").json["attempts"] as? [[String: Any]] ?? [] }

    func testTasksExamsInProgressLiveAndPublish() async throws {
        let lab = try makeLab()
        let t1 = try lab.signedIn("t1", "teacher-pass-1"), t2 = try lab.signedIn("t2", "teacher-pass-2")
        let s1 = try lab.signedIn("s1", "student-pass-1"), aud = try lab.signedIn("aud", "auditor-pass")

        // Tasks: the class's instructor (with CSRF) creates; exams start closed.
        let made = try t1.request("POST", "/api/classes/c1/tasks", json: ["scenario": "tank-filling", "mode": "exam", "title": "期末 <考试>"])
        XCTAssertEqual(made.status, 201, made.text)
        XCTAssertEqual(made.json["state"] as? String, "closed")
        XCTAssertEqual(made.json["title"] as? String, "期末 <考试>")
        let task = made.json["task"] as? String ?? ""
        XCTAssertEqual(try t1.request("POST", "/api/classes/c1/tasks", json: ["scenario": "tank-filling", "mode": "exam"], sendCSRF: false).status, 403)
        XCTAssertEqual(try t2.request("POST", "/api/classes/c1/tasks", json: ["scenario": "tank-filling", "mode": "exam"]).status, 403)
        XCTAssertEqual(try s1.request("POST", "/api/classes/c1/tasks", json: ["scenario": "tank-filling", "mode": "practice"]).status, 403)
        XCTAssertEqual(try aud.request("POST", "/api/classes/c1/tasks", json: ["scenario": "tank-filling", "mode": "practice"]).status, 403)
        let traversal = try t1.request("POST", "/api/classes/c1/tasks", json: ["scenario": "../tank-filling", "mode": "practice"])
        XCTAssertEqual(traversal.status, 400, traversal.text)
        let badTime = try t1.request("POST", "/api/classes/c1/tasks", json: ["scenario": "tank-filling", "mode": "practice", "opens": "tomorrow"])
        XCTAssertEqual(badTime.status, 400)
        XCTAssertTrue(badTime.text.contains("opens"), badTime.text)
        let tasks = { (c: HTTPClient) throws -> HTTPReply in try c.request("GET", "/api/classes/c1/tasks") }
        XCTAssertEqual((try tasks(t1).json["tasks"] as? [[String: Any]])?.compactMap { $0["task"] as? String }, [task])
        XCTAssertEqual(try tasks(aud).status, 200)
        XCTAssertEqual(try tasks(t2).status, 403)
        XCTAssertEqual(try tasks(s1).status, 403)
        XCTAssertEqual(try t2.request("POST", "/api/tasks/\(task)/open").status, 403)
        let opened = try t1.request("POST", "/api/tasks/\(task)/open")
        XCTAssertEqual(opened.status, 200, opened.text)
        XCTAssertEqual(opened.json["state"] as? String, "open")

        // The student takes the exam at a workstation: issued, in progress.
        let http = HTTPClient(port: lab.port)
        func nonce() throws -> String { try http.request("GET", "/api/workstation/challenge?workstation=ws-01").json["nonce"] as? String ?? "" }
        var n = try nonce()
        let login = try http.request("POST", "/api/workstation/login", json: [
            "workstation": "ws-01", "nonce": n, "student": "s1", "password": "student-pass-1",
            "signature": try key.sign(LabProtocol.loginMessage(nonce: n, workstation: "ws-01", student: "s1")).base64EncodedString()])
        n = try nonce()
        let assigned = try http.request("POST", "/api/workstation/assignment", json: [
            "workstation": "ws-01", "nonce": n, "student": "s1", "ticket": login.json["ticket"] as? String ?? "", "task": task,
            "signature": try key.sign(LabProtocol.assignmentMessage(nonce: n, workstation: "ws-01", student: "s1", scenario: "task:" + task)).base64EncodedString()])
        XCTAssertEqual(assigned.status, 200, assigned.text)
        let attempt = assigned.json["attempt"] as? String ?? ""
        let row = { (c: HTTPClient) throws -> [String: Any]? in try self.listed(c).first { $0["attempt"] as? String == attempt } }
        XCTAssertEqual(try row(t1)?["state"] as? String, "issued")
        XCTAssertTrue(try row(t1)?["total"] is NSNull, "no score before grading")
        XCTAssertNil(try row(t2), "another class's teacher does not see it")
        XCTAssertNil(try row(s1), "an exam in progress is not the student's to see")

        // Half the journal streamed: streaming, and the live mirror follows it.
        let a = LabAssignment(attempt: attempt, scenario: "tank-filling", scenarioSHA256: assigned.json["scenarioSHA256"] as? String ?? "",
                              seed: UInt64(assigned.json["seed"] as? String ?? "") ?? 0, mode: .exam, student: "s1", workstation: "ws-01", issued: "")
        let text = try labJournal(a, header: nil, in: lab.dir, key: key)
        let lines = text.dropLast().split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        let half = lines.count / 2
        _ = try await streamLines(port: lab.port, key: key, attempt: attempt, lines: Array(lines[..<half]))
        let progress = try t1.request("GET", "/api/attempts/\(attempt)")
        XCTAssertEqual(progress.status, 200, progress.text)
        XCTAssertEqual(progress.json["state"] as? String, "streaming")
        XCTAssertEqual(progress.json["acked"] as? Int, half - 1)
        let live = try t1.request("GET", "/api/attempts/\(attempt)/live")
        XCTAssertEqual(live.status, 200, live.text)
        XCTAssertEqual(live.json["finished"] as? Bool, false)
        XCTAssertEqual(live.json["actions"] as? Int, half - 1, live.text)
        XCTAssertEqual(try aud.request("GET", "/api/attempts/\(attempt)/live").status, 200)
        XCTAssertEqual(try t2.request("GET", "/api/attempts/\(attempt)/live").status, 403)
        XCTAssertEqual(try s1.request("GET", "/api/attempts/\(attempt)/live").status, 403)

        // The rest: graded, but unpublished — invisible to the student until the instructor publishes.
        let rest = try await streamLines(port: lab.port, key: key, attempt: attempt, lines: Array(lines[half...]), from: half)
        XCTAssertTrue(rest.contains(.ack(seq: lines.count - 1)), "the trailer is acknowledged: \(rest)")
        XCTAssertEqual(try waitUntilGraded(lab, attempt), "graded")
        XCTAssertEqual(try row(t1)?["state"] as? String, "graded")
        let hidden = try s1.request("GET", "/api/attempts/\(attempt)")
        XCTAssertEqual(hidden.status, 403, hidden.text)
        XCTAssertFalse(hidden.text.contains("total"), hidden.text)
        XCTAssertNil(try row(s1))
        XCTAssertEqual(try t2.request("POST", "/api/attempts/\(attempt)/publish").status, 403)
        XCTAssertEqual(try s1.request("POST", "/api/attempts/\(attempt)/publish").status, 403)
        XCTAssertEqual(try t1.request("POST", "/api/attempts/\(attempt)/publish", sendCSRF: false).status, 403)
        let published = try t1.request("POST", "/api/attempts/\(attempt)/publish")
        XCTAssertEqual(published.status, 200, published.text)
        let shown = try s1.request("GET", "/api/attempts/\(attempt)")
        XCTAssertEqual(shown.status, 200, shown.text)
        XCTAssertEqual((shown.json["lab"] as? [String: Any])?["published"] as? Bool, true, shown.text)
        let journal = shown.json["journal"] as? String ?? ""
        XCTAssertEqual(journal, "\(attempt).jsonl", "the student never sees the server's paths")
        XCTAssertFalse(shown.text.contains(lab.dir.path), shown.text)
        XCTAssertNotNil(try row(s1))

        let closed = try t1.request("POST", "/api/tasks/\(task)/close")
        XCTAssertEqual(closed.json["state"] as? String, "closed")
        let audit = try ResultsStore(path: lab.storePath).auditLog(limit: 500)
        for action in ["lab-task-create", "lab-exam-open", "lab-exam-close", "lab-publish"] {
            XCTAssertTrue(audit.contains { $0.action == action && $0.actor == "t1" }, "\(action) audited as t1")
        }
        XCTAssertEqual(lab.stop(), 0, lab.serverLog)
    }

    /// A workstation fails for good mid-exam: the attempt has lines, so the student cannot be
    /// issued another (409) until the class's instructor voids it (audited with the reason); then
    /// the old stream is refused and the student takes the exam again with the plan's seed.
    func testVoidingAnUnfinishedExamAttemptLetsTheStudentTakeItAgain() async throws {
        let lab = try makeLab()
        let t1 = try lab.signedIn("t1", "teacher-pass-1"), t2 = try lab.signedIn("t2", "teacher-pass-2")
        let s1 = try lab.signedIn("s1", "student-pass-1")
        let task = try t1.request("POST", "/api/classes/c1/tasks", json: ["scenario": "tank-filling", "mode": "exam"]).json["task"] as? String ?? ""
        XCTAssertEqual(try t1.request("POST", "/api/tasks/\(task)/open").status, 200)
        let http = HTTPClient(port: lab.port)
        func nonce() throws -> String { try http.request("GET", "/api/workstation/challenge?workstation=ws-01").json["nonce"] as? String ?? "" }
        var n = try nonce()
        let ticket = try http.request("POST", "/api/workstation/login", json: [
            "workstation": "ws-01", "nonce": n, "student": "s1", "password": "student-pass-1",
            "signature": try key.sign(LabProtocol.loginMessage(nonce: n, workstation: "ws-01", student: "s1")).base64EncodedString()]).json["ticket"] as? String ?? ""
        func assign() throws -> HTTPReply {
            n = try nonce()
            return try http.request("POST", "/api/workstation/assignment", json: [
                "workstation": "ws-01", "nonce": n, "student": "s1", "ticket": ticket, "task": task,
                "signature": try key.sign(LabProtocol.assignmentMessage(nonce: n, workstation: "ws-01", student: "s1", scenario: "task:" + task)).base64EncodedString()])
        }
        let first = try assign()
        let attempt = first.json["attempt"] as? String ?? ""
        let a = LabAssignment(attempt: attempt, scenario: "tank-filling", scenarioSHA256: first.json["scenarioSHA256"] as? String ?? "",
                              seed: UInt64(first.json["seed"] as? String ?? "") ?? 0, mode: .exam, student: "s1", workstation: "ws-01", issued: "")
        let lines = try labJournal(a, header: nil, in: lab.dir, key: key).dropLast().split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        _ = try await streamLines(port: lab.port, key: key, attempt: attempt, lines: Array(lines[..<3]))
        XCTAssertEqual(try assign().status, 409, "lines are stored: the exam is under way")

        let path = "/api/attempts/\(attempt)/void"
        XCTAssertEqual(try t2.request("POST", path, json: ["reason": "x"]).status, 403, "another class's instructor")
        XCTAssertEqual(try s1.request("POST", path, json: ["reason": "x"]).status, 403)
        XCTAssertEqual(try t1.request("POST", path, json: ["reason": "x"], sendCSRF: false).status, 403)
        XCTAssertEqual(try t1.request("POST", path, json: ["reason": " "]).status, 400, "a reason is required")
        let voided = try t1.request("POST", path, json: ["reason": "工作站 ws-01 死机"])
        XCTAssertEqual(voided.status, 200, voided.text)
        XCTAssertNotNil(try t1.request("GET", "/api/attempts/\(attempt)").json["voided"] as? String)
        let refused = try await streamLines(port: lab.port, key: key, attempt: attempt, lines: Array(lines[3..<4]), from: 3)
        XCTAssertTrue(refused.contains { if case .error(let code, _, true) = $0 { return code == "voided" }; return false }, "\(refused)")

        let again = try assign()
        XCTAssertEqual(again.status, 200, again.text)
        XCTAssertNotEqual(again.json["attempt"] as? String, attempt)
        XCTAssertEqual(again.json["seed"] as? String, first.json["seed"] as? String, "the exam plan's seed again")
        let store = try ResultsStore(path: lab.storePath)
        XCTAssertTrue(try store.auditLog(limit: 500).contains { $0.action == "lab-void" && $0.actor == "t1" && $0.subject == attempt && $0.detail.contains("死机") })
        XCTAssertEqual(Int(try store.db.scalar("SELECT COUNT(*) FROM lab_lines WHERE attempt = ?", [attempt])?.int ?? 0), 3, "its lines stay")
        XCTAssertEqual(lab.stop(), 0, lab.serverLog)
    }
}
