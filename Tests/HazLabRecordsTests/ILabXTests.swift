import Foundation
import XCTest
@testable import HazLabRecords

final class ILabXTests: XCTestCase {
    let options = ILabX.Options(appid: "100400")

    func records() throws -> [OrderedJSON] {
        try ExportTestSupport.attempts().map { ILabX.record($0, started: XAPIStatementTests.started, options: options) }
    }

    func testRecordFieldsForTheMistakesAttempt() throws {
        let v = try JSONText.parse(Array(try records()[0].render().utf8))
        guard case .object(let ms) = v else { return XCTFail() }
        XCTAssertEqual(ms.map(\.key), ["username", "title", "status", "score", "startTime", "endTime", "timeUsed", "appid", "originId", "steps"])
        XCTAssertEqual(v["username"]?.string, "demo-mistakes")
        XCTAssertEqual(v["title"]?.string, "储罐进料操作")
        XCTAssertEqual(v["status"]?.numberText, "1") // submitted, journal complete
        XCTAssertEqual(v["score"]?.numberText, "43") // 43.12 of 100
        XCTAssertEqual(v["startTime"]?.numberText, "1795924800000")
        XCTAssertEqual(v["endTime"]?.numberText, "1795925340000")
        XCTAssertEqual(v["startTime"]?.numberText?.count, 13)
        XCTAssertEqual(v["timeUsed"]?.numberText, "540")
        XCTAssertEqual(v["appid"]?.string, "100400")
        XCTAssertEqual(v["originId"]?.string, "sha256_84f131055f054d6156c58fb5852f3a73_" + ILabXTests.sha12("sha256-84f131055f054d6156c58fb5852f3a73"))
        let steps = try XCTUnwrap(v["steps"]?.array)
        XCTAssertEqual(steps.count, 10 + 1 + 1, "10 procedure steps, the quality window, the deductions")
        guard case .object(let sm) = steps[1] else { return XCTFail() }
        XCTAssertEqual(sm.map(\.key), ["seq", "title", "startTime", "endTime", "timeUsed", "expectTime", "maxScore", "score",
                                       "repeatCount", "evaluation", "scoringModel", "remarks"])
        XCTAssertEqual(steps[1]["seq"]?.numberText, "2")
        XCTAssertEqual(steps[1]["title"]?.string, "到达罐区")
        XCTAssertEqual(steps[1]["startTime"]?.numberText, "1795924800000")
        XCTAssertEqual(steps[1]["endTime"]?.numberText, "1795924815100")
        XCTAssertEqual(steps[1]["timeUsed"]?.numberText, "15")
        XCTAssertEqual(steps[1]["expectTime"]?.numberText, "45")
        XCTAssertEqual(steps[1]["evaluation"]?.string, "优")
        // Not completed: ends with the attempt; a zero repeat count becomes 1 (ilab-x wants > 0).
        XCTAssertEqual(steps[6]["endTime"]?.numberText, "1795925340000")
        XCTAssertEqual(steps[6]["repeatCount"]?.numberText, "1")
        XCTAssertEqual(steps[0]["remarks"]?.string, "未完成")
        for s in steps { XCTAssertGreaterThan(Int(s["timeUsed"]?.numberText ?? "0") ?? 0, 0) }
        // Byte-stable.
        XCTAssertEqual(try records()[0].render(), try records()[0].render())
    }

