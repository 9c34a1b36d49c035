import XCTest
import HazLabCore
import HazLabRecords
import HazLabReport
import HazLabScenario

/// The operating ticket in the attempt report (each item's outcome) and on the instructor sheet.
final class TicketReportTests: XCTestCase {
    static let text = """
    id: tk
    title: {zh: 票, en: Ticket}
    discipline: electrical
    timeLimit: 1 min
    ticket:
      id: T-7
      title: {zh: 停电, en: Outage}
      steps:
        - {open: QF1}
        - {check: QF1, position: open}
        - {tag: QF1}
    entities:
      - {id: room, type: zone}
      - {id: busbar, type: bus, voltage: 10 kV}
      - {id: cable, type: bus}
      - {id: grid, type: supply, bus: busbar, voltage: 10 kV}
      - {id: QF1, type: breaker, from: busbar, to: cable, closed: true}
    procedure:
      - {id: s, title: 一, done: ticket.done, score: 1}
    """

    func testAttemptReportListsEachItemWithItsOutcomeAndTheSheetListsTheTicket() throws {
        let m = try XCTUnwrap(ScenarioCompiler.compile(bytes: Array(Self.text.utf8), path: "tk.yaml").model)
        let header = Journal.Header(scenario: "tk", scenarioSHA256: m.sourceSHA256, seed: 1)
        // The sign goes up before its turn (a deviation); the check is never made.
        let journal = Journal(header: header, actions: [
            Action(tick: 0, verb: "open", target: "QF1"),
            Action(tick: 10, verb: "tag", target: "QF1"),
            Action(tick: 20, verb: "submit", target: ""),
        ], trailer: nil)
        let doc = try parseXML(AttemptReport(model: m, journal: journal).html(language: .en))
        let table = try XCTUnwrap(doc.byId("ticket-steps"))
        let rows = table.bodyRows
        XCTAssertEqual(rows.map { $0["data-ticket-step"] ?? "" }, ["1", "2", "3"])
        XCTAssertEqual(rows.map { $0.hasClass("done") }, [true, false, false])
        XCTAssertTrue(rows[1].hasClass("pending"))
        XCTAssertTrue(rows[2].hasClass("deviation"))
        XCTAssertTrue(rows[1].allText.contains("inspect QF1"), "the check is an inspect action")
        let sheet = try parseXML(InstructorSheet.html(model: m, language: .zhCN))
        let listed = try XCTUnwrap(sheet.byId("ticket-steps"))
        XCTAssertEqual(listed.bodyRows.count, 3)
        XCTAssertTrue(listed.bodyRows[0].allText.contains("断开 QF1"))
    }
}
