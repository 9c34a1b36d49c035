import Foundation
import XCTest
import HazLabCore
import HazLabRecords
import HazLabReport
import HazLabRunner
import HazLabScoring

final class AttemptReportTests: XCTestCase {
    /// A number as the report prints it: integers bare, else up to two decimals.
    static func plain(_ x: Double) -> String { x == x.rounded() ? String(Int(x)) : String(x) }

    /// One row per procedure step, with the replay's scores (the golden values of the mistakes run).
    func testBreakdownHasOneRowPerStepWithTheReplayedScores() throws {
        let report = AttemptReport(model: demoModel, journal: try demoJournal("mistakes"))
        let doc = try parseXML(report.html(language: .en))
        let table = try XCTUnwrap(doc.byId("steps"))
        let rows = table.bodyRows.filter { $0.hasClass("step") }
        XCTAssertEqual(rows.count, demoModel.procedure.count)
        XCTAssertEqual(rows.map { $0["data-step"] ?? "" }, demoModel.procedure.map(\.id))
        // The golden breakdown, from runs/mistakes.expected.json.
        let expectedURL = URL(fileURLWithPath: Repo.path("Scenarios/tank-filling/runs/mistakes.expected.json"))
        let expected = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(contentsOf: expectedURL)) as? [String: Any])
        let pairs = try XCTUnwrap(expected["scores"] as? [[Any]])
        var golden: [String: String] = [:]
        var stepSum = 0.0
        for pair in pairs {
            let id = try XCTUnwrap(pair[0] as? String), x = try XCTUnwrap(pair[1] as? NSNumber).doubleValue
            golden[id] = Self.plain(x)
            if demoModel.procedure.contains(where: { $0.id == id }) { stepSum += x }
        }
        XCTAssertEqual(golden["isolate"], "8.25", "the late isolate step keeps its partial credit")
        for row in rows {
            let score = try XCTUnwrap(row.first("td") { $0.hasClass("score") })
            XCTAssertEqual(score.allText, golden[row["data-step"] ?? ""], "step \(row["data-step"] ?? "")")
        }
        XCTAssertEqual(rows.first { $0["data-step"] == "ppe" }?.cells[1], "Put on PPE")
        XCTAssertTrue(rows.first { $0["data-step"] == "stop_at_level" }?.hasClass("incomplete") ?? false)
        let total = try XCTUnwrap(table.bodyRows.last)
        XCTAssertTrue(total.hasClass("total"))
        XCTAssertEqual(total.cells[7], Self.plain((stepSum * 100).rounded() / 100))

        let quality = try XCTUnwrap(doc.byId("quality")?.bodyRows.first { $0["data-quality"] == "level_below_3m" })
        XCTAssertEqual(quality.first("td") { $0.hasClass("score") }?.allText, golden["level_below_3m"])

        let deductions = try XCTUnwrap(doc.byId("deductions")).bodyRows.filter { $0.hasClass("deduction") }
        XCTAssertEqual(deductions.count, report.outcome.score.deductions.count)
        XCTAssertEqual(deductions.compactMap { $0.first("td") { $0.hasClass("points") }?.allText }.compactMap(Double.init).reduce(0, +),
                       try XCTUnwrap(expected["deducted"] as? NSNumber).doubleValue)
        XCTAssertEqual(doc.first("span") { $0.hasClass("total") }?.allText, Self.plain(try XCTUnwrap(expected["total"] as? NSNumber).doubleValue))
    }

    /// The trend line spans the attempt from 0 to its last tick; the band maps to its values; spikes survive.
    func testTrendPolylineCoversTheAttemptAndTheBandMapsToItsValues() throws {
        let report = AttemptReport(model: demoModel, journal: try demoJournal("mistakes"))
        let doc = try parseXML(report.html(language: .zhCN, maxPoints: 200))
        let svg = try XCTUnwrap(doc.first("svg") { $0.hasClass("trend") && $0["data-unit"] == "m" })
        let g = Geometry(svg)
        XCTAssertEqual(g.x0, 0)
        XCTAssertEqual(g.x1, 540, "the x domain is the attempt's duration (5400 ticks at 10 Hz)")

        let level = try XCTUnwrap(svg.first("polyline") { $0["data-series"] == "level" })
        let pts = points(level)
        XCTAssertLessThanOrEqual(pts.count, 200)
        XCTAssertGreaterThan(pts.count, 50)
        XCTAssertEqual(try XCTUnwrap(pts.first).0, g.left, accuracy: 0.01)
        XCTAssertEqual(try XCTUnwrap(pts.last).0, g.right, accuracy: 0.01)
        XCTAssertEqual(try XCTUnwrap(pts.first).1, g.py(1.0), accuracy: 0.6, "starts at the initial 1.0 m")
        // The highest level (the quality window's max, ~3.55 m) survives downsampling.
        let q = try XCTUnwrap(report.outcome.score.quality.first)
        XCTAssertGreaterThan(q.maxValue, 3.5)
        XCTAssertEqual(pts.map(\.1).min() ?? 0, g.py(q.maxValue), accuracy: 0.6)
        XCTAssertNotNil(svg.first("polyline") { $0["data-series"] == "transmitter" }, "both level variables share the metre plot")

        let band = try XCTUnwrap(svg.first("rect") { $0.hasClass("band") && $0["data-band"] == "level_below_3m" })
        let y = try XCTUnwrap(Double(band["y"] ?? "")), h = try XCTUnwrap(Double(band["height"] ?? ""))
        XCTAssertEqual(y, g.py(3.0), accuracy: 0.01)
        XCTAssertEqual(y + h, g.py(0.0), accuracy: 0.01)
        let x = try XCTUnwrap(Double(band["x"] ?? "")), w = try XCTUnwrap(Double(band["width"] ?? ""))
        XCTAssertEqual(x, g.px(demoModel.seconds(ticks: q.phaseStartTick)), accuracy: 0.01)
        XCTAssertEqual(x + w, g.px(demoModel.seconds(ticks: q.phaseEndTick)), accuracy: 0.01)
        XCTAssertGreaterThan(g.py(0), g.py(3), "y grows downwards")
    }

    /// The near-overfill hazard (~478 s in the mistakes run) is a deduction marker at its tick.
    func testDeductionMarkerSitsAtItsTick() throws {
        let report = AttemptReport(model: demoModel, journal: try demoJournal("mistakes"))
        let doc = try parseXML(report.html(language: .en))
        let svg = try XCTUnwrap(doc.first("svg") { $0.hasClass("trend") })
        let g = Geometry(svg)
        let marker = try XCTUnwrap(svg.first("line") {
            $0.hasClass("deduction") && $0["data-cause"] == "hazard" && $0["data-subject"] == "near_overfill"
        })
        let tick = try XCTUnwrap(Int64(marker["data-tick"] ?? ""))
        XCTAssertEqual(demoModel.seconds(ticks: tick), 478, accuracy: 5)
        XCTAssertEqual(try XCTUnwrap(Double(marker["x1"] ?? "")), g.px(demoModel.seconds(ticks: tick)), accuracy: 0.01)
        XCTAssertEqual(marker["x1"], marker["x2"], "vertical")
        XCTAssertEqual(Double(marker["y1"] ?? ""), g.top)
        XCTAssertEqual(Double(marker["y2"] ?? ""), g.bottom)
        let hazard = try XCTUnwrap(report.outcome.events.first { $0.kind == .hazardTriggered && demoModel.hazards.ids[Int($0.subject)] == "near_overfill" })
        XCTAssertEqual(tick, hazard.tick)

        // Faults are marked too: the pump trip and the stuck transmitter.
        let faults = svg.all("line") { $0.hasClass("fault") }.compactMap { $0["data-fault"] }
        XCTAssertEqual(faults, ["pump_trip", "level_transmitter_stuck"])
        // And the timeline lists the hazard at the same time.
        let row = try XCTUnwrap(doc.byId("events")?.bodyRows.first { $0.hasClass("hazard") })
        XCTAssertEqual(row["data-tick"], String(tick))
        XCTAssertEqual(row.cells[2], "near_overfill")
    }

    func testHeaderShowsWhoWhatAndTheResult() throws {
        let report = AttemptReport(model: demoModel, journal: try demoJournal("perfect"))
        let doc = try parseXML(report.html(language: .en))
        let meta = try XCTUnwrap(doc.byId("attempt-meta"))
        var pairs: [String: String] = [:]
        for r in meta.bodyRows { let c = r.cells; if c.count == 2 { pairs[c[0]] = c[1] } }
        XCTAssertEqual(pairs["Student"], "demo-perfect")
        XCTAssertEqual(pairs["Workstation"], "ws-demo")
        XCTAssertEqual(pairs["Seed"], "20261129")
        XCTAssertEqual(pairs["Started"], "2026-01-01 00:00 (UTC+00:00)", "the journal's start, UTC for en")
        let zh = try parseXML(report.html(language: .zhCN))
        XCTAssertEqual(zh.first("td") { $0.hasClass("started") }?.allText, "2026-01-01 08:00 (UTC+08:00)", "Beijing time for zh-CN")
        XCTAssertEqual(try parseXML(report.html(language: .en, offset: UTCOffset("-05:00"))).first("td") { $0.hasClass("started") }?.allText,
                       "2025-12-31 19:00 (UTC-05:00)")
        XCTAssertEqual(pairs["State hash"], "414ac7d3bf7021d3")
        XCTAssertEqual(pairs["Total"], "100 / 100")
        XCTAssertEqual(pairs["Grade"], "Excellent")
        XCTAssertEqual(pairs["Duration"], "385 s (6:25)")
        XCTAssertEqual(pairs["Scenario SHA-256"], demoModel.sourceSHA256)
        XCTAssertEqual(pairs["Engine version"], HazLabVersion.engine)
        XCTAssertEqual(pairs["Workstation's state hash"], "414ac7d3bf7021d3 (agrees with the replay)")
        XCTAssertNil(doc.byId("deductions"), "a perfect run has no deductions table")
    }

    func testLanguagesUseTheirOwnLabels() throws {
        let report = AttemptReport(model: demoModel, journal: try demoJournal("mistakes"))
        let en = report.html(language: .en), zh = report.html(language: .zhCN)
        let enDoc = try parseXML(en), zhDoc = try parseXML(zh)
        XCTAssertEqual(enDoc.first("html")?["lang"], "en")
        XCTAssertEqual(zhDoc.first("html")?["lang"], "zh-CN")
        XCTAssertEqual(enDoc.first("h2") { $0["id"] == "breakdown" }?.allText, "Score breakdown")
        XCTAssertEqual(zhDoc.first("h2") { $0["id"] == "breakdown" }?.allText, "评分明细")
        XCTAssertEqual(enDoc.first("h1")?.allText, "Feed tank filling — Attempt report")
        XCTAssertEqual(zhDoc.first("h1")?.allText, "储罐进料操作 — 单次操作报告")
        XCTAssertTrue(en.contains("Time (s)") && !en.contains("时间 (s)"))
        XCTAssertTrue(zh.contains("时间 (s)") && !zh.contains("Time (s)"))
        XCTAssertTrue(zh.contains("不在作业区域"), "reject reasons are translated")
        XCTAssertTrue(en.contains("not in the zone"))
        XCTAssertFalse(en.contains("评分明细"))
    }

    func testOutputIsByteIdenticalAcrossGenerations() throws {
        let j = try demoJournal("mistakes")
        let a = AttemptReport(model: demoModel, journal: j).html(language: .zhCN)
        let b = AttemptReport(model: demoModel, journal: j).html(language: .zhCN)
        XCTAssertEqual(a, b)
        XCTAssertEqual(Array(a.utf8).count, Array(b.utf8).count)
        XCTAssertNotEqual(a, AttemptReport(model: demoModel, journal: j).html(language: .en))
    }

    func testHostileTextIsEscaped() throws {
        let hostile = "<script>alert(\"x\")</script> & 'y' ]]> \u{1}"
        var j = try demoJournal("mistakes")
        j.header.student = hostile
        j.header.workstation = "ws\"><b>"
        let html = AttemptReport(model: demoModel, journal: j).html(language: .en)
        XCTAssertFalse(html.contains("<script>"))
        XCTAssertFalse(html.contains("<b>"))
        let doc = try parseXML(html)
        let cell = try XCTUnwrap(doc.byId("attempt-meta")?.first("td") { $0.hasClass("student") })
        XCTAssertEqual(cell.allText, "<script>alert(\"x\")</script> & 'y' ]]> \u{FFFD}")
        XCTAssertTrue(doc.first("title")?.allText.hasSuffix(cell.allText) ?? false)
    }

    /// Self-contained: no scripts, no external resources, CJK fonts in the stack.
    func testReportIsSelfContained() throws {
        let html = AttemptReport(model: demoModel, journal: try demoJournal("perfect")).html(language: .zhCN)
        let doc = try parseXML(html)
        XCTAssertTrue(doc.all("script").isEmpty)
        XCTAssertTrue(doc.all("link").isEmpty)
        XCTAssertTrue(doc.all("img").isEmpty)
        // The only URLs are the XHTML and SVG namespace names.
        let noNamespaces = html.replacingOccurrences(of: "http://www.w3.org/1999/xhtml", with: "")
            .replacingOccurrences(of: "http://www.w3.org/2000/svg", with: "")
        XCTAssertFalse(noNamespaces.contains("http:") || noNamespaces.contains("https:") || noNamespaces.contains("url("))
        XCTAssertFalse(html.contains("@import"))
        XCTAssertTrue(html.contains("Noto Sans CJK SC") && html.contains("Microsoft YaHei"))
        XCTAssertEqual(doc.all("svg").count, 2, "one metre plot and the timeline strip")
    }
}

