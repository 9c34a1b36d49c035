import Foundation
import XCTest
import HazLabCore
import HazLabRecords
import HazLabReport
import HazLabRunner

/// A journal with its header's start time set (the time the attempt was taken).
func timed(_ j: Journal, _ started: String) -> Journal {
    var j = j
    j.header.started = started
    return j
}

/// The student report (学生成长档案), checked by parsing its output.
final class StudentReportTests: XCTestCase {
    /// s1: idle practice (1 Sep), mistakes exam (3 Sep), perfect exam (10 Sep), mistakes exam again
    /// (12 Sep); s2: one perfect exam. Given out of time order on purpose.
    static let growth: [ClassRecord] = {
        let perfect = try! demoJournal("perfect"), mistakes = try! demoJournal("mistakes"), idle = try! demoJournal("idle")
        let js = [
            timed(variant(perfect, student: "s1", attempt: "s1-c"), "2026-09-10T01:00:00.000Z"),
            timed(variant(idle, student: "s1", attempt: "s1-a", mode: "practice"), "2026-09-01T01:00:00.000Z"),
            timed(variant(mistakes, student: "s1", attempt: "s1-b"), "2026-09-03T01:00:00.000Z"),
            timed(variant(perfect, student: "s2", attempt: "s2-a"), "2026-09-02T01:00:00.000Z"),
            timed(variant(mistakes, student: "s1", attempt: "s1-d"), "2026-09-12T01:00:00.000Z"),
        ]
        return try! ClassRecord.parse(Data(resultsJSON(js.map { record($0) }).utf8))
    }()

    static var s1: StudentProgress { StudentProgress(student: "s1", records: growth) }
    static let order = ["s1-a", "s1-b", "s1-c", "s1-d"]

    func testAttemptsAreInTimeOrderWithTimesInTheReadersZone() throws {
        let zh = try parseXML(StudentReport.html(Self.s1, language: .zhCN))
        let rows = try XCTUnwrap(zh.byId("student-attempts")).all("tr") { $0.hasClass("attempt") }
        XCTAssertEqual(rows.map { $0["data-attempt"] ?? "" }, Self.order)
        XCTAssertEqual(rows.first?.first("td") { $0.hasClass("started") }?.allText, "2026-09-01 09:00", "Beijing time for zh-CN")
        XCTAssertEqual(rows.first?.first("td") { $0.hasClass("started") }?["data-started"], "2026-09-01T01:00:00.000Z")
        XCTAssertEqual(rows.first?["data-mode"], "practice")
        let en = try parseXML(StudentReport.html(Self.s1, language: .en))
        XCTAssertEqual(en.byId("student-attempts")?.first("td") { $0.hasClass("started") }?.allText, "2026-09-01 01:00", "UTC for en")
        let other = try parseXML(StudentReport.html(Self.s1, language: .en, offset: UTCOffset("-05:00")))
        XCTAssertEqual(other.byId("student-attempts")?.first("td") { $0.hasClass("started") }?.allText, "2026-08-31 20:00")
        XCTAssertFalse(zh.allText.contains("s2-a"), "another student's attempt is not in the record")
    }

    func testScoreOverTimePlotsEachAttemptAtItsPlace() throws {
        let doc = try parseXML(StudentReport.html(Self.s1, language: .zhCN))
        let svg = try XCTUnwrap(doc.first("svg") { $0.hasClass("score-over-time") })
        XCTAssertEqual(svg["data-attempts"], "4")
        let g = Geometry(svg)
        let line = try XCTUnwrap(svg.first("polyline") { $0["data-series"] == "tank-filling" })
        let byId = Dictionary(uniqueKeysWithValues: Self.growth.map { ($0.attempt, $0) })
        let expected = Self.order.enumerated().map { (Double($0.offset + 1), byId[$0.element]!.total / byId[$0.element]!.max * 100) }
        let got = points(line)
        XCTAssertEqual(got.count, expected.count)
        for (p, e) in zip(got, expected) {
            XCTAssertEqual(p.0, g.px(e.0), accuracy: 0.01)
            XCTAssertEqual(p.1, g.py(e.1), accuracy: 0.01)
        }
        // A dot per attempt, so a scenario tried once still shows on the plot.
        let dots = svg.all("circle") { $0.hasClass("point") && $0["data-series"] == "tank-filling" }
        XCTAssertEqual(dots.count, expected.count)
        for (d, e) in zip(dots, expected) { XCTAssertEqual(Double(d["cy"] ?? "") ?? .nan, g.py(e.1), accuracy: 0.01) }
        // One pass line at 60 % of the maximum (every scenario shares it), and one hover marker per attempt.
        XCTAssertEqual(svg.all("polyline") { ($0["data-series"] ?? "").hasSuffix("pass") }.count, 1)
        let pass = try XCTUnwrap(svg.first("polyline") { $0["data-series"] == "pass" })
        XCTAssertEqual(points(pass).first?.1 ?? .nan, g.py(60), accuracy: 0.01)
        XCTAssertEqual(svg.all("line") { $0.hasClass("attempt") }.map { $0["data-attempt"] ?? "" }, Self.order)
        let ticks = svg.all("text") { $0.hasClass("xtick") }.map(\.allText)
        XCTAssertEqual(ticks, ["1", "2", "3", "4"], "attempts are counted in whole numbers")
    }

