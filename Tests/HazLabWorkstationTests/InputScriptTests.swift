import Foundation
import HazLabCore
import HazLabRecords
import HazLabRender
import HazLabRunner
@testable import HazLabWorkstation
import XCTest

final class InputScriptTests: XCTestCase {
    func testBadScriptsNameTheFileAndLine() {
        let cases: [(String, Int, String)] = [
            ("tap w\nkey q sideways\n", 2, "down or up"),
            ("\n# comment\njump 3\n", 3, "unknown command 'jump'"),
            ("menu 0\n", 1, "1–9"),
            ("click 10\n", 1, "takes 2 argument"),
            ("tap banana\n", 1, "unknown key 'banana'"),
            ("slider 1.5\n", 1, "fraction"),
            ("wait -1\n", 1, "seconds"),
        ]
        for (text, line, words) in cases {
            XCTAssertThrowsError(try InputScript.parse(text, path: "s.script")) { e in
                XCTAssertTrue("\(e)".hasPrefix("s.script:\(line):1: "), "\(e)")
                XCTAssertTrue("\(e)".contains(words), "\(e)")
            }
        }
        XCTAssertEqual(try InputScript.parse("# nothing\n\n", path: "s").lines.count, 0)
    }

    /// The same script played twice gives the same journal (actions and ticks), and its
    /// headless replay reaches the workstation's state.
    func testAScriptPlaysTheSameAttemptEveryTime() throws {
        let text = """
        click-entity helmet
        menu 1
        click-entity tank_farm
        menu 1
        look-at XV102
        click-entity XV102
        menu 3
        slider 0.4
        wait 2
        submit
        wait 0.2
        """
        let m = try Fixture.model("tank-filling")
        func play() throws -> (Workstation, [Action]) {
            let ws = Workstation(session: Session(model: m, mode: .practice), fonts: try Fixture.fonts())
            let player = ScriptPlayer(script: try InputScript.parse(text, path: "t.script"), path: "t.script")
            while !player.finished { try player.frame(ws) }
            return (ws, ws.session.actions)
        }
        let (a, actionsA) = try play()
        let (_, actionsB) = try play()
        XCTAssertEqual(actionsA, actionsB)
        XCTAssertEqual(actionsA.map(\.verb), ["wear", "move-to", "set", "submit"])
        XCTAssertEqual(actionsA[2].number, 0.4)
        XCTAssertTrue(a.session.ended)
        XCTAssertEqual(Runner.replay(m, actions: actionsA).stateHash, a.state.hash)
        // An entity that is not on screen is a clear error with the script's line.
        let ws = Workstation(session: Session(model: m, mode: .practice), fonts: try Fixture.fonts())
        ws.camera.target = V3(-500, -500, 0)
        ws.camera.yaw = .pi
        let bad = ScriptPlayer(script: try InputScript.parse("wait 0\nclick-entity TK101\n", path: "b.script"), path: "b.script")
        XCTAssertThrowsError(try { while !bad.finished { try bad.frame(ws) } }()) { XCTAssertTrue("\($0)".hasPrefix("b.script:2:1: "), "\($0)") }
        // From the overview, the outlet valve is behind the breaker: named, with the fix.
        let hidden = Workstation(session: Session(model: m, mode: .practice), fonts: try Fixture.fonts())
        let front = hidden.pick(x: hidden.camera.project(hidden.scene.anchor(Int(m.entityIndex["XV102"]!))!, width: 1280, height: 720)!.x,
                                y: hidden.camera.project(hidden.scene.anchor(Int(m.entityIndex["XV102"]!))!, width: 1280, height: 720)!.y)
        if let front, front != Int(m.entityIndex["XV102"]!) {
            let p = ScriptPlayer(script: try InputScript.parse("click-entity XV102\n", path: "h.script"), path: "h.script")
            XCTAssertThrowsError(try p.frame(hidden)) { XCTAssertTrue("\($0)".contains("look-at XV102"), "\($0)") }
        }
    }
}