final class ClassReportTests: XCTestCase {
    func classRecords() throws -> (json: String, records: [ClassRecord]) {
        let json = resultsJSON(try demoClass().map { record($0) })
        return (json, try ClassRecord.parse(Data(json.utf8)))
    }

    func testHistogramCountsSumToTheAttempts() throws {
        let (_, records) = try classRecords()
        XCTAssertEqual(records.count, 10)
        // The statistics count the 9 exam attempts; the practice attempt is reported apart.
        let exams = records.filter { $0.mode == "exam" }
        XCTAssertEqual(exams.count, 9)
        let doc = try parseXML(ClassReport.html(records, language: .en))
        let hist = try XCTUnwrap(doc.first("svg") { $0.hasClass("histogram") })
        let bars = hist.all("rect") { $0.hasClass("bar") }
        XCTAssertEqual(bars.count, 10, "bins of 10 points over 0–100")
        XCTAssertEqual(bars.compactMap { Int($0["data-count"] ?? "") }.reduce(0, +), 9)
        // The perfect attempts (100) land in the last bin, which is closed on the right.
        let last = try XCTUnwrap(bars.last)
        XCTAssertEqual(last["data-hi"], "100")
        XCTAssertEqual(Int(last["data-count"] ?? ""), exams.filter { $0.total >= 90 }.count)
        XCTAssertNotNil(hist.first("line") { $0.hasClass("pass-score") })
        let grades = try XCTUnwrap(doc.first("svg") { $0.hasClass("grades") })
        XCTAssertEqual(grades.all("rect") { $0.hasClass("bar") }.compactMap { Double($0["data-value"] ?? "") }.reduce(0, +), 9)
        let summary = try XCTUnwrap(doc.byId("summary-1"))
        XCTAssertEqual(summary.first("td") { $0.hasClass("attempts") }?.allText, "9")
        let passed = exams.filter(\.passed).count
        XCTAssertEqual(summary.first("td") { $0.hasClass("pass-rate") }?.allText,
                       "\(Fmt.percent(Double(passed) / 9)) (\(passed)/9)")
    }

