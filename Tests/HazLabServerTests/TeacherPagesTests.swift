import Foundation
import HazLabCore
import HazLabLab
import HazLabRecords
import HazLabRunner
import HazLabScenario
import HazLabServer
import XCTest
#if canImport(Glibc)
import Glibc
#endif

/// A plain HTTP/1.1 GET over a loopback socket: no redirects followed, and the body read as it
/// arrives (the server-sent events of the live feed). The socket's receive timeout is a safety
/// net so that a broken server fails the test instead of hanging it; it asserts no timing.
final class RawHTTP: @unchecked Sendable {
    let fd: Int32
    var received = ""

    init(port: Int, path: String, cookie: String?) throws {
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw NSError(domain: "RawHTTP", code: 1) }
        var tv = timeval(tv_sec: 60, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = in_port_t(UInt16(port).bigEndian)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        let ok = withUnsafePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
        guard ok == 0 else { close(fd); throw NSError(domain: "RawHTTP", code: 2) }
        let request = "GET \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n" + (cookie.map { "Cookie: \($0)\r\n" } ?? "") + "\r\n"
        _ = request.withCString { send(fd, $0, strlen($0), 0) }
    }

    deinit { close(fd) }

    /// Reads until `done(received)` holds; false when the connection ended or the safety net fired first.
    func read(until done: (String) -> Bool) -> Bool {
        var buffer = [UInt8](repeating: 0, count: 65536)
        while !done(received) {
            let n = recv(fd, &buffer, buffer.count, 0)
            if n <= 0 { return false }
            received += String(decoding: buffer[0..<n], as: UTF8.self)
        }
        return true
    }

    /// The `data:` lines of the `grid` events received so far, parsed.
    var grids: [[String: Any]] {
        received.components(separatedBy: "event: grid\ndata: ").dropFirst().compactMap { chunk in
            guard let end = chunk.range(of: "\n\n") else { return nil }
            return (try? JSONSerialization.jsonObject(with: Data(chunk[..<end.lowerBound].utf8))) as? [String: Any]
        }
    }
}

/// The teacher station's pages and feeds against a real `hazlab serve` (contract §3, §4).
final class TeacherPagesTests: XCTestCase {
    let key = WorkstationKey(id: "ws-01")
    static let hostile = "<script>alert('x')</script>&\"李"

    func makeLab() throws -> LabFixture {
        let lab = try LabFixture()
        try lab.withAccounts { a in
            try a.createUser(id: "t1", name: "王老师", role: .instructor, password: "teacher-pass-1", actor: "test")
            try a.createUser(id: "t2", name: "李老师", role: .instructor, password: "teacher-pass-2", actor: "test")
            try a.createUser(id: "s1", name: Self.hostile, role: .student, password: "student-pass-1", actor: "test")
            try a.createUser(id: "s2", name: "另一位学生", role: .student, password: "student-pass-2", actor: "test")
            try a.createClass(id: "c1", name: "一班", actor: "test")
            try a.createClass(id: "c2", name: "二班", actor: "test")
            for (u, c) in [("t1", "c1"), ("s1", "c1"), ("s2", "c1"), ("t2", "c2")] { try a.enrol(user: u, in: c, actor: "test") }
            try a.registerWorkstation(id: key.keyId, publicKey: key.publicKey.publicKey, actor: "test")
        }
        try lab.start()
        return lab
    }

    func signedIn(_ lab: LabFixture, _ user: String, _ password: String) throws -> HTTPClient {
        let c = HTTPClient(port: lab.port)
        XCTAssertEqual(try c.login(user, password).status, 200)
        return c
    }

    /// A practice attempt of tank-filling for `student` at ws-01; its journal's lines (header first).
    func practiceAttempt(_ lab: LabFixture, student: String, password: String) throws -> (LabAssignment, [String]) {
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
        return (a, text.dropLast().split(separator: "\n", omittingEmptySubsequences: false).map(String.init))
    }

