import Foundation
import XCTest
@testable import HazLabRecords

/// Statement building for the demo mistakes attempt: order, content, ids, byte stability, and
/// the validator.
final class XAPIStatementTests: XCTestCase {
    static let started = Date(timeIntervalSince1970: 1_795_924_800) // 2026-11-29T04:00:00.000Z

    func attempt(_ json: String = ExportFixtures.mistakes) throws -> ExportAttempt {
        try ExportAttempt(record: JSONText.parse(Array(json.utf8)))
    }

    func statements() throws -> [XAPIStatement] {
        XAPIStatementBuilder().statements(for: try attempt(), started: Self.started)
    }

    func parsed(_ s: XAPIStatement) throws -> JSONText.Value { try JSONText.parse(Array(s.body.utf8)) }

    func testUUIDv5KnownVectors() {
        // Python: uuid.uuid5(uuid.NAMESPACE_DNS, "python.org"), uuid.uuid5(uuid.NAMESPACE_URL, "http://python.org/")
        XCTAssertEqual(UUIDv5.string(namespace: UUIDv5.dnsNamespace, name: "python.org"), "886313e1-3b8a-5372-9b90-0c9aee199e5d")
        XCTAssertEqual(UUIDv5.string(namespace: UUIDv5.urlNamespace, name: "http://python.org/"), "4c565f0d-3f5a-5890-b41b-20cf47701c5e")
        // The HazLab namespace and the id scheme (same values from Python's uuid module).
        XCTAssertEqual(UUIDv5.format(XAPIProfile.namespace), "f65abea7-ae8b-51f9-a57b-3edc798f458e")
        let a = "sha256-84f131055f054d6156c58fb5852f3a73"
        XCTAssertEqual(XAPIProfile.registration(key: "exam:tank-filling:20261129:demo-mistakes"), "de815afc-b419-5cff-b441-9b597dd5f18b")
        XCTAssertEqual(XAPIProfile.sessionId(attempt: a), "cf55c212-7644-558f-b5fa-68f1aef69892")
        XCTAssertEqual(XAPIProfile.statementId(attempt: "a1", result: "r1", sequence: 0), "d24e1d3d-3e2d-5c2b-87a3-5d963d177069")
        XCTAssertEqual(XAPIProfile.voidingId(of: "9610242B-397E-51A2-8A2B-57CF6C7E2506"), "689447b8-6e22-5c65-bfd3-2586ad772fd5")
        XCTAssertEqual(UUIDv5.parse("886313E1-3B8A-5372-9B90-0C9AEE199E5D"), UUIDv5.bytes(namespace: UUIDv5.dnsNamespace, name: "python.org"))
    }

    func testTimeFormatting() {
        let t0 = ExportTime.millis(Self.started)
        XCTAssertEqual(ExportTime.iso8601(millis: t0), "2026-11-29T04:00:00.000Z")
        XCTAssertEqual(ExportTime.iso8601(millis: ExportTime.millis(started: t0, plusSeconds: 15.1)), "2026-11-29T04:00:15.100Z")
        XCTAssertEqual(ExportTime.iso8601(millis: 951_782_400_000), "2000-02-29T00:00:00.000Z")
        XCTAssertEqual(ExportTime.iso8601(millis: -1), "1969-12-31T23:59:59.999Z")
        XCTAssertEqual(ExportTime.parseISO8601("2026-11-29T04:00:15.1Z"), t0 + 15_100)
        XCTAssertEqual(ExportTime.parseISO8601("2026-11-29T12:00:15.100+08:00"), t0 + 15_100)
        XCTAssertEqual(ExportTime.parseISO8601("2026-11-29T04:00:15.746840+00:00"), t0 + 15_746)
        XCTAssertNil(ExportTime.parseISO8601("2026-11-29 04:00:15Z"))
        XCTAssertNil(ExportTime.parseISO8601("2026-02-30T04:00:15Z"))
        XCTAssertNil(ExportTime.parseISO8601("2026-11-29T04:00:15"))
        XCTAssertEqual(ExportTime.duration(seconds: 15.1), "PT15.1S")
        XCTAssertEqual(ExportTime.duration(seconds: 540), "PT540S")
        XCTAssertEqual(ExportTime.duration(seconds: 0.05), "PT0.05S")
        XCTAssertEqual(ExportTime.duration(seconds: 0), "PT0S")
    }

    /// The statement about `object` (an IRI ending), for tests that do not care about order.
    func about(_ s: [XAPIStatement], _ suffix: String) throws -> JSONText.Value {
        for st in s {
            let v = try parsed(st)
            if v["object"]?["id"]?.string?.hasSuffix(suffix) == true { return v }
        }
        XCTFail("no statement about \(suffix)")
        return .null
    }

