import HazLabCore
import HazLabRecords
import HazLabRender
import HazLabRunner
@testable import HazLabWorkstation
import XCTest

/// The operating ticket on the student's screen: the panel with its next item, and the message
/// when the rule 1 interlock stops an operation off the ticket.
final class TicketHUDTests: XCTestCase {
    func workstation(_ run: String) throws -> Workstation {
        let m = try Fixture.model("switchgear-maintenance")
        let j = try Journal.read(path: Fixture.runPath("switchgear-maintenance", run))
        let s = Session(model: m, mode: .exam, seed: j.header.seed, replay: j)
        return Workstation(session: s, fonts: try Fixture.fonts(), width: 1280, height: 720)
    }

    func texts(_ o: Overlay) -> [String] {
        o.items.compactMap { if case .text(let s, _, _, _, _) = $0 { return s } else { return nil } }
    }

    func testWrongBayShowsTheTicketBlockAndTheNextItem() throws {
        let ws = try workstation("mistakes")
        // Tick 250: the trainee at the feeder II panel opens QF2; the ticket's next item is QF1.
        try ws.fastForward(toTick: 252)
        let blocked = ws.messages.map(\.text.zh).filter { $0.hasPrefix("五防闭锁：不是操作票的下一项") }
        XCTAssertEqual(blocked, ["五防闭锁：不是操作票的下一项（下一项：1. 断开馈线 I 断路器 QF1）"])
        // The ticket panel is shown in exam mode too, with the next item marked.
        let shown = texts(ws.overlay())
        XCTAssertTrue(shown.contains { $0.hasPrefix("倒闸操作票 10kV-2026-1205-01") && $0.hasSuffix("0/23") }, shown.joined(separator: "\n"))
        XCTAssertTrue(shown.contains { $0.hasPrefix("▶ 1. 断开馈线 I 断路器 QF1") }, shown.joined(separator: "\n"))
    }

    func testAnOrdinaryInterlockBlockKeepsItsOwnMessage() throws {
        let ws = try workstation("fatal")
        // Tick 600: closing QE13 is the ticket's next item, but the back-fed line is live (rule 3).
        try ws.fastForward(toTick: 602)
        XCTAssertFalse(ws.messages.contains { $0.text.zh.hasPrefix("五防闭锁：不是操作票的下一项") })
        XCTAssertTrue(ws.messages.contains { $0.text.zh.contains("五防闭锁") })
        XCTAssertTrue(texts(ws.overlay()).contains { $0.hasPrefix("▶ 8. 合上馈线 I 线路接地开关 QE13") })
    }
}