    /// A hand-made results file: five attempts of a three-step drill, rates counted by hand.
    static let drill: String = {
        func step(_ seq: Int, _ id: String, _ max: Double, _ score: Double, done: Bool, used: Double?) -> String {
            "{\"seq\":\(seq),\"id\":\"\(id)\",\"title\":{\"zh\":\"步骤\(id)\",\"en\":\"Step \(id)\"},\"completed\":\(done),"
                + "\"timeUsed\":\(used.map { JSON.number($0) } ?? "null"),\"expectedSeconds\":30,\"maxScore\":\(JSON.number(max)),"
                + "\"score\":\(JSON.number(score))}"
        }
        func rec(_ n: Int, _ total: Double, _ passed: Bool, _ eval: String, _ steps: [String], _ deductions: String, veto: String? = nil) -> String {
            let v = veto.map { ",\"veto\":\"\($0)\"" } ?? ""
            return "{\"attempt\":\"d\(n)\",\"student\":\"s\(n)\",\"workstation\":\"ws\",\"mode\":\"exam\",\"scenario\":\"drill\","
                + "\"scenarioTitle\":{\"zh\":\"演练\",\"en\":\"Drill\"},\"scenarioSHA256\":\"ab\",\"durationSeconds\":100,"
                + "\"score\":{\"total\":\(JSON.number(total)),\"max\":35,\"passScore\":20,\"passed\":\(passed),\"evaluation\":\"\(eval)\"\(v)},"
                + "\"steps\":[\(steps.joined(separator: ","))],\"quality\":[],\"deductions\":[\(deductions)]}"
        }
        let notInZone = "{\"tick\":10,\"seconds\":1,\"cause\":\"rejected-action\",\"subject\":\"XV1\",\"detail\":\"not-in-zone\",\"points\":1}"
        let r = [
            rec(1, 35, true, "excellent", [step(1, "a", 10, 10, done: true, used: 20), step(2, "b", 20, 20, done: true, used: 25),
                                           step(3, "c", 5, 5, done: true, used: 10)], ""),
            rec(2, 20, true, "pass", [step(1, "a", 10, 10, done: true, used: 28), step(2, "b", 20, 12, done: true, used: 50),
                                      step(3, "c", 5, 0, done: false, used: nil)], notInZone + "," + notInZone),
            rec(3, 0, false, "fail", [step(1, "a", 10, 0, done: false, used: nil), step(2, "b", 20, 20, done: true, used: 30),
                                      step(3, "c", 5, 0, done: true, used: 90)],
                notInZone + ",{\"tick\":900,\"seconds\":90,\"cause\":\"hazard\",\"subject\":\"fire\",\"detail\":\"fire\",\"points\":0,\"veto\":true}",
                veto: "fire"),
            rec(4, 7, false, "fail", [step(1, "a", 10, 7, done: true, used: 40), step(2, "b", 20, 0, done: false, used: nil),
                                      step(3, "c", 5, 5, done: true, used: 12)],
                "{\"tick\":50,\"seconds\":5,\"cause\":\"rule\",\"subject\":\"ppe\",\"detail\":\"ppe\",\"points\":5}"),
            rec(5, 32.5, true, "excellent", [step(1, "a", 10, 10, done: true, used: 22), step(2, "b", 20, 20, done: true, used: 27),
                                             step(3, "c", 5, 2.5, done: true, used: 45)], ""),
        ]
        return resultsJSON(r)
    }()