    func testStatementOrderForTheMistakesAttempt() throws {
        let a = try attempt()
        let s = try statements()
        let V = XAPIProfile.Verb.self
        // Steps and violations in the order they happened; not every step done: no completed.
        XCTAssertEqual(s.map(\.verb), [V.initialized, V.violated, V.performedStep, V.violated, V.performedStep, V.performedStep,
                                       V.performedStep, V.violated, V.performedStep, V.violated, V.performedStep, V.performedStep,
                                       V.performedStep, V.performedStep, V.performedStep, V.failed, V.terminated])
        XCTAssertEqual(a.safetyViolations.map(\.cause), ["rejected-action", "rule", "rejected-action", "hazard"])
        XCTAssertFalse(a.completedProcedure)
        let registration = XAPIProfile.registration(key: "exam:tank-filling:20261129:demo-mistakes")
        var last = ""
        for (i, st) in s.enumerated() {
            XCTAssertEqual(st.sequence, i)
            XCTAssertEqual(st.id, XAPIProfile.statementId(attempt: a.attempt, result: a.resultIdentity, sequence: i))
            let v = try parsed(st)
            XCTAssertEqual(v["id"]?.string, st.id)
            XCTAssertEqual(v["context"]?["registration"]?.string, registration)
            XCTAssertEqual(v["context"]?["extensions"]?[XAPIProfile.Extension.cmi5SessionId]?.string, XAPIProfile.sessionId(attempt: a.attempt))
            XCTAssertEqual(v["actor"]?["account"]?["name"]?.string, "demo-mistakes")
            XCTAssertEqual(v["verb"]?["id"]?.string, st.verb)
            XCTAssertEqual(XAPIValidator.validate(v), [], "statement \(i)")
            let ts = try XCTUnwrap(v["timestamp"]?.string)
            XCTAssertGreaterThanOrEqual(ts, last, "statement \(i): timestamps in the order sent")
            last = ts
        }
        // Only failed carries the score among the attempt-level statements.
        for i in [0, 16] { XCTAssertNil(try parsed(s[i])["result"]?["score"], "statement \(i)") }
        let failed = try parsed(s[15])
        XCTAssertEqual(failed["result"]?["score"]?["raw"]?.numberText, "43.12")
        XCTAssertEqual(failed["result"]?["score"]?["max"]?.numberText, "100")
        XCTAssertEqual(failed["result"]?["score"]?["scaled"]?.numberText, "0.4312")
        XCTAssertEqual(failed["result"]?["success"]?.bool, false)
        XCTAssertEqual(failed["result"]?["duration"]?.string, "PT540S")
        XCTAssertEqual(failed["timestamp"]?.string, "2026-11-29T04:09:00.000Z")
        XCTAssertEqual(try parsed(s[0])["timestamp"]?.string, "2026-11-29T04:00:00.000Z")
        // cmi5 category on the cmi5-defined statements only.
        XCTAssertEqual(try parsed(s[0])["context"]?["contextActivities"]?["category"]?.array?.first?["id"]?.string, XAPIProfile.cmi5Category)
        XCTAssertNil(try parsed(s[1])["context"]?["contextActivities"]?["category"])
    }

    func testStepStatementContent() throws {
        let s = try statements()
        // Step 2, go_to_tank: completed at 15.1 s, 5/5, one operation, expected 45 s.
        let v = try about(s, "/steps/go_to_tank")
        XCTAssertEqual(v["object"]?["id"]?.string, "https://w3id.org/xapi/hazlab/scenarios/tank-filling/steps/go_to_tank")
        XCTAssertEqual(v["object"]?["definition"]?["name"]?["zh-CN"]?.string, "到达罐区")
        XCTAssertEqual(v["object"]?["definition"]?["type"]?.string, XAPIProfile.ActivityType.step)
        XCTAssertEqual(v["context"]?["contextActivities"]?["parent"]?.array?.first?["id"]?.string,
                       "https://w3id.org/xapi/hazlab/scenarios/tank-filling")
        let r = v["result"]
        XCTAssertEqual(r?["score"]?["raw"]?.numberText, "5")
        XCTAssertEqual(r?["score"]?["scaled"]?.numberText, "1")
        XCTAssertEqual(r?["success"]?.bool, true)
        XCTAssertEqual(r?["completion"]?.bool, true)
        XCTAssertEqual(r?["duration"]?.string, "PT15.1S")
        let x = r?["extensions"]
        XCTAssertEqual(x?[XAPIProfile.Extension.expectedTime]?.string, "PT45S")
        XCTAssertEqual(x?[XAPIProfile.Extension.repeatCount]?.numberText, "1")
        XCTAssertEqual(x?[XAPIProfile.Extension.evaluation]?["code"]?.string, "excellent")
        XCTAssertEqual(x?[XAPIProfile.Extension.evaluation]?["display"]?["zh-CN"]?.string, "优")
        XCTAssertTrue(x?[XAPIProfile.Extension.scoringModel]?["zh-CN"]?.string?.hasPrefix("完成得 5 分") ?? false)
        XCTAssertEqual(v["timestamp"]?.string, "2026-11-29T04:00:15.100Z")
        // Step 1, ppe: not completed; its duration runs to the end of the attempt.
        let p = try about(s, "/steps/ppe")["result"]
        XCTAssertEqual(p?["completion"]?.bool, false)
        XCTAssertEqual(p?["success"]?.bool, false)
        XCTAssertEqual(p?["score"]?["raw"]?.numberText, "0")
        XCTAssertEqual(p?["duration"]?.string, "PT540S")
        XCTAssertEqual(p?["extensions"]?[XAPIProfile.Extension.remarks]?["zh-CN"]?.string, "未完成")
        // A violation: the PPE rule at 15.1 s, 5 points.
        let viol = try about(s, "/safety/rule/ppe_in_tank_farm")
        XCTAssertEqual(viol["result"]?["extensions"]?[XAPIProfile.Extension.points]?.numberText, "5")
        XCTAssertEqual(viol["timestamp"]?.string, "2026-11-29T04:00:15.100Z")
    }