    func testRolesRedirectCSPAndEscaping() async throws {
        let lab = try makeLab()
        let (a, lines) = try practiceAttempt(lab, student: "s1", password: "student-pass-1")
        _ = try await streamLines(port: lab.port, key: key, attempt: a.attempt, lines: Array(lines[..<(lines.count / 2)]))

        // Not signed in: 303 to /login, remembering where to go back.
        let anonymous = try RawHTTP(port: lab.port, path: "/teacher/classes/c1", cookie: nil)
        XCTAssertTrue(anonymous.read { $0.contains("\r\n\r\n") })
        XCTAssertTrue(anonymous.received.hasPrefix("HTTP/1.1 303"), anonymous.received)
        XCTAssertTrue(anonymous.received.contains("location: /login?next=/teacher/classes/c1") || anonymous.received.contains("Location: /login?next=/teacher/classes/c1"),
                      anonymous.received)

        // The login page keeps a path on this server to go back to, never another site.
        let anon = HTTPClient(port: lab.port)
        XCTAssertTrue(try anon.request("GET", "/login?next=/teacher/classes/c1").text.contains("data-next=\"/teacher/classes/c1\""))
        for evil in ["https://evil.example/", "//evil.example/x", "javascript:alert(1)"] {
            let page = try anon.request("GET", "/login?next=" + (evil.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? ""))
            XCTAssertEqual(page.status, 200)
            XCTAssertTrue(page.text.contains("data-next=\"\""), "\(evil): \(page.text)")
        }

        // A student: 403 on every teacher page, their own growth page at /me.
        let s1 = try signedIn(lab, "s1", "student-pass-1")
        for path in ["/teacher", "/teacher/classes/c1", "/teacher/classes/c1/exams", "/teacher/classes/c1/report", "/teacher/attempts/\(a.attempt)",
                     "/teacher/attempts/\(a.attempt)/debrief", "/teacher/attempts/\(a.attempt)/projector"] {
            let r = try s1.request("GET", path)
            XCTAssertEqual(r.status, 403, "\(path): \(r.text)")
            XCTAssertTrue(r.headers["content-type"]?.hasPrefix("text/html") == true, path)
        }
        XCTAssertEqual(try s1.request("GET", "/api/classes/c1/live").status, 403)
        XCTAssertEqual(try s1.request("GET", "/api/attempts/\(a.attempt)/at?tick=1").status, 403)
        let me = try s1.request("GET", "/me")
        XCTAssertEqual(me.status, 200, me.text)
        XCTAssertTrue(me.text.contains("s1"), me.text)
        XCTAssertFalse(me.text.contains("另一位学生"), "a student's page never shows another student")
        // The report's inline style is allowed by its hash, not by 'unsafe-inline'.
        let meCSP = me.headers["content-security-policy"] ?? ""
        XCTAssertTrue(meCSP.contains("'sha256-"), meCSP)
        XCTAssertFalse(meCSP.contains("unsafe-inline"), meCSP)
        let s2 = try signedIn(lab, "s2", "student-pass-2")
        XCTAssertFalse(try s2.request("GET", "/me").text.contains(a.attempt), "another student's attempt never shows on /me")

        // Another class's instructor: 403; the class's instructor: the grid, escaped, with a strict CSP.
        let t2 = try signedIn(lab, "t2", "teacher-pass-2")
        XCTAssertEqual(try t2.request("GET", "/teacher/classes/c1").status, 403)
        XCTAssertEqual(try t2.request("GET", "/teacher/attempts/\(a.attempt)").status, 403)
        XCTAssertEqual(try t2.request("GET", "/api/classes/c1/live").status, 403)
        let t1 = try signedIn(lab, "t1", "teacher-pass-1")
        for path in ["/teacher", "/teacher/classes/c1", "/teacher/attempts/\(a.attempt)", "/teacher/attempts/\(a.attempt)/projector",
                     "/teacher/attempts/\(a.attempt)/debrief", "/teacher/classes/c1/exams", "/teacher/classes/c1?lang=en"] {
            let r = try t1.request("GET", path)
            XCTAssertEqual(r.status, 200, "\(path): \(r.text)")
            let csp = r.headers["content-security-policy"] ?? ""
            XCTAssertTrue(csp.contains("default-src 'self'") && csp.contains("script-src 'self'"), "\(path): \(csp)")
            XCTAssertFalse(csp.contains("unsafe"), "\(path): \(csp)")
            XCTAssertEqual(r.headers["x-content-type-options"], "nosniff", path)
            // No inline script anywhere: every <script> element loads a file from /static/.
            let scripts = r.text.components(separatedBy: "<script").dropFirst()
            XCTAssertFalse(scripts.isEmpty, path)
            XCTAssertTrue(scripts.allSatisfy { $0.hasPrefix(" src=\"/static/") && $0.contains("></script>") }, path)
            XCTAssertFalse(r.text.contains("<script>alert"), "\(path): the hostile name is escaped")
            XCTAssertTrue(r.text.contains("<meta name=\"csrf-token\" content=\"\(t1.csrf ?? "-")\"/>"), path)
        }
        let grid = try t1.request("GET", "/teacher/classes/c1")
        XCTAssertTrue(grid.text.contains("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;&amp;&quot;李 (s1)"), grid.text)
        XCTAssertTrue(grid.text.contains("data-attempt=\"\(a.attempt)\""), grid.text)
        // The stream closed a moment ago: reconnecting, said in words, not only by a colour.
        XCTAssertTrue(grid.text.contains("<span class=\"conn conn-reconnecting\">重连中</span>"), grid.text)
        XCTAssertTrue(try t1.request("GET", "/teacher/classes/c1?lang=en").text.contains(">reconnecting</span>"))
        let station = try t1.request("GET", "/teacher/attempts/\(a.attempt)")
        XCTAssertTrue(station.text.contains("&lt;script&gt;alert(&#39;x&#39;)"), station.text)
        XCTAssertTrue(station.text.contains("data-kind=\"fault\""), "practice: the fault buttons are there")
        // The feed's JSON carries the name as data (JSON-escaped), never as markup.
        let live = try t1.request("GET", "/api/attempts/\(a.attempt)/live")
        XCTAssertEqual(live.status, 200, live.text)
        XCTAssertEqual(live.json["stepsTotal"] as? Int, 10, live.text)
        XCTAssertNotNil(live.json["checklist"] as? [Any], live.text)

        // Static files: the right types, cached, revalidated by ETag; no file outside the list.
        let js = try t1.request("GET", "/static/grid.js")
        XCTAssertEqual(js.status, 200)
        XCTAssertEqual(js.headers["content-type"], "text/javascript; charset=utf-8")
        XCTAssertTrue(js.headers["cache-control"]?.contains("max-age") == true)
        let etag = js.headers["etag"] ?? ""
        XCTAssertEqual(try t1.request("GET", "/static/grid.js", headers: ["If-None-Match": etag]).status, 304)
        XCTAssertEqual(try t1.request("GET", "/static/teacher.css").headers["content-type"], "text/css; charset=utf-8")
        XCTAssertEqual(try t1.request("GET", "/static/..%2FPackage.swift").status, 404)
        XCTAssertEqual(try t1.request("GET", "/static/nothing.js").status, 404)
        XCTAssertEqual(lab.stop(), 0, lab.serverLog)
    }

