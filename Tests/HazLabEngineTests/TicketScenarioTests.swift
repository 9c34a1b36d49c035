import XCTest
import HazLabCore
import HazLabRecords
import HazLabRunner
import HazLabScoring

/// The operating ticket (操作票) and the five-prevention rule 1, driven through scenario YAML
/// and journal actions: blocked when the rule is on, through with its consequence when off,
/// progress in state, and determinism.
final class TicketScenarioTests: XCTestCase {
    /// Two feeder bays on one busbar; the ticket takes bay 1 to maintenance.
    static func bays(disabled: [String] = [], ticketSteps: String? = nil) -> String {
        let steps = ticketSteps ?? """
            - {open: QF1}
            - {check: QF1, position: open}
            - {open: QS2}
            - {open: QS1}
            - {verify: E_cable}
            - {close: QE1}
            - {tag: QF1}
        """
        return """
        interlocks:
          disabled: [\(disabled.joined(separator: ", "))]
        ticket:
          id: T-001
          title: {zh: 馈线 1 由运行转检修, en: Feeder 1 to maintenance}
          steps:
        \(steps)
        entities:
          - {id: room, type: zone}
          - {id: busbar, type: bus, voltage: 10 kV}
          - {id: busSide, type: bus}
          - {id: lineSide, type: bus}
          - {id: cable, type: bus}
          - {id: cable2, type: bus}
          - {id: grid, type: supply, bus: busbar, voltage: 10 kV}
          - {id: motor, type: load, bus: cable, power: 500 kW}
          - {id: motor2, type: load, bus: cable2, power: 300 kW}
          - {id: QS1, type: disconnector, from: busbar, to: busSide, closed: true, bay: f1}
          - {id: QF1, type: breaker, from: busSide, to: lineSide, closed: true, bay: f1}
          - {id: QS2, type: disconnector, from: lineSide, to: cable, closed: true, bay: f1, isolates: [E_cable]}
          - {id: QE1, type: earthing, bus: cable, bay: f1}
          - {id: QF2, type: breaker, from: busbar, to: cable2, closed: true, bay: f2}
          - {id: E_cable, type: energy, kind: electrical, magnitude: 10 kV, zones: [room]}
        procedure:
          - {id: earthed, title: 接地, done: cable.earthed and ticket.next > 6, score: 10}
        """
    }

    func blockedRules(_ o: RunOutcome) -> [String] {
        o.events.filter { $0.kind == .actionRejected && $0.code == RejectReason.interlockBlocked.rawValue }
            .map { FivePrevention(rawValue: UInt8($0.detail))!.name }
    }

    func deviations(_ o: RunOutcome) -> [Int32] {
        o.events.filter { $0.kind == .violation && $0.code == ViolationCode.ticketDeviation.rawValue }.map(\.detail)
    }

    func read(_ m: Model, _ s: State, _ field: FieldKind) -> Double { s.read(FieldRef(field, 0)) }

    static let inOrder: [Action] = [
        Action(tick: 0, verb: "open", target: "QF1"),
        Action(tick: 10, verb: "inspect", target: "QF1"),
        Action(tick: 20, verb: "open", target: "QS2"),
        Action(tick: 30, verb: "open", target: "QS1"),
        Action(tick: 40, verb: "verify", target: "E_cable"),
        Action(tick: 50, verb: "close", target: "QE1"),
        Action(tick: 60, verb: "tag", target: "QF1"),
        Action(tick: 70, verb: "submit", target: ""),
    ]

    func testFollowingTheTicketCompletesItWithNoBlockOrDeviation() throws {
        let m = try compileInline(Self.bays())
        let o = Runner.replay(m, actions: Self.inOrder)
        XCTAssertEqual(blockedRules(o), [])
        XCTAssertEqual(deviations(o), [])
        let t = try XCTUnwrap(o.finalState.ticket)
        XCTAssertEqual(Array(t.status), Array(repeating: TicketState.done, count: 7))
        XCTAssertEqual(Array(t.doneTick), [0, 10, 20, 30, 40, 50, 60])
        XCTAssertEqual(read(m, o.finalState, .ticketDone), 1)
        XCTAssertEqual(read(m, o.finalState, .ticketNext), 8)
        XCTAssertEqual(read(m, o.finalState, .ticketCompleted), 7)
        XCTAssertEqual(o.score.total, 10)
    }