    func testStepRatesMatchHandCountedValues() throws {
        let records = try ClassRecord.parse(Data(Self.drill.utf8))
        let stats = try XCTUnwrap(ClassReport.stats(records).first)
        // a: full {1,2,5}, partial {4}, none {3};  b: full {1,3,5}, partial {2}, none {4};  c: full {1,4}, partial {5}, none {2,3}.
        XCTAssertEqual(stats.steps.map(\.id), ["a", "b", "c"])
        XCTAssertEqual(stats.steps.map(\.full), [3, 3, 2])
        XCTAssertEqual(stats.steps.map(\.partial), [1, 1, 1])
        XCTAssertEqual(stats.steps.map(\.noCredit), [1, 1, 2])
        XCTAssertEqual(stats.steps.map(\.notCompleted), [1, 1, 1])
        XCTAssertEqual(stats.steps.map(\.failureRate), [0.2, 0.2, 0.4])
        XCTAssertEqual(stats.steps.map(\.partialRate), [0.2, 0.2, 0.2])
        XCTAssertEqual(stats.steps[2].times, [10, 90, 12, 45], "completed attempts only, in record order")
        XCTAssertEqual(stats.passRate, 0.6)
        XCTAssertEqual(stats.grades, [2, 0, 1, 2])

        let doc = try parseXML(ClassReport.html(records, language: .en))
        let table = try XCTUnwrap(doc.byId("step-stats-1"))
        let rows = table.bodyRows
        XCTAssertEqual(rows.map { $0["data-step"] ?? "" }, ["a", "b", "c"])
        XCTAssertEqual(rows.map { $0.first("td") { $0.hasClass("failure-rate") }?.allText ?? "" }, ["20%", "20%", "40%"])
        XCTAssertEqual(rows.map { $0.first("td") { $0.hasClass("partial-rate") }?.allText ?? "" }, ["20%", "20%", "20%"])
        // The stacked bars agree with the table.
        let chart = try XCTUnwrap(doc.first("svg") { $0.hasClass("step-outcomes") })
        let c = try XCTUnwrap(chart.first("g") { $0["data-row"] == "c" })
        XCTAssertEqual(c.first("rect") { $0["data-part"] == "none" }?["data-fraction"], "0.4")
        XCTAssertEqual(c.first("rect") { $0["data-part"] == "full" }?["data-fraction"], "0.4")
        // Time per step, each step on its own scale: time used ÷ expected time, 1 marked.
        // c took 10, 90, 12 and 45 s against 30 s: ratios 1/3, 3, 0.4 and 1.5, median 0.95.
        let box = try XCTUnwrap(doc.first("svg") { $0.hasClass("step-times") })
        let boxC = try XCTUnwrap(box.first("g") { $0["data-row"] == "c" })
        XCTAssertEqual(boxC["data-n"], "4")
        XCTAssertEqual(boxC["data-median"], "0.95")
        XCTAssertEqual(boxC["data-reference"], "1")
        XCTAssertEqual(boxC["data-expected"], "30")
        let dots = boxC.all("circle") { $0.hasClass("value") }
        XCTAssertEqual(dots.count, 4)
        let geo = Geometry(box)
        XCTAssertEqual(Double(dots[1]["cx"] ?? "") ?? .nan, geo.px(3), accuracy: 0.01, "90 s of 30 s sits at 3×")
        XCTAssertEqual(dots[1].first("title")?.allText, "90 s = 3×")
        let ref = try XCTUnwrap(boxC.first("line") { $0.hasClass("reference") })
        XCTAssertEqual(Double(ref["x1"] ?? "") ?? .nan, geo.px(1), accuracy: 0.01)

        // Most common deduction: the rejected action in two of five attempts, three times.
        let deductions = try XCTUnwrap(doc.byId("deductions-1")).bodyRows
        XCTAssertEqual(deductions.first?["data-cause"], "rejected-action")
        XCTAssertEqual(deductions.first?["data-detail"], "not-in-zone")
        XCTAssertEqual(Array(deductions.first?.cells[4...6] ?? []), ["3", "2", "40%"])
        XCTAssertEqual(deductions.first?.cells[0], "XV1", "no title in the record: the subject stands in")
        XCTAssertEqual(deductions.count, 3)
        XCTAssertTrue(deductions.contains { $0.hasClass("veto") && $0["data-subject"] == "fire" })
    }