    /// The live feed: a `grid` event comes after each streamed line (coalesced), for the class's
    /// instructor only; the feed ends cleanly when the client goes and the server still stops.
    func testLiveFeedSendsAGridAfterAStreamedLine() async throws {
        let lab = try makeLab()
        let (a, lines) = try practiceAttempt(lab, student: "s1", password: "student-pass-1")
        let half = lines.count / 2
        _ = try await streamLines(port: lab.port, key: key, attempt: a.attempt, lines: Array(lines[..<half]))
        let t1 = try signedIn(lab, "t1", "teacher-pass-1")
        let feed = try RawHTTP(port: lab.port, path: "/api/classes/c1/live", cookie: t1.cookie)
        func station(_ g: [String: Any]) -> [String: Any]? { (g["stations"] as? [[String: Any]])?.first { $0["attempt"] as? String == a.attempt } }
        XCTAssertTrue(feed.read { _ in feed.grids.contains { station($0)?["actions"] as? Int == half - 1 } }, feed.received)
        XCTAssertTrue(feed.received.contains("content-type: text/event-stream") || feed.received.contains("Content-Type: text/event-stream"), feed.received)
        let first = try XCTUnwrap(feed.grids.last.flatMap(station))
        XCTAssertEqual(first["studentName"] as? String, Self.hostile)
        XCTAssertEqual(first["workstation"] as? String, "ws-01")
        XCTAssertEqual(first["mode"] as? String, "practice")
        XCTAssertEqual(first["connection"] as? String, "reconnecting", "the stream closed a moment ago")
        XCTAssertEqual(first["stepsTotal"] as? Int, 10)
        XCTAssertNotNil(first["score"] as? Double, "practice shows a score")
        XCTAssertNotNil(first["stepTitle"] as? [String: Any])

        // One more line: a grid with it follows.
        _ = try await streamLines(port: lab.port, key: key, attempt: a.attempt, lines: [lines[half]], from: half)
        XCTAssertTrue(feed.read { _ in feed.grids.contains { station($0)?["actions"] as? Int == half } }, feed.received)
        // The rest with the trailer: submitted.
        _ = try await streamLines(port: lab.port, key: key, attempt: a.attempt, lines: Array(lines[(half + 1)...]), from: half + 1)
        XCTAssertTrue(feed.read { _ in feed.grids.contains { station($0)?["connection"] as? String == "submitted" } }, feed.received)
        let last = try XCTUnwrap(feed.grids.last.flatMap(station))
        XCTAssertEqual(last["finished"] as? Bool, true)
        // The mirror's final state is the grader's: its score and its steps done.
        let file = repoRoot.appendingPathComponent("Scenarios/tank-filling/scenario.yaml").path
        let model = try XCTUnwrap(ScenarioCompiler.compile(path: file).model)
        let run = Runner.replay(model, journal: try Journal.parse(data: Data((lines.joined(separator: "\n") + "\n").utf8), path: "test"))
        XCTAssertEqual(last["stepsDone"] as? Int, run.score.steps.filter(\.completed).count)
        XCTAssertEqual(last["score"] as? Double, run.score.total)
        XCTAssertEqual(last["stateHash"] as? String, run.stateHash.hex16)
        close(feed.fd)
        // The client went: the server still answers. A feed still open at shutdown is ended by
        // the server (its connection closes) and the server stops cleanly.
        XCTAssertEqual(try t1.request("GET", "/health").status, 200)
        let open = try RawHTTP(port: lab.port, path: "/api/classes/c1/live", cookie: t1.cookie)
        XCTAssertTrue(open.read { $0.contains("event: grid") }, open.received)
        XCTAssertEqual(lab.stop(), 0, lab.serverLog)
        XCTAssertFalse(open.read { _ in false }, "the feed's connection ended with the server")
    }