    func testWrongBayIsBlockedByRule1AndTheTicketWaits() throws {
        let m = try compileInline(Self.bays())
        let o = Runner.replay(m, actions: [
            Action(tick: 0, verb: "open", target: "QF2"),
            Action(tick: 10, verb: "submit", target: ""),
        ])
        XCTAssertEqual(blockedRules(o), ["wrong-breaker"])
        XCTAssertEqual(o.finalState.switchClosed[Int(m.entities.local[Int(m.entityIndex["QF2"]!)])], 1, "QF2 stays closed")
        XCTAssertEqual(o.finalState.loadSupplied[1], 1, "feeder 2 keeps its supply")
        XCTAssertEqual(read(m, o.finalState, .ticketBlocked), 1)
        XCTAssertEqual(read(m, o.finalState, .ticketNext), 1)
        XCTAssertEqual(read(m, o.finalState, .ticketDeviations), 0)
        XCTAssertTrue(o.events.contains { $0.kind == .violation && $0.code == ViolationCode.fivePrevention.rawValue && $0.detail == 1 })
    }

    func testOutOfOrderSwitchingIsBlockedEvenWhenPhysicallyHarmless() throws {
        // QF1 open, but its position not yet checked: opening QS2 makes no arc, yet the ticket's
        // next item is the check, so the 五防 key does not unlock QS2.
        let m = try compileInline(Self.bays())
        let o = Runner.replay(m, actions: [
            Action(tick: 0, verb: "open", target: "QF1"),
            Action(tick: 10, verb: "open", target: "QS2"),
            Action(tick: 20, verb: "inspect", target: "QF1"),
            Action(tick: 30, verb: "open", target: "QS2"),
        ])
        XCTAssertEqual(blockedRules(o), ["wrong-breaker"])
        XCTAssertEqual(Array(o.finalState.ticket!.status.prefix(4)), [1, 1, 1, 0])
    }

    func testRule1DisabledLetsTheWrongBayThroughWithItsConsequenceAndADeviation() throws {
        let m = try compileInline(Self.bays(disabled: ["wrong-breaker"]))
        let o = Runner.replay(m, actions: [
            Action(tick: 0, verb: "open", target: "QF2"),
            Action(tick: 10, verb: "open", target: "QF1"),
        ])
        XCTAssertEqual(blockedRules(o), [])
        XCTAssertEqual(o.finalState.loadSupplied[1], 0, "the wrong feeder goes dark")
        XCTAssertEqual(deviations(o), [0], "carried out off the ticket (not on it: detail 0)")
        XCTAssertEqual(o.events.filter { $0.kind == .violation && $0.code == ViolationCode.fivePrevention.rawValue }.map(\.detail), [1])
        XCTAssertEqual(read(m, o.finalState, .ticketDeviations), 1)
        XCTAssertEqual(read(m, o.finalState, .ticketNext), 2, "QF1 was still the next item")
    }

    func testRule1AndRule2DisabledOutOfTicketDisconnectorArcs() throws {
        let m = try compileInline(Self.bays(disabled: ["wrong-breaker", "disconnector-under-load"]))
        let o = Runner.replay(m, actions: [Action(tick: 0, verb: "open", target: "QS2")])
        XCTAssertEqual(blockedRules(o), [])
        XCTAssertTrue(o.events.contains { $0.kind == .accident && $0.code == Int32(Consequence.arcFlash.rawValue) })
        XCTAssertEqual(deviations(o), [0], "a switching deviation never ticks a later item off")
        XCTAssertEqual(o.finalState.ticket?.completed, 0)
        XCTAssertEqual(o.endReason, .accident)
    }

