import Foundation
import HazLabCore
import HazLabLab
import HazLabRecords
import HazLabRunner
import HazLabScenario
import XCTest

/// The workstation's clock on the stream (Docs/lab.md, "Clock"): the mirror steps while the
/// student is idle, and ends where `Runner.replay` ends.
final class LabMirrorClockTests: XCTestCase {
    func issue(_ f: LabFixture) throws -> LabAssignment {
        try f.ledger.issue(scenarioPath: LabFixture.scenarioPath("tank-filling"), student: "s1", workstation: "ws-01", mode: .teaching, seed: 42)
    }

    func golden(_ f: LabFixture, _ a: LabAssignment) throws -> (lines: [String], run: RunOutcome, model: Model) {
        let (path, _) = try f.writeJournal(for: a, from: LabFixture.golden("tank-filling"))
        let lines = String(decoding: FileManager.default.contents(atPath: path)!, as: UTF8.self).split(separator: "\n").map(String.init)
        let model = try XCTUnwrap(ScenarioCompiler.compile(path: LabFixture.scenarioPath("tank-filling")).model)
        return (lines, Runner.replay(model, journal: try Journal.read(path: path), traceEvery: 1), model)
    }

    static func tick(_ line: String) -> Int64? {
        guard let v = try? JSONText.parse(Array(line.utf8)), v["type"]?.string == "action" else { return nil }
        return v["tick"]?.numberText.flatMap { Int64($0) }
    }

    /// Clocks between the actions (half-way, and at the next action's own tick) move the mirror's
    /// tick and state to the replay's at that tick; the actions that come later still apply; the
    /// end is `Runner.replay`'s state and score.
    func testClockStepsTheMirrorAndActionsAfterItStillApply() throws {
        let f = try LabFixture()
        let a = try issue(f)
        let (lines, run, model) = try golden(f, a)
        f.mirror.catchUp(attempt: a.attempt, ledger: f.ledger)   // follows the attempt from its assignment
        var clocked = 0
        var last: Int64 = 0
        for (seq, text) in lines.enumerated() where seq >= 1 {
            if let t = Self.tick(text), t > last {
                for c in [last + (t - last) / 2, t] where c > last {
                    // Moves only forward: a clock at or behind the mirror is ignored.
                    let before = try XCTUnwrap(f.mirror.snapshot(a.attempt)).tick
                    XCTAssertEqual(f.mirror.clock(attempt: a.attempt, tick: c), c > before, "clock \(c) at mirror tick \(before)")
                    let s = try XCTUnwrap(f.mirror.snapshot(a.attempt))
                    XCTAssertEqual(s.tick, max(c, before))
                    XCTAssertEqual(s.stateHash, run.trace.first { $0.tick == s.tick }?.hash.hex16, "state at clock \(c)")
                    XCTAssertEqual(s.simSeconds, Double(s.tick) / 10, accuracy: 1e-9)
                    clocked += 1
                }
                last = t
            }
            f.mirror.feed(attempt: a.attempt, seq: seq, text: text, ledger: f.ledger)
            XCTAssertEqual(f.mirror.snapshot(a.attempt)?.problem, "", "line \(seq)")
        }
        XCTAssertGreaterThan(clocked, 10)
        let s = try XCTUnwrap(f.mirror.snapshot(a.attempt))
        XCTAssertTrue(s.finished)
        XCTAssertEqual(s.stateHash, run.stateHash.hex16, "with clocks, the mirror ends where Runner.replay ends")
        XCTAssertEqual(s.score, run.score.total)
        XCTAssertEqual(s.actions, lines.count - 2, "every action line")
        _ = model
    }

    /// An idle station: only the header is in, yet the clock moves sim time on and a scheduled
    /// fault fires on the teacher station (tank-filling's pump trip, window 60–150 s).
    func testAnIdleStationMovesOnAndAScheduledFaultFires() throws {
        let f = try LabFixture()
        let a = try issue(f)
        let (lines, _, model) = try golden(f, a)
        f.mirror.feed(attempt: a.attempt, seq: 0, text: lines[0], ledger: f.ledger)   // the header: creates the station
        f.mirror.catchUp(attempt: a.attempt, ledger: f.ledger)
        XCTAssertEqual(f.mirror.snapshot(a.attempt)?.tick, 0)
        let fault = try XCTUnwrap(model.faults.ids.firstIndex(of: "pump_trip"))
        XCTAssertEqual(f.mirror.stepper(a.attempt)?.state.faultFired[fault], 0)
        let version = f.mirror.version
        XCTAssertTrue(f.mirror.clock(attempt: a.attempt, tick: 1600))
        XCTAssertGreaterThan(f.mirror.version, version, "the live feed's cue to look again")
        let s = try XCTUnwrap(f.mirror.snapshot(a.attempt))
        XCTAssertEqual(s.tick, 1600)
        XCTAssertEqual(s.simSeconds, 160, accuracy: 1e-9)
        XCTAssertEqual(f.mirror.stepper(a.attempt)?.state.faultFired[fault], 1, "the scheduled fault fired while the student was idle")
        // Independent: a fresh replay of no actions to tick 1600 has the same state.
        let alone = LabMirror.replay(model: model, seed: a.seed, mode: .teaching, lines: [lines[0]], at: 1600)
        XCTAssertEqual(alone.stepper.state.hash.hex16, s.stateHash)

        // Ignored: backwards, equal, beyond the time limit, an unknown attempt.
        XCTAssertFalse(f.mirror.clock(attempt: a.attempt, tick: 10))
        XCTAssertFalse(f.mirror.clock(attempt: a.attempt, tick: 1600))
        XCTAssertFalse(f.mirror.clock(attempt: a.attempt, tick: model.timeLimitTicks + 1))
        XCTAssertFalse(f.mirror.clock(attempt: "a-nope", tick: 5))
        XCTAssertEqual(f.mirror.snapshot(a.attempt)?.tick, 1600)
        XCTAssertEqual(f.mirror.snapshot(a.attempt)?.problem, "")
    }

