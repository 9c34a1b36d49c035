import Foundation
import HazLabLab
import HazLabRecords
import HazLabServer
import XCTest

/// Request bodies are read by the project's one JSON reader (`JSONText`): a body that is not JSON,
/// not an object, or holds a member of the wrong type gets a 400 naming the problem, and whole
/// numbers are read from their digits (never through a double, which rounds past 2^53).
final class RequestBodyTests: XCTestCase {
    func post(_ client: HTTPClient, _ path: String, _ body: String) throws -> HTTPReply {
        try client.request("POST", path, body: Data(body.utf8), headers: ["Content-Type": "application/json"])
    }

    func testBadBodiesGet400NamingTheProblem() throws {
        let lab = try LabFixture.staffed(students: [], keys: [])
        let admin = try lab.signedIn("admin", "admin-pass-1")
        for (body, says) in [
            (#"{"id": "u1", "#, "not valid JSON"),
            (#"["u1"]"#, "must be a JSON object"),
            (#""u1""#, "must be a JSON object"),
            ("", "the request body is empty"),
            (#"{"id": 7, "role": "student"}"#, "field 'id' must be a string"),
            (#"{"id": "u1", "role": true}"#, "field 'role' must be a string"),
            (#"{"id": "u1", "role": "student", "name": ["x"]}"#, "field 'name' must be a string"),
            (#"{"id": "u1"}"#, "missing field 'role'"),
            (#"{"id": "u1", "id": "u2", "role": "student"}"#, "field 'id' appears more than once"),
        ] {
            let r = try post(admin, "/api/admin/users", body)
            XCTAssertEqual(r.status, 400, "\(body): \(r.text)")
            XCTAssertTrue((r.json["error"] as? String ?? "").contains(says), "\(body): \(r.text)")
        }
        let t1 = try lab.signedIn("t1", "teacher-pass-1")
        for (body, says) in [(#"{"scenarios": "tank-filling"}"#, "field 'scenarios' must be an array of strings"),
                             (#"{"scenarios": ["tank-filling", 3]}"#, "field 'scenarios': item 2 is not a string")] {
            let r = try post(t1, "/api/classes/c1/exams", body)
            XCTAssertEqual(r.status, 400, "\(body): \(r.text)")
            XCTAssertTrue((r.json["error"] as? String ?? "").contains(says), "\(body): \(r.text)")
        }
        // None of them made anything, and the server still answers.
        let made = try post(admin, "/api/admin/users", #"{"id": "u1", "role": "student"}"#)
        XCTAssertEqual(made.status, 201, made.text)
        XCTAssertEqual(lab.stop(), 0, lab.serverLog)
    }

    /// 9007199254740993 is 2^53 + 1: a double holds 9007199254740992. The backtrack's `tick` goes
    /// in, is checked, stored and answered with every digit.
    func testWholeNumbersKeepEveryDigit() throws {
        let key = WorkstationKey(id: "ws-01")
        let lab = try LabFixture.staffed(students: [("s1", "张三", "c1")], keys: [key])
        let http = HTTPClient(port: lab.port)
        func nonce() throws -> String { try http.request("GET", "/api/workstation/challenge?workstation=ws-01").json["nonce"] as? String ?? "" }
        let n = try nonce()
        let assigned = try http.request("POST", "/api/workstation/assignment", json: [
            "workstation": "ws-01", "nonce": n, "student": "s1", "password": "student-pass-1", "scenario": "tank-filling",
            "signature": try key.sign(LabProtocol.assignmentMessage(nonce: n, workstation: "ws-01", student: "s1", scenario: "tank-filling")).base64EncodedString()])
        XCTAssertEqual(assigned.status, 200, assigned.text)
        let attempt = try XCTUnwrap(assigned.json["attempt"] as? String)
        // Its stored journal ends in a trailer past 2^53 (what the backtrack route reads).
        let store = try ResultsStore(path: lab.storePath)
        for (seq, text) in [#"{"type":"header"}"#, #"{"type":"trailer","endTick":9007199254740995}"#].enumerated() {
            try store.db.run("INSERT INTO lab_lines (attempt, seq, text, arrived) VALUES (?, ?, ?, '')", [attempt, seq, text])
        }
        let t1 = try lab.signedIn("t1", "teacher-pass-1")
        let path = "/api/attempts/\(attempt)/backtrack"
        let atEnd = try post(t1, path, #"{"tick": 9007199254740995}"#)
        XCTAssertEqual(atEnd.status, 400, atEnd.text)
        XCTAssertTrue(atEnd.text.contains("tick 9007199254740995 is not before the attempt's end (tick 9007199254740995)"), atEnd.text)
        let wrongType = try post(t1, path, #"{"tick": "7"}"#)
        XCTAssertEqual(wrongType.status, 400, wrongType.text)
        XCTAssertTrue(wrongType.text.contains("field 'tick' must be a whole number"), wrongType.text)

        let made = try post(t1, path, #"{"tick": 9007199254740993}"#)
        XCTAssertEqual(made.status, 201, made.text)
        XCTAssertTrue(made.text.contains(#""fromTick":9007199254740993"#), made.text)
        let stored = try store.db.query("SELECT from_tick FROM lab_backtracks WHERE parent = ?", [attempt]).first?[0].int
        XCTAssertEqual(stored, 9007199254740993)
        // The student's task list at the workstation offers it from the same tick.
        let n2 = try nonce()
        let login = try http.request("POST", "/api/workstation/login", json: [
            "workstation": "ws-01", "nonce": n2, "student": "s1", "password": "student-pass-1",
            "signature": try key.sign(LabProtocol.loginMessage(nonce: n2, workstation: "ws-01", student: "s1")).base64EncodedString()])
        XCTAssertEqual(login.status, 200, login.text)
        XCTAssertTrue(login.text.contains(#""fromTick":9007199254740993"#), login.text)
        XCTAssertEqual(lab.stop(), 0, lab.serverLog)
    }
}