    func testAnItemNoLockCanStopCountsAsADeviationWhenDoneAheadOfItsTurn() throws {
        let m = try compileInline(Self.bays())
        var actions = Self.inOrder
        actions.insert(Action(tick: 5, verb: "tag", target: "QF1"), at: 1)
        let o = Runner.replay(m, actions: actions)
        XCTAssertEqual(deviations(o), [7], "the sign was ticket step 7")
        let t = try XCTUnwrap(o.finalState.ticket)
        XCTAssertEqual(t.status[6], TicketState.outOfOrder)
        XCTAssertEqual(t.doneTick[6], 5)
        // The later tag has no effect on an already tagged handle; the ticket is still complete.
        XCTAssertTrue(t.complete)
        XCTAssertEqual(read(m, o.finalState, .ticketCompleted), 7)
    }

    func testAFailedTestForVoltageAndAnInspectionInTheWrongPositionDoNotAdvance() throws {
        let m = try compileInline(Self.bays())
        let o = Runner.replay(m, actions: [
            Action(tick: 0, verb: "inspect", target: "QF1"),      // still closed: not the check
            Action(tick: 5, verb: "open", target: "QF1"),
            Action(tick: 10, verb: "inspect", target: "QF1"),
            Action(tick: 20, verb: "open", target: "QS2"),
            Action(tick: 25, verb: "open", target: "QS1"),
            Action(tick: 30, verb: "verify", target: "E_cable"),  // QS2 open: dead, passes
        ])
        XCTAssertEqual(deviations(o), [])
        XCTAssertEqual(read(m, o.finalState, .ticketNext), 6)
        // A test for voltage while the cable is still fed fails and does not count.
        let n = try compileInline(Self.bays(ticketSteps: "    - {verify: E_cable}\n    - {open: QF1}"))
        let p = Runner.replay(n, actions: [Action(tick: 0, verb: "verify", target: "E_cable")])
        XCTAssertEqual(read(n, p.finalState, .ticketNext), 1, "live: the test fails and the item stays next")
    }

    func testReclosingATrippedBreakerIsEmergencyHandlingOutsideTheTicket() throws {
        let m = try compileInline(Self.bays() + """

        faults:
          - {id: f2_trip, at: 1 s, effects: [{trip: QF2}]}
        """)
        let o = Runner.replay(m, actions: [
            Action(tick: 20, verb: "close", target: "QF2"),
            Action(tick: 30, verb: "open", target: "QF2"),
        ])
        XCTAssertEqual(blockedRules(o), ["wrong-breaker"], "re-close allowed; opening it again is off the ticket")
        XCTAssertEqual(deviations(o), [])
        XCTAssertEqual(o.finalState.loadSupplied[1], 1)
    }

    /// Regression: a tripped breaker's re-close that IS the ticket's next item used to be
    /// skipped by the emergency exemption and left the ticket waiting for it forever.
    func testReclosingATrippedBreakerThatIsTheNextItemAdvancesTheTicket() throws {
        let m = try compileInline(Self.bays(ticketSteps: "    - {close: QF2}\n    - {open: QF1}") + """

        faults:
          - {id: f2_trip, at: 1 s, effects: [{trip: QF2}]}
        """)
        let o = Runner.replay(m, actions: [
            Action(tick: 20, verb: "close", target: "QF2"),
            Action(tick: 30, verb: "open", target: "QF1"),
        ])
        XCTAssertEqual(blockedRules(o), [])
        XCTAssertEqual(o.finalState.ticket.map { Array($0.status) }, [TicketState.done, TicketState.done])
    }

    func testScriptedActionsOfOtherPeopleAreNotUnderTheTicket() throws {
        let m = try compileInline(Self.bays() + """

        persons:
          - {id: other, zone: room}
        faults:
          - {id: other_opens, at: 1 s, effects: [{act: open, target: QF2, by: other}]}
        """)
        let o = Runner.replay(m, actions: [])
        XCTAssertEqual(blockedRules(o), [])
        XCTAssertEqual(o.finalState.loadSupplied[1], 0)
        XCTAssertEqual(read(m, o.finalState, .ticketBlocked), 0)
    }

