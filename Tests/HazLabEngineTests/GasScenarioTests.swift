import XCTest
import HazLabCore
import HazLabRunner
import HazLabScenario

/// Gas leak, detectors, ignition and exposure, through scenario YAML and journal actions.
final class GasScenarioTests: XCTestCase {
    /// An 8 m × 6 m × 3 m boiler room with a methane leak downstream of the gas main valve,
    /// an ordinary light fitting switch above it (methane rises: the cloud is under the
    /// ceiling), a door and a window, and a ceiling detector.
    static let boilerRoom = """
    gas:
      size: [8 m, 6 m, 3 m]
      cellSize: 0.5 m
      species: [CH4]
      diffusivity: 0.05 m2/s
      updateEvery: 1 s
      wind: [0.5 m/s, 0 m/s, 0 m/s]
    entities:
      - {id: outside, type: zone, position: [-5 m, 3 m, 0 m]}
      - {id: boiler_room, type: zone, position: [3 m, 3 m, 0 m]}
      - {id: XV1, type: valve, opening: 1, zone: boiler_room}
      - {id: leak1, type: leak, species: CH4, position: [2 m, 2 m, 1 m], valve: XV1}
      - {id: SW1, type: switch, closed: false, position: [2 m, 2.6 m, 2 m], size: [0.1 m, 0.1 m, 1 m], zone: boiler_room}
      - {id: GD1, type: detector, species: CH4, position: [2 m, 2 m, 2.5 m], responseTime: 10 s}
      - {id: door, type: door, face: x-, position: [0 m, 3 m, 0 m], size: [1 m, 0.1 m, 2 m]}
      - {id: window, type: window, face: x+, position: [8 m, 3 m, 1 m], size: [1.5 m, 0.1 m, 1 m]}
      - {id: LAH1, type: alarm, when: GD1.value > 20 %LEL}
    faults:
      - {id: leak_starts, at: 10 s, effects: [{leak: leak1, rate: 50 m3/h}]}
    procedure:
      - {id: valve, title: 关阀, done: XV1.closed, score: 10}
      - {id: vent, title: 通风, done: door.open and window.open, score: 10}
    """

    func testSparkInAFlammableCloudExplodes() throws {
        let m = try compileInline(Self.boilerRoom, timeLimit: "10 min")
        let o = Runner.replay(m, actions: [
            Action(tick: 0, verb: "move-to", target: "boiler_room"),
            Action(tick: 3000, verb: "close", target: "SW1"),     // operates the light switch at 300 s
        ])
        XCTAssert(o.events.contains { $0.kind == .alarmRaised }, "the detector should alarm before the spark")
        let boom = try XCTUnwrap(o.events.first { $0.kind == .accident && $0.code == Int32(Consequence.explosion.rawValue) })
        XCTAssertEqual(boom.tick, 3000)
        XCTAssertEqual(o.endReason, .accident)
        XCTAssertEqual(o.score.veto, "explosion")
        XCTAssertEqual(o.finalState.traineeDead, 1, "the trainee stood within the fatal radius")
        // The engine's own check: the concentration at the switch was between LEL and UEL.
        let net = try XCTUnwrap(m.gas)
        let field = try XCTUnwrap(o.finalState.gas)
        let c = GasSampler.fraction(spec: net.spec, field: field, x: 2, y: 2.6, z: 2.5, species: 0)
        XCTAssert(c >= 0.05 && c <= 0.15, "CH4 at the switch \(c)")
    }

    func testIsolatingAndVentilatingPreventsTheExplosion() throws {
        let m = try compileInline(Self.boilerRoom, timeLimit: "10 min")
        let o = Runner.replay(m, actions: [
            Action(tick: 0, verb: "move-to", target: "boiler_room"),
            Action(tick: 400, verb: "close", target: "XV1"),
            Action(tick: 420, verb: "move-to", target: "outside"),
            Action(tick: 430, verb: "open", target: "door"),
            Action(tick: 440, verb: "open", target: "window"),
            Action(tick: 4000, verb: "move-to", target: "boiler_room"),
            Action(tick: 4010, verb: "close", target: "SW1"),     // the room has been aired for 6 min
            Action(tick: 4100, verb: "submit", target: ""),
        ])
        XCTAssertFalse(o.events.contains { $0.kind == .accident })
        XCTAssertEqual(o.endReason, .submitted)
        XCTAssertEqual(o.score.total, 20)
        XCTAssertLessThan(o.finalState.detectorValue[0], 0.1, "below 10 %LEL after airing")
        let field = try XCTUnwrap(o.finalState.gas)
        XCTAssertGreaterThan(field.vented[0], 0, "methane left through the openings")
    }

    func testDetectorOutsideTheRoomIsACompileError() {
        let text = """
        id: bad
        title: 坏
        discipline: gas
        timeLimit: 1 min
        gas: {size: [4 m, 4 m, 3 m], cellSize: 0.5 m, species: [CH4]}
        entities:
          - {id: GD1, type: detector, species: CH4, position: [5 m, 1 m, 1 m]}
        procedure:
          - {id: s, title: 一, done: GD1.value > 10 %LEL, score: 10}
        """
        let r = HazLabScenario.ScenarioCompiler.compile(bytes: Array(text.utf8), path: "bad.yaml")
        XCTAssert(r.errors.contains { $0.location.line == 7 && $0.message.contains("outside the gas grid") }, "\(r.diagnostics)")
    }

    func testGridOverTheMemoryBudgetIsACompileError() {
        let text = """
        id: big
        title: 大
        discipline: gas
        timeLimit: 1 min
        gas: {size: [200 m, 200 m, 20 m], cellSize: 0.1 m, species: [CH4]}
        entities:
          - {id: V, type: valve}
        procedure:
          - {id: s, title: 一, done: V.open, score: 10}
        """
        let r = HazLabScenario.ScenarioCompiler.compile(bytes: Array(text.utf8), path: "big.yaml")
        XCTAssert(r.errors.contains { $0.location.line == 5 && $0.message.contains("memory budget") }, "\(r.diagnostics)")
    }

    func testExposureWithoutRespiratorIncapacitatesAndSCBAProtects() throws {
        let room = """
        gas:
          size: [4 m, 4 m, 3 m]
          cellSize: 0.5 m
          species: [H2S]
          updateEvery: 1 s
        entities:
          - {id: tank_inside, type: zone, position: [2 m, 2 m, 0 m]}
          - {id: scba, type: ppe, protects: [all]}
          - {id: sludge, type: leak, species: H2S, position: [2 m, 2 m, 0.5 m], rate: 0.5 m3/h}
        procedure:
          - {id: s, title: 一, done: trainee.H2S_dose > 0 s, score: 10}
        """
        let m = try compileInline(room, timeLimit: "10 min")
        let bare = Runner.replay(m, actions: [Action(tick: 0, verb: "move-to", target: "tank_inside")])
        XCTAssertEqual(bare.finalState.traineeIncapacitated, 1)
        XCTAssertEqual(bare.endReason, .accident)
        XCTAssert(bare.score.deductions.contains { $0.cause == .accident })
        let suited = Runner.replay(m, actions: [Action(tick: 0, verb: "wear", target: "scba"),
                                                Action(tick: 0, verb: "move-to", target: "tank_inside")])
        XCTAssertEqual(suited.finalState.traineeIncapacitated, 0)
        XCTAssertEqual(suited.finalState.traineeDose[0], 0, "no dose through breathing air")
        XCTAssertEqual(suited.endReason, .timeLimit)
    }
}
