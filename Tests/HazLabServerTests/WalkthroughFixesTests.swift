import Foundation
import HazLabCore
import HazLabLab
import HazLabRecords
import HazLabServer
import HummingbirdWSClient
import Logging
import XCTest
#if canImport(Glibc)
import Glibc
#endif

/// The defects a newcomer's walkthrough of the teacher station found, each reproduced against a
/// real `hazlab serve` (and, for the clock, a real `hazlab-viewer`).
final class WalkthroughFixesTests: XCTestCase {
    let keys = [WorkstationKey(id: "ws-01"), WorkstationKey(id: "ws-02")]

    func makeLab() throws -> LabFixture {
        try .staffed(students: [("s1", "张三", "c1"), ("s2", "李四", "c1")], keys: keys)
    }

    /// `POST /api/workstation/assignment` from workstation `k` (0: ws-01, 1: ws-02).
    func assign(_ lab: LabFixture, student: String, at k: Int, task: String? = nil, scenario: String = "reactor-cooling-loss",
                mode: String = "practice") throws -> HTTPReply {
        let http = HTTPClient(port: lab.port), ws = keys[k].keyId
        let n = try http.request("GET", "/api/workstation/challenge?workstation=\(ws)").json["nonce"] as? String ?? ""
        var body: [String: Any] = ["workstation": ws, "nonce": n, "student": student, "password": "student-pass-1"]
        if let task { body["task"] = task } else { body["scenario"] = scenario; body["mode"] = mode }
        body["signature"] = try keys[k].sign(LabProtocol.assignmentMessage(nonce: n, workstation: ws, student: student,
                                                                           scenario: task.map { "task:" + $0 } ?? scenario)).base64EncodedString()
        return try http.request("POST", "/api/workstation/assignment", json: body)
    }

    func audit(_ lab: LabFixture, _ action: String) throws -> [ResultsStore.AuditEntry] {
        try ResultsStore(path: lab.storePath).auditLog(limit: 1000).filter { $0.action == action }
    }

    /// Streams `frames` (after the handshake) over a real WebSocket; every `line` frame's answer is read.
    func stream(_ lab: LabFixture, attempt: String, frames: [LabClientMessage]) async throws -> [Int] {
        final class Box: @unchecked Sendable { var acks: [Int] = [] }
        let box = Box(), key = keys[0], port = lab.port
        var log = Logger(label: "test.ws"); log.logLevel = .error
        let logger = log
        _ = try await withSafetyNet { try await WebSocketClient.connect(url: "ws://127.0.0.1:\(port)/api/stream", logger: logger) { inbound, outbound, _ in
            var it = inbound.messages(maxSize: 1 << 20).makeAsyncIterator()
            func next() async throws -> LabServerMessage? {
                guard let m = try await it.next(), case .text(let t) = m else { return nil }
                return try LabProtocol.decodeServer(t)
            }
            try await outbound.write(.text(LabProtocol.encode(LabClientMessage.hello(workstation: key.keyId, attempt: attempt))))
            guard case .challenge(let nonce)? = try await next() else { return }
            let sig = try key.sign(LabProtocol.proofMessage(nonce: nonce, attempt: attempt)).base64EncodedString()
            try await outbound.write(.text(LabProtocol.encode(LabClientMessage.proof(signature: sig))))
            guard case .welcome? = try await next() else { return }
            for f in frames {
                try await outbound.write(.text(LabProtocol.encode(f)))
                guard case .line = f else { continue }
                while true {
                    guard let m = try await next() else { return }
                    if case .ack(let s) = m { box.acks.append(s); break }
                    if case .error = m { break }
                }
            }
            try await outbound.close(.normalClosure, reason: nil)
        } }
        return box.acks
    }

    // MARK: 1. The clock: an idle station's live state moves on

