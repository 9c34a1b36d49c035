import Foundation
import XCTest
import HazLabCore
import HazLabRecords
import HazLabReport
import HazLabRunner

/// The class report's per-student sections, exam/practice split, deductions by title, who
/// needs help and the teaching diagnosis, checked by parsing the page.
final class ClassProgressTests: XCTestCase {
    /// Four students, six exam attempts: s1 fails twice then passes, s2 and s3 pass, s4 idles.
    static let cohort: [ClassRecord] = {
        let perfect = try! demoJournal("perfect"), mistakes = try! demoJournal("mistakes"), idle = try! demoJournal("idle")
        let js = [
            timed(variant(mistakes, student: "s1", attempt: "s1-a"), "2026-09-01T01:00:00.000Z"),
            timed(variant(mistakes, student: "s1", attempt: "s1-b"), "2026-09-02T01:00:00.000Z"),
            timed(variant(perfect, student: "s1", attempt: "s1-c"), "2026-09-03T01:00:00.000Z"),
            timed(variant(perfect, student: "s2", attempt: "s2-a"), "2026-09-01T02:00:00.000Z"),
            timed(variant(perfect, student: "s3", attempt: "s3-a"), "2026-09-01T03:00:00.000Z"),
            timed(variant(idle, student: "s4", attempt: "s4-a"), "2026-09-01T04:00:00.000Z"),
        ]
        return try! ClassRecord.parse(Data(resultsJSON(js.map { record($0) }).utf8))
    }()

    /// Defect: the pass rate was per attempt only (3 of 6 = 50 % when 3 of 4 students passed).
    func testPassRateByStudentAsWellAsByAttempt() throws {
        let doc = try parseXML(ClassReport.html(Self.cohort, language: .en))
        let summary = try XCTUnwrap(doc.byId("summary-1"))
        XCTAssertEqual(summary.first("td") { $0.hasClass("pass-rate") }?.allText, "50% (3/6)")
        XCTAssertEqual(summary.first("td") { $0.hasClass("pass-rate-students") }?.allText, "75% (3/4)")
        let students = try XCTUnwrap(doc.byId("students-1")).all("tr") { $0.hasClass("student-row") }
        XCTAssertEqual(students.map { $0["data-student"] ?? "" }, ["s1", "s2", "s3", "s4"])
        XCTAssertEqual(students.map { $0["data-passed"] ?? "" }, ["true", "true", "true", "false"])
        let s1 = students[0]
        XCTAssertEqual(s1.first("td") { $0.hasClass("latest") }?.allText, "100 / 100", "latest by start time is the perfect one")
        XCTAssertEqual(s1.first("td") { $0.hasClass("best") }?.allText, "100 / 100")
        XCTAssertEqual(s1.first("td") { $0.hasClass("started") }?.allText, "2026-09-03 01:00", "UTC for en")
        XCTAssertEqual(s1.all("td")[1].allText, "3", "exam attempts")
    }

    /// Defect: a practice attempt counted in the exam statistics (histogram, pass rate, steps).
    func testPracticeIsKeptOutOfTheExamStatistics() throws {
        let records = try ClassRecord.parse(Data(resultsJSON(try demoClass().map { record($0) }).utf8))
        XCTAssertEqual(records.filter { $0.mode == "practice" }.count, 1)
        let doc = try parseXML(ClassReport.html(records, language: .en))
        let hist = try XCTUnwrap(doc.first("svg") { $0.hasClass("histogram") })
        XCTAssertEqual(hist.all("rect") { $0.hasClass("bar") }.compactMap { Int($0["data-count"] ?? "") }.reduce(0, +), 9)
        XCTAssertEqual(doc.byId("summary-1")?.first("td") { $0.hasClass("attempts") }?.allText, "9")
        let steps = try XCTUnwrap(doc.byId("step-stats-1")).all("tr") { $0.hasClass("step") }
        XCTAssertTrue(steps.allSatisfy { $0.all("td")[2].allText == "9" }, "each step counted over the 9 exam attempts")
        let modes = try XCTUnwrap(doc.byId("modes-1"))
        XCTAssertEqual(modes.first("tr") { $0["data-kind"] == "exam" }?.all("td")[1].allText, "9")
        XCTAssertEqual(modes.first("tr") { $0["data-kind"] == "practice" }?.all("td")[1].allText, "1")
        // The attempt list still has every attempt, with its mode.
        let listed = try XCTUnwrap(doc.byId("attempts-1")).all("tr") { $0.hasClass("attempt") }
        XCTAssertEqual(listed.count, 10)
        XCTAssertEqual(listed.filter { $0["data-mode"] == "practice" }.map { $0["data-attempt"] ?? "" }, ["a09"])
        // A scenario with practice attempts only is still reported, over those.
        let practiceOnly = records.map { r -> ClassRecord in var r = r; r.mode = "practice"; return r }
        let p = try parseXML(ClassReport.html(practiceOnly, language: .en))
        XCTAssertEqual(p.byId("summary-1")?.first("td") { $0.hasClass("attempts") }?.allText, "10")
    }