    /// An exam station: no score on the grid or in the feed, and the station page offers only
    /// pause and resume; `?task=` shows that exam's stations only.
    func testExamStationsShowNoScoreAndOnlyPauseResume() async throws {
        let lab = try makeLab()
        let t1 = try signedIn(lab, "t1", "teacher-pass-1")
        let made = try t1.request("POST", "/api/classes/c1/tasks", json: ["scenario": "tank-filling", "mode": "exam", "title": "期末"])
        XCTAssertEqual(made.status, 201, made.text)
        let task = made.json["task"] as? String ?? ""
        XCTAssertEqual(try t1.request("POST", "/api/tasks/\(task)/open").status, 200)
        let http = HTTPClient(port: lab.port)
        let n = try http.request("GET", "/api/workstation/challenge?workstation=ws-01").json["nonce"] as? String ?? ""
        let assigned = try http.request("POST", "/api/workstation/assignment", json: [
            "workstation": "ws-01", "nonce": n, "student": "s2", "password": "student-pass-2", "task": task,
            "signature": try key.sign(LabProtocol.assignmentMessage(nonce: n, workstation: "ws-01", student: "s2", scenario: "task:" + task)).base64EncodedString()])
        XCTAssertEqual(assigned.status, 200, assigned.text)
        let a = LabAssignment(attempt: assigned.json["attempt"] as? String ?? "", scenario: "tank-filling",
                              scenarioSHA256: assigned.json["scenarioSHA256"] as? String ?? "", seed: UInt64(assigned.json["seed"] as? String ?? "") ?? 0,
                              mode: .exam, student: "s2", workstation: "ws-01", issued: "")
        let lines = try labJournal(a, header: nil, in: lab.dir, key: key).dropLast().split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        _ = try await streamLines(port: lab.port, key: key, attempt: a.attempt, lines: Array(lines[..<(lines.count / 2)]))

        let grid = try t1.request("GET", "/teacher/classes/c1?task=\(task)")
        XCTAssertEqual(grid.status, 200, grid.text)
        XCTAssertTrue(grid.text.contains("data-attempt=\"\(a.attempt)\""), grid.text)
        XCTAssertFalse(grid.text.contains("data-f=\"score\""), "an exam station shows no score")
        XCTAssertTrue(grid.text.contains("考核"), grid.text)
        XCTAssertTrue(grid.text.contains("<h1>实时监控：一班 · 任务：期末</h1>"), "the heading names the class and the task shown")
        let feed = try RawHTTP(port: lab.port, path: "/api/classes/c1/live?task=\(task)", cookie: t1.cookie)
        XCTAssertTrue(feed.read { _ in !feed.grids.isEmpty }, feed.received)
        let st = try XCTUnwrap((feed.grids.last?["stations"] as? [[String: Any]])?.first)
        XCTAssertEqual(st["attempt"] as? String, a.attempt)
        XCTAssertTrue(st["score"] is NSNull && st["maxScore"] is NSNull, "\(st)")
        XCTAssertEqual(st["mode"] as? String, "exam")
        XCTAssertEqual(st["task"] as? String, task)
        // Another task's filter: no station.
        let other = try RawHTTP(port: lab.port, path: "/api/classes/c1/live?task=t-0000000000000000", cookie: t1.cookie)
        XCTAssertTrue(other.read { _ in !other.grids.isEmpty }, other.received)
        XCTAssertEqual((other.grids.last?["stations"] as? [Any])?.count, 0)
        XCTAssertEqual(try t1.request("GET", "/api/classes/c1/live?task=../x").status, 400)

        let station = try t1.request("GET", "/teacher/attempts/\(a.attempt)")
        XCTAssertEqual(station.status, 200, station.text)
        for kind in ["fault", "clear", "freeze", "run", "message", "hint"] {
            XCTAssertFalse(station.text.contains("data-kind=\"\(kind)\""), "exam: no \(kind) button")
        }
        XCTAssertTrue(station.text.contains("data-kind=\"pause\"") && station.text.contains("data-kind=\"resume\""))
        XCTAssertFalse(station.text.contains("id=\"st-score\""), "exam: no score on the station page")
        // The commands sent, with their delivery state: the mirror shows a command's effect only
        // once a later line arrives, so the page lists the commands themselves (browser2 defect).
        XCTAssertTrue(station.text.contains("id=\"commands\""), "the station page lists the commands sent")
        let js = try t1.request("GET", "/static/station.js")
        XCTAssertTrue(js.text.contains("base + '/commands'") && js.text.contains("journaled"), "station.js loads the commands and their state")
        // The exams page words an exam's and a result's state in the page's language (browser2 defect: raw API values).
        let exams = try t1.request("GET", "/static/exams.js")
        XCTAssertTrue(exams.text.contains("ended: t('已结束', 'ended')") && exams.text.contains("graded: t('已评分', 'graded')"), "exams.js words the states")
        XCTAssertTrue(exams.text.contains("if (x.state !== 'closed') buttons.shift();"), "exams.js offers 开始 only for a closed exam")
        close(feed.fd); close(other.fd)
        XCTAssertEqual(lab.stop(), 0, lab.serverLog)
    }

