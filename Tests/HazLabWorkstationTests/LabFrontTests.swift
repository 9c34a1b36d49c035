import Foundation
import HazLabCore
import HazLabRender
import HazLabScoring
@testable import HazLabWorkstation
import XCTest

/// The lab screens without a window or a network: typing, masking, the callbacks, the list.
final class LabFrontTests: XCTestCase {
    func makeFront() throws -> LabFront { LabFront(fonts: try Fixture.fonts(), width: 1280, height: 720) }

    func texts(_ o: Overlay) -> [String] {
        o.items.compactMap { if case let .text(s, _, _, _, _) = $0 { return s } else { return nil } }
    }

    func testLoginFieldsTypeMaskAndSubmit() throws {
        let f = try makeFront()
        var submitted: (String, String)?
        f.onLogin = { submitted = ($0, $1) }
        try f.handle(.text("s00x"))
        try f.handle(.key(.backspace, down: true))
        try f.handle(.text("1"))
        try f.handle(.key(.enter, down: true))       // Enter in the id field moves to the password
        XCTAssertNil(submitted)
        XCTAssertEqual(f.focus, 1)
        try f.handle(.text("密码pw\u{7}\n"))          // control characters and newlines are not typed
        XCTAssertEqual(f.passwordField, "密码pw")
        let shown = texts(f.overlay())
        XCTAssertTrue(shown.contains("s001"), "\(shown)")
        XCTAssertFalse(shown.contains { $0.contains("pw") }, "the password is masked: \(shown)")
        XCTAssertTrue(shown.contains("●●●●"), "\(shown)")
        try f.handle(.key(.enter, down: true))
        XCTAssertEqual(submitted?.0, "s001")
        XCTAssertEqual(submitted?.1, "密码pw")
        XCTAssertEqual(f.scriptScreen, "busy")
    }

    func testARefusalIsShownAndOfflineIsOfferedOnlyWhenUnreachable() throws {
        let f = try makeFront()
        var offline = 0
        f.onOffline = { offline += 1 }
        f.showLogin(message: LabStrings.wrongPassword)
        XCTAssertTrue(texts(f.overlay()).contains("账号或密码错误"))
        try f.handle(.key(.f2, down: true))
        XCTAssertEqual(offline, 0, "F2 does nothing unless the server is unreachable")
        f.showLogin(message: LabStrings.unreachable, offerOffline: true)
        XCTAssertTrue(texts(f.overlay()).contains { $0.contains("F2") })
        try f.handle(.key(.f2, down: true))
        XCTAssertEqual(offline, 1)
        XCTAssertEqual(f.passwordField, "", "a refusal clears the password")
    }

    func testTaskListSkipsDisabledItemsAndChoosesByKeyOrScript() throws {
        let f = try makeFront()
        var chosen: [Int] = []
        var loggedOut = 0
        f.onChoose = { chosen.append($0) }
        f.onLogout = { loggedOut += 1 }
        f.showTasks(name: "张三 (s1)", items: [
            .init(key: "t-done", title: "已完成的考试", detail: "考试", section: 0, enabled: false),
            .init(key: "t-1", title: "教学任务", detail: "教学", section: 0),
            .init(key: "tank-filling", title: "储罐进料操作", detail: "练习", section: 1),
        ])
        XCTAssertEqual(f.selection, 1, "the first enabled item is selected")
        try f.handle(.key(.up, down: true))
        XCTAssertEqual(f.selection, 1, "a disabled item cannot be selected")
        try f.handle(.key(.down, down: true))
        try f.handle(.key(.enter, down: true))
        XCTAssertEqual(chosen, [2])
        try f.scriptChoose("t-1")
        XCTAssertEqual(chosen, [2, 1])
        XCTAssertThrowsError(try f.scriptChoose("t-done")) {
            XCTAssertTrue("\($0)".contains("task '已完成的考试' is done (greyed out)"), "a finished exam is not 'no such item': \($0)")
        }
        XCTAssertThrowsError(try f.scriptChoose("nope")) { XCTAssertTrue("\($0)".contains("t-1, tank-filling") || "\($0)".contains("tank-filling"), "\($0)") }
        let shown = texts(f.overlay())
        XCTAssertTrue(shown.contains("教师布置的任务") && shown.contains("自由练习"), "\(shown)")
        try f.handle(.key(.escape, down: true))
        XCTAssertEqual(loggedOut, 1)
    }