    /// Defect: deductions were listed by raw id (`ppe_in_tank_farm`) although records carry titles.
    func testDeductionsAreListedByTitle() throws {
        let doc = try parseXML(ClassReport.html(Self.cohort, language: .zhCN))
        let rows = try XCTUnwrap(doc.byId("deductions-1")).all("tr") { $0.hasClass("deduction") }
        XCTAssertFalse(rows.isEmpty)
        let all = Self.cohort.flatMap(\.deductions)
        for r in rows {
            let d = try XCTUnwrap(all.first { $0.cause == r["data-cause"] && $0.subject == r["data-subject"] && $0.detail == r["data-detail"] })
            XCTAssertEqual(r.first("td") { $0.hasClass("what") }?.allText, d.title.zh.isEmpty ? d.subject : d.title.zh)
        }
        let rule = try XCTUnwrap(rows.first { $0["data-subject"] == "ppe_in_tank_farm" })
        let title = try XCTUnwrap(rule.first("td") { $0.hasClass("what") }?.allText)
        XCTAssertNotEqual(title, "ppe_in_tank_farm")
        XCTAssertEqual(title, demoModel.rubric.rules.first { $0.id == "ppe_in_tank_farm" }?.title.zh)
    }

    func testWhoNeedsHelpIsRankedByEvidence() throws {
        let doc = try parseXML(ClassReport.html(Self.cohort, language: .en))
        let rows = try XCTUnwrap(doc.byId("help-1")).all("tr") { $0.hasClass("help") }
        XCTAssertEqual(rows.first?["data-student"], "s4", "never passed, no step credited")
        let weights = rows.compactMap { Double($0["data-evidence"] ?? "") }
        XCTAssertEqual(weights, weights.sorted(by: >))
        XCTAssertFalse(rows.contains { $0["data-student"] == "s2" }, "a clean pass needs no help")
        // s1 passed in the end, but the same deductions recur in two attempts.
        let s1 = try XCTUnwrap(rows.first { $0["data-student"] == "s1" })
        XCTAssertTrue(s1.first("td") { $0.hasClass("reasons") }?.allText.contains("recurring") == true)
        // s4's evidence by hand: not passed 3 + 0.5 per step without credit in the latest attempt.
        let idle = Self.cohort.first { $0.attempt == "s4-a" }!
        let zero = idle.steps.filter { $0.maxScore > 0 && $0.score <= 0 }.count
        XCTAssertEqual(rows.first?["data-evidence"], Fmt.number(3 + 0.5 * Double(zero)))
        // A pass with one step short (weight 0.5) is ordinary: not listed.
        let demo = try ClassRecord.parse(Data(resultsJSON(try demoClass().map { record($0) }).utf8))
        let s06 = try XCTUnwrap(demo.first { $0.student == "s06" })
        XCTAssertTrue(s06.passed)
        XCTAssertEqual(s06.steps.filter { $0.maxScore > 0 && $0.score <= 0 }.count, 1)
        let listed = try XCTUnwrap(try parseXML(ClassReport.html(demo)).byId("help-1")).all("tr") { $0.hasClass("help") }
        XCTAssertFalse(listed.contains { $0["data-student"] == "s06" })
        XCTAssertTrue(listed.allSatisfy { (Double($0["data-evidence"] ?? "") ?? 0) >= 1 })
    }

    func testTeachingDiagnosisFindsTheStepsFailedMoreThisTerm() throws {
        let perfect = try demoJournal("perfect")
        let before = try ClassRecord.parse(Data(resultsJSON((1...4).map { record(variant(perfect, student: "p\($0)", attempt: "p\($0)")) }).utf8))
        let doc = try parseXML(ClassReport.html(Self.cohort, language: .en, previous: before, currentLabel: "2026 autumn", previousLabel: "2026 spring"))
        let rows = try XCTUnwrap(doc.byId("diagnosis-1")).all("tr") { $0.hasClass("diagnosis-step") }
        XCTAssertEqual(rows.count, demoModel.procedure.count)
        // Last term no step failed; this term a step's no-credit rate is the share of attempts with 0 for it.
        let now = ScenarioStats(scenario: "tank-filling", all: Self.cohort)
        let expected = now.steps.map { ($0.id, $0.failureRate * 100) }.sorted { $0.1 != $1.1 ? $0.1 > $1.1 : false }
        XCTAssertEqual(rows.first?["data-step"], expected.first?.0)
        for r in rows {
            let s = try XCTUnwrap(now.steps.first { $0.id == r["data-step"] })
            XCTAssertEqual(Double(r["data-change"] ?? "") ?? .nan, s.failureRate * 100, accuracy: 0.01)
        }
        let changes = rows.compactMap { Double($0["data-change"] ?? "") }
        XCTAssertEqual(changes, changes.sorted(by: >), "largest increase first")
        let plot = try XCTUnwrap(doc.first("svg") { $0.hasClass("diagnosis") })
        XCTAssertEqual(plot.all("circle") { $0.hasClass("before") }.count, rows.count)
        XCTAssertTrue(doc.allText.contains("2026 spring"))
        // Without --previous there is no diagnosis section.
        XCTAssertNil(try parseXML(ClassReport.html(Self.cohort)).byId("diagnosis"))
    }

    func testStartTimesInTheAttemptListAreInBeijingTimeForZh() throws {
        let doc = try parseXML(ClassReport.html(Self.cohort, language: .zhCN))
        let rows = try XCTUnwrap(doc.byId("attempts-1")).all("tr") { $0.hasClass("attempt") }
        XCTAssertEqual(rows.first?["data-attempt"], "s1-a", "in time order")
        XCTAssertEqual(rows.first?.first("td") { $0.hasClass("started") }?.allText, "2026-09-01 09:00")
        XCTAssertTrue(doc.allText.contains("北京时间"))
    }
}
