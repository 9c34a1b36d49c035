import XCTest
import HazLabCore
import HazLabRunner

/// Loss of cooling in a jacketed CSTR, through scenario YAML: the runaway happens when
/// nobody acts and is averted by starting the standby pump and stopping the feed.
final class ReactorScenarioTests: XCTestCase {
    static let plant = """
    entities:
      - {id: P1, type: pump, running: true}
      - {id: P2, type: pump}
      - {id: M1, type: pump, running: true}
      - {id: XV1, type: valve, opening: 1, strokeTime: 5 s}
      - id: R1
        type: reactor
        volume: 2 m3
        temperature: 320.8 K
        jacketTemperature: 309.2 K
        concentration: 2400 mol/m3
        kRef: 5e-4 1/s
        TRef: 320 K
        activationEnergy: 80 kJ/mol
        heatOfReaction: -100 kJ/mol
        ua: 15 kW/K
        uaLoss: 50 W/K
        jacketVolume: 0.3 m3
        agitator: M1
        feed: {valve: XV1, flow: 3.6 m3/h, temperature: 300 K, concentration: 5000 mol/m3}
        coolant: {pumps: [P1, P2], flow: 36 m3/h, temperature: 305 K}
    faults:
      - {id: cooling_pump_trip, at: 60 s, effects: [{trip: P1}]}
    hazards:
      - {id: runaway, when: R1.temperature > 360 K, consequence: explosion, endsScenario: true}
    procedure:
      - {id: standby, title: 启动备用泵, done: P2.running, score: 10}
      - {id: stop_feed, title: 切断进料, done: XV1.closed, score: 10}
    """

    func testLossOfCoolingRunsAwayWhenNobodyActs() throws {
        let m = try compileInline(Self.plant, timeLimit: "40 min")
        let o = Runner.replay(m, actions: [])
        XCTAssertEqual(o.endReason, .hazard)
        XCTAssertEqual(o.score.veto, "runaway")
        let hazard = try XCTUnwrap(o.events.first { $0.kind == .hazardTriggered })
        let minutes = Double(hazard.tick) / 600
        XCTAssert(minutes > 2 && minutes < 35, "runaway after \(minutes) min")
        XCTAssertGreaterThan(o.finalState.reactors[0].temperature, 360)
    }

    func testStandbyPumpAndFeedStopKeepItBounded() throws {
        let m = try compileInline(Self.plant, timeLimit: "40 min")
        let o = Runner.replay(m, actions: [Action(tick: 900, verb: "start", target: "P2"),
                                           Action(tick: 950, verb: "close", target: "XV1")])
        XCTAssertEqual(o.endReason, .timeLimit)
        XCTAssertNil(o.score.veto)
        XCTAssertEqual(o.score.total, 20)
        XCTAssertLessThan(o.finalState.reactors[0].temperature, 330)
        XCTAssertEqual(o.finalState.reactors[0].temperature, o.finalState.read(FieldRef(.reactorTemperature, 0)))
    }

    /// Issue 13: the HUD read a temperature no reaction could reach. Nobody acts and the hazard
    /// does not end the run, so the reactor runs away for 40 min: at every tick the temperature
    /// the HUD reads stays finite and within the largest MTSR seen so far (energy conservation).
    func testRunawayTemperatureStaysWithinMTSR() throws {
        let yaml = Self.plant.replacingOccurrences(of: "endsScenario: true", with: "endsScenario: false")
        let m = try compileInline(yaml, timeLimit: "40 min")
        var mtsr = -Double.infinity
        var peak = -Double.infinity
        var worst = -Double.infinity
        let o = Runner.replay(m, actions: []) { state, _ in
            let t = state.read(FieldRef(.reactorTemperature, 0))
            mtsr = max(mtsr, state.reactors[0].mtsr)
            peak = max(peak, t)
            worst = max(worst, t - mtsr)
        }
        XCTAssertEqual(o.endReason, .timeLimit)
        XCTAssertTrue(peak.isFinite)
        XCTAssertGreaterThan(peak, 360, "it does run away")
        XCTAssertLessThanOrEqual(worst, 1e-9, "temperature above the MTSR: heat from nowhere")
        XCTAssertLessThan(peak, 700, "bounded by the reactant the feed brought (MTSR \(mtsr) K)")
    }
}
