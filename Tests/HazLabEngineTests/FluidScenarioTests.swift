import XCTest
import HazLabCore
import HazLabRunner
import HazLabScenario

/// The lumped fluid network through scenario YAML: a nitrogen-blanketed vessel filled by a
/// pump until its relief valve lifts, with the liquid balance closing over the run.
final class FluidScenarioTests: XCTestCase {
    static let plant = """
    entities:
      - {id: V1, type: tank, area: 1 m2, height: 3 m, level: 1 m, closed: true, blanketPressure: 0.5 bar}
      - {id: P1, type: pump, running: true}
      - {id: XV1, type: valve, opening: 1}
    lines:
      - {id: feed, to: V1, pump: P1, valves: [XV1], head: [[0 m3/h, 40 m], [20 m3/h, 35 m], [40 m3/h, 20 m]], ratedFlow: 20 m3/h, ratedDeltaP: 2 bar}
      - {id: relief, from: V1, setPressure: 2 bar, orificeArea: 5 cm2, fromHeight: 2.9 m}
    procedure:
      - {id: s, title: 一, done: relief.open, score: 10}
    """

    func testBlanketCompressesUntilTheReliefLifts() throws {
        let m = try compileInline(Self.plant.replacingOccurrences(of: "done: relief.open", with: "done: V1.gasPressure > 2.5 bar"),
                                  timeLimit: "20 min")
        let o = Runner.replay(m, actions: [])
        // Filling compresses the blanket: gauge pressure rises from 0.5 bar toward the relief set point.
        let s = o.finalState
        XCTAssertGreaterThan(s.tankGasPressure[0], 101_325 + 0.5e5)
        XCTAssertEqual(s.lineReliefOpen.count, 2)
        XCTAssertEqual(s.lineReliefOpen[1], 1, "the relief has lifted")
        XCTAssertLessThan(s.tankGasPressure[0], 101_325 + 2e5 * 1.15, "the relief holds the vessel near set + overpressure")
        // Liquid balance: vessel inventory change equals supplied minus relieved.
        let net = try XCTUnwrap(s.fluid)
        let (inventory, into, out) = net.liquidBalance()
        XCTAssertEqual(inventory - 1.0, into - out, accuracy: 1e-9)
        XCTAssertGreaterThan(into, 0)
    }

    func testImpossibleParametersAreCompileErrors() {
        let text = """
        id: bad
        title: 坏
        discipline: chemical
        timeLimit: 1 min
        entities:
          - {id: V1, type: tank, area: -1 m2, height: 3 m}
        lines:
          - {id: l1, from: V1, cv: -4}
        procedure:
          - {id: s, title: 一, done: V1.level > 1 m, score: 10}
        """
        let r = HazLabScenario.ScenarioCompiler.compile(bytes: Array(text.utf8), path: "bad.yaml")
        XCTAssert(r.errors.contains { $0.location.line == 6 && $0.message.contains("must be positive") }, "\(r.diagnostics)")
        XCTAssert(r.errors.contains { $0.location.line == 8 && $0.message.contains("Cv < 0") }, "\(r.diagnostics)")
    }
}