    func testScriptsTypeExpectAndChoose() throws {
        let s = try InputScript.parse("type \"s 001\"\ntype pw\nexpect tasks\nchoose tank-filling\n", path: "s")
        XCTAssertEqual(s.lines.map(\.command), [.events([.text("s 001")]), .events([.text("pw")]), .expect("tasks"), .choose("tank-filling")])
        XCTAssertThrowsError(try InputScript.parse("expect moon\n", path: "s")) { XCTAssertTrue("\($0)".contains("login, tasks, session"), "\($0)") }
        XCTAssertThrowsError(try InputScript.parse("type\n", path: "s")) { XCTAssertTrue("\($0)".hasPrefix("s:1:1: "), "\($0)") }

        // `expect` holds the script until the screen is there; the rest waits.
        let f = try makeFront()
        var logins = 0
        f.onLogin = { _, _ in logins += 1 }
        let p = ScriptPlayer(script: try InputScript.parse("type s1\ntap tab\ntype pw\ntap enter\nexpect tasks\ntap escape\n", path: "s"), path: "s")
        var out = 0
        f.onLogout = { out += 1 }
        try p.frame(f)
        XCTAssertEqual(logins, 1)
        XCTAssertTrue(p.waitingForScreen)
        try p.frame(f)
        XCTAssertEqual(out, 0, "still waiting for the task list")
        f.showTasks(name: "s1", items: [])
        try p.frame(f)
        XCTAssertEqual(out, 1)
        XCTAssertTrue(p.finished)
    }

    /// A server refusal on the task list in the student's words: no raw English, no task id.
    func testServerRefusalsAreInTheStudentsWords() {
        XCTAssertEqual(LabStrings.refusal(status: 409, reason: "task 't-0413ee737a993b63' is not open now"), LabStrings.taskNotOpen)
        XCTAssertEqual(LabStrings.refusal(status: 409, reason: "task 't-1' is not open now (outside its time window)").zh, "该任务当前未开放")
        XCTAssertEqual(LabStrings.refusal(status: 409, reason: "student 's1' already has an attempt at exam task 't-1' (a-x): an exam is taken once").zh,
                       "你已参加过本次考试，如需重考请联系老师")
        let other = LabStrings.refusal(status: 500, reason: "internal: task 't-9' broke")
        XCTAssertTrue(other.zh.contains("500") && other.en.contains("500"), "\(other)")
        XCTAssertFalse(other.zh.contains("t-9") || other.en.contains("t-9") || other.en.contains("internal"), "the raw reason is not shown: \(other)")
    }

    func endTexts(_ ws: Workstation) -> String { texts(ws.overlay()).joined(separator: "\n") }

    func submitted(_ mode: TrainingMode) throws -> Session {
        let s = Session(model: try Fixture.model("tank-filling"), mode: mode)
        try s.perform("submit", "")
        try s.stepOnce()
        XCTAssertTrue(s.finished)
        return s
    }

    /// The exam's end on a lab server: no score, and the same line under the panel as practice says
    /// whether the server holds the whole journal (已提交到服务器) or not yet.
    func testTheExamEndScreenSaysWhetherTheServerHoldsTheJournal() throws {
        let ws = Workstation(session: try submitted(.exam), fonts: try Fixture.fonts())
        ws.withholdResult = true
        ws.endNote = LabStrings.submitting
        var shown = endTexts(ws)
        XCTAssertTrue(shown.contains("已交卷，成绩待教师发布"), shown)
        XCTAssertTrue(shown.contains("正在提交…"), shown)
        XCTAssertFalse(shown.contains("考核结果"), "no score on the workstation: \(shown)")
        ws.endNote = LabStrings.submitted
        shown = endTexts(ws)
        XCTAssertTrue(shown.contains("已交卷，成绩待教师发布") && shown.contains("已提交到服务器"), shown)
        ws.endNote = LabStrings.notSubmitted
        shown = endTexts(ws)
        XCTAssertTrue(shown.contains("已交卷，成绩待教师发布") && shown.contains("未能提交到服务器"), shown)
        XCTAssertFalse(shown.contains("已提交到服务器"), shown)
        // The practice end shows the same line, under the result.
        let p = Workstation(session: try submitted(.practice), fonts: try Fixture.fonts())
        p.endNote = LabStrings.submitted
        XCTAssertTrue(endTexts(p).contains("已提交到服务器"), endTexts(p))
    }

    /// The result heading says what the attempt was: 考核结果 only for an exam.
    func testTheResultHeadingNamesTheMode() throws {
        let p = endTexts(Workstation(session: try submitted(.practice), fonts: try Fixture.fonts()))
        XCTAssertTrue(p.contains("练习结果") && !p.contains("考核结果"), p)
        let t = endTexts(Workstation(session: try submitted(.teaching), fonts: try Fixture.fonts()))
        XCTAssertTrue(t.contains("教学结果") && !t.contains("考核结果"), t)
        let e = endTexts(Workstation(session: try submitted(.exam), fonts: try Fixture.fonts()))
        XCTAssertTrue(e.contains("考核结果"), e)
    }

    /// Offline practice lists the scenarios by their titles, as the server does online.
    func testOfflineScenariosAreListedByTitle() throws {
        let dir = Fixture.repoRoot.appendingPathComponent("Scenarios").path
        XCTAssertEqual(LabFront.scenarioTitle("tank-filling", in: dir), "储罐进料操作")
        XCTAssertEqual(LabFront.scenarioTitle("no-such-scenario", in: dir), "no-such-scenario", "no file: the folder name")
    }
}
