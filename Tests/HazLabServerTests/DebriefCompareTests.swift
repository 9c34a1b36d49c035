import Foundation
import HazLabCore
import HazLabLab
import HazLabRecords
import HazLabRunner
import HazLabScenario
import HazLabServer
import XCTest

/// The debrief's second column (issue 15): a model run scrubbed like an attempt, and the list of
/// what may be set beside an attempt, against a real `hazlab serve`.
final class DebriefCompareTests: XCTestCase {
    let key = WorkstationKey(id: "ws-01")

    /// The shared staff (LabFixture.staffed): s1, s2 in t1's class c1, s3 in t2's class c2.
    func makeLab() throws -> LabFixture {
        try LabFixture.staffed(students: [("s1", "<b>张三</b>", "c1"), ("s2", "李四", "c1"), ("s3", "王五", "c2")], keys: [key])
    }

    /// A finished practice attempt of tank-filling by `student`, streamed whole.
    func finishedAttempt(_ lab: LabFixture, student: String, password: String) async throws -> (LabAssignment, [String]) {
        let http = HTTPClient(port: lab.port)
        let n = try http.request("GET", "/api/workstation/challenge?workstation=ws-01").json["nonce"] as? String ?? ""
        let assigned = try http.request("POST", "/api/workstation/assignment", json: [
            "workstation": "ws-01", "nonce": n, "student": student, "password": password, "scenario": "tank-filling", "mode": "practice",
            "signature": try key.sign(LabProtocol.assignmentMessage(nonce: n, workstation: "ws-01", student: student, scenario: "tank-filling")).base64EncodedString()])
        XCTAssertEqual(assigned.status, 200, assigned.text)
        let a = LabAssignment(attempt: assigned.json["attempt"] as? String ?? "", scenario: "tank-filling",
                              scenarioSHA256: assigned.json["scenarioSHA256"] as? String ?? "", seed: UInt64(assigned.json["seed"] as? String ?? "") ?? 0,
                              mode: .practice, student: student, workstation: "ws-01", issued: "")
        let text = try labJournal(a, header: nil, in: lab.dir, key: key)
        let lines = text.dropLast().split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        _ = try await streamLines(port: lab.port, key: key, attempt: a.attempt, lines: lines)
        return (a, lines)
    }