    /// The debrief: `/at?tick=N` is the state `Runner.replay` has at tick N, bit for bit; a bad tick is 400.
    func testDebriefStateAtATickEqualsReplay() async throws {
        let lab = try makeLab()
        let (a, lines) = try practiceAttempt(lab, student: "s1", password: "student-pass-1")
        _ = try await streamLines(port: lab.port, key: key, attempt: a.attempt, lines: lines)
        let journal = try Journal.parse(data: Data((lines.joined(separator: "\n") + "\n").utf8), path: "test")
        let file = repoRoot.appendingPathComponent("Scenarios/tank-filling/scenario.yaml").path
        let model = try XCTUnwrap(ScenarioCompiler.compile(path: file).model)
        let run = Runner.replay(model, journal: journal, traceEvery: 1)
        let end = run.ticks
        let t1 = try signedIn(lab, "t1", "teacher-pass-1")
        let actionTicks = journal.actions.map(\.tick)
        var ticks: [Int64] = [0, 1, end / 3, end / 2, end - 1, end]
        // Around actions: the tick of an action (not applied yet) and the one after (applied).
        if let t = actionTicks.dropFirst(2).first { ticks += [t, t + 1] }
        for tick in ticks {
            let r = try t1.request("GET", "/api/attempts/\(a.attempt)/at?tick=\(tick)")
            XCTAssertEqual(r.status, 200, r.text)
            // At the end tick: the final state (the submit's step may end the run without a new tick).
            let expected = tick == end ? run.stateHash.hex16 : try XCTUnwrap(run.trace.first { $0.tick == tick }).hash.hex16
            XCTAssertEqual(r.json["stateHash"] as? String, expected, "tick \(tick)")
            XCTAssertEqual((r.json["tick"] as? NSNumber)?.int64Value, tick)
        }
        let atEnd = try t1.request("GET", "/api/attempts/\(a.attempt)/at?tick=\(end)")
        XCTAssertEqual(atEnd.json["stateHash"] as? String, run.stateHash.hex16)
        XCTAssertEqual(atEnd.json["score"] as? Double, run.score.total, "deductions and score at the end are the grader's")
        XCTAssertEqual((atEnd.json["checklist"] as? [[String: Any]])?.filter { $0["done"] as? Bool == true }.count,
                       run.score.steps.filter(\.completed).count)
        XCTAssertEqual(atEnd.json["ended"] as? Bool, true)
        for bad in ["-1", "abc", "1.5", "", String(end + 1), "99999999999999999999"] {
            let r = try t1.request("GET", "/api/attempts/\(a.attempt)/at?tick=\(bad)")
            XCTAssertEqual(r.status, 400, "tick '\(bad)': \(r.text)")
            XCTAssertTrue((r.json["error"] as? String ?? "").contains("tick"), r.text)
        }
        XCTAssertEqual(try t1.request("GET", "/api/attempts/a-0000000000000000/at?tick=1").status, 404)
        let debrief = try t1.request("GET", "/teacher/attempts/\(a.attempt)/debrief")
        XCTAssertTrue(debrief.text.contains("data-end-tick=\"\(end)\""), debrief.text)
        XCTAssertEqual(lab.stop(), 0, lab.serverLog)
    }

