import Foundation
import HazLabCore
import HazLabLab
import HazLabRecords
@testable import HazLabServer
import HummingbirdWSClient
import Logging
import XCTest

/// Instructor commands against a real `hazlab serve` (Docs/lab.md, "Instructor commands"): the
/// routes' checks by role and mode, the audit, class-wide commands, and delivery over a real
/// WebSocket (sent after the welcome, marked journaled when the line with its `cmd` arrives).
final class InstructorCommandsTests: XCTestCase {
    let key = WorkstationKey(id: "ws-01")

    func makeLab() throws -> LabFixture {
        try .staffed(students: [("s1", "s1", "c1"), ("s2", "s2", "c1"), ("s3", "s3", "c1")], keys: [key])
    }

    /// An assignment over the workstation routes: a task's, or free practice/teaching of `scenario`.
    func assign(_ lab: LabFixture, student: String, task: String? = nil, scenario: String = "reactor-cooling-loss",
                mode: String = "practice") throws -> [String: Any] {
        let http = HTTPClient(port: lab.port)
        let n = try http.request("GET", "/api/workstation/challenge?workstation=ws-01").json["nonce"] as? String ?? ""
        var body: [String: Any] = ["workstation": "ws-01", "nonce": n, "student": student, "password": "student-pass-1"]
        if let task { body["task"] = task } else { body["scenario"] = scenario; body["mode"] = mode }
        body["signature"] = try key.sign(LabProtocol.assignmentMessage(nonce: n, workstation: "ws-01", student: student,
                                                                       scenario: task.map { "task:" + $0 } ?? scenario)).base64EncodedString()
        let r = try http.request("POST", "/api/workstation/assignment", json: body)
        XCTAssertEqual(r.status, 200, r.text)
        return r.json
    }

    func audit(_ lab: LabFixture, _ action: String) throws -> [ResultsStore.AuditEntry] {
        try ResultsStore(path: lab.storePath).auditLog(limit: 1000).filter { $0.action == action }
    }