    func testMasteryTrendShowsFirstFullCreditAndRecurringFailures() throws {
        let p = Self.s1
        let byId = Dictionary(uniqueKeysWithValues: Self.growth.map { ($0.attempt, $0) })
        let timeline = Self.order.map { byId[$0]! }
        let doc = try parseXML(StudentReport.html(p, language: .en))
        let grid = try XCTUnwrap(doc.first("svg") { $0.hasClass("mastery-grid") })
        XCTAssertEqual(grid["data-columns"], "4")
        let table = try XCTUnwrap(doc.byId("mastery-table-1"))
        var sawImproving = false, sawMastered = false, sawRecurring = false
        for step in demoModel.procedure {
            // Credits counted by hand from the records, in time order.
            let credits = timeline.map { r -> String in
                let s = r.steps.first { $0.id == step.id }!
                return s.score >= s.maxScore ? "full" : (s.score > 0 ? "partial" : "none")
            }
            let cells = try XCTUnwrap(grid.first("g") { $0["data-row"] == step.id }).all("rect") { $0.hasClass("cell") }
            XCTAssertEqual(cells.map { $0["data-credit"] ?? "" }, credits, step.id)
            let row = try XCTUnwrap(table.first("tr") { $0["data-step"] == step.id })
            let first = credits.firstIndex(of: "full")
            XCTAssertEqual(row.first("td") { $0.hasClass("first-full") }?.allText.hasPrefix(first.map { "Attempt \($0 + 1) · " } ?? "—"), true, step.id)
            let status = first == nil ? "not-yet" : (credits.suffix(2).allSatisfy { $0 == "full" } ? "mastered" : "improving")
            XCTAssertEqual(row["data-status"], status, step.id)
            XCTAssertEqual(row["data-failures"], String(credits.filter { $0 != "full" }.count), step.id)
            let recurring = credits.filter { $0 != "full" }.count >= 2 && credits.last != "full"
            XCTAssertEqual(row.first("td") { $0.hasClass("recurring") } != nil, recurring, step.id)
            sawImproving = sawImproving || status == "improving"
            sawMastered = sawMastered || status == "mastered"
            sawRecurring = sawRecurring || recurring
        }
        XCTAssertTrue(sawImproving && sawMastered && sawRecurring, "the data covers each case")
    }

    /// An attempt of another scenario version without a step: that cell is grey ("absent") and
    /// the step's status counts only the attempts that had it.
    func testAStepMissingFromOneVersionIsAbsentNotFailed() throws {
        var records = Self.growth
        let k = try XCTUnwrap(records.firstIndex { $0.attempt == "s1-d" })
        records[k].steps.removeAll { $0.id == "go_to_tank" }
        let p = StudentProgress(student: "s1", records: records)
        let step = try XCTUnwrap(p.scenarios.first?.steps.first { $0.id == "go_to_tank" })
        XCTAssertEqual(step.credits.last, .absent)
        XCTAssertEqual(step.credits.filter { $0 == .absent }.count, 1)
        // mistakes (full) and perfect (full) are its last two present attempts.
        XCTAssertEqual(step.status, .mastered)
        let doc = try parseXML(StudentReport.html(p, language: .en))
        let cells = try XCTUnwrap(doc.first("g") { $0["data-row"] == "go_to_tank" }).all("rect") { $0.hasClass("cell") }
        XCTAssertEqual(cells.last?["data-credit"], "absent")
        XCTAssertEqual(cells.last?["fill"], MasteryGrid.color(.absent))
    }