    func testMultipleScenariosGetOneSectionEach() throws {
        let demo = try ClassRecord.parse(Data(resultsJSON(Array(try demoClass().prefix(3)).map { record($0) }).utf8))
        let drill = try ClassRecord.parse(Data(Self.drill.utf8))
        let all = [demo[0], drill[0], demo[1], drill[1], demo[2]]
        let doc = try parseXML(ClassReport.html(all, language: .zhCN))
        let sections = doc.all("section") { $0.hasClass("scenario") }
        XCTAssertEqual(sections.map { $0["data-scenario"] ?? "" }, ["tank-filling", "drill"])
        XCTAssertEqual(sections[0].first("td") { $0.hasClass("attempts") }?.allText, "3")
        XCTAssertEqual(sections[1].first("td") { $0.hasClass("attempts") }?.allText, "2")
        XCTAssertEqual(doc.byId("scenarios")?.bodyRows.count, 2, "an overview table when there are several scenarios")
        for s in sections {
            let bars = try XCTUnwrap(s.first("svg") { $0.hasClass("histogram") }).all("rect") { $0.hasClass("bar") }
            XCTAssertEqual(String(bars.compactMap { Int($0["data-count"] ?? "") }.reduce(0, +)), s.first("td") { $0.hasClass("attempts") }?.allText)
        }
    }

