import XCTest
import HazLabCore
import HazLabScenario

/// `hazlab new` starters must be valid as written, warnings included, for every discipline.
final class TemplateTests: XCTestCase {
    func testEveryStarterCompilesWithoutWarnings() {
        XCTAssertEqual(ScenarioTemplates.disciplines, Format.disciplines, "one starter per discipline")
        for d in ScenarioTemplates.disciplines {
            guard let text = ScenarioTemplates.text(discipline: d, id: "starter-\(d)") else { return XCTFail("no starter for \(d)") }
            let r = ScenarioCompiler.compile(bytes: Array(text.utf8), path: "\(d).yaml")
            XCTAssertEqual(r.diagnostics.map(\.description), [], d)
            guard let m = r.model else { continue }
            XCTAssertEqual(m.text.discipline, d)
            XCTAssertEqual(m.id, "starter-\(d)")
            XCTAssertGreaterThanOrEqual(m.procedure.count, 5, d)
            XCTAssertEqual(m.procedure.reduce(0) { $0 + $1.maxScore }, 100, "\(d): step scores add up to 100")
            XCTAssertTrue(m.faults.count >= 1, "\(d): shows a seeded fault")
        }
    }

    func testUnknownDisciplineHasNoStarter() {
        XCTAssertNil(ScenarioTemplates.text(discipline: "juggling", id: "x"))
    }
}
