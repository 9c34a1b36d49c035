import Foundation
import XCTest
import HazLabCore
import HazLabRecords
import HazLabRunner
import HazLabScenario
import HazLabScoring

/// Issue 15, "Intervention": an instructor's fault, clear, hint and journal-only commands as
/// journal lines (Docs/journals.md, "Instructor actions"), replayed headless by the core.
final class InstructorActionTests: XCTestCase {
    static let reactor: Model = ScenarioCompiler.compile(path: Repo.path("Scenarios/reactor-cooling-loss/scenario.yaml")).model!

    func fault(_ m: Model, _ id: String) -> Int { m.faults.ids.firstIndex(of: id)! }

    /// An inline scenario with one scripted fault at `at`, which an instructor may fire.
    func timedFault(at: String, instructor: Bool = true) throws -> Model {
        try compileInline("""
        entities:
          - {id: field, type: zone}
          - {id: TK1, type: tank, area: 1 m2, height: 2 m, level: 1.5 m}
          - {id: QF1, type: breaker, closed: true, operateTime: 1 s}
          - {id: P1, type: pump, power: QF1, running: true}
          - {id: LT1, type: sensor, measures: TK1.level, range: [0 m, 2 m]}
          - {id: XV1, type: valve, strokeTime: 2 s}
        faults:
          - id: leak
            at: \(at)
            instructor: \(instructor)
            effects:
              - leak: TK1
                rate: 36 m3/h
              - fail: LT1
                mode: stuck
              - stick: XV1
              - trip: P1
        procedure:
          - {id: look, title: {zh: 看, en: Look}, done: LT1.value > 0 m, score: 1}
        """)
    }

    func testAnInstructorFaultIsTheFaultFiringAtTheNextTick() throws {
        // The instructor fires at tick 49 what the scenario would fire at 5 s (tick 50): the same state.
        let late = try timedFault(at: "50 s"), early = try timedFault(at: "5 s")
        let fired = Runner.replay(late, actions: [Action(tick: 49, verb: "instructor-fault", target: "leak", by: "teacher", command: 3),
                                                  Action(tick: 100, verb: "submit", target: "")])
        let scheduled = Runner.replay(early, actions: [Action(tick: 100, verb: "submit", target: "")])
        XCTAssertEqual(fired.stateHash, scheduled.stateHash)
        XCTAssertEqual(fired.finalState.faultTick[0], 50)
        XCTAssertEqual(fired.events.first { $0.kind == .faultFired }?.tick, 50)
        XCTAssertEqual(fired.score.total, scheduled.score.total)
        let applied = try XCTUnwrap(fired.events.first { $0.kind == .actionApplied && $0.ordinal == 0 })
        XCTAssertEqual(applied.subject, -1, "an instructor's line names no entity (the student is never charged)")
        XCTAssertTrue(OutcomeJSON.describe(applied, late).contains("\"fault\":\"leak\""))
        // Without the line the fault waits for its own trigger.
        let plain = Runner.replay(late, actions: [Action(tick: 100, verb: "submit", target: "")])
        XCTAssertEqual(plain.finalState.faultFired[0], 0)
        XCTAssertNotEqual(plain.stateHash, fired.stateHash)
    }

