import Foundation
import HazLabCore
import HazLabRecords
import HazLabRunner
import HazLabScenario
import HazLabScoring
import HazLabWorkstation
import XCTest

/// The workstation's side of an instructor's commands (issue 15): journaled once by id at the
/// current tick with `by`/`cmd`, the clock held by a freeze or an incident pause, messages and
/// hints on the HUD, and the journal replaying headless to the live session's state.
final class InstructorCommandTests: XCTestCase {
    var tmp: URL!
    override func setUpWithError() throws {
        tmp = FileManager.default.temporaryDirectory.appendingPathComponent("hazlab-instr-ws-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: tmp, withIntermediateDirectories: true)
    }
    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: tmp) }

    func live(_ scenario: String, mode: TrainingMode) throws -> (Workstation, String) {
        let m = try Fixture.model(scenario)
        var header = Journal.Header(scenario: m.id, scenarioSHA256: m.sourceSHA256, seed: m.defaultSeed, mode: mode.rawValue, student: "s1", workstation: "ws-test")
        header.attempt = "instr-\(UUID().uuidString.prefix(8))"
        header.started = "2026-12-07T08:00:00.000Z"
        let path = tmp.appendingPathComponent("\(header.attempt).jsonl").path
        let session = Session(model: m, mode: mode, seed: m.defaultSeed, writer: try JournalWriter(path: path, header: header))
        return (Workstation(session: session, fonts: try Fixture.fonts()), path)
    }

    func texts(_ ws: Workstation) -> String {
        ws.overlay().items.compactMap { if case let .text(s, _, _, _, _) = $0 { return s } else { return nil } }.joined(separator: "\n")
    }

    func testALiveSessionWithAnInstructorFaultReplaysHeadlessToTheSameHash() throws {
        let (ws, path) = try live("reactor-cooling-loss", mode: .practice)
        func run(_ seconds: Double) throws { for _ in 0..<Int(seconds * 10) { try ws.handle(.elapse(0.1)) } }
        try run(5)
        try ws.receive(command: .fault, id: 17, target: "cw_pump_trip", text: "", by: "teacher")
        try ws.receive(command: .fault, id: 17, target: "cw_pump_trip", text: "", by: "teacher")   // resent after a reconnect
        try run(2)
        let f = ws.model.faults.ids.firstIndex(of: "cw_pump_trip")!
        XCTAssertEqual(ws.state.faultFired[f], 1, "the fault fired at the next tick")
        try ws.receive(command: .message, id: 18, target: "", text: "检查冷却水\n快", by: "teacher")
        XCTAssertTrue(texts(ws).contains("教师：检查冷却水 快"), texts(ws))
        try ws.receive(command: .hint, id: 19, target: "start_brine_pump", text: "先开冷却水", by: "teacher")
        XCTAssertTrue(texts(ws).contains("教师提示：先开冷却水"), texts(ws))
        try ws.receive(command: .clear, id: 20, target: "tt101_freezes", text: "", by: "teacher")   // not fired: refused by the core, not shown
        try run(1)
        XCTAssertFalse(texts(ws).contains("操作未执行"), "a refused instructor line is not the student's")
        try ws.session.perform(Verb.submit.rawValue, "")
        try run(0.2)
        XCTAssertTrue(ws.session.finished)
        XCTAssertEqual(ws.session.commandsTaken, [17, 18, 19, 20])

        let text = try String(contentsOfFile: path, encoding: .utf8)
        XCTAssertTrue(text.contains(#""verb":"instructor-fault","target":"cw_pump_trip","by":"teacher","cmd":17,"prev""#), text)
        XCTAssertEqual(text.components(separatedBy: "\"cmd\":17").count, 2, "journaled once")
        XCTAssertTrue(text.contains(#""verb":"instructor-message","target":"","value":"检查冷却水\n快","by":"teacher","cmd":18"#), text)
        let j = try Journal.read(path: path)
        XCTAssertTrue(JournalVerifier().verify(bytes: Array(text.utf8), path: path).ok)
        let o = Runner.replay(ws.model, journal: j)
        XCTAssertEqual(o.stateHash.hex16, j.trailer?.stateHash)
        XCTAssertEqual(o.stateHash, ws.state.hash)
        XCTAssertEqual(o.score.total, ws.session.score.total)
        let step = ws.model.procedure.firstIndex { $0.id == "start_brine_pump" }!
        XCTAssertTrue(o.score.steps[step].hintUsed, "the instructor's hint is charged as a hint")
        XCTAssertEqual(o.score.hintsUsed, 1)
        XCTAssertEqual(o.finalState.faultFired[f], 1)
    }

    func testFreezeHoldsTheClockUntilRunAndTheStudentCannotUnpauseIt() throws {
        let (ws, path) = try live("tank-filling", mode: .teaching)
        try ws.handle(.elapse(1))
        try ws.receive(command: .freeze, id: 1, target: "", text: "", by: "teacher")
        XCTAssertTrue(texts(ws).contains("教师已暂停"), texts(ws))
        let held = ws.state.tick
        try ws.handle(.key(.space, down: true)); try ws.handle(.key(.space, down: false))   // the student's pause key
        for _ in 0..<20 { try ws.handle(.elapse(0.1)) }
        XCTAssertEqual(ws.state.tick, held, "frozen: no tick passes")
        try ws.perform(.verb(.open, Int(ws.model.entityIndex["XV101"]!)))
        XCTAssertEqual(ws.session.actions.count, 1, "the plant cannot be operated while frozen")
        try ws.receive(command: .run, id: 2, target: "", text: "", by: "teacher")
        if ws.session.paused { ws.session.togglePause() }
        XCTAssertFalse(texts(ws).contains("教师已暂停"))
        for _ in 0..<10 { try ws.handle(.elapse(0.1)) }
        XCTAssertGreaterThan(ws.state.tick, held)
        let j = try Journal.read(path: path)
        XCTAssertEqual(j.actions.map(\.verb), ["instructor-freeze", "instructor-run"])
        // A long message (the server allows 500 characters) is one line cut to the screen.
        try ws.receive(command: .message, id: 3, target: "", text: String(repeating: "检查冷却水。", count: 80), by: "teacher")
        let line = try XCTUnwrap(texts(ws).split(separator: "\n").first { $0.hasPrefix("教师：") })
        XCTAssertTrue(line.hasSuffix("…"), String(line))
        XCTAssertLessThanOrEqual(ws.fonts.width(String(line), .normal), Float(ws.width))
        XCTAssertEqual(j.actions.map(\.tick), [held, held])
        XCTAssertEqual(j.actions.map(\.command), [1, 2])
    }

    func testAnExamIncidentPauseAndTheExamEndSubmitting() throws {
        let (ws, path) = try live("tank-filling", mode: .exam)
        try ws.handle(.elapse(1))
        try ws.receive(command: .pause, id: 5, target: "", text: "学生不适", by: "t1")
        XCTAssertTrue(texts(ws).contains("考试暂停：学生不适"), texts(ws))
        let held = ws.state.tick
        for _ in 0..<10 { try ws.handle(.elapse(0.1)) }
        XCTAssertEqual(ws.state.tick, held)
        // The exam ends while paused: the submit still ends the attempt.
        try ws.receive(command: .submit, id: 6, target: "", text: "", by: "t1")
        XCTAssertTrue(ws.session.ended)
        XCTAssertTrue(ws.session.finished, "the trailer is written")
        let j = try Journal.read(path: path)
        XCTAssertEqual(j.actions.map(\.verb), ["incident-pause", "submit"])
        XCTAssertEqual(j.actions.last?.by, "t1")
        let o = Runner.replay(ws.model, journal: j)
        XCTAssertEqual(o.stateHash.hex16, j.trailer?.stateHash)
        XCTAssertEqual(o.endReason, .submitted)
    }

    func testExpectCommandsInAScript() throws {
        XCTAssertEqual(try InputScript.parse("expect-commands 2\n", path: "s.txt").lines.map(\.command), [.expectCommands(2)])
        XCTAssertThrowsError(try InputScript.parse("wait 1\nexpect-commands x\n", path: "s.txt")) { e in
            XCTAssertTrue("\(e)".hasPrefix("s.txt:2:1: 'expect-commands' takes a count"), "\(e)")
        }
    }
}