    func testRegenerationIsByteIdentical() throws {
        let first = try statements().map(\.body)
        // Parse the record again, build again: the same bytes.
        let again = XAPIStatementBuilder().statements(for: try attempt(), started: Self.started).map(\.body)
        XCTAssertEqual(first, again)
        // The record read through results.json gives the same too.
        let fromFile = try ExportAttempt.read(json: Array(ExportFixtures.resultsJSON.utf8))
        XCTAssertEqual(fromFile.count, 2)
        XCTAssertEqual(XAPIStatementBuilder().statements(for: fromFile[0], started: Self.started).map(\.body), first)
        // Keys in the documented order.
        XCTAssertTrue(first[0].hasPrefix("{\"id\":\"\(try statements()[0].id)\",\"actor\":{\"objectType\":\"Agent\",\"account\":"))
        // A passed attempt with every step done ends completed, passed, terminated; no violations.
        let p = XAPIStatementBuilder().statements(for: fromFile[1], started: Self.started)
        XCTAssertEqual(p.map(\.verb).suffix(3), [XAPIProfile.Verb.completed, XAPIProfile.Verb.passed, XAPIProfile.Verb.terminated])
        XCTAssertFalse(p.contains { $0.verb == XAPIProfile.Verb.violated })
    }

    func testStartTimeFromTheRecordTheJournalOrTheFallback() throws {
        let dir = try ExportTestSupport.tempDir("started")
        defer { try? FileManager.default.removeItem(at: dir) }
        let journal = dir.appendingPathComponent("j.jsonl").path
        try Data(#"{"type":"header","format":1,"engine":"0.1.0","scenario":"tank-filling","scenarioSHA256":"x","seed":1,"mode":"exam","student":"s","workstation":"w","attempt":"a1","started":"2026-11-29T04:00:00.000Z"}"#.utf8 + [10])
            .write(to: URL(fileURLWithPath: journal))
        var a = try attempt()
        XCTAssertThrowsError(try a.startTime(fallback: nil)) { e in XCTAssertTrue("\(e)".contains("pass --started"), "\(e)") }
        XCTAssertEqual(try a.startTime(fallback: Self.started.addingTimeInterval(60)), Self.started.addingTimeInterval(60))
        a.journal = journal
        XCTAssertEqual(try a.startTime(fallback: Self.started.addingTimeInterval(60)), Self.started)
        let withStarted = ExportFixtures.mistakes.replacingOccurrences(of: "\"seed\":", with: "\"started\":\"2026-11-29T05:00:00.000Z\",\"seed\":")
        XCTAssertEqual(try self.attempt(withStarted).startTime(fallback: nil), Self.started.addingTimeInterval(3600))
    }

    // MARK: - Validator

    /// A valid statement with one change applied (as a JSON text edit).
    func mutated(_ from: String, _ to: String) throws -> [String] {
        let body = try statements()[2].body // go_to_tank
        XCTAssertTrue(body.contains(from), "fixture lacks \(from)")
        return XAPIValidator.validate(body.replacingOccurrences(of: from, with: to))
    }

    func assertRejects(_ from: String, _ to: String, _ expect: String, line: UInt = #line) throws {
        let problems = try mutated(from, to)
        XCTAssertTrue(problems.contains { $0.contains(expect) }, "expected '\(expect)' in \(problems)", line: line)
    }

    func testValidatorRejectsEachKindOfInvalidStatement() throws {
        let s = try statements()[2]
        let id = s.id
        let reg = s.registration
        try assertRejects("\"id\":\"\(id)\"", "\"id\":\"not-a-uuid\"", "statement.id: not a UUID")
        try assertRejects("\"actor\":", "\"aktor\":", "statement.actor: required")
        try assertRejects("\"account\":{", "\"mbox\":\"mailto:a@b.c\",\"account\":{", "exactly one of mbox")
        try assertRejects("\"account\":{", "\"mbox\":\"a@b.c\",\"x\":{", "mbox: must be a mailto")
        try assertRejects("\"homePage\":\"https://w3id.org", "\"homePage\":\"no scheme w3id.org", "account.homePage: not an IRI")
        try assertRejects("\"id\":\"https://w3id.org/xapi/hazlab/verbs/performed-step\"", "\"id\":\"performed step\"", "statement.verb.id: not an IRI")
        try assertRejects("\"scaled\":1", "\"scaled\":1.5", "scaled: 1.5 is outside")
        try assertRejects("\"raw\":5", "\"raw\":7", "raw: 7.0 is above max")
        try assertRejects("\"raw\":5", "\"raw\":-1", "below min")
        try assertRejects("\"min\":0", "\"min\":5", "min must be less than max")
        try assertRejects("\"duration\":\"PT15.1S\"", "\"duration\":\"15.1 s\"", "not an ISO 8601 duration")
        try assertRejects("\"timestamp\":\"2026-11-29T04:00:15.100Z\"", "\"timestamp\":\"29/11/2026\"", "timestamp: not an ISO 8601")
        try assertRejects("\"zh-CN\":\"到达罐区\"", "\"zh CN\":\"到达罐区\"", "is not a language tag")
        try assertRejects("\"https://w3id.org/xapi/hazlab/extensions/repeat-count\"", "\"repeat-count\"", "key \"repeat-count\" is not an IRI")
        try assertRejects("\"registration\":\"\(reg)\"", "\"registration\":\"12345\"", "registration: not a UUID")
        try assertRejects("\"success\":true", "\"success\":\"yes\"", "success: must be true or false")
        try assertRejects("\"contextActivities\":{\"parent\"", "\"contextActivities\":{\"parents\"", "not a context activity kind")
        try assertRejects("{\"id\":\"\(id)\"", "{\"version\":\"2.0.0\",\"id\":\"\(id)\"", "version: must be 1.0.x")
        try assertRejects("{\"id\":\"\(id)\"", "{\"colour\":\"red\",\"id\":\"\(id)\"", "colour: not a member")
        try assertRejects("\"objectType\":\"Activity\",\"id\":\"https://w3id.org/xapi/hazlab/scenarios/tank-filling/steps", "\"objectType\":\"Thing\",\"id\":\"https://w3id.org/xapi/hazlab/scenarios/tank-filling/steps", "unknown object type")
        XCTAssertEqual(XAPIValidator.validate("{not json"), ["statement: not valid JSON"])
    }

    func testValidatorScalars() {
        for d in ["PT15.1S", "P1D", "P1Y2M3DT4H5M6.5S", "PT0S", "P3W"] { XCTAssertTrue(XAPIValidator.isDuration(d), d) }
        for d in ["P", "PT", "15S", "PT1.S", "PT1M2H", "P1S", "PT1.5M"] { XCTAssertFalse(XAPIValidator.isDuration(d), d) }
        for t in ["en", "zh-CN", "en-US", "zh-Hans-CN"] { XCTAssertTrue(XAPIValidator.isLanguageTag(t), t) }
        for t in ["", "zh_CN", "toolongtag-x", "1a"] { XCTAssertFalse(XAPIValidator.isLanguageTag(t), t) }
        XCTAssertTrue(XAPIValidator.isIRI("https://w3id.org/xapi/hazlab/verbs/violated"))
        XCTAssertTrue(XAPIValidator.isIRI("urn:uuid:1"))
        XCTAssertFalse(XAPIValidator.isIRI("violated"))
        XCTAssertFalse(XAPIValidator.isIRI("https://x.org/a b"))
        // The scheme: a letter, then letters, digits, + - . ; then a colon and something after it.
        for iri in ["h2t+p.x-y:z", "urn:中文", "a:b"] { XCTAssertTrue(XAPIValidator.isIRI(iri), iri) }
        for bad in ["1http:x", "ht_tp:x", "http:", ":x", "", "中:x", "http://x/{y}", "http://x/\u{7F}", "http://x/a\\b", "http://x/`"] {
            XCTAssertFalse(XAPIValidator.isIRI(bad), bad)
        }
    }

    func testIRISegmentsEscapeOddIds() {
        XCTAssertEqual(XAPIProfile.iriSegment("a b/中"), "a%20b%2F%E4%B8%AD")
        XCTAssertTrue(XAPIValidator.isIRI(XAPIProfile.stepActivity("tank filling", "步骤 1")))
    }
}