    /// A real viewer at wall-clock speed whose student does nothing for 5 s: the teacher's
    /// `/live` shows the tick growing while no action has come (before the clock, it stayed 0).
    func testAnIdleStudentsLiveTickGrowsFromTheViewersClock() throws {
        let lab = try LabFixture()
        let key = WorkstationKey(id: "ws-01")
        try lab.withAccounts { a in
            try a.createUser(id: "admin", name: "管理员", role: .administrator, password: "admin-pass-1", actor: "test")
            try a.createClass(id: "c1", name: "一班", actor: "test")
            try a.createUser(id: "s1", name: "张三", role: .student, password: "student-pass-1", actor: "test")
            try a.enrol(user: "s1", in: "c1", actor: "test")
            _ = try key.write(to: lab.dir.path)
            try a.registerWorkstation(id: key.keyId, publicKey: key.publicKey.publicKey, actor: "test")
        }
        try lab.start()
        defer { _ = lab.stop() }
        let admin = try lab.signedIn("admin", "admin-pass-1")
        let script = "type s1\ntap tab\ntype student-pass-1\ntap enter\nexpect tasks\nchoose tank-filling\nexpect session\nwait 5\nsubmit\nexpect result\n"
        let scriptURL = lab.dir.appendingPathComponent("idle.script")
        try script.write(to: scriptURL, atomically: true, encoding: .utf8)
        let out = lab.dir.appendingPathComponent("viewer.out"), err = lab.dir.appendingPathComponent("viewer.err")
        _ = FileManager.default.createFile(atPath: out.path, contents: nil)
        _ = FileManager.default.createFile(atPath: err.path, contents: nil)
        let p = Process()
        p.executableURL = URL(fileURLWithPath: try Self.viewerBinary())
        p.arguments = ["--server", "http://127.0.0.1:\(lab.port)", "--workstation", "ws-01", "--key", lab.dir.appendingPathComponent("ws-01.key").path,
                       "--journals", lab.dir.appendingPathComponent("journals").path, "--scenarios", repoRoot.appendingPathComponent("Scenarios").path,
                       "--offscreen", "--realtime", "--script", scriptURL.path]
        p.currentDirectoryURL = lab.dir
        p.standardOutput = try FileHandle(forWritingTo: out)
        p.standardError = try FileHandle(forWritingTo: err)
        p.standardInput = FileHandle.nullDevice
        try p.run()
        let pid = p.processIdentifier
        let watchdog = DispatchWorkItem { kill(pid, SIGKILL) }   // a safety net, not a timing assertion
        DispatchQueue.global().asyncAfter(deadline: .now() + 240, execute: watchdog)
        defer { watchdog.cancel() }

        // Follow /live while the viewer runs: the ticks seen before any action came.
        var attempt = "", idleTicks: [Int] = []
        while p.isRunning {
            if attempt.isEmpty, let text = try? String(contentsOf: out, encoding: .utf8),
               let line = text.split(separator: "\n").first(where: { $0.hasPrefix("attempt: ") }) {
                attempt = line.dropFirst("attempt: ".count).split(separator: " ").first.map(String.init) ?? ""
            }
            if !attempt.isEmpty {
                let live = try admin.request("GET", "/api/attempts/\(attempt)/live")
                if live.status == 200, live.json["actions"] as? Int == 0, live.json["finished"] as? Bool == false, let t = live.json["tick"] as? Int {
                    idleTicks.append(t)
                }
            }
            usleep(100_000)
        }
        p.waitUntilExit()
        let stdout = (try? String(contentsOf: out, encoding: .utf8)) ?? ""
        XCTAssertEqual(p.terminationStatus, 0, stdout + ((try? String(contentsOf: err, encoding: .utf8)) ?? ""))
        XCTAssertFalse(attempt.isEmpty, stdout)
        XCTAssertGreaterThan(idleTicks.max() ?? 0, 0, "the live tick grew while the student was idle: \(idleTicks)")
        XCTAssertEqual(idleTicks, idleTicks.sorted(), "the live tick never goes back")
        // The journal's first action is the submit: the ticks above came from clocks alone; and
        // the server's stored journal holds no clock (clocks are never stored).
        let store = try ResultsStore(path: lab.storePath)
        let lines = try store.db.query("SELECT text FROM lab_lines WHERE attempt = ? ORDER BY seq", [attempt]).compactMap { $0[0].string }
        XCTAssertTrue(lines.count >= 3 && lines[1].contains("\"verb\":\"submit\""), "\(lines)")
        XCTAssertFalse(lines.contains { $0.contains("\"clock\"") })
        let submitTick = (try? JSONSerialization.jsonObject(with: Data(lines[1].utf8)) as? [String: Any])?["tick"] as? Int ?? -1
        XCTAssertLessThanOrEqual(idleTicks.max() ?? 0, submitTick, "a clock is never ahead of the station")
        // Graded as ever: the clock changes nothing in the score.
        XCTAssertEqual(try waitUntilGraded(lab, attempt), "graded")
    }