    /// Steps (procedure and quality) minus the points the deduction step names equal the total,
    /// and the uploaded score is that total in percent.
    func testStepScoresAndDeductionsAddUpToTheUploadedScore() throws {
        for a in try ExportTestSupport.attempts() {
            let v = try JSONText.parse(Array(ILabX.record(a, started: XAPIStatementTests.started, options: options).render().utf8))
            let steps = try XCTUnwrap(v["steps"]?.array)
            let sum = steps.compactMap { $0["score"]?.numberText.flatMap(Double.init) }.reduce(0, +)
            let deduction = steps.first { $0["title"]?.string == "扣分项" }
            var lost = 0.0
            if let d = deduction {
                XCTAssertEqual(d["maxScore"]?.numberText, "0")
                XCTAssertEqual(d["score"]?.numberText, "0", "ilab-x takes no negative step score")
                let remarks = try XCTUnwrap(d["remarks"]?.string)
                XCTAssertTrue(remarks.hasPrefix("共扣 "), remarks)
                lost = try XCTUnwrap(Double(remarks.dropFirst(3).prefix { $0 != " " }))
                XCTAssertEqual(d["evaluation"]?.string, "扣 \(JSON.number(lost)) 分")
            }
            XCTAssertEqual(sum - lost, a.total, accuracy: 0.005, a.attempt)
            XCTAssertEqual(v["score"]?.numberText, String(ILabX.integerScore(total: sum - lost, max: a.max)))
            // Every deduction of the record is named in the remarks.
            if a.deductions.isEmpty && a.veto == nil { XCTAssertEqual(lost, 0, a.attempt) } else { XCTAssertNotNil(deduction, a.attempt) }
        }
        // The mistakes attempt lost points: it has the step, with the hazard's message.
        let m = try JSONText.parse(Array(try records()[0].render().utf8))
        let d = try XCTUnwrap(m["steps"]?.array?.last)
        XCTAssertEqual(d["title"]?.string, "扣分项")
        XCTAssertGreaterThan(try ExportTestSupport.attempts()[0].deductions.count, 0)
        let q = try XCTUnwrap(m["steps"]?.array?.first { $0["title"]?.string?.hasPrefix("过程质量：") == true })
        XCTAssertEqual(q["title"]?.string, "过程质量：进料期间液位不超过 3.0 m")
    }

    /// Defect: a step's timeUsed came from subtracting seconds (3.4999… → 3) while its times
    /// were rounded to ms apart (3500 ms): now timeUsed is end − start, rounded half up.
    func testTimeUsedAgreesWithEndMinusStart() throws {
        var a = try ExportTestSupport.attempts()[0]
        a.steps[1].startSeconds = 0.52
        a.steps[1].endSeconds = 4.02
        a.steps[2].startSeconds = 7
        a.steps[2].endSeconds = 7.2 // under a second: at least 1 s, end moved to start + 1 s
        let v = try JSONText.parse(Array(ILabX.record(a, started: XAPIStatementTests.started, options: options).render().utf8))
        let steps = try XCTUnwrap(v["steps"]?.array)
        XCTAssertEqual(steps[1]["timeUsed"]?.numberText, "4")
        XCTAssertEqual(steps[2]["timeUsed"]?.numberText, "1")
        for s in steps + [v] {
            let st = try XCTUnwrap(s["startTime"]?.numberText.flatMap { Int64($0) })
            let en = try XCTUnwrap(s["endTime"]?.numberText.flatMap { Int64($0) })
            let used = try XCTUnwrap(s["timeUsed"]?.numberText.flatMap { Int64($0) })
            XCTAssertGreaterThanOrEqual(en - st, 1000)
            XCTAssertEqual(used, (en - st + 500) / 1000, "timeUsed is end − start in whole seconds")
        }
    }

    /// Defect: a 0-point marker step that was never reached showed 优 (0 of 0 is "full marks").
    func testZeroPointStepIsNotGradedExcellentWhenNotDone() throws {
        var a = try ExportTestSupport.attempts()[0]
        a.steps[0].maxScore = 0; a.steps[0].score = 0; a.steps[0].completed = false
        a.steps[0].evaluationText = .init(zh: "优", en: "Excellent")
        a.steps[1].maxScore = 0; a.steps[1].score = 0; a.steps[1].completed = true
        a.steps[1].evaluationText = .init(zh: "优", en: "Excellent")
        let v = try JSONText.parse(Array(ILabX.record(a, started: XAPIStatementTests.started, options: options).render().utf8))
        let steps = try XCTUnwrap(v["steps"]?.array)
        XCTAssertEqual(steps[0]["evaluation"]?.string, "未完成")
        XCTAssertEqual(steps[1]["evaluation"]?.string, "完成")
        XCTAssertEqual(steps[2]["evaluation"]?.string, a.steps[2].evaluationText.zh, "scored steps keep their grade")
        // The CSV export says the same.
        let csv = try CSV.parse(ExportCSV.steps([(a, XAPIStatementTests.started)]))
        let col = try XCTUnwrap(ExportCSV.headings(ExportCSV.stepColumns, .zhCN).firstIndex(of: "评价"))
        XCTAssertEqual(csv[1][col], "未完成")
        XCTAssertEqual(csv[2][col], "完成")
    }

