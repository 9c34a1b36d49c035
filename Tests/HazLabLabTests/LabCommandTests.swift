import Foundation
import XCTest
import HazLabCore
import HazLabRecords
import HazLabRunner
import HazLabScenario
import HazLabScoring
import HazLabLab

/// Instructor commands on the stream (issue 15): the `command` frame, the streamer handing each
/// one to the workstation, and the mirror following instructor lines as the replay does.
final class LabCommandTests: XCTestCase {
    func testTheCommandFrameRoundTripsAndMakesTheJournalLine() throws {
        let f = LabCommandFrame(id: 17, kind: "fault", verb: "instructor-fault", target: "cw_pump_trip", text: "", by: "teacher")
        let text = LabProtocol.encode(LabServerMessage.command(f))
        XCTAssertEqual(text, #"{"by":"teacher","id":17,"kind":"fault","target":"cw_pump_trip","text":"","type":"command","verb":"instructor-fault"}"#)
        XCTAssertEqual(try LabProtocol.decodeServer(text), .command(f))
        XCTAssertEqual(Journal.line(for: f.action(tick: 812)),
                       #"{"type":"action","tick":812,"verb":"instructor-fault","target":"cw_pump_trip","by":"teacher","cmd":17}"#)
        let m = LabCommandFrame(id: 18, kind: "message", verb: "instructor-message", target: "", text: "检查\"冷却水\"", by: "t")
        XCTAssertEqual(Journal.line(for: m.action(tick: 900)),
                       #"{"type":"action","tick":900,"verb":"instructor-message","target":"","value":"检查\"冷却水\"","by":"t","cmd":18}"#)
        XCTAssertThrowsError(try LabProtocol.decodeServer(#"{"type":"command","id":"x","kind":"fault","verb":"v","target":"","text":"","by":"t"}"#))
        // The audit list carries the two new actions.
        XCTAssertNotNil(LabAuditAction(rawValue: "lab-command"))
        XCTAssertNotNil(LabAuditAction(rawValue: "lab-command-refused"))
    }

    func testTheStreamerHandsCommandsOverWhetherTheyComeAmongAcksOrAlone() throws {
        let lab = try LabFixture()
        let a = try lab.ledger.issue(scenarioPath: LabFixture.scenarioPath("tank-filling"), student: "张三", workstation: "ws-01",
                                     mode: .teaching, seed: 42)
        let (path, w) = try lab.writeJournal(for: a, from: LabFixture.golden("tank-filling"), actions: 2, finish: false)
        _ = w
        let streamer = LabStreamer(journalPath: path, workstation: "ws-01", attempt: a.attempt, key: lab.key)
        var got: [Int64] = []
        streamer.onCommand = { got.append($0.id) }
        let t = lab.transport(lab.session())
        try streamer.connect(t)
        let c1 = LabCommandFrame(id: 1, kind: "freeze", verb: "instructor-freeze", target: "", text: "", by: "t")
        t.push(.command(c1))   // before the acks of the next pump: met on the way
        try streamer.pump(t)
        XCTAssertEqual(got, [1])
        XCTAssertEqual(streamer.acked, 2)
        let c2 = LabCommandFrame(id: 2, kind: "run", verb: "instructor-run", target: "", text: "", by: "t")
        t.push(.command(c2))   // nothing to send: only a poll finds it
        try streamer.pump(t)
        XCTAssertEqual(got, [1])
        try streamer.poll(t)
        XCTAssertEqual(got, [1, 2])
        try streamer.poll(t)
        XCTAssertEqual(got, [1, 2], "a poll with nothing waiting does not block or repeat")
    }

    func testTheMirrorFollowsInstructorLinesAsTheReplayDoes() throws {
        let lab = try LabFixture()
        let path = LabFixture.scenarioPath("reactor-cooling-loss")
        let a = try lab.ledger.issue(scenarioPath: path, student: "张三", workstation: "ws-01", mode: .practice, seed: 7)
        var h = Journal.Header(scenario: a.scenario, scenarioSHA256: a.scenarioSHA256, seed: a.seed, mode: a.mode.rawValue)
        h.student = a.student; h.workstation = a.workstation; h.attempt = a.attempt
        h.started = "2026-12-07T06:00:00.000Z"; h.key = lab.key.keyId
        let file = lab.dir + "/\(a.attempt).jsonl"
        let w = try JournalWriter(path: file, header: h)
        let actions = [Action(tick: 30, verb: "instructor-fault", target: "tt101_freezes", by: "t", command: 1),
                       Action(tick: 40, verb: "instructor-message", target: "", text: "看 TT-102", by: "t", command: 2),
                       Action(tick: 50, verb: "instructor-clear", target: "tt101_freezes", by: "t", command: 3),
                       Action(tick: 60, verb: "hint", target: "ppe", text: "先穿戴", by: "t", command: 4),
                       Action(tick: 70, verb: "submit", target: "")]
        for x in actions { try w.append(x) }
        let model = try lab.ledger.model(for: a.attempt)!
        let out = Runner.replay(model, seed: a.seed, mode: .practice, actions: actions)
        try w.finish(endTick: out.ticks, stateHash: out.stateHash.hex16, signer: lab.key)
        let streamer = LabStreamer(journalPath: file, workstation: "ws-01", attempt: a.attempt, key: lab.key)
        let t = lab.transport(lab.session())
        try streamer.connect(t)
        try streamer.pump(t)
        XCTAssertTrue(streamer.done)
        let snap = try XCTUnwrap(lab.mirror.snapshot(a.attempt))
        XCTAssertEqual(snap.problem, "")
        XCTAssertEqual(snap.stateHash, out.stateHash.hex16)
        XCTAssertEqual(snap.score, out.score.total)
        XCTAssertEqual(snap.actions, actions.count)
        XCTAssertEqual(out.events.filter { $0.kind == .actionRejected }.count, 0)
        XCTAssertEqual(out.events.filter { $0.kind == .faultFired && model.faults.ids[Int($0.subject)] == "tt101_freezes" }.map(\.tick), [31])
    }
}