    /// The model run's `/at` is `Runner.replay` of the golden journal at that tick, bit for bit;
    /// a run name not in the folder is 404 (a path is never taken from the request); a student is 403.
    func testModelRunAtATickEqualsReplayOfTheGoldenJournal() throws {
        let lab = try makeLab()
        let t1 = try lab.signedIn("t1", "teacher-pass-1")
        let golden = repoRoot.appendingPathComponent("Scenarios/tank-filling/runs/perfect.jsonl")
        let journal = try Journal.parse(data: try Data(contentsOf: golden), path: golden.path)
        let model = try XCTUnwrap(ScenarioCompiler.compile(path: repoRoot.appendingPathComponent("Scenarios/tank-filling/scenario.yaml").path).model)
        let run = Runner.replay(model, journal: journal, traceEvery: 1)
        let end = run.ticks
        var ticks: [Int64] = [0, 1, end / 3, end / 2, end - 1, end]
        if let t = journal.actions.map(\.tick).dropFirst(3).first { ticks += [t, t + 1] }
        for tick in ticks {
            let r = try t1.request("GET", "/api/scenarios/tank-filling/runs/perfect/at?tick=\(tick)")
            XCTAssertEqual(r.status, 200, r.text)
            let expected = tick == end ? run.stateHash.hex16 : try XCTUnwrap(run.trace.first { $0.tick == tick }).hash.hex16
            XCTAssertEqual(r.json["stateHash"] as? String, expected, "tick \(tick)")
            XCTAssertEqual((r.json["endTick"] as? NSNumber)?.int64Value, end)
        }
        let atEnd = try t1.request("GET", "/api/scenarios/tank-filling/runs/perfect/at?tick=\(end)")
        XCTAssertEqual(atEnd.json["score"] as? Double, run.score.total)
        XCTAssertEqual((atEnd.json["deductions"] as? [Any])?.count, run.score.deductions.count)
        XCTAssertEqual(try t1.request("GET", "/api/scenarios/tank-filling/runs/perfect/at?tick=\(end + 1)").status, 400)
        XCTAssertEqual(try t1.request("GET", "/api/scenarios/tank-filling/runs/perfect/at?tick=x").status, 400)
        for bad in ["nope", "perfect.jsonl", "..%2F..%2Fscenario", "perfect.expected", "%2Fetc%2Fpasswd"] {
            let r = try t1.request("GET", "/api/scenarios/tank-filling/runs/\(bad)/at?tick=0")
            XCTAssertTrue([404, 400].contains(r.status), "run '\(bad)': \(r.status) \(r.text)")
            XCTAssertNotEqual(r.status, 200)
        }
        XCTAssertEqual(try t1.request("GET", "/api/scenarios/tank-filling/runs/nope/at?tick=0").status, 404)
        XCTAssertEqual(try t1.request("GET", "/api/scenarios/no-such-scenario/runs/perfect/at?tick=0").status, 404)
        let s1 = try lab.signedIn("s1", "student-pass-1")
        XCTAssertEqual(try s1.request("GET", "/api/scenarios/tank-filling/runs/perfect/at?tick=0").status, 403)
        XCTAssertEqual(try HTTPClient(port: lab.port).request("GET", "/api/scenarios/tank-filling/runs/perfect/at?tick=0").status, 401)
        XCTAssertEqual(try lab.signedIn("aud", "auditor-pass").request("GET", "/api/scenarios/tank-filling/runs/perfect/at?tick=0").status, 200, "the auditor reads")
        XCTAssertEqual(lab.stop(), 0, lab.serverLog)
    }

    /// The debrief page offers the model runs and the classmates' finished attempts of the same
    /// scenario (names escaped), never another class's; the second column's markup is there.
    func testDebriefOffersModelRunsAndClassmates() async throws {
        let lab = try makeLab()
        let (a1, _) = try await finishedAttempt(lab, student: "s1", password: "student-pass-1")
        let (a2, _) = try await finishedAttempt(lab, student: "s2", password: "student-pass-1")
        let (a3, _) = try await finishedAttempt(lab, student: "s3", password: "student-pass-1")
        let t1 = try lab.signedIn("t1", "teacher-pass-1")
        let page = try t1.request("GET", "/teacher/attempts/\(a2.attempt)/debrief")
        XCTAssertEqual(page.status, 200, page.text)
        for run in ["perfect", "mistakes", "idle"] { XCTAssertTrue(page.text.contains("value=\"run:\(run)\""), run) }
        XCTAssertFalse(page.text.contains("value=\"run:perfect.expected\""), "only .jsonl runs")
        XCTAssertTrue(page.text.contains("value=\"attempt:\(a1.attempt)\""), "a classmate's finished attempt")
        XCTAssertFalse(page.text.contains("value=\"attempt:\(a2.attempt)\""), "not the attempt itself")
        XCTAssertFalse(page.text.contains(a3.attempt), "not another class's student")
        XCTAssertTrue(page.text.contains("&lt;b&gt;张三&lt;/b&gt;") && !page.text.contains("<b>张三</b>"), "the name is escaped")
        XCTAssertTrue(page.text.contains("id=\"compare-col\"") && page.text.contains("data-scenario=\"tank-filling\""))
        XCTAssertTrue(page.text.contains("id=\"backtrack\""), "a practice attempt offers 从此刻继续练习")
        // The classmate's column reads through the attempt's own `/at`.
        let other = try t1.request("GET", "/api/attempts/\(a1.attempt)/at?tick=0")
        XCTAssertEqual(other.status, 200, other.text)
        XCTAssertEqual(try t1.request("GET", "/api/attempts/\(a3.attempt)/at?tick=0").status, 403)
        XCTAssertEqual(lab.stop(), 0, lab.serverLog)
    }
}