    static func sha12(_ s: String) -> String {
        // SHA-256 via the same library as the code under test is no check; use the python3 value.
        ["sha256-84f131055f054d6156c58fb5852f3a73": "37a5e03ccc58"][s] ?? ""
    }

    func testIntegerScoreRounding() {
        XCTAssertEqual(ILabX.integerScore(total: 43.12, max: 100), 43)
        XCTAssertEqual(ILabX.integerScore(total: 43.5, max: 100), 44)
        XCTAssertEqual(ILabX.integerScore(total: 43.49, max: 100), 43)
        XCTAssertEqual(ILabX.integerScore(total: 100, max: 100), 100)
        XCTAssertEqual(ILabX.integerScore(total: 0, max: 100), 0)
        XCTAssertEqual(ILabX.integerScore(total: 57, max: 120), 48) // 47.5 → 48
        XCTAssertEqual(ILabX.integerScore(total: 1.15, max: 2.3), 50)
        XCTAssertEqual(ILabX.integerScore(total: 5, max: 0), 0)
        XCTAssertEqual(ILabX.integerScore(total: 150, max: 100), 100)
    }

    func testOriginIdIsSanitisedAndUnique() throws {
        XCTAssertEqual(ILabX.originId(attempt: "exam_2026_s001"), "exam_2026_s001")
        let a = ILabX.originId(attempt: "a-b/c"), b = ILabX.originId(attempt: "a_b_c"), c = ILabX.originId(attempt: "a.b.c")
        XCTAssertEqual(a, "a_b_c_4e84717d75bd") // sha256("a-b/c") from python3
        XCTAssertEqual(b, "a_b_c")
        XCTAssertNotEqual(a, c)
        for id in [a, c, ILabX.originId(attempt: "考生-01"), ILabX.originId(attempt: String(repeating: "x", count: 300))] {
            XCTAssertNotNil(id.range(of: "^[A-Za-z0-9_]+$", options: .regularExpression), id)
            XCTAssertLessThanOrEqual(id.count, ILabX.Limit.originId)
        }
        let att = try ExportTestSupport.attempts()[0]
        var twin = att
        twin.attempt = ILabX.originId(attempt: att.attempt) // sanitises to itself: a clash
        XCTAssertThrowsError(try ILabX.records([(att, Date()), (twin, Date())], options: options))
    }

    func testLengthLimits() throws {
        var a = try ExportTestSupport.attempts()[0]
        a.steps[0].scoringModel.zh = String(repeating: "长", count: 400)
        a.steps[0].evaluationText.zh = String(repeating: "评", count: 40)
        a.steps[0].title.zh = String(repeating: "题", count: 300)
        a.student = String(repeating: "s", count: 100)
        let v = try JSONText.parse(Array(ILabX.record(a, started: Date(timeIntervalSince1970: 1_795_924_800), options: options).render().utf8))
        let s0 = try XCTUnwrap(v["steps"]?.array?.first)
        XCTAssertEqual(s0["scoringModel"]?.string?.count, ILabX.Limit.scoringModel)
        XCTAssertEqual(s0["scoringModel"]?.string?.last, "…")
        XCTAssertEqual(s0["evaluation"]?.string?.count, ILabX.Limit.evaluation)
        XCTAssertEqual(s0["title"]?.string?.count, ILabX.Limit.stepTitle)
        XCTAssertEqual(v["username"]?.string?.count, ILabX.Limit.username)
    }

    func testSignature() {
        // python3: hashlib.md5(b"TICKET-1" + b"100400" + b"s3cret").hexdigest().upper()
        XCTAssertEqual(ILabX.signature(ticket: "TICKET-1", appid: "100400", secret: "s3cret"), "9C5CD11BEE70E01486B9DA7A4862E92E")
    }

