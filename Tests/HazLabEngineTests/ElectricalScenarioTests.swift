import XCTest
import HazLabCore
import HazLabRunner

/// The five-prevention interlocks and lockout-tagout, driven through scenario YAML and
/// journal actions, as a trainee would meet them.
final class ElectricalScenarioTests: XCTestCase {
    /// One 10 kV feeder bay: busbar — QS1 (bus-side disconnector) — QF1 (breaker) — QS2
    /// (line-side disconnector) — cable, with an earthing switch and a voltage indicator on the cable.
    static func bay(disabled: [String] = []) -> String {
        """
        interlocks:
          disabled: [\(disabled.joined(separator: ", "))]
        entities:
          - {id: room, type: zone}
          - {id: cubicle, type: zone, compartment: [cable]}
          - {id: busbar, type: bus, voltage: 10 kV}
          - {id: busSide, type: bus}
          - {id: lineSide, type: bus}
          - {id: cable, type: bus}
          - {id: grid, type: supply, bus: busbar, voltage: 10 kV}
          - {id: motor, type: load, bus: cable, power: 500 kW}
          - {id: QS1, type: disconnector, from: busbar, to: busSide, closed: true}
          - {id: QF1, type: breaker, from: busSide, to: lineSide, closed: true}
          - {id: QS2, type: disconnector, from: lineSide, to: cable, closed: true}
          - {id: QE1, type: earthing, bus: cable}
          - {id: VD1, type: indicator, bus: cable}
        procedure:
          - {id: earthed, title: 接地, done: cable.earthed and not cable.live and VD1.inspected, score: 10}
          - {id: inside, title: 进入, done: cubicle.occupied, after: [earthed], score: 10}
        """
    }

    func reasons(_ o: RunOutcome) -> [String] {
        o.events.filter { $0.kind == .actionRejected }.map { e in
            let r = RejectReason(rawValue: e.code)!.name
            return e.code == RejectReason.interlockBlocked.rawValue ? "\(r):\(FivePrevention(rawValue: UInt8(e.detail))!.name)" : r
        }
    }

    func testCorrectSwitchingOrderReachesMaintenanceWithFullMarks() throws {
        let m = try compileInline(Self.bay())
        let o = Runner.replay(m, actions: [
            Action(tick: 0, verb: "open", target: "QF1"),
            Action(tick: 10, verb: "open", target: "QS2"),
            Action(tick: 20, verb: "open", target: "QS1"),
            Action(tick: 30, verb: "inspect", target: "VD1"),
            Action(tick: 40, verb: "close", target: "QE1"),
            Action(tick: 50, verb: "move-to", target: "cubicle"),
            Action(tick: 60, verb: "submit", target: ""),
        ])
        XCTAssertEqual(reasons(o), [])
        XCTAssertEqual(o.score.total, 20)
        XCTAssertTrue(o.score.passed)
        let cable = try XCTUnwrap(m.electrical?.busEntities.firstIndex(of: m.entityIndex["cable"]!))
        XCTAssertEqual(o.finalState.busLive[cable], 0)
        XCTAssertEqual(o.finalState.busEarthed[cable], 1)
        XCTAssertEqual(o.finalState.indicatorLit[0], 0)
        XCTAssertEqual(o.finalState.loadSupplied[0], 0)
    }

    func testInterlocksBlockEachWrongOperation() throws {
        let m = try compileInline(Self.bay())
        let o = Runner.replay(m, actions: [
            Action(tick: 0, verb: "close", target: "QE1"),        // earthing a live cable
            Action(tick: 1, verb: "move-to", target: "cubicle"),  // entering a live compartment
            Action(tick: 2, verb: "open", target: "QS2"),         // disconnector under load
            Action(tick: 3, verb: "submit", target: ""),
        ])
        XCTAssertEqual(reasons(o), ["interlock-blocked:earthing-live", "interlock-blocked:entering-live-compartment",
                                    "interlock-blocked:disconnector-under-load"])
        XCTAssertEqual(o.finalState.switchClosed, [1, 1, 1, 0], "nothing moved")
        XCTAssertNil(o.score.veto)
        // Each blocked attempt is also a violation the rubric can see.
        XCTAssertEqual(o.events.filter { $0.kind == .violation }.count, 3)
    }

    func testDisabledInterlockLetsTheWrongOperationCauseAnArcFlash() throws {
        let m = try compileInline(Self.bay(disabled: ["disconnector-under-load"]))
        let o = Runner.replay(m, actions: [Action(tick: 5, verb: "open", target: "QS2"),
                                           Action(tick: 50, verb: "submit", target: "")])
        let accident = try XCTUnwrap(o.events.first { $0.kind == .accident })
        XCTAssertEqual(Consequence(rawValue: UInt8(accident.code)), .arcFlash)
        XCTAssertEqual(o.endReason, .accident)
        XCTAssertEqual(o.ticks, 5, "the attempt ends on the tick of the arc flash")
        XCTAssertEqual(o.score.veto, "arc-flash")
        XCTAssertEqual(o.score.total, 0)
        XCTAssertEqual(o.finalState.traineeDead, 1)
    }

