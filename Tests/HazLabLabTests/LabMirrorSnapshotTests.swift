import Foundation
import HazLabCore
import HazLabLab
import HazLabRecords
import HazLabRunner
import HazLabScenario
import HazLabScoring
import XCTest

/// The teacher station's snapshot fields (contract §3) and the debrief's replay at a tick.
final class LabMirrorSnapshotTests: XCTestCase {
    func issue(_ f: LabFixture) throws -> LabAssignment {
        try f.ledger.issue(scenarioPath: LabFixture.scenarioPath("tank-filling"), student: "s1", workstation: "ws-01", mode: .teaching, seed: 42)
    }

    func action(_ tick: Int64, _ verb: String, _ target: String = "") -> String {
        "{\"type\":\"action\",\"tick\":\(tick),\"verb\":\(JSON.string(verb)),\"target\":\(JSON.string(target))}"
    }

    /// Freeze/run and incident pause/resume are read from the journaled verbs, in order.
    func testFrozenAndPausedFollowTheJournaledVerbs() throws {
        let f = try LabFixture()
        let a = try issue(f)
        let steps: [(String, Bool, Bool)] = [
            (InstructorCommand.freeze.verb, true, false), (InstructorCommand.pause.verb, true, true), (InstructorCommand.run.verb, false, true),
            (InstructorCommand.resume.verb, false, false),
        ]
        for (i, (verb, frozen, paused)) in steps.enumerated() {
            f.mirror.feed(attempt: a.attempt, seq: i + 1, text: action(Int64(10 * (i + 1)), verb), ledger: f.ledger)
            let s = try XCTUnwrap(f.mirror.snapshot(a.attempt))
            XCTAssertEqual(s.frozen, frozen, "after \(verb)")
            XCTAssertEqual(s.paused, paused, "after \(verb)")
            XCTAssertEqual(s.tick, Int64(10 * (i + 1)))
            XCTAssertEqual(s.simSeconds, Double(s.tick) / 10, accuracy: 1e-9, "tank-filling runs 10 ticks a second")
            XCTAssertEqual(s.connection, "offline", "the mirror alone knows no stream")
        }
        XCTAssertGreaterThan(f.mirror.version, 0)
    }

    /// Steps, alarms and the state at a tick against the grader's own replay.
    func testSnapshotStepsAndReplayAtATickMatchRunnerReplay() throws {
        let f = try LabFixture()
        let a = try issue(f)
        let (path, _) = try f.writeJournal(for: a, from: LabFixture.golden("tank-filling"))
        let lines = String(decoding: FileManager.default.contents(atPath: path)!, as: UTF8.self).split(separator: "\n").map(String.init)
        for (seq, text) in lines.enumerated() where seq >= 1 { f.mirror.feed(attempt: a.attempt, seq: seq, text: text, ledger: f.ledger) }
        let model = try XCTUnwrap(ScenarioCompiler.compile(path: LabFixture.scenarioPath("tank-filling")).model)
        let journal = try Journal.read(path: path)
        let run = Runner.replay(model, journal: journal, traceEvery: 1)
        let s = try XCTUnwrap(f.mirror.snapshot(a.attempt))
        XCTAssertTrue(s.finished)
        XCTAssertEqual(s.connection, "submitted")
        XCTAssertEqual(s.stateHash, run.stateHash.hex16)
        XCTAssertEqual(s.stepsTotal, model.procedure.count)
        XCTAssertEqual(s.stepsDone, run.score.steps.filter(\.completed).count)
        XCTAssertEqual(s.alarms, (0..<model.alarms.count).filter { run.finalState.alarmActive[$0] != 0 }.map { model.entities.ids[Int(model.alarms.entity[$0])] })
        for tick in [Int64(0), 1, 7, run.ticks / 2, run.ticks - 1] {
            let r = LabMirror.replay(model: model, seed: a.seed, mode: .teaching, lines: lines, at: tick)
            XCTAssertEqual(r.problem, "")
            XCTAssertEqual(r.stepper.state.tick, tick)
            XCTAssertEqual(r.stepper.state.hash.hex16, run.trace.first { $0.tick == tick }?.hash.hex16, "tick \(tick)")
        }
        let end = LabMirror.replay(model: model, seed: a.seed, mode: .teaching, lines: lines, at: run.ticks)
        XCTAssertEqual(end.stepper.state.hash, run.stateHash)
        XCTAssertEqual(end.stepper.scorer.result.total, run.score.total)
        // A bad line stops the replay with the mirror's message, naming the line.
        let broken = Array(lines.prefix(3)) + ["{not json"] + Array(lines.dropFirst(3))
        XCTAssertEqual(LabMirror.replay(model: model, seed: a.seed, mode: .teaching, lines: broken, at: run.ticks - 1).problem, "line 3 is not JSON")
    }
}