    func testUploadAgainstTheLocalTestServer() throws {
        let script = ExportTestSupport.repoRoot.appendingPathComponent("Tools/ilabx-test-server.py").path
        let server = try ChildProcess(try ExportTestSupport.python3(), [script, "--appid", "100400", "--secret", "s3cret+/=", "--ticket", "TICKET 1+"])
        defer { server.stop() }
        let port = try XCTUnwrap(Int(server.firstLine()))
        let base = URL(string: "http://127.0.0.1:\(port)/")!
        let up = ILabXUploader(base: base, appid: "100400", secret: "s3cret+/=", timeout: 10)
        let recs = try records()
        let token = try up.token(ticket: "TICKET 1+")
        for r in recs { try up.upload(record: r, token: token) }
        // The server stored both records as sent.
        let got = try URLSessionTransport().send(HTTPRequest(method: "GET", url: base.appendingPathComponent("_uploads"), timeout: 10))
        let arr = try XCTUnwrap(JSONText.parse(got.body).array)
        XCTAssertEqual(arr.count, 2)
        XCTAssertEqual(arr.map { $0["originId"]?.string }, recs.map { $0["originId"].flatMap { if case .string(let s) = $0 { return s } else { return nil } } })
        // Uploading the same originId again is refused by the server and reported.
        XCTAssertThrowsError(try up.upload(record: recs[0], token: token)) { e in XCTAssertTrue("\(e)".contains("already uploaded"), "\(e)") }
        // A wrong secret: the signature check fails, and the secret is not in the error.
        let bad = ILabXUploader(base: base, appid: "100400", secret: "wrong-secret", timeout: 10)
        XCTAssertThrowsError(try bad.token(ticket: "TICKET 1+")) { e in
            XCTAssertTrue("\(e)".contains("signature mismatch"), "\(e)")
            XCTAssertFalse("\(e)".contains("wrong-secret"))
        }
        XCTAssertThrowsError(try up.upload(record: recs[1], token: "forged")) { e in XCTAssertTrue("\(e)".contains("invalid access_token"), "\(e)") }
    }
}

final class ExportCSVTests: XCTestCase {
    func testBOMAndOneRowPerAttemptAndPerStep() throws {
        let list = try ExportTestSupport.attempts().map { ($0, XAPIStatementTests.started) }
        let a = ExportCSV.attempts(list), s = ExportCSV.steps(list)
        for t in [a, s] {
            XCTAssertEqual(Array(t.utf8.prefix(3)), [0xEF, 0xBB, 0xBF])
            XCTAssertTrue(t.hasSuffix("\r\n"))
        }
        let arows = a.dropFirst().components(separatedBy: "\r\n").dropLast()
        XCTAssertEqual(arows.count, 3)
        XCTAssertEqual(arows.first, ExportCSV.headings(ExportCSV.attemptColumns, .zhCN).joined(separator: ","))
        XCTAssertTrue(arows.first?.hasPrefix("考核编号,注册号,学员,工位,场景编号,名称,模式,随机种子,开始时间,结束时间,") == true)
        let m = arows[arows.index(after: arows.startIndex)].components(separatedBy: ",")
        XCTAssertEqual(m[0], "sha256-84f131055f054d6156c58fb5852f3a73")
        XCTAssertEqual(m[1], XAPIProfile.registration(key: try XCTUnwrap(list.first { $0.0.attempt == m[0] }).0.registrationKey), "the xAPI registration (Docs/xapi-profile.md)")
        XCTAssertEqual(m[8], "2026-11-29T12:00:00.000+08:00", "local (Beijing) time with its offset")
        XCTAssertEqual(m[9], "2026-11-29T12:09:00.000+08:00")
        XCTAssertEqual(m[13], "43")
        XCTAssertEqual(m[16], "差")
        XCTAssertEqual(m[18], "4")
        let srows = s.dropFirst().components(separatedBy: "\r\n").dropLast()
        XCTAssertEqual(srows.count, 1 + 20)
        XCTAssertTrue(s.contains(",2,go_to_tank,到达罐区,true,2026-11-29T12:00:00.000+08:00,2026-11-29T12:00:15.100+08:00,15.1,45,5,5,1,优,"), s)
        // English keys and UTC on request.
        let en = ExportCSV.attempts(list, language: .en, offset: .utc)
        let erows = try CSV.parse(en)
        XCTAssertEqual(erows[0], ExportCSV.attemptColumns)
        XCTAssertEqual(erows[1][8], "2026-11-29T04:00:00.000+00:00")
        // Every column has a zh-CN heading.
        for k in ExportCSV.attemptColumns + ExportCSV.stepColumns { XCTAssertNotNil(ExportCSV.zhHeadings[k], k) }
        // Formula defence and quoting.
        var x = list[0].0
        x.student = "=HYPERLINK(\"x\")"
        let t = ExportCSV.attempts([(x, XAPIStatementTests.started)])
        XCTAssertTrue(t.contains(",\"'=HYPERLINK(\"\"x\"\")\","), t)
    }
}