    /// The newcomer's walkthrough (pagesfix): each defect it found, reproduced against a real server.
    func testWalkthroughDefectsAreFixed() async throws {
        let lab = try makeLab()
        let (a1, lines1) = try practiceAttempt(lab, student: "s1", password: "student-pass-1")
        _ = try await streamLines(port: lab.port, key: key, attempt: a1.attempt, lines: lines1)
        // The same workstation starts another attempt: the grid shows only this one.
        let (a2, lines2) = try practiceAttempt(lab, student: "s2", password: "student-pass-2")
        _ = try await streamLines(port: lab.port, key: key, attempt: a2.attempt, lines: Array(lines2[..<(lines2.count / 2)]))
        let t1 = try signedIn(lab, "t1", "teacher-pass-1")

        // 1. The finished attempt is still reachable: the class's attempts page links its station and debrief.
        let grid = try t1.request("GET", "/teacher/classes/c1")
        XCTAssertFalse(grid.text.contains("data-attempt=\"\(a1.attempt)\""), "the grid shows the latest attempt per workstation")
        let list = try t1.request("GET", "/teacher/classes/c1/attempts")
        XCTAssertEqual(list.status, 200, list.text)
        for a in [a1, a2] {
            XCTAssertTrue(list.text.contains("href=\"/teacher/attempts/\(a.attempt)/debrief\""), list.text)
            XCTAssertTrue(list.text.contains("<tr data-attempt=\"\(a.attempt)\""), list.text)
        }
        XCTAssertTrue(list.text.contains("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;&amp;&quot;李 (s1)"), "the student's name, escaped")
        XCTAssertTrue(list.text.contains("练习") && list.text.contains("tank-filling"), list.text)
        XCTAssertTrue(grid.text.contains("href=\"/teacher/classes/c1/attempts\""), "the class pages link the attempts page")
        XCTAssertEqual(try signedIn(lab, "t2", "teacher-pass-2").request("GET", "/teacher/classes/c1/attempts").status, 403)
        // The station, debrief and class report link back to the class grid.
        let station = try t1.request("GET", "/teacher/attempts/\(a2.attempt)")
        XCTAssertTrue(station.text.contains("href=\"/teacher/classes/c1\""), station.text)
        XCTAssertTrue(try t1.request("GET", "/teacher/attempts/\(a1.attempt)/debrief").text.contains("href=\"/teacher/classes/c1\""))
        let report = try t1.request("GET", "/teacher/classes/c1/report")
        XCTAssertEqual(report.status, 200, report.text)
        XCTAssertTrue(report.text.contains("id=\"hz-bar\"") && report.text.contains("href=\"/teacher/classes/c1\"") && report.text.contains("id=\"sign-out\""), report.text)
        XCTAssertTrue(report.text.contains("<script src=\"/static/teacher.js\""), "the bar's sign-out works (teacher.js)")

        // 3. Signing in keeps `?task=` in `next`, in the redirect and in the login page's language link.
        let anonymous = try RawHTTP(port: lab.port, path: "/teacher/classes/c1?task=t-0000000000000000", cookie: nil)
        XCTAssertTrue(anonymous.read { $0.contains("\r\n\r\n") })
        XCTAssertTrue(anonymous.received.lowercased().contains("location: /login?next=/teacher/classes/c1%3ftask%3dt-0000000000000000"), anonymous.received)
        let login = try HTTPClient(port: lab.port).request("GET", "/login?next=%2Fteacher%2Fclasses%2Fc1%3Ftask%3Dt-0000000000000000")
        XCTAssertTrue(login.text.contains("data-next=\"/teacher/classes/c1?task=t-0000000000000000\""), login.text)
        XCTAssertTrue(login.text.contains("href=\"/login?next=%2Fteacher%2Fclasses%2Fc1%3Ftask%3Dt-0000000000000000&amp;lang=en\" id=\"other-language\""), login.text)

        // 13. The grid: the class's name, the students not started, — for blanks, a favicon.
        XCTAssertTrue(grid.text.contains("<h1>实时监控：一班</h1>"), grid.text)
        XCTAssertTrue(grid.text.contains("<link rel=\"icon\" href=\"data:,\"/>"), grid.text)
        XCTAssertTrue(grid.text.contains("<dd data-f=\"accidents\">—</dd>"), grid.text)
        XCTAssertFalse(grid.text.contains("<li class=\"card station idle\" data-student=\"s2\">"), "s2 is at a station")
        XCTAssertTrue(grid.text.contains("<li class=\"card station idle\" data-student=\"s1\">"), "s1's attempt is no longer on the grid: not started")
        // 5. Class-wide pause and resume beside freeze.
        XCTAssertTrue(grid.text.contains("data-class-kind=\"pause\"") && grid.text.contains("data-class-kind=\"resume\""), grid.text)
        // 10. No silent cut: the boxes count, no maxlength.
        XCTAssertFalse(grid.text.contains("maxlength=\"500\""), "a long message is refused with a count, never cut")
        XCTAssertTrue(grid.text.contains("id=\"class-message-count\""), grid.text)

        // 4. The hint's cost is said beside 发送提示; 8. the offline note with 作废.
        XCTAssertTrue(station.text.contains("提示将按评分规则扣分"), station.text)
        XCTAssertTrue(station.text.contains("id=\"offline-box\"") && station.text.contains("id=\"void\""), station.text)
        XCTAssertTrue(station.text.contains("id=\"message-count\""), station.text)

        // 11. The projector: no navigation, no sign-out, no attempt id.
        let projector = try t1.request("GET", "/teacher/attempts/\(a2.attempt)/projector")
        XCTAssertEqual(projector.status, 200, projector.text)
        XCTAssertFalse(projector.text.contains("<nav") || projector.text.contains("id=\"sign-out\""), projector.text)
        XCTAssertFalse(projector.text.contains("· \(a2.attempt)"), projector.text)

        // 12. The debrief lists the instructor's commands (none here) apart from the simulator's events.
        XCTAssertTrue(try t1.request("GET", "/teacher/attempts/\(a1.attempt)/debrief").text.contains("id=\"teacher-jumps\""))

        // 7. The exams page carries the names (for the results table) and the English titles in English.
        let exams = try t1.request("GET", "/teacher/classes/c1/exams")
        XCTAssertTrue(exams.text.contains("data-name=\"另一位学生\""), exams.text)
        let examsEN = try t1.request("GET", "/teacher/classes/c1/exams?lang=en")
        XCTAssertTrue(examsEN.text.contains("Feed tank filling (tank-filling)") && !examsEN.text.contains("储罐进料操作"), "English titles in English mode")
        XCTAssertTrue(exams.text.contains("储罐进料操作 (tank-filling)"), exams.text)
        XCTAssertTrue(exams.text.contains("novalidate"), "the page names a missing field itself")
        // 1. The class report links a graded attempt's id to its debrief (a1 ended with its trailer: graded).
        var graded = false
        for _ in 0..<200 where !graded {
            graded = (try t1.request("GET", "/api/attempts/\(a1.attempt)").json["score"] as? [String: Any]) != nil
            if !graded { try await Task.sleep(nanoseconds: 50_000_000) }
        }
        let seen = try t1.request("GET", "/api/attempts/\(a1.attempt)").text
        XCTAssertTrue(graded, "the finished attempt is graded: \(seen)")
        let linked = try t1.request("GET", "/teacher/classes/c1/report")
        XCTAssertTrue(linked.text.contains("<a href=\"/teacher/attempts/\(a1.attempt)/debrief\">\(a1.attempt)</a>"), linked.text)

        // 9. /me: a sign-out; a student's 403 page says so in Chinese and leads to /me.
        let s1 = try signedIn(lab, "s1", "student-pass-1")
        let me = try s1.request("GET", "/me")
        XCTAssertTrue(me.text.contains("id=\"sign-out\"") && me.text.contains("<meta name=\"csrf-token\" content=\"\(s1.csrf ?? "-")\"/>"), me.text)
        let refused = try s1.request("GET", "/teacher/classes/c1")
        XCTAssertEqual(refused.status, 403)
        XCTAssertTrue(refused.text.contains("学生账户不能打开教师站的页面") && refused.text.contains("href=\"/me\""), refused.text)
        XCTAssertFalse(refused.text.contains("href=\"/teacher\""), refused.text)

        // The scripts: 2. publish asks first and reloads the results; 6. refusals and event kinds in words, units converted.
        let examsJS = try t1.request("GET", "/static/exams.js").text
        XCTAssertTrue(examsJS.contains("function confirmPublish") && examsJS.contains("if (again) results(box, again.results || []);"), examsJS)
        XCTAssertTrue(examsJS.contains("exam-form').reset()"), "the form resets after create")
        let common = try t1.request("GET", "/static/teacher.js").text
        for needle in ["'teaching-only':", "'action-applied': t('操作已执行'", "u = '°C'", "u = 'm³/h'", "function fits("] {
            XCTAssertTrue(common.contains(needle), needle)
        }
        let stationJS = try t1.request("GET", "/static/station.js").text
        XCTAssertTrue(stationJS.contains("offline(j.connection === 'offline'") && stationJS.contains("base + '/void'"), stationJS)
        XCTAssertEqual(lab.stop(), 0, lab.serverLog)
    }
}
