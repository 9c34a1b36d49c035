import XCTest
import HazLabCore
import HazLabRunner

/// Discrete equipment, trainee actions and their rejections, faults and hazards.
final class EquipmentTests: XCTestCase {
    func rejectReasons(_ o: RunOutcome) -> [String] {
        o.events.filter { $0.kind == .actionRejected }.map { RejectReason(rawValue: $0.code)!.name }
    }

    func testActionsThatCannotApplyBecomeEventsNotCrashes() throws {
        let m = try compileInline(tankScenario)
        let actions = [
            Action(tick: 0, verb: "open", target: "NOPE"),        // unknown target
            Action(tick: 0, verb: "dance", target: "XV1"),        // unknown verb
            Action(tick: 0, verb: "start", target: "TK1"),        // verb the target doesn't take
            Action(tick: 0, verb: "open", target: "XV1"),         // not in the valve's zone
            Action(tick: 1, verb: "move-to", target: "plant"),
            Action(tick: 2, verb: "lock", target: "XV1"),
            Action(tick: 3, verb: "open", target: "XV1"),         // locked
            Action(tick: 4, verb: "lock", target: "XV1", text: "ghost"), // unknown person
            Action(tick: 5, verb: "set", target: "XV1", number: 1.5),    // (locked first)
            Action(tick: 6, verb: "unlock", target: "XV1"),
            Action(tick: 7, verb: "set", target: "XV1", number: 1.5),    // invalid value
            Action(tick: 8, verb: "acknowledge", target: "LAH1"),        // nothing to acknowledge
            Action(tick: 9, verb: "submit", target: ""),
        ]
        let o = Runner.replay(m, actions: actions)
        XCTAssertEqual(rejectReasons(o), ["unknown-target", "unknown-verb", "unsupported-verb", "not-in-zone",
                                          "locked", "unknown-person", "locked", "invalid-value", "no-effect"])
        XCTAssertEqual(o.endReason, .submitted)
        XCTAssertEqual(o.ticks, 9)
        // Every rejection carries the ordinal of the journal action that caused it.
        XCTAssertEqual(o.events.filter { $0.kind == .actionRejected }.map(\.ordinal), [0, 1, 2, 3, 6, 7, 8, 10, 11])
    }

    func testValveStrokesOverItsStrokeTime() throws {
        let m = try compileInline(tankScenario)
        let o = Runner.replay(m, actions: [Action(tick: 0, verb: "move-to", target: "plant"),
                                           Action(tick: 0, verb: "open", target: "XV1"),
                                           Action(tick: 10, verb: "submit", target: "")])
        // 2 s stroke at 10 Hz: 0.05 per tick; 10 ticks after the command it is half open.
        XCTAssertEqual(o.finalState.valvePosition[0], 0.5, accuracy: 1e-12)
        XCTAssertEqual(o.finalState.read(FieldRef(.valveMoving, 0)), 1)
    }

    func testBreakerOperatingTimeAndPumpNeedsPower() throws {
        let m = try compileInline(tankScenario)
        let o = Runner.replay(m, actions: [
            Action(tick: 0, verb: "open", target: "QF1"),
            Action(tick: 5, verb: "start", target: "P1"),    // breaker still closing? no: opening takes 1 s, so P1 starts
            Action(tick: 20, verb: "start", target: "P1"),   // already running → no-effect? it was stopped by loss of power
            Action(tick: 21, verb: "submit", target: ""),
        ])
        let changes = o.events.filter { $0.kind == .equipmentChanged && $0.subject == m.entityIndex["QF1"] }
        XCTAssertEqual(changes.first?.tick, 10, "1 s operating time at 10 Hz")
        XCTAssertEqual(rejectReasons(o), ["no-power"])
        XCTAssertEqual(o.finalState.motorRunning[0], 0)
    }

    func testLocksBelongToTheirOwner() throws {
        let m = try compileInline("""
        persons:
          - {id: worker2}
        """ + "\n" + tankScenario.replacingOccurrences(of: "zone: plant", with: "zone: field"))
        let o = Runner.replay(m, actions: [
            Action(tick: 0, verb: "lock", target: "QF1", text: "worker2"),
            Action(tick: 1, verb: "unlock", target: "QF1"),                   // trainee is not the owner
            Action(tick: 2, verb: "lock", target: "QF1"),                     // already locked
            Action(tick: 3, verb: "unlock", target: "QF1", text: "worker2"),
            Action(tick: 4, verb: "tag", target: "QF1"),
            Action(tick: 5, verb: "open", target: "QF1"),                     // allowed, but a violation
            Action(tick: 6, verb: "submit", target: ""),
        ])
        XCTAssertEqual(rejectReasons(o), ["locked-by-other", "already-locked"])
        XCTAssertEqual(o.events.filter { $0.kind == .violation }.map { ViolationCode(rawValue: $0.code)! }, [.operatedTagged])
        XCTAssertEqual(o.score.deductions.map(\.cause), [.rejectedAction, .rejectedAction, .violation])
    }