    func testTicketStateIsHashedAndDeterministic() throws {
        let m = try compileInline(Self.bays())
        let a = Runner.replay(m, actions: Self.inOrder)
        let b = Runner.replay(m, actions: Self.inOrder)
        XCTAssertEqual(a.stateHash, b.stateHash)
        // One check skipped: the ticket stops there (and blocks what follows): a different hash.
        var skipped = Self.inOrder
        skipped[1] = Action(tick: 10, verb: "inspect", target: "QS1")
        let c = Runner.replay(m, actions: skipped)
        XCTAssertNotEqual(a.finalState.ticket, c.finalState.ticket)
        XCTAssertNotEqual(a.stateHash, c.stateHash)
        var s = a.finalState
        s.ticket!.deviations += 1
        XCTAssertNotEqual(s.hash, a.finalState.hash)
    }

    func testRubricCanDeductTicketDeviations() throws {
        let m = try compileInline(Self.bays() + """

        rubric:
          deductions: {violation: 1}
          violations: {ticket-deviation: 4}
          rules:
            - {id: off_ticket, title: 偏离操作票, when: ticket.deviations > 0, points: 3}
        """)
        var actions = Self.inOrder
        actions.insert(Action(tick: 5, verb: "tag", target: "QF1"), at: 1)
        let o = Runner.replay(m, actions: actions)
        let d = o.score.deductions.filter { $0.cause == .violation }
        XCTAssertEqual(d.map(\.points), [4])
        XCTAssertEqual(d.first?.detail, "ticket-deviation")
        XCTAssertEqual(o.score.deductions.filter { $0.cause == .rule }.map(\.points), [3])
    }

    // MARK: the bundled switchgear scenarios

    func bundled(_ scenario: String, _ run: String) throws -> RunOutcome {
        let m = try compileOrFail(Repo.path("Scenarios/\(scenario)/scenario.yaml"))
        let j = try Journal.read(path: Repo.path("Scenarios/\(scenario)/runs/\(run).jsonl"))
        return Runner.replay(m, journal: j)
    }

    func testBundledPerfectRunsFollowTheTicketToTheEnd() throws {
        for s in ["switchgear-maintenance", "switchgear-maintenance-no-interlock"] {
            let o = try bundled(s, "perfect")
            let t = try XCTUnwrap(o.finalState.ticket, s)
            XCTAssertTrue(t.complete, s)
            XCTAssertEqual(Array(t.status), Array(repeating: TicketState.done, count: t.status.count), s)
            XCTAssertEqual(t.deviations, 0, s)
            XCTAssertEqual(t.blocked, 0, s)
        }
    }

    func testBundledMistakesAreBlockedWithTheInterlockAndGoThroughWithoutIt() throws {
        let main = try bundled("switchgear-maintenance", "mistakes")
        XCTAssertGreaterThanOrEqual(blockedRules(main).filter { $0 == "wrong-breaker" }.count, 3, "wrong bay, QS11 early, QF1 early")
        XCTAssertEqual(main.finalState.ticket?.deviations, 0)
        XCTAssertFalse(main.score.deductions.contains { $0.cause == .rule && $0.subject == "wrong_bay" }, "QF2 never opened")
        let variant = try bundled("switchgear-maintenance-no-interlock", "mistakes")
        XCTAssertFalse(blockedRules(variant).contains("wrong-breaker"))
        XCTAssertGreaterThanOrEqual(variant.finalState.ticket?.deviations ?? 0, 2, "QF2 opened and closed again")
        XCTAssertGreaterThanOrEqual(deviations(variant).count, 2, "each a ticket-deviation violation")
        XCTAssertTrue(variant.score.deductions.contains { $0.cause == .rule && $0.subject == "wrong_bay" },
                      "the wrong feeder really went dark")
    }
}