    func testAFaultThatIsNotTheInstructorsOrHasFiredIsRefusedWithoutADeduction() throws {
        let m = try timedFault(at: "5 s", instructor: false)
        let base = Runner.replay(m, actions: [Action(tick: 100, verb: "submit", target: "")])
        for (a, reason) in [(Action(tick: 10, verb: "instructor-fault", target: "leak"), RejectReason.unsupportedVerb),
                            (Action(tick: 10, verb: "instructor-fault", target: "nope"), .unknownTarget)] {
            let o = Runner.replay(m, actions: [a, Action(tick: 100, verb: "submit", target: "")])
            let e = try XCTUnwrap(o.events.first { $0.kind == .actionRejected })
            XCTAssertEqual(e.code, reason.rawValue, a.target)
            XCTAssertEqual(o.stateHash, base.stateHash, a.target)
            XCTAssertEqual(o.score.total, base.score.total, "a refused instructor line costs the student nothing")
            XCTAssertEqual(o.score.deductions.count, base.score.deductions.count)
        }
        // The reactor's feed valve fault is not `instructor: true`; an already fired fault is refused too.
        let r = Self.reactor
        XCTAssertFalse(r.faults.instructorMay(fault(r, "feed_valve_sticks")))
        XCTAssertTrue(r.faults.instructorMay(fault(r, "cw_pump_trip")))
        XCTAssertTrue(r.faults.instructorMay(fault(r, "tt101_freezes")))
        var s = AttemptStepper(model: r, seed: 1, mode: .teaching)
        for (i, a) in [Action(tick: 0, verb: "instructor-fault", target: "feed_valve_sticks"),
                       Action(tick: 0, verb: "instructor-fault", target: "tt101_freezes")].enumerated() {
            let input = try XCTUnwrap(s.take(a, ordinal: Int32(i)))
            s.step([input])
        }
        XCTAssertEqual(s.events.filter { $0.kind == .actionRejected }.map(\.code), [RejectReason.unsupportedVerb.rawValue])
        XCTAssertEqual(s.state.faultFired[fault(r, "tt101_freezes")], 1)
        let again = try XCTUnwrap(s.take(Action(tick: 1, verb: "instructor-fault", target: "tt101_freezes"), ordinal: 2))
        s.step([again])
        XCTAssertEqual(s.events.last { $0.kind == .actionRejected }?.code, RejectReason.noEffect.rawValue)
    }

    func testClearUndoesTheReversibleEffectsAndLeavesATripTripped() throws {
        let m = try timedFault(at: "500 s")
        var s = AttemptStepper(model: m, mode: .teaching)
        func act(_ verb: String) { s.step([s.take(Action(tick: s.state.tick, verb: verb, target: "leak"), ordinal: 0)!]) }
        act("instructor-clear")   // not fired yet: nothing to undo
        XCTAssertEqual(s.events.last { $0.kind == .actionRejected }?.code, RejectReason.noEffect.rawValue)
        act("instructor-fault")
        for _ in 0..<10 { s.step([]) }
        XCTAssertEqual(s.state.valveStuck[0], 1)
        XCTAssertNotEqual(s.state.sensorFailure[0], 0)
        XCTAssertGreaterThan(s.state.tankLeakRate[0], 0)
        XCTAssertEqual(s.state.motorTripped[0], 1)
        act("instructor-clear")
        XCTAssertEqual(s.state.valveStuck[0], 0)
        XCTAssertEqual(s.state.sensorFailure[0], SensorFailure.none.rawValue)
        XCTAssertEqual(s.state.tankLeakRate[0], 0)
        XCTAssertEqual(s.state.motorTripped[0], 1, "a tripped pump stays tripped: the student resets and restarts it")
        XCTAssertEqual(s.state.faultFired[0], 1)
        XCTAssertTrue(m.faults.clearable(0))
        // The reactor's pump trip has nothing to clear; the frozen transmitter has.
        XCTAssertFalse(Self.reactor.faults.clearable(fault(Self.reactor, "cw_pump_trip")))
        XCTAssertTrue(Self.reactor.faults.clearable(fault(Self.reactor, "tt101_freezes")))
        // The gas leak of the boiler room goes to 0.
        let boiler = try compileOrFail(Repo.path("Scenarios/boiler-room-gas-leak/scenario.yaml"))
        let g = fault(boiler, "gasket_failure")
        let o = Runner.replay(boiler, actions: [Action(tick: 10, verb: "instructor-fault", target: "gasket_failure"),
                                                Action(tick: 30, verb: "instructor-clear", target: "gasket_failure"),
                                                Action(tick: 40, verb: "submit", target: "")])
        XCTAssertEqual(o.finalState.faultTick[g], 11)
        XCTAssertEqual(o.finalState.leakRate.reduce(0, +), 0)
        XCTAssertEqual(o.events.filter { $0.kind == .actionRejected }.count, 0)
    }