    func testCommandsAreCheckedByRoleAndModeAuditedAndListed() throws {
        let lab = try makeLab()
        defer { _ = lab.stop() }
        let t1 = try lab.signedIn("t1", "teacher-pass-1"), t2 = try lab.signedIn("t2", "teacher-pass-2")
        let s1 = try lab.signedIn("s1", "student-pass-1"), aud = try lab.signedIn("aud", "auditor-pass")
        let admin = try lab.signedIn("admin", "admin-pass-1")
        let teachingTask = try t1.request("POST", "/api/classes/c1/tasks", json: ["scenario": "reactor-cooling-loss", "mode": "teaching"]).json["task"] as? String ?? ""
        let examTask = try t1.request("POST", "/api/classes/c1/tasks", json: ["scenario": "reactor-cooling-loss", "mode": "exam"]).json["task"] as? String ?? ""
        for t in [teachingTask, examTask] { XCTAssertEqual(try t1.request("POST", "/api/tasks/\(t)/open").status, 200) }
        let teaching = try assign(lab, student: "s1", task: teachingTask)["attempt"] as? String ?? ""
        let exam = try assign(lab, student: "s2", task: examTask)["attempt"] as? String ?? ""
        let practice = try assign(lab, student: "s3")["attempt"] as? String ?? ""

        func post(_ c: HTTPClient, _ attempt: String, _ body: [String: Any], csrf: Bool = true) throws -> HTTPReply {
            try c.request("POST", "/api/attempts/\(attempt)/commands", json: body, sendCSRF: csrf)
        }
        func refused(_ r: HTTPReply, _ status: Int, _ code: String, file: StaticString = #filePath, line: UInt = #line) {
            XCTAssertEqual(r.status, status, r.text, file: file, line: line)
            XCTAssertEqual(r.json["code"] as? String, code, r.text, file: file, line: line)
            XCTAssertFalse((r.json["error"] as? String ?? "").isEmpty, r.text, file: file, line: line)
        }
        // Roles: a student, another class's instructor, an auditor; no CSRF token; no such attempt.
        refused(try post(s1, teaching, ["kind": "message", "text": "hi"]), 403, "forbidden")
        refused(try post(t2, teaching, ["kind": "message", "text": "hi"]), 403, "forbidden")
        refused(try post(aud, teaching, ["kind": "message", "text": "hi"]), 403, "forbidden")
        XCTAssertEqual(try post(t1, teaching, ["kind": "message", "text": "hi"], csrf: false).status, 403)
        refused(try post(t1, "a-0000000000000000", ["kind": "freeze"]), 404, "not-found")
        XCTAssertTrue(try audit(lab, "lab-command-refused").contains { $0.actor == "s1" && $0.subject == teaching },
                      "a student's try is audited with the student's identity")
        // Bad commands.
        refused(try post(t1, teaching, ["kind": "explode"]), 400, "bad-command")
        refused(try post(t1, teaching, ["kind": "fault", "target": "feed_valve_sticks"]), 400, "bad-command")   // not instructor: true
        refused(try post(t1, teaching, ["kind": "fault", "target": "no_such_fault"]), 400, "bad-command")
        refused(try post(t1, teaching, ["kind": "clear", "target": "cw_pump_trip"]), 400, "bad-command")        // a trip has nothing to clear
        refused(try post(t1, teaching, ["kind": "hint", "target": "nope", "text": "x"]), 400, "bad-command")
        refused(try post(t1, teaching, ["kind": "message", "text": String(repeating: "长", count: 501)]), 400, "bad-command")
        refused(try post(t1, teaching, ["kind": "message", "text": "bell\u{7}"]), 400, "bad-command")
        // Modes.
        refused(try post(t1, exam, ["kind": "fault", "target": "cw_pump_trip"]), 409, "exam-no-intervention")
        refused(try post(t1, exam, ["kind": "freeze"]), 409, "exam-no-intervention")
        refused(try post(t1, exam, ["kind": "hint", "target": "ppe", "text": "x"]), 409, "exam-no-intervention")
        refused(try post(t1, practice, ["kind": "freeze"]), 409, "teaching-only")
        refused(try post(t1, teaching, ["kind": "submit"]), 400, "bad-command")

        // Accepted: queued (no workstation connected yet), audited with the instructor's identity.
        let fault = try post(t1, teaching, ["kind": "fault", "target": "cw_pump_trip"])
        XCTAssertEqual(fault.status, 200, fault.text)
        let c = fault.json["command"] as? [String: Any] ?? [:]
        XCTAssertEqual(c["verb"] as? String, "instructor-fault")
        XCTAssertEqual(c["by"] as? String, "t1")
        XCTAssertEqual(c["state"] as? String, "queued")
        XCTAssertTrue(c["seq"] is NSNull)
        XCTAssertEqual(c["attempt"] as? String, teaching)
        XCTAssertEqual(try post(t1, practice, ["kind": "fault", "target": "tt101_freezes"]).status, 200)
        let pause = try post(admin, exam, ["kind": "pause", "text": "学生不适 <b>"])
        XCTAssertEqual(pause.status, 200, pause.text)
        XCTAssertEqual((pause.json["command"] as? [String: Any])?["text"] as? String, "学生不适 <b>")
        XCTAssertTrue(try audit(lab, "lab-command").contains { $0.actor == "t1" && $0.subject == teaching && $0.detail.hasPrefix("fault cw_pump_trip") })
        XCTAssertTrue(try audit(lab, "lab-command").contains { $0.actor == "admin" && $0.subject == exam && $0.detail.hasPrefix("pause") })

        // Class-wide: every running attempt of the class; the others skipped with a reason.
        let wide = try t1.request("POST", "/api/classes/c1/commands", json: ["kind": "freeze"])
        XCTAssertEqual(wide.status, 200, wide.text)
        XCTAssertEqual((wide.json["commands"] as? [[String: Any]])?.compactMap { $0["attempt"] as? String }, [teaching])
        XCTAssertEqual(Set((wide.json["skipped"] as? [[String: Any]] ?? []).compactMap { $0["attempt"] as? String }), [exam, practice])
        // Each skipped station carries the refusal's machine code (the teacher page words it from the code).
        let skippedCodes = Dictionary(uniqueKeysWithValues: (wide.json["skipped"] as? [[String: Any]] ?? []).map {
            ($0["attempt"] as? String ?? "", $0["code"] as? String ?? "")
        })
        XCTAssertEqual(skippedCodes, [exam: "exam-no-intervention", practice: "teaching-only"], wide.text)
        let onlyTask = try t1.request("POST", "/api/classes/c1/commands", json: ["kind": "pause", "text": "停电", "task": examTask])
        XCTAssertEqual((onlyTask.json["commands"] as? [[String: Any]])?.compactMap { $0["attempt"] as? String }, [exam], onlyTask.text)
        refused(try t1.request("POST", "/api/classes/c1/commands", json: ["kind": "fault", "target": "cw_pump_trip"]), 400, "bad-command")
        refused(try t2.request("POST", "/api/classes/c1/commands", json: ["kind": "freeze"]), 403, "forbidden")
        refused(try s1.request("POST", "/api/classes/c1/commands", json: ["kind": "freeze"]), 403, "forbidden")

        // Listing and the faults an instructor may fire.
        let list = try t1.request("GET", "/api/attempts/\(teaching)/commands")
        XCTAssertEqual((list.json["commands"] as? [[String: Any]])?.compactMap { $0["kind"] as? String }, ["fault", "freeze"], list.text)
        XCTAssertEqual(try s1.request("GET", "/api/attempts/\(teaching)/commands").status, 403)
        XCTAssertEqual(try t2.request("GET", "/api/attempts/\(teaching)/commands").status, 403)
        let faults = try t1.request("GET", "/api/attempts/\(teaching)/faults").json["faults"] as? [[String: Any]] ?? []
        XCTAssertEqual(faults.compactMap { $0["id"] as? String }, ["cw_pump_trip", "tt101_freezes"])
        XCTAssertEqual(faults.compactMap { $0["clearable"] as? Bool }, [false, true])
        XCTAssertTrue(((faults.first?["description"] as? [String: Any])?["zh"] as? String ?? "").contains("P-201A"))
        XCTAssertEqual(try s1.request("GET", "/api/attempts/\(teaching)/faults").status, 403)

        // An attempt that has ended (here: voided) takes no more commands.
        XCTAssertEqual(try t1.request("POST", "/api/attempts/\(practice)/void", json: ["reason": "机器故障"]).status, 200)
        refused(try post(t1, practice, ["kind": "message", "text": "hi"]), 409, "finished")
    }