    func testArcFlashSuitTurnsAFatalArcFlashIntoAnInjury() throws {
        let yaml = Self.bay(disabled: ["disconnector-under-load"]).replacingOccurrences(
            of: "  - {id: room, type: zone}", with: "  - {id: room, type: zone}\n  - {id: suit, type: ppe, protects: [arc-flash]}")
        let m = try compileInline(yaml)
        let suited = Runner.replay(m, actions: [Action(tick: 0, verb: "wear", target: "suit"),
                                                Action(tick: 5, verb: "open", target: "QS2")])
        XCTAssertEqual(suited.finalState.traineeDead, 0)
        XCTAssertEqual(suited.finalState.traineeInjuries, 1)
        XCTAssertEqual(suited.score.veto, "arc-flash", "the wrong operation is still a critical error")
        let bare = Runner.replay(m, actions: [Action(tick: 5, verb: "open", target: "QS2")])
        XCTAssertEqual(bare.finalState.traineeDead, 1)
    }

    func testEnergyReleasedOntoAColleagueInjuresThem() throws {
        let m = try compileInline("""
        persons:
          - {id: fitter, zone: pump_bay}
        entities:
          - {id: control, type: zone}
          - {id: pump_bay, type: zone}
          - {id: mains, type: energy, kind: electrical, magnitude: 380 V, zones: [pump_bay]}
          - {id: QF2, type: breaker, isolates: [mains]}
        procedure:
          - {id: s, title: 一, done: QF2.closed, score: 10}
        """)
        // The trainee, in the control room, re-energises the pump while the fitter works on it.
        let o = Runner.replay(m, actions: [Action(tick: 10, verb: "close", target: "QF2")])
        let injury = try XCTUnwrap(o.events.first { $0.kind == .accident })
        XCTAssertEqual(Consequence(rawValue: UInt8(injury.code)), .injury)
        XCTAssertEqual(injury.person, 1, "the fitter is hurt")
        XCTAssertEqual(o.finalState.traineeInjuries, 0, "the trainee was not in the danger zone")
    }

    func testLockoutTagoutEnergyRelease() throws {
        let m = try compileInline("""
        persons:
          - {id: worker2}
        entities:
          - {id: control, type: zone}
          - {id: pump_bay, type: zone}
          - {id: mains, type: energy, kind: electrical, magnitude: 380 V, zones: [pump_bay]}
          - {id: line_pressure, type: energy, kind: hydraulic, magnitude: 600 kPa, zones: [pump_bay], residual: 600 kPa, zeroThreshold: 10 kPa}
          - {id: QF2, type: breaker, closed: true, isolates: [mains]}
          - {id: P2, type: pump, power: QF2, running: true}
          - {id: XV2, type: valve, opening: 1, isolates: [line_pressure]}
          - {id: DV2, type: valve, dissipates: [line_pressure], dissipationTime: 2 s}
        faults:
          - {id: second_worker, at: 20 s, effects: [{act: close, target: QF2, by: worker2}]}
        procedure:
          - {id: zero, title: 零能量, done: line_pressure.verified and mains.verified, score: 10}
        """)
        // Isolate and lock both, bleed the pressure, verify, then work in the bay.
        let safe = Runner.replay(m, actions: [
            Action(tick: 0, verb: "stop", target: "P2"),
            Action(tick: 1, verb: "open", target: "QF2"),
            Action(tick: 2, verb: "lock", target: "QF2"),
            Action(tick: 3, verb: "close", target: "XV2"),
            Action(tick: 4, verb: "verify", target: "line_pressure"),     // still pressurised: fails
            Action(tick: 5, verb: "open", target: "DV2"),
            Action(tick: 150, verb: "verify", target: "line_pressure"),   // bled down over 14.5 s
            Action(tick: 151, verb: "verify", target: "mains"),
            Action(tick: 160, verb: "move-to", target: "pump_bay"),
            Action(tick: 300, verb: "submit", target: ""),
        ])
        let verifications = safe.events.filter { $0.kind == .measurement }.map(\.value)
        XCTAssertEqual(verifications, [0, 1, 1])
        XCTAssertTrue(safe.score.steps[0].completed)
        XCTAssertFalse(safe.events.contains { $0.kind == .accident }, "the locked breaker kept worker2 from re-energising")
        XCTAssert(safe.events.contains { $0.kind == .actionRejected && $0.person == 1 && $0.code == RejectReason.locked.rawValue })

        // Same job without the lock: worker2 closes the breaker while the trainee is in the bay.
        let unsafe = Runner.replay(m, actions: [
            Action(tick: 0, verb: "stop", target: "P2"),
            Action(tick: 1, verb: "open", target: "QF2"),
            Action(tick: 3, verb: "close", target: "XV2"),
            Action(tick: 160, verb: "move-to", target: "pump_bay"),
            Action(tick: 300, verb: "submit", target: ""),
        ])
        let injury = try XCTUnwrap(unsafe.events.first { $0.kind == .accident })
        XCTAssertEqual(Consequence(rawValue: UInt8(injury.code)), .injury)
        XCTAssertEqual(injury.tick, 200, "the second worker acts at 20 s")
        XCTAssertEqual(unsafe.finalState.traineeInjuries, 1)
        XCTAssert(unsafe.score.deductions.contains { $0.cause == .accident && $0.detail == "injury" })
    }
}