    func testJournalOnlyInstructorLinesChangeNothing() throws {
        let perfect = try Journal.read(path: Repo.path("Scenarios/reactor-cooling-loss/runs/perfect.jsonl"))
        let base = Runner.replay(Self.reactor, journal: perfect)
        var j = perfect
        let notes: [Action] = [
            Action(tick: 100, verb: "instructor-freeze", target: "", by: "teacher", command: 1),
            Action(tick: 100, verb: "instructor-message", target: "", text: "检查冷却水", by: "teacher", command: 2),
            Action(tick: 100, verb: "instructor-run", target: "", by: "teacher", command: 3),
            Action(tick: 200, verb: "incident-pause", target: "", text: "学生不适", by: "teacher", command: 4),
            Action(tick: 200, verb: "incident-resume", target: "", by: "teacher", command: 5),
        ]
        let at = try XCTUnwrap(j.actions.firstIndex { $0.tick > 200 })
        j.actions.insert(contentsOf: notes, at: at)
        let o = Runner.replay(Self.reactor, journal: j)
        XCTAssertEqual(o.stateHash, base.stateHash)
        XCTAssertEqual(o.score.total, base.score.total)
        XCTAssertEqual(o.ticks, base.ticks)
        for a in notes { XCTAssertEqual(InstructorCommand.route(verb: a.verb), .note, a.verb) }
        // A hint from the instructor is the student's hint: the scorer charges it.
        XCTAssertEqual(InstructorCommand.route(verb: "hint"), .hint)
        XCTAssertEqual(InstructorCommand.route(verb: "instructor-fault"), .core)
        XCTAssertEqual(InstructorCommand.route(verb: "open"), .core)
        XCTAssertEqual(Set(InstructorCommand.allCases.map(\.verb)).count, InstructorCommand.allCases.count)
    }

    func testByAndCmdRoundTripByteForByte() throws {
        let text = """
        {"type":"header","format":1,"engine":"0.1.0","scenario":"reactor-cooling-loss","scenarioSHA256":"x","seed":7,"mode":"teaching","student":"s1","workstation":"ws"}
        {"type":"action","tick":812,"verb":"instructor-fault","target":"cw_pump_trip","by":"teacher","cmd":17}
        {"type":"action","tick":900,"verb":"instructor-message","target":"","value":"检查冷却水\\n\\"快\\"","by":"教师 王","cmd":18}
        {"type":"action","tick":950,"verb":"hint","target":"open_brine","value":"先开冷却水","by":"teacher","cmd":9007199254740993}
        {"type":"action","tick":960,"verb":"open","target":"XV101"}

        """
        let j = try Journal.parse(data: Data(text.utf8), path: "t.jsonl")
        XCTAssertEqual(j.actions[0].by, "teacher")
        XCTAssertEqual(j.actions[0].command, 17)
        XCTAssertEqual(j.actions[1].text, "检查冷却水\n\"快\"")
        XCTAssertEqual(j.actions[2].command, 9007199254740993)
        XCTAssertNil(j.actions[3].by)
        XCTAssertNil(j.actions[3].command)
        XCTAssertEqual(j.jsonl(), text)
        // Chained (format 2): the chain covers the by/cmd members; a reread is the same bytes.
        var two = j
        two.header.format = 2; two.header.attempt = "a-1"
        two.trailer = Journal.Trailer(endTick: 1000, stateHash: "0", actions: 4)
        let chained = two.jsonl()
        XCTAssertEqual(try Journal.parse(data: Data(chained.utf8), path: "c.jsonl").jsonl(), chained)
        let report = JournalVerifier().verify(bytes: Array(chained.utf8), path: "c.jsonl")
        XCTAssertTrue(report.ok, report.problems.map(\.description).joined(separator: "\n"))
    }