    func testEmptyInputGivesAValidReport() throws {
        let records = try ClassRecord.parse(Data("[]\n".utf8))
        XCTAssertTrue(records.isEmpty)
        for lang in ReportLanguage.allCases {
            let doc = try parseXML(ClassReport.html(records, language: lang))
            XCTAssertTrue(doc.all("svg").isEmpty)
            XCTAssertEqual(doc.first("p") { $0.hasClass("empty") }?.allText, lang == .en ? "No attempts." : "没有考核记录。")
        }
        XCTAssertThrowsError(try ClassRecord.parse(Data("{\"oops\":1}".utf8)))
        XCTAssertThrowsError(try ClassRecord.parse(Data("[{\"scenario\":\"x\"}]".utf8)), "a record needs a score")
    }

    func testClassLanguagesAndByteStability() throws {
        let (json, records) = try classRecords()
        let en = ClassReport.html(records, language: .en), zh = ClassReport.html(records, language: .zhCN)
        XCTAssertEqual(try parseXML(en).first("html")?["lang"], "en")
        XCTAssertTrue(en.contains("Score distribution") && en.contains("Step outcomes") && en.contains("Feed tank filling"))
        XCTAssertTrue(zh.contains("成绩分布") && zh.contains("各步骤得分情况") && zh.contains("储罐进料操作"))
        XCTAssertFalse(en.contains("成绩分布"))
        XCTAssertFalse(zh.contains("Score distribution"))
        let again = ClassReport.html(try ClassRecord.parse(Data(json.utf8)), language: .zhCN)
        XCTAssertEqual(zh, again)
    }

