import Foundation
import HazLabCore
import HazLabReport
import HazLabScenario
import XCTest

/// The instructor sheet's plan drawn from a live State (the teacher station).
final class LivePlanTests: XCTestCase {
    func model(_ id: String) throws -> Model {
        try XCTUnwrap(ScenarioCompiler.compile(path: Repo.path("Scenarios/\(id)/scenario.yaml")).model)
    }

    func testEquipmentStatesAreDrawnWithWordsAndColours() throws {
        let m = try model("pump-lockout-tagout")
        var state = State(model: m)
        let states = LivePlan.states(model: m, state: state)
        XCTAssertFalse(states.isEmpty)
        let svg = try XCTUnwrap(LivePlan.svg(model: m, state: state))
        // Every drawn piece of equipment with a state carries it, and the printed sheet's plan is unchanged.
        for s in states where svg.contains("data-entity=\"\(s.id)\"") {
            XCTAssertTrue(svg.contains("data-state=\"\(s.state)\""), s.id)
        }
        XCTAssertFalse(InstructorSheet.html(model: m).contains("data-state="), "the printed sheet has no live states")
        // A motor that runs is drawn running, then stopped when the state says so.
        guard let motor = (0..<m.motors.count).first else { return }
        let row = Int(m.motors.entity[motor])
        state.motorRunning[motor] = 1
        XCTAssertEqual(LivePlan.states(model: m, state: state).first { $0.row == row }?.state, "running")
        state.motorTripped[motor] = 1
        let tripped = try XCTUnwrap(LivePlan.states(model: m, state: state).first { $0.row == row })
        XCTAssertEqual(tripped.state, "tripped")
        XCTAssertEqual(tripped.color, "#D55E00")
        XCTAssertEqual(tripped.label(.zhCN), "跳闸")
        XCTAssertEqual(tripped.label(.en), "tripped")
    }
}