    func testSensorDelayNoiseAndFailure() throws {
        let m = try compileInline(tankScenario + """
        faults:
          - {id: stuck, at: 3 s, effects: [{fail: LT1, mode: stuck}]}
          - {id: high, at: 5 s, effects: [{fail: LT1, mode: high}]}
        """)
        var s = State(model: m)
        var events: [Event] = []
        XCTAssertEqual(s.sensorValue[0], 0.5, "tick 0 reads the true value without noise")
        var readings: [Double] = []
        for _ in 0..<60 { step(m, &s, &events); readings.append(s.sensorValue[0]) }
        // Noisy but centred on the true level before the first fault.
        let before = readings[0..<29]
        XCTAssert(before.contains { $0 != 0.5 }, "noise must move the reading")
        XCTAssert(before.allSatisfy { abs($0 - 0.5) < 0.07 })
        // Stuck from 3 s: constant.
        XCTAssertEqual(Set(readings[30..<49]).count, 1)
        // High from 5 s: top of range.
        XCTAssertEqual(readings[55], 2.0)
        XCTAssertEqual(events.filter { $0.kind == .faultFired }.map(\.tick), [30, 50])
    }

    func testSensorDelayLagsAStepChange() throws {
        let m = try compileInline("""
        entities:
          - {id: V, type: valve}
          - {id: ZT, type: sensor, measures: V.position, delay: 0.5 s}
        procedure:
          - {id: s1, title: 一, done: ZT.value > 0.5, score: 10}
        """)
        let o = Runner.replay(m, actions: [Action(tick: 0, verb: "open", target: "V"), Action(tick: 20, verb: "submit", target: "")])
        XCTAssertEqual(o.score.steps[0].endTick, 6, "valve opens at tick 1; the reading follows 5 ticks later")
    }

    func testConditionFaultAndHazardEndTheScenario() throws {
        let m = try compileInline(tankScenario + """
        faults:
          - {id: auto_start, when: XV1.open, effects: [{act: start, target: P1}]}
        """)
        // The trainee only opens the valve; the scripted start fills the tank until it overflows.
        let o = Runner.replay(m, actions: [Action(tick: 0, verb: "move-to", target: "plant"),
                                           Action(tick: 0, verb: "open", target: "XV1")])
        let fault = try XCTUnwrap(o.events.first { $0.kind == .faultFired })
        // 2 s stroke: fully open after the fluids stage of tick 20, seen by the faults stage of tick 21.
        XCTAssertEqual(fault.tick, 21)
        XCTAssertEqual(o.endReason, .hazard)
        XCTAssertEqual(o.score.veto, "overflow")
        XCTAssertEqual(o.score.total, 0)
        XCTAssertFalse(o.score.passed)
        let hazard = try XCTUnwrap(o.events.first { $0.kind == .hazardTriggered })
        // At its rated 360 m³/h the pump lifts 0.01 m per tick into 1 m²: 1.5 m of freeboard is
        // 150 ticks of flow from tick 21. The default curve (rated point at 1 bar, shut-off at
        // 1.3×) loses at most 10 % of that flow against the tank's own 0.5–2 m of head, so
        // the overflow comes 150…167 ticks after the pump starts.
        XCTAssert((171...188).contains(hazard.tick), "overflow at tick \(hazard.tick)")
        XCTAssertEqual(o.ticks, hazard.tick, "the hazard ends the scenario on its tick")
        XCTAssert(o.events.contains { $0.kind == .alarmRaised && $0.subject == m.entityIndex["LAH1"] })
    }

    func testTimeLimitEndsAnIdleRun() throws {
        let m = try compileInline(tankScenario)
        let o = Runner.replay(m, actions: [])
        XCTAssertEqual(o.endReason, .timeLimit)
        XCTAssertEqual(o.ticks, 600)
        XCTAssertEqual(o.score.total, 0)
    }

    func testTimerStartsOnConditionAndCompletes() throws {
        let m = try compileInline("""
        entities:
          - {id: V, type: valve}
          - {id: T, type: timer, duration: 3 s, startWhen: V.open}
        procedure:
          - {id: s1, title: 一, done: T.done, score: 10}
        """)
        let o = Runner.replay(m, actions: [Action(tick: 10, verb: "open", target: "V"), Action(tick: 100, verb: "submit", target: "")])
        // The open at tick 10 is instant; from tick 11 the timer counts one tick per step,
        // so 3 s (30 ticks) have elapsed at tick 40.
        XCTAssertEqual(o.score.steps[0].endTick, 40)
    }
}