    static func viewerBinary() throws -> String {
        var folders = Bundle.allBundles.filter { $0.bundlePath.hasSuffix(".xctest") }.map { $0.bundleURL.deletingLastPathComponent() }
        folders.append(Bundle.main.bundleURL)
        folders.append(Bundle.main.bundleURL.deletingLastPathComponent())
        for folder in folders {
            let candidate = folder.appendingPathComponent("hazlab-viewer").path
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        throw XCTSkip("hazlab-viewer not found next to the test bundle; build it with `swift build --build-tests`")
    }

    // MARK: 2. A fault that fired already

    /// The instructor fires cw_pump_trip; the station journals it and its clock passes the
    /// tick it fires on: `/faults` says fired (and active: the pump is tripped), and firing it
    /// again is refused with 400 `bad-command` instead of being queued for the workstation to reject.
    func testAFaultThatFiredIsRefusedAndListedAsFired() async throws {
        let lab = try makeLab()
        defer { _ = lab.stop() }
        let t1 = try lab.signedIn("t1", "teacher-pass-1")
        let task = try t1.request("POST", "/api/classes/c1/tasks", json: ["scenario": "reactor-cooling-loss", "mode": "teaching"]).json["task"] as? String ?? ""
        XCTAssertEqual(try t1.request("POST", "/api/tasks/\(task)/open").status, 200)
        let a = try assign(lab, student: "s1", at: 0, task: task).json
        let attempt = a["attempt"] as? String ?? ""
        func faults() throws -> [String: [String: Any]] {
            let list = try t1.request("GET", "/api/attempts/\(attempt)/faults").json["faults"] as? [[String: Any]] ?? []
            return Dictionary(uniqueKeysWithValues: list.map { ($0["id"] as? String ?? "", $0) })
        }
        XCTAssertEqual(try faults()["cw_pump_trip"]?["fired"] as? Bool, false)
        XCTAssertEqual(try faults()["cw_pump_trip"]?["active"] as? Bool, false)
        let first = try t1.request("POST", "/api/attempts/\(attempt)/commands", json: ["kind": "fault", "target": "cw_pump_trip"])
        XCTAssertEqual(first.status, 200, first.text)
        let id = Int64((first.json["command"] as? [String: Any])?["id"] as? Int ?? 0)

        var h = Journal.Header(scenario: "reactor-cooling-loss", scenarioSHA256: a["scenarioSHA256"] as? String ?? "",
                               seed: UInt64(a["seed"] as? String ?? "") ?? 0, mode: "teaching", student: "s1", workstation: "ws-01")
        h.format = 2; h.attempt = attempt; h.started = "2026-12-07T08:00:00.000Z"; h.key = "ws-01"
        let head = Journal.headerLine(h)
        let frame = LabCommandFrame(id: id, kind: "fault", verb: "instructor-fault", target: "cw_pump_trip", text: "", by: "t1")
        let line = Journal.line(for: frame.action(tick: 3), prev: JournalChain.hash(head))
        // The line again after the clock: its ack says the clock before it was handled.
        let acks = try await stream(lab, attempt: attempt, frames: [.line(seq: 0, text: head), .line(seq: 1, text: line), .clock(tick: 10),
                                                                     .line(seq: 1, text: line)])
        XCTAssertEqual(acks, [0, 1, 1])
        let live = try t1.request("GET", "/api/attempts/\(attempt)/live").json
        XCTAssertEqual(live["tick"] as? Int, 10, "the clock moved the mirror past the fault's tick: \(live)")
        let f = try faults()["cw_pump_trip"] ?? [:]
        XCTAssertEqual(f["fired"] as? Bool, true, "\(f)")
        XCTAssertEqual(f["firedTick"] as? Int, 4, "an instructor fault journaled at tick 3 fires on the step to 4")
        XCTAssertEqual(f["active"] as? Bool, true, "the pump is still tripped")
        XCTAssertEqual(try faults()["tt101_freezes"]?["fired"] as? Bool, false)

        let again = try t1.request("POST", "/api/attempts/\(attempt)/commands", json: ["kind": "fault", "target": "cw_pump_trip"])
        XCTAssertEqual(again.status, 400, again.text)
        XCTAssertEqual(again.json["code"] as? String, "bad-command")
        XCTAssertTrue((again.json["error"] as? String ?? "").contains("has already fired"), again.text)
        let queued = try t1.request("GET", "/api/attempts/\(attempt)/commands").json["commands"] as? [[String: Any]] ?? []
        XCTAssertEqual(queued.count, 1, "the refused fault was not queued: \(queued)")
        // Another fault of the attempt is still accepted.
        XCTAssertEqual(try t1.request("POST", "/api/attempts/\(attempt)/commands", json: ["kind": "fault", "target": "tt101_freezes"]).status, 200)
    }

    // MARK: 3. One student, one workstation during an exam

    func testAStudentTakingAnExamGetsNoOtherAssignmentAnywhere() async throws {
        let lab = try makeLab()
        defer { _ = lab.stop() }
        let t1 = try lab.signedIn("t1", "teacher-pass-1")
        let exam = try t1.request("POST", "/api/classes/c1/tasks", json: ["scenario": "tank-filling", "mode": "exam"]).json["task"] as? String ?? ""
        let teaching = try t1.request("POST", "/api/classes/c1/tasks", json: ["scenario": "tank-filling", "mode": "teaching"]).json["task"] as? String ?? ""
        for t in [exam, teaching] { XCTAssertEqual(try t1.request("POST", "/api/tasks/\(t)/open").status, 200) }
        let taking = try assign(lab, student: "s1", at: 0, task: exam)
        XCTAssertEqual(taking.status, 200, taking.text)
        let examAttempt = taking.json["attempt"] as? String ?? ""
        // Issued but not begun (nothing streamed): the student may still be sent elsewhere.
        let before = try assign(lab, student: "s1", at: 1, scenario: "tank-filling")
        XCTAssertEqual(before.status, 200, before.text)
        // The exam begins: its header is on the server.
        var h = Journal.Header(scenario: "tank-filling", scenarioSHA256: taking.json["scenarioSHA256"] as? String ?? "",
                               seed: UInt64(taking.json["seed"] as? String ?? "") ?? 0, mode: "exam", student: "s1", workstation: "ws-01")
        h.format = 2; h.attempt = examAttempt; h.started = "2026-12-07T08:00:00.000Z"; h.key = "ws-01"
        let acks = try await stream(lab, attempt: examAttempt, frames: [.line(seq: 0, text: Journal.headerLine(h))])
        XCTAssertEqual(acks, [0])

        // Free practice and a teaching task, at the other workstation and at the same one: 409.
        for (k, task) in [(1, nil), (1, teaching), (0, nil)] as [(Int, String?)] {
            let r = try assign(lab, student: "s1", at: k, task: task, scenario: "tank-filling")
            XCTAssertEqual(r.status, 409, "\(k) \(task ?? "practice"): \(r.text)")
            XCTAssertTrue((r.json["error"] as? String ?? "").contains("you are taking exam '\(exam)'"), r.text)
        }
        let refused = try audit(lab, "lab-assignment-refused")
        XCTAssertEqual(refused.count, 3)
        XCTAssertTrue(refused.allSatisfy { $0.actor == "s1" && $0.subject == examAttempt }, "\(refused)")
        XCTAssertTrue(refused.contains { $0.detail.contains("free practice at workstation ws-02") }, "\(refused)")
        // Another student is not affected.
        XCTAssertEqual(try assign(lab, student: "s2", at: 1, scenario: "tank-filling").status, 200)
        // Once the exam attempt is over (here: voided by the instructor), practice is allowed again.
        XCTAssertEqual(try t1.request("POST", "/api/attempts/\(examAttempt)/void", json: ["reason": "test"]).status, 200)
        XCTAssertEqual(try assign(lab, student: "s1", at: 1, scenario: "tank-filling").status, 200)
    }

    // MARK: 4. Unlocking a locked account

    func testAnAdministratorUnlocksALockedAccountByRouteAndByCLI() throws {
        let lab = try makeLab()
        defer { _ = lab.stop() }
        let admin = try lab.signedIn("admin", "admin-pass-1")
        let t1 = try lab.signedIn("t1", "teacher-pass-1")
        let http = HTTPClient(port: lab.port)
        // The fixture locks after 3 failures and throttles an address after 8 in a minute: 7 below.
        let wrong = try (0..<3).map { _ in try http.login("s1", "wrong") }
        XCTAssertEqual(wrong.map(\.status), [401, 401, 401])
        let locked = try http.login("s1", "student-pass-1")
        XCTAssertEqual(locked.status, 401, "locked")
        XCTAssertEqual(locked.text, wrong[0].text, "one refusal text: a locked account is not told apart")

        XCTAssertEqual(try t1.request("POST", "/api/admin/users/s1/unlock").status, 403, "administrators only")
        XCTAssertEqual(try admin.request("POST", "/api/admin/users/s1/unlock", sendCSRF: false).status, 403, "CSRF")
        XCTAssertEqual(try admin.request("POST", "/api/admin/users/nobody/unlock").status, 404)
        let r = try admin.request("POST", "/api/admin/users/s1/unlock")
        XCTAssertEqual(r.status, 200, r.text)
        XCTAssertEqual(r.json["wasLocked"] as? Bool, true, r.text)
        XCTAssertEqual(try http.login("s1", "student-pass-1").status, 200, "unlocked")
        XCTAssertTrue(try audit(lab, "lab-unlock").contains { $0.actor == "admin" && $0.subject == "s1" && $0.detail.contains("lifted") })

        // The CLI, on the server machine, as os:<account>.
        for _ in 0..<3 { XCTAssertEqual(try http.login("s2", "wrong").status, 401) }
        let cli = try runHazlab(["lab", "unlock", "--config", lab.configPath, "--user", "s2"], in: lab.dir)
        XCTAssertEqual(cli.status, 0, cli.all)
        XCTAssertTrue(cli.stdout.contains("unlocked s2 (locked until"), cli.stdout)
        XCTAssertEqual(try http.login("s2", "student-pass-1").status, 200)
        XCTAssertTrue(try audit(lab, "lab-unlock").contains { $0.actor.hasPrefix("os:") && $0.subject == "s2" })
        let none = try runHazlab(["lab", "unlock", "--config", lab.configPath, "--user", "nobody"], in: lab.dir)
        XCTAssertNotEqual(none.status, 0)
        XCTAssertTrue(none.stderr.contains("no user 'nobody'"), none.stderr)
    }

    // MARK: 5. The demo outside the repository root

    func testDemoOutsideTheRepoFindsItsKeyAndAMissingKeyChangesNothing() throws {
        let lab = try LabFixture()
        let elsewhere = lab.dir.appendingPathComponent("elsewhere")
        try FileManager.default.createDirectory(at: elsewhere, withIntermediateDirectories: true)
        // A missing --public: refused before the store is touched, saying how to pass it.
        let missing = try runHazlab(["lab", "demo", "--config", lab.configPath, "--public", elsewhere.appendingPathComponent("no.pub").path], in: elsewhere)
        XCTAssertNotEqual(missing.status, 0)
        XCTAssertTrue(try ResultsStore(path: lab.storePath, create: true).db.query("SELECT id FROM lab_users").isEmpty, "nothing half made")
        // The default key, run from a folder that is not the repository root: found in the
        // repository this hazlab was built in.
        let demo = try runHazlab(["lab", "demo", "--config", lab.configPath], in: elsewhere)
        XCTAssertEqual(demo.status, 0, demo.all)
        XCTAssertTrue(demo.stdout.contains("workstation ws-demo"), demo.stdout)
    }
}