    func testHostileTextInRecordsIsEscaped() throws {
        let hostile = "<img src=x onerror=\"alert(1)\">&amp;'"
        let j = variant(try demoJournal("mistakes"), student: hostile, attempt: "a<1>&\"")
        let records = try ClassRecord.parse(Data(resultsJSON([record(j)]).utf8))
        let html = ClassReport.html(records, language: .en, title: "Class <1> & \"2\"")
        XCTAssertFalse(html.contains("<img"))
        let doc = try parseXML(html)
        XCTAssertEqual(doc.first("td") { $0.hasClass("student") }?.allText, hostile)
        XCTAssertEqual(doc.first("tr") { $0.hasClass("attempt") }?["data-attempt"], "a<1>&\"")
        XCTAssertEqual(doc.first("h1")?.allText, "Class <1> & \"2\"")
    }
}

final class SVGPlotTests: XCTestCase {
    func testNiceTicks() {
        XCTAssertEqual(NiceTicks.step(span: 540, target: 10), 100)
        XCTAssertEqual(NiceTicks.step(span: 3.55, target: 5), 1)
        XCTAssertEqual(NiceTicks.step(span: 35, target: 10), 5)
        XCTAssertEqual(NiceTicks.step(span: 0.023, target: 5), 0.005)
        let d = NiceTicks.domain(0.93, 3.62, target: 5)
        XCTAssertEqual(d.lo, 0); XCTAssertEqual(d.hi, 4); XCTAssertEqual(d.step, 1)
        let e = NiceTicks.domain(0.93, 3.62, target: 8)
        XCTAssertEqual(e.lo, 0.5); XCTAssertEqual(e.hi, 4); XCTAssertEqual(e.step, 0.5)
        XCTAssertEqual(NiceTicks.values(0, 1, step: 0.2).map { NiceTicks.label($0, step: 0.2) }, ["0.0", "0.2", "0.4", "0.6", "0.8", "1.0"])
        XCTAssertEqual(NiceTicks.label(2.5, step: 2.5), "2.5")
    }