    func testRecurringSafetyViolationsAreListedByTitle() throws {
        let p = Self.s1
        let doc = try parseXML(StudentReport.html(p, language: .zhCN))
        let rows = try XCTUnwrap(doc.byId("recurring-violations")).all("tr") { $0.hasClass("violation") }
        // The two mistakes attempts share their deductions; idle and perfect have none of them.
        let mistakes = Self.growth.first { $0.attempt == "s1-b" }!
        let expected = Set(mistakes.safetyDeductions.map { $0.cause + ":" + $0.subject })
        XCTAssertEqual(Set(rows.map { ($0["data-cause"] ?? "") + ":" + ($0["data-subject"] ?? "") }), expected)
        for r in rows {
            XCTAssertEqual(r["data-attempts"], "2")
            let d = mistakes.deductions.first { $0.cause == r["data-cause"] && $0.subject == r["data-subject"] }!
            let what = r.first("td") { $0.hasClass("what") }?.allText
            XCTAssertEqual(what, d.title.zh.isEmpty ? d.subject : d.title.zh, "shown by its title, not its id")
        }
        XCTAssertTrue(rows.contains { $0.first("td") { $0.hasClass("what") }?.allText != $0["data-subject"] })
    }

    func testPractiseNextPutsAnUnpassedExamFirst() throws {
        let mistakes = try demoJournal("mistakes")
        let recs = try ClassRecord.parse(Data(resultsJSON([record(timed(variant(mistakes, student: "s3", attempt: "s3-a"), "2026-09-01T01:00:00Z"))]).utf8))
        let p = StudentProgress(student: "s3", records: recs)
        let doc = try parseXML(StudentReport.html(p, language: .zhCN))
        let items = try XCTUnwrap(doc.byId("practise-next")).all("li")
        XCTAssertEqual(items.first?["data-kind"], "exam")
        XCTAssertEqual(items.first?["data-scenario"], "tank-filling")
        // Then each step never given full credit, by its title.
        let weak = recs[0].steps.filter { $0.maxScore > 0 && $0.score < $0.maxScore }
        let stepItems = items.filter { $0["data-kind"] == "step" }
        XCTAssertEqual(Set(stepItems.map { $0["data-subject"] ?? "" }), Set(weak.map(\.id)))
        for w in weak { XCTAssertTrue(stepItems.contains { $0.allText.contains(w.title.zh) }, w.id) }
        // Passing everything leaves nothing to suggest.
        let s2 = StudentProgress(student: "s2", records: Self.growth)
        XCTAssertTrue(s2.suggestions.isEmpty)
        XCTAssertNil(try parseXML(StudentReport.html(s2)).byId("practise-next"))
    }

    func testJSONCarriesTheSameData() throws {
        let v = try JSONText.parse(Array(Self.s1.json(offset: .beijing).render().utf8))
        XCTAssertEqual(v["student"]?.string, "s1")
        XCTAssertEqual(v["utcOffset"]?.string, "+08:00")
        let attempts = try XCTUnwrap(v["attempts"]?.array)
        XCTAssertEqual(attempts.map { $0["attempt"]?.string ?? "" }, Self.order)
        XCTAssertEqual(attempts[0]["started"]?.string, "2026-09-01T09:00:00+08:00")
        XCTAssertEqual(attempts[0]["mode"]?.string, "practice")
        let sc = try XCTUnwrap(v["scenarios"]?.array?.first)
        XCTAssertEqual(sc["exam"]?["attempts"]?.numberText, "3")
        XCTAssertEqual(sc["practice"]?["attempts"]?.numberText, "1")
        XCTAssertEqual(sc["passedExam"]?.bool, true)
        XCTAssertEqual(sc["best"]?["attempt"]?.string, "s1-c")
        XCTAssertEqual(sc["latest"]?["attempt"]?.string, "s1-d")
        XCTAssertEqual(sc["steps"]?.array?.count, demoModel.procedure.count)
        XCTAssertEqual(v["recurringViolations"]?.array?.first?["attempts"]?.numberText, "2")
    }

    func testEmptyHostileAndStable() throws {
        let none = StudentProgress(student: "nobody", records: Self.growth)
        let doc = try parseXML(StudentReport.html(none, language: .zhCN))
        XCTAssertNotNil(doc.first("p") { $0.hasClass("empty") })
        let mistakes = try demoJournal("mistakes")
        let evil = "<script>alert(1)</script>&"
        let recs = try ClassRecord.parse(Data(resultsJSON([record(timed(variant(mistakes, student: evil, attempt: "x\"><b>"), ""))]).utf8))
        let html = StudentReport.html(StudentProgress(student: evil, records: recs), language: .en)
        XCTAssertFalse(html.contains("<script>"))
        let parsed = try parseXML(html)
        XCTAssertEqual(parsed.first("td") { $0.hasClass("student") && $0.parent?.name == "tr" }?.allText, evil)
        XCTAssertEqual(parsed.byId("student-attempts")?.first("td") { $0.hasClass("started") }?.allText, "—", "no start time: unknown")
        XCTAssertEqual(StudentReport.html(Self.s1), StudentReport.html(Self.s1), "byte-stable")
    }
}