    /// Ending an exam: `submitRunning` queues `submit` for each of the task's attempts in progress
    /// (not the voided one, not another task's), audited with the instructor's identity.
    func testSubmitRunningQueuesSubmitForTheExamsRunningAttempts() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("hazlab-submit-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        var config = LabConfig()
        config.store = dir.appendingPathComponent("lab.sqlite").path
        config.scenarios = repoRoot.appendingPathComponent("Scenarios").path
        config.bcryptCost = 4; config.testing = true
        let server = try LabServer(config: config, logger: Logger(label: "test"))
        try server.accounts.createClass(id: "c1", name: "一班", actor: "test")
        for s in ["s1", "s2", "s3", "s4"] { _ = try server.accounts.createUser(id: s, name: s, role: .student, password: "student-pass-1", actor: "test") }
        let exam = try server.accounts.createTask(klass: "c1", scenario: "tank-filling", title: "考核", mode: .exam, actor: "test").task
        let other = try server.accounts.createTask(klass: "c1", scenario: "tank-filling", title: "练习", mode: .practice, actor: "test").task
        let path = repoRoot.appendingPathComponent("Scenarios/tank-filling/scenario.yaml").path
        let a1 = try server.ledger.issue(scenarioPath: path, student: "s1", workstation: "ws-01", mode: .exam, seed: 1, task: exam).attempt
        let a2 = try server.ledger.issue(scenarioPath: path, student: "s2", workstation: "ws-02", mode: .exam, seed: 2, task: exam).attempt
        let voided = try server.ledger.issue(scenarioPath: path, student: "s3", workstation: "ws-03", mode: .exam, seed: 3, task: exam).attempt
        try server.ledger.void(attempt: voided, actor: "t1", reason: "机器故障")
        _ = try server.ledger.issue(scenarioPath: path, student: "s4", workstation: "ws-04", mode: .practice, seed: 4, task: other)
        XCTAssertEqual(try server.submitRunning(task: exam, actor: "t1"), 2)
        let rows = try server.accounts.locked { try $0.db.query("SELECT attempt, kind, verb, by, state FROM lab_commands ORDER BY attempt") }
        XCTAssertEqual(rows.map { $0.compactMap(\.string) }, [[a1, "submit", "submit", "t1", "queued"], [a2, "submit", "submit", "t1", "queued"]].sorted { $0[0] < $1[0] })
        let audited = try server.accounts.locked { try $0.auditLog(limit: 100) }.filter { $0.action == "lab-command" }
        XCTAssertEqual(Set(audited.map(\.subject)), [a1, a2])
        XCTAssertTrue(audited.allSatisfy { $0.actor == "t1" && $0.detail.hasPrefix("submit") })
        XCTAssertEqual(try server.submitRunning(task: other, actor: "t1"), 0, "not an exam: nothing to submit")

        // The line with the command's cmd is stored, but the server stopped before marking it (here:
        // stored straight through the ledger): the next listing marks it from the stored lines.
        let assignment = try XCTUnwrap(try server.ledger.assignment(a1))
        var h = Journal.Header(scenario: "tank-filling", scenarioSHA256: assignment.scenarioSHA256, seed: assignment.seed, mode: "exam",
                               student: "s1", workstation: "ws-01")
        h.format = 2; h.attempt = a1; h.started = "2026-12-07T08:00:00.000Z"; h.key = "ws-01"
        let head = Journal.headerLine(h)
        let id = try XCTUnwrap(try server.commands(a1).first?.id)
        let line = Journal.line(for: Action(tick: 5, verb: "submit", target: "", by: "t1", command: id), prev: JournalChain.hash(head))
        for (seq, text) in [head, line].enumerated() { _ = try server.ledger.append(attempt: a1, workstation: "ws-01", seq: seq, text: text, arrived: Date()) }
        XCTAssertEqual(try server.commands(a1).map(\.state), ["journaled"])
        XCTAssertEqual(try server.commands(a1).first?.seq, 1)
        XCTAssertEqual(try server.commands(a2).map(\.state), ["queued"])
    }