    func testFixedFormattingIsLocaleFree() {
        XCTAssertEqual(Fmt.fixed(1.125, 2), "1.13")  // half away from zero on the scaled value
        XCTAssertEqual(Fmt.fixed(-1.125, 2), "-1.13")
        XCTAssertEqual(Fmt.fixed(0.05, 3), "0.050")
        XCTAssertEqual(Fmt.fixed(-0.001, 2), "0.00")
        XCTAssertEqual(Fmt.fixed(-2.5, 0), "-3")
        XCTAssertEqual(Fmt.number(8.25), "8.25")
        XCTAssertEqual(Fmt.number(100), "100")
        XCTAssertEqual(Fmt.number(-0.0), "0")
        XCTAssertEqual(Fmt.percent(0.6875), "68.8%")
        XCTAssertEqual(Fmt.clock(385), "6:25")
    }

    func testDownsamplingKeepsEndsAndSpikes() {
        let n = 10_000
        let xs = (0..<n).map(Double.init)
        var ys = xs.map { _ in 1.0 }
        ys[4321] = 50; ys[7777] = -20
        let (dx, dy) = Downsample.minMax(xs: xs, ys: ys, maxPoints: 100)
        XCTAssertLessThanOrEqual(dx.count, 100)
        XCTAssertEqual(dx.first, 0); XCTAssertEqual(dx.last, Double(n - 1))
        XCTAssertEqual(dy.max(), 50); XCTAssertEqual(dy.min(), -20)
        XCTAssertEqual(dx, dx.sorted(), "time order kept")
        XCTAssertEqual(Downsample.minMax(xs: [0, 1, 2], ys: [3, 4, 5], maxPoints: 100).xs, [0, 1, 2])
    }

    func testEscaping() {
        XCTAssertEqual(Markup.escape("a<b>&\"c\"'d'"), "a&lt;b&gt;&amp;&quot;c&quot;&#39;d&#39;")
        XCTAssertEqual(Markup.escape("x\u{0}y\u{FFFF}"), "x\u{FFFD}y\u{FFFD}")
        XCTAssertEqual(Markup.escape("储罐\n"), "储罐\n")
    }

    func testBoxPlotQuartiles() throws {
        let s = try XCTUnwrap(BoxPlot.summary([1, 2, 3, 4, 100]))
        XCTAssertEqual(s.median, 3); XCTAssertEqual(s.q1, 2); XCTAssertEqual(s.q3, 4)
        XCTAssertEqual(s.whiskerHigh, 4, "100 is an outlier beyond 1.5 IQR")
        XCTAssertNil(BoxPlot.summary([]))
    }
}