    /// An action stamped before a clock the workstation sent breaks the clock's promise: the
    /// mirror stops following and says why (the ledger's rules decide about the line itself).
    func testAnActionBeforeTheClockIsAProblemNotAWrongState() throws {
        let f = try LabFixture()
        let a = try issue(f)
        let (lines, _, _) = try golden(f, a)
        let seq = try XCTUnwrap(lines.indices.first { $0 >= 1 && (Self.tick(lines[$0]) ?? 0) > 0 })
        let t = try XCTUnwrap(Self.tick(lines[seq]))
        for i in 1..<seq { f.mirror.feed(attempt: a.attempt, seq: i, text: lines[i], ledger: f.ledger) }
        f.mirror.catchUp(attempt: a.attempt, ledger: f.ledger)
        XCTAssertTrue(f.mirror.clock(attempt: a.attempt, tick: t + 5))
        f.mirror.feed(attempt: a.attempt, seq: seq, text: lines[seq], ledger: f.ledger)
        let s = try XCTUnwrap(f.mirror.snapshot(a.attempt))
        XCTAssertTrue(s.problem.contains("before the workstation's clock"), s.problem)
        XCTAssertTrue(s.problem.contains("line \(seq)"), s.problem)
    }

    /// On the stream: a clock gets no answer and never closes the session, before the welcome
    /// too; more than 5 a second are ignored; lines still stream after clocks.
    func testClockFramesOnTheStreamSession() throws {
        let f = try LabFixture()
        let a = try issue(f)
        let (lines, _, _) = try golden(f, a)
        let session = f.session()
        let t0 = Date(timeIntervalSince1970: 1_000_000)
        XCTAssertEqual(session.receive(.clock(tick: 5), arrived: t0), [], "before the welcome: ignored")
        XCTAssertFalse(session.closed)
        guard case .challenge(let nonce)? = session.receive(.hello(workstation: "ws-01", attempt: a.attempt), arrived: t0).first else {
            return XCTFail("no challenge")
        }
        let sig = try f.key.sign(LabProtocol.proofMessage(nonce: nonce, attempt: a.attempt)).base64EncodedString()
        XCTAssertEqual(session.receive(.proof(signature: sig), arrived: t0), [.welcome(attempt: a.attempt, acked: -1)])
        XCTAssertEqual(session.receive(.line(seq: 0, text: lines[0]), arrived: t0), [.ack(seq: 0)])
        // Seven clocks within one second: five taken, two ignored.
        for i in 1...7 {
            XCTAssertEqual(session.receive(frame: "{\"type\":\"clock\",\"tick\":\(i * 10)}", arrived: t0.addingTimeInterval(Double(i) * 0.1)), [])
        }
        XCTAssertEqual(session.clocksTaken, 5)
        XCTAssertEqual(session.clocksIgnored, 2 + 1)
        XCTAssertEqual(f.mirror.snapshot(a.attempt)?.tick, 50)
        // A second later the next one is taken; a backward and a huge one are ignored, not errors.
        XCTAssertEqual(session.receive(.clock(tick: 80), arrived: t0.addingTimeInterval(2)), [])
        XCTAssertEqual(session.receive(.clock(tick: 20), arrived: t0.addingTimeInterval(2.1)), [])
        XCTAssertEqual(session.receive(.clock(tick: Int64.max), arrived: t0.addingTimeInterval(2.2)), [])
        XCTAssertFalse(session.closed)
        XCTAssertEqual(f.mirror.snapshot(a.attempt)?.tick, 80)
        XCTAssertEqual(session.clocksTaken, 6)
        // Lines go on (the first action is at a tick ≥ 80 or it is a problem, not an error on the stream).
        XCTAssertEqual(session.receive(.line(seq: 1, text: lines[1]), arrived: t0.addingTimeInterval(3)), [.ack(seq: 1)])
        XCTAssertEqual(try f.ledger.acked(a.attempt), 1, "clocks are never stored")
        // The wire format.
        XCTAssertEqual(LabProtocol.encode(LabClientMessage.clock(tick: 12)), "{\"tick\":12,\"type\":\"clock\"}")
        XCTAssertEqual(try LabProtocol.decodeClient("{\"type\":\"clock\",\"tick\":12}").get(), .clock(tick: 12))
    }
}
