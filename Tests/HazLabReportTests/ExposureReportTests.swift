import Foundation
import XCTest
import HazLabCore
import HazLabRecords
import HazLabReport
import HazLabScenario

/// Issue 13, item 4: an exposure accident in a report says which gas, what dose, where; the
/// instructor sheet prints the exposure rules and limits.
final class ExposureReportTests: XCTestCase {
    static let confined: Model? = ScenarioCompiler.compile(path: Repo.path("Scenarios/confined-space-entry/scenario.yaml")).model

    /// The defect: the accident row read "Accident injury —" with no gas, dose or place.
    func testTheFatalConfinedSpaceRunNamesTheGasTheDoseAndThePlace() throws {
        let m = try XCTUnwrap(Self.confined)
        let j = try Journal.read(path: Repo.path("Scenarios/confined-space-entry/runs/fatal.jsonl"))
        let report = AttemptReport(model: m, journal: j)
        let x = report.exposureAccidents.map(\.accident)
        XCTAssertEqual(x.count, 2, "the 15-minute dose, then 60 s above IDLH (the run's note)")
        XCTAssertEqual(x.first?.gas, "H2S")
        XCTAssertEqual(x.first?.rule, .stelDose)
        XCTAssertGreaterThan(x.first?.doseppmMinutes ?? 0, 150, "H2S: ceiling 10 ppm × 15 min")
        XCTAssertEqual(x.last?.rule, .idlh(seconds: 60))
        XCTAssertGreaterThanOrEqual(x.last?.inhaled ?? 0, 100)
        XCTAssertEqual(x.first?.zone, m.entityIndex["tank_inside"])
        let html = report.html(language: .en)
        XCTAssert(html.contains("H2S: 15-min dose "), "the dose rule in words")
        XCTAssert(html.contains("60 s above IDLH 100 ppm"), "the IDLH rule in words")
        XCTAssert(html.contains("(tank_inside), x "), "where")
        let doc = try parseXML(html)
        let limits = try XCTUnwrap(doc.byId("gas-limits"), "the gas trends come with each gas's limits")
        XCTAssertEqual(limits.all("tr") { $0["data-gas"] != nil }.map { $0["data-gas"]! }, try XCTUnwrap(m.gas).spec.species.map(\.name),
                       "a row per gas of the scenario (CH4, H2S, CO and N2, the inert gas of its start atmosphere)")
        XCTAssertNil(try parseXML(AttemptReport(model: demoModel, journal: try demoJournal("perfect")).html(language: .en)).byId("gas-limits"))
        let zh = report.html(language: .zhCN)
        XCTAssert(zh.contains("15 分钟剂量"))
    }

    func testTheSheetPrintsTheExposureRulesAndEachGassLimits() throws {
        let m = try XCTUnwrap(Self.confined)
        let doc = try parseXML(InstructorSheet(model: m).html(language: .en))
        let table = try XCTUnwrap(doc.byId("exposure-limits"))
        let rows = table.all("tr") { $0["data-gas"] != nil }
        XCTAssertEqual(rows.map { $0["data-gas"]! }, try XCTUnwrap(m.gas).spec.species.map(\.name))
        let h2s = try XCTUnwrap(rows.first { $0["data-gas"] == "H2S" })
        let cells = h2s.all("td").map { $0.allText }
        XCTAssertEqual(cells[3], "10", "ceiling")
        XCTAssertEqual(cells[4], "100", "IDLH")
        XCTAssertEqual(cells[5], "150", "15-minute dose, ppm·min")
        XCTAssert(doc.allText.contains("Docs/exposure.md"))
        XCTAssert(doc.allText.contains("NFPA 325 (gas.standard: NFPA)"))
        // No gas grid, no section.
        let demo = try parseXML(InstructorSheet(model: demoModel).html(language: .en))
        XCTAssertNil(demo.byId("exposure-limits"))
    }
}
