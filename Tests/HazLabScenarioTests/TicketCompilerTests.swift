import XCTest
import HazLabCore
import HazLabScenario

/// `ticket:` — keys, defaults, and every error with its file:line:col.
final class TicketCompilerTests: XCTestCase {
    static let network = """
    id: t
    title: {zh: 票, en: Ticket}
    discipline: electrical
    timeLimit: 1 min
    entities:
      - {id: room, type: zone}
      - {id: busbar, type: bus, voltage: 10 kV}
      - {id: cable, type: bus}
      - {id: grid, type: supply, bus: busbar, voltage: 10 kV}
      - {id: QF1, type: breaker, from: busbar, to: cable, closed: true}
      - {id: QE1, type: earthing, bus: cable}
      - {id: S1, type: switch}
      - {id: XV1, type: valve}
      - {id: E1, type: energy, kind: electrical, magnitude: 10 kV, zones: [room]}
      - {id: VD1, type: indicator, bus: cable}
    procedure:
      - {id: s, title: 一, done: QF1.open and XV1.closed and S1.open, score: 1}

    """

    func compile(_ ticket: String) -> CompileResult {
        ScenarioCompiler.compile(bytes: Array((Self.network + ticket).utf8), path: "t.yaml")
    }

    /// Line of the first line of `ticket` in the compiled text.
    static let firstLine = network.split(separator: "\n", omittingEmptySubsequences: false).count

    func errors(_ r: CompileResult) -> [String] {
        r.errors.map { "\($0.location.line - Self.firstLine + 1):\($0.location.column): \($0.message)" }
    }

    func testTicketCompilesWithTitlesAndDefaults() throws {
        let r = compile("""
        ticket:
          id: "2026-001"
          title: {zh: 停电, en: Outage}
          steps:
            - {open: QF1, title: {zh: 断开 QF1 断路器, en: Open breaker QF1}}
            - {check: QF1, position: open}
            - {verify: E1}
            - {close: QE1}
            - {tag: QF1}
            - {lock: XV1}
        """)
        XCTAssertEqual(r.errors.map(\.description), [])
        let t = try XCTUnwrap(r.model?.electrical?.ticket)
        XCTAssertEqual(t.id, "2026-001")
        XCTAssertEqual(t.title.en, "Outage")
        XCTAssertEqual(t.steps.map(\.operation), [.open, .check, .verify, .close, .tag, .lock])
        XCTAssertEqual(t.steps[0].title.zh, "断开 QF1 断路器")
        XCTAssertEqual(t.steps[1].title.zh, "检查 QF1 确在分位", "a default title as a ticket writes it")
        XCTAssertFalse(t.steps[1].closed)
        XCTAssertEqual(t.steps[3].title.zh, "合上 QE1")
        XCTAssertEqual(r.model!.entities.ids[Int(t.steps[5].entity)], "XV1")
    }

    func testTicketFieldsResolveInExpressionsAndOnlyWithATicket() {
        let with = compile("""
        ticket:
          id: T
          title: 票
          steps: [{open: QF1}]
        variables:
          progress: ticket.next + ticket.completed + ticket.deviations + ticket.blocked
          finished: ticket.done
        """)
        XCTAssertEqual(with.errors.map(\.description), [])
        let typo = compile("""
        ticket:
          id: T
          title: 票
          steps: [{open: QF1}]
        variables:
          progress: ticket.nxt
        """)
        XCTAssertTrue(typo.errors.contains { $0.message.contains("'next'") }, typo.errors.map(\.description).joined(separator: "\n"))
        let without = compile("""
        variables:
          progress: ticket.next
        """)
        XCTAssertTrue(without.errors.contains { $0.message.contains("ticket") }, "no ticket: 'ticket' is unknown")
    }

    func testErrorsNameTheLineAndColumn() {
        let r = compile("""
        ticket:
          id: T
          title: 票
          steps:
            - {open: QF9}
            - {open: XV1}
            - {verify: QF1}
            - {open: S1}
            - {check: QF1}
            - {close: QE1, position: closed}
            - {open: QF1, close: QF1}
            - {check: QF1, position: ajar}
            - {open: QF1}
            - {open: QF1}
            - {tag: VD1}
        """)
        XCTAssertNil(r.model)
        let e = errors(r)
        func has(_ prefix: String, _ text: String, line: UInt = #line) {
            XCTAssertTrue(e.contains { $0.hasPrefix(prefix) && $0.contains(text) }, "missing \(prefix) …\(text)… in\n" + e.joined(separator: "\n"), line: line)
        }
        has("5:14:", "unknown entity 'QF9' in 'ticket.steps.open'; did you mean 'QF1'?")
        has("6:14:", "'XV1' is a valve, expected a switch")
        has("7:16:", "'QF1' is a breaker, expected a energy")
        has("8:14:", "'S1' is not part of the electrical network")
        has("9:7:", "'check' needs 'position: open' or 'position: closed'")
        has("10:30:", "'position' belongs to a 'check' step")
        has("11:7:", "needs exactly one operation")
        has("12:30:", "unknown value 'ajar'")
        has("14:7:", "duplicated ticket step: step 10 repeats step 9 (open QF1, at \(Self.firstLine + 12):7)")
        has("12:7:", "duplicated ticket step: step 8 repeats step 5 (check QF1")
        has("15:13:", "'VD1' is a indicator, expected a")
    }

    func testUnknownKeyEmptyStepsAndNoNetwork() {
        let r = compile("""
        ticket:
          id: T
          title: 票
          operator: 张三
          steps: []
        """)
        let e = errors(r)
        XCTAssertTrue(e.contains { $0.hasPrefix("4:3:") && $0.contains("operator") }, e.joined(separator: "\n"))
        XCTAssertTrue(e.contains { $0.hasPrefix("5:10:") && $0.contains("is empty") }, e.joined(separator: "\n"))
        let text = """
        id: t
        title: 票
        discipline: general
        timeLimit: 1 min
        entities:
          - {id: S1, type: switch}
        procedure:
          - {id: s, title: 一, done: S1.open, score: 1}
        ticket:
          id: T
          title: 票
          steps: [{open: S1}]
        """
        let n = ScenarioCompiler.compile(bytes: Array(text.utf8), path: "n.yaml")
        XCTAssertTrue(n.errors.contains { $0.location.line == 10 && $0.message.contains("needs an electrical network") },
                      n.errors.map(\.description).joined(separator: "\n"))
    }

    /// Regression: an error elsewhere (here an energy source without zones) used to make the
    /// ticket claim the scenario had no bus; the ticket's own steps must still be checked.
    func testAnErrorElsewhereDoesNotHideTheTicketsOwnErrors() {
        let text = Self.network.replacingOccurrences(of: ", zones: [room]}", with: "}") + """
        ticket:
          id: T
          title: 票
          steps: [{open: QF9}]
        """
        let r = ScenarioCompiler.compile(bytes: Array(text.utf8), path: "t.yaml")
        let messages = r.errors.map(\.message)
        XCTAssertTrue(messages.contains { $0.contains("zones") }, messages.joined(separator: "\n"))
        XCTAssertFalse(messages.contains { $0.contains("needs an electrical network") }, messages.joined(separator: "\n"))
        XCTAssertTrue(messages.contains { $0.contains("unknown entity 'QF9'") }, messages.joined(separator: "\n"))
    }

    func testSchemaDescribesTheTicket() throws {
        XCTAssertTrue(Format.top.contains { $0.name == "ticket" })
        XCTAssertEqual(Set(Format.ticketStep.map(\.name)), Set(TicketOperation.allCases.map(\.name) + ["position", "title"]))
    }
}