    func testBadByOrCmdNamesTheLineAndColumn() throws {
        let head = #"{"type":"header","format":1,"engine":"0.1.0","scenario":"s","scenarioSHA256":"x","seed":7}"#
        for (line, key) in [(#"{"type":"action","tick":1,"verb":"hint","target":"a","cmd":"17"}"#, "cmd"),
                            (#"{"type":"action","tick":1,"verb":"hint","target":"a","cmd":-2}"#, "cmd"),
                            (#"{"type":"action","tick":1,"verb":"hint","target":"a","cmd":1.5}"#, "cmd"),
                            (#"{"type":"action","tick":1,"verb":"hint","target":"a","by":7}"#, "by"),
                            (#"{"type":"action","tick":1,"verb":"hint","target":"a","by":""}"#, "by")] {
            XCTAssertThrowsError(try Journal.parse(data: Data((head + "\n" + line + "\n").utf8), path: "bad.jsonl"), line) { error in
                let issue = error as? JournalIssue
                XCTAssertEqual(issue?.line, 2, line)
                XCTAssertEqual(issue?.column, line.unicodeScalars.count - line.split(separator: ":").last!.unicodeScalars.count + 1, line)
                XCTAssertTrue(issue?.message.contains("\"\(key)\"") == true, issue?.message ?? "")
            }
        }
    }

    func testTheScenarioFlagIsABooleanAndItsErrorNamesFileAndLine() {
        let text = """
        id: inline
        title: {zh: 测试, en: Test}
        discipline: general
        timeLimit: 60 s
        entities:
          - {id: field, type: zone}
          - {id: XV1, type: valve, strokeTime: 2 s}
        faults:
          - id: stick
            at: 5 s
            instructor: sometimes
            effects:
              - stick: XV1
        procedure:
          - {id: look, title: {zh: 看, en: Look}, done: XV1.open, score: 1}
        """
        let r = ScenarioCompiler.compile(bytes: Array(text.utf8), path: "inline.yaml")
        XCTAssertNil(r.model)
        let e = r.errors.first { $0.message.contains("stick.instructor") }
        XCTAssertNotNil(e, r.errors.map(\.description).joined(separator: "\n"))
        XCTAssertEqual(e?.location.file, "inline.yaml")
        XCTAssertEqual(e?.location.line, 11)
        XCTAssertTrue(e?.message.contains("true or false") == true)
        // A scripted person cannot use an instructor's verb.
        let acting = text.replacingOccurrences(of: "instructor: sometimes", with: "instructor: true")
            .replacingOccurrences(of: "- stick: XV1", with: "- {act: instructor-fault, target: XV1}")
        let r2 = ScenarioCompiler.compile(bytes: Array(acting.utf8), path: "inline.yaml")
        XCTAssertNil(r2.model)
        XCTAssertTrue(r2.errors.contains { $0.message.contains("instructor-fault") }, r2.errors.map(\.description).joined(separator: "\n"))
    }

    func testTheGraderAcceptsAnIncidentPauseInAnExamAndFlagsAnIntervention() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("hazlab-instr-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let perfect = try Journal.read(path: Repo.path("Scenarios/reactor-cooling-loss/runs/perfect.jsonl"))
        func write(_ name: String, mode: String, _ extra: [Action]) throws {
            var j = perfect
            j.header.mode = mode; j.header.attempt = name
            let at = j.actions.firstIndex { $0.tick > 300 }!
            j.actions.insert(contentsOf: extra, at: at)
            let o = Runner.replay(Self.reactor, journal: j)
            j.trailer = Journal.Trailer(endTick: o.ticks, stateHash: o.stateHash.hex16, actions: j.actions.count)
            try Data(j.jsonl().utf8).write(to: folder.appendingPathComponent(name + ".jsonl"))
        }
        try write("paused", mode: "exam", [Action(tick: 300, verb: "incident-pause", target: "", text: "机器故障", by: "t1", command: 1),
                                          Action(tick: 300, verb: "incident-resume", target: "", by: "t1", command: 2)])
        try write("faulted", mode: "exam", [Action(tick: 300, verb: "instructor-fault", target: "cw_pump_trip", by: "t1", command: 3)])
        try write("taught", mode: "teaching", [Action(tick: 300, verb: "instructor-fault", target: "cw_pump_trip", by: "t1", command: 4),
                                               Action(tick: 300, verb: "instructor-freeze", target: "", by: "t1", command: 5)])
        let g = Grader(scenarios: ScenarioSet([Self.reactor]), jobs: 1, shard: .all, allowIncomplete: false, plan: nil,
                       signatures: UnsignedJournals())
        let out = g.run(journals: Grader.journalPaths([folder.path]))
        XCTAssertEqual(out.errors.map(\.code), [.instructorMode], out.errors.map(\.description).joined(separator: "\n"))
        XCTAssertTrue(out.errors.first?.journal.hasSuffix("faulted.jsonl") == true)
        XCTAssertTrue(out.errors.first?.message.contains("instructor-fault in exam mode") == true)
        XCTAssertEqual(out.records.count, 2)
    }
}