    /// Delivery over a real WebSocket: the queued commands follow the welcome, oldest first; the
    /// line that carries a command's `cmd` marks it journaled with its seq; after a reconnect only
    /// the commands not yet journaled come again.
    func testQueuedCommandsFollowTheWelcomeUntilJournaled() async throws {
        let lab = try makeLab()
        defer { _ = lab.stop() }
        let t1 = try lab.signedIn("t1", "teacher-pass-1")
        let task = try t1.request("POST", "/api/classes/c1/tasks", json: ["scenario": "reactor-cooling-loss", "mode": "teaching"]).json["task"] as? String ?? ""
        XCTAssertEqual(try t1.request("POST", "/api/tasks/\(task)/open").status, 200)
        let a = try assign(lab, student: "s1", task: task)
        let attempt = a["attempt"] as? String ?? ""
        let fault = try t1.request("POST", "/api/attempts/\(attempt)/commands", json: ["kind": "fault", "target": "cw_pump_trip"])
        let message = try t1.request("POST", "/api/attempts/\(attempt)/commands", json: ["kind": "message", "text": "检查\"冷却水\""])
        let ids = [fault, message].compactMap { (($0.json["command"] as? [String: Any])?["id"] as? Int).map(Int64.init) }
        XCTAssertEqual(ids.count, 2)

        // The workstation's journal: the header, then the fault's line as the workstation writes it.
        var h = Journal.Header(scenario: "reactor-cooling-loss", scenarioSHA256: a["scenarioSHA256"] as? String ?? "",
                               seed: UInt64(a["seed"] as? String ?? "") ?? 0, mode: "teaching", student: "s1", workstation: "ws-01")
        h.format = 2; h.attempt = attempt; h.started = "2026-12-07T08:00:00.000Z"; h.key = "ws-01"
        let head = Journal.headerLine(h)
        let frame = LabCommandFrame(id: ids[0], kind: "fault", verb: "instructor-fault", target: "cw_pump_trip", text: "", by: "t1")
        let line = Journal.line(for: frame.action(tick: 3), prev: JournalChain.hash(head))

        let first = try await converse(lab, attempt: attempt, expectCommands: 2, lines: [head, line])
        XCTAssertEqual(first.commands.map(\.id), ids, "both queued commands follow the welcome, oldest first")
        XCTAssertEqual(first.commands.last?.text, "检查\"冷却水\"")
        XCTAssertEqual(first.commands.first?.by, "t1")
        XCTAssertTrue(first.acks.contains(1), "\(first)")
        let list = try t1.request("GET", "/api/attempts/\(attempt)/commands").json["commands"] as? [[String: Any]] ?? []
        XCTAssertEqual(list.compactMap { $0["state"] as? String }, ["journaled", "sent"], "\(list)")
        XCTAssertEqual(list.first?["seq"] as? Int, 1)
        // Reconnect: only the message (not journaled) comes again.
        let second = try await converse(lab, attempt: attempt, expectCommands: 1, lines: [])
        XCTAssertEqual(second.commands.map(\.id), [ids[1]])
        // A command queued while connected is written at once.
        final class Client: @unchecked Sendable { let c: HTTPClient; init(_ c: HTTPClient) { self.c = c } }
        let teacher = Client(t1)
        let live = try await converseWhile(lab, attempt: attempt) {
            let r = try teacher.c.request("POST", "/api/attempts/\(attempt)/commands", json: ["kind": "freeze"])
            XCTAssertEqual(r.status, 200, r.text)
        }
        XCTAssertEqual(live.map(\.kind), ["message", "freeze"], "the resend after the welcome, then the new one at once")
    }

    struct Conversation { var commands: [LabCommandFrame] = []; var acks: [Int] = [] }

    /// hello, proof, welcome; reads `expectCommands` commands, sends `lines` (from seq 0) and reads their acks.
    func converse(_ lab: LabFixture, attempt: String, expectCommands: Int, lines: [String]) async throws -> Conversation {
        final class Box: @unchecked Sendable { var c = Conversation() }
        let box = Box(), key = self.key, port = lab.port
        var log = Logger(label: "test.ws"); log.logLevel = .error
        let logger = log
        _ = try await withSafetyNet { try await WebSocketClient.connect(url: "ws://127.0.0.1:\(port)/api/stream", logger: logger) { inbound, outbound, _ in
            var it = inbound.messages(maxSize: 1 << 20).makeAsyncIterator()
            func next() async throws -> LabServerMessage? {
                guard let m = try await it.next(), case .text(let t) = m else { return nil }
                let s = try LabProtocol.decodeServer(t)
                switch s { case .command(let f): box.c.commands.append(f); case .ack(let q): box.c.acks.append(q); default: break }
                return s
            }
            try await outbound.write(.text(LabProtocol.encode(LabClientMessage.hello(workstation: key.keyId, attempt: attempt))))
            guard case .challenge(let nonce)? = try await next() else { return }
            let sig = try key.sign(LabProtocol.proofMessage(nonce: nonce, attempt: attempt)).base64EncodedString()
            try await outbound.write(.text(LabProtocol.encode(LabClientMessage.proof(signature: sig))))
            guard case .welcome? = try await next() else { return }
            while box.c.commands.count < expectCommands { guard try await next() != nil else { return } }
            for (i, l) in lines.enumerated() {
                try await outbound.write(.text(LabProtocol.encode(LabClientMessage.line(seq: i, text: l))))
                while true { guard let m = try await next() else { return }; if case .ack = m { break }; if case .error = m { break } }
            }
            try await outbound.close(.normalClosure, reason: nil)
        } }
        return box.c
    }

    /// Connects, reads the resent commands after the welcome, runs `during`, and reads one more command.
    func converseWhile(_ lab: LabFixture, attempt: String, during: @escaping @Sendable () throws -> Void) async throws -> [LabCommandFrame] {
        final class Box: @unchecked Sendable { var got: [LabCommandFrame] = [] }
        let box = Box(), key = self.key, port = lab.port
        var log = Logger(label: "test.ws"); log.logLevel = .error
        let logger = log
        _ = try await withSafetyNet { try await WebSocketClient.connect(url: "ws://127.0.0.1:\(port)/api/stream", logger: logger) { inbound, outbound, _ in
            var it = inbound.messages(maxSize: 1 << 20).makeAsyncIterator()
            func next() async throws -> LabServerMessage? {
                guard let m = try await it.next(), case .text(let t) = m else { return nil }
                let s = try LabProtocol.decodeServer(t)
                if case .command(let f) = s { box.got.append(f) }
                return s
            }
            try await outbound.write(.text(LabProtocol.encode(LabClientMessage.hello(workstation: key.keyId, attempt: attempt))))
            guard case .challenge(let nonce)? = try await next() else { return }
            let sig = try key.sign(LabProtocol.proofMessage(nonce: nonce, attempt: attempt)).base64EncodedString()
            try await outbound.write(.text(LabProtocol.encode(LabClientMessage.proof(signature: sig))))
            guard case .welcome? = try await next() else { return }
            guard try await next() != nil else { return }   // the resent message
            try during()
            guard try await next() != nil else { return }   // the new command, at once
            try await outbound.close(.normalClosure, reason: nil)
        } }
        return box.got
    }
}
