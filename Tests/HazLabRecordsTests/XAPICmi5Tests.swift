import Foundation
import XCTest
@testable import HazLabRecords

/// Records edited from the demo fixtures, one edge case each.
enum EdgeRecords {
    /// `text` with the first `from` replaced by `to` (the fixture must contain it).
    static func once(_ text: String, _ from: String, _ to: String) -> String {
        guard let r = text.range(of: from) else { XCTFail("fixture lacks \(from)"); return text }
        return text.replacingCharacters(in: r, with: to)
    }

    /// A step worth no points (reactor-cooling-loss has one: a marker step, `score: 0`).
    static var zeroPointStep: String { once(ExportFixtures.perfect, #""maxScore":5,"score":5"#, #""maxScore":0,"score":0"#) }
    /// An attempt with no points at all (every step a marker).
    static var zeroPointAttempt: String { once(ExportFixtures.perfect, #""total":100,"max":100,"passScore":60"#, #""total":0,"max":0,"passScore":0"#) }
    /// A quality window worth no points.
    static var zeroPointQuality: String {
        once(ExportFixtures.perfect, #""maxScore":10,"score":10,"evaluation":"excellent","scoringModel":{"zh":"自"#,
             #""maxScore":0,"score":0,"evaluation":"excellent","scoringModel":{"zh":"自"#)
    }
    /// An accident with no subject and no title.
    static var accidentWithoutSubject: String {
        once(ExportFixtures.mistakes, #""deductions":["#,
             #""deductions":[{"tick":4800,"seconds":480,"cause":"accident","subject":"","detail":"","points":40,"veto":true},"#)
    }
    /// Names empty in one language (the scenario), in both (a step).
    static var emptyNames: String {
        once(once(ExportFixtures.perfect, #""scenarioTitle":{"zh":"储罐进料操作","en":"Feed tank filling"}"#, #""scenarioTitle":{"zh":"","en":"Feed tank filling"}"#),
             #""title":{"zh":"穿戴劳保用品","en":"Put on PPE"}"#, #""title":{"zh":"","en":""}"#)
    }
    /// An idle attempt: nothing done.
    static var idle: String { ExportFixtures.mistakes.replacingOccurrences(of: #""completed":true"#, with: #""completed":false"#) }
    /// The mistakes attempt regraded to another result.
    static var regradedMistakes: String { once(ExportFixtures.mistakes, #""total":43.12"#, #""total":45.12"#) }

    static func attempt(_ json: String) throws -> ExportAttempt { try ExportAttempt(record: JSONText.parse(Array(json.utf8))) }
    static func statements(_ json: String) throws -> [XAPIStatement] {
        XAPIStatementBuilder().statements(for: try attempt(json), started: XAPIStatementTests.started)
    }
}

/// cmi5 rules for the statements of one attempt, and every edge case the scoring rules allow.
final class XAPICmi5Tests: XCTestCase {
    typealias V = XAPIProfile.Verb

    func parsed(_ s: XAPIStatement) throws -> JSONText.Value { try JSONText.parse(Array(s.body.utf8)) }

    /// The cmi5 rules every attempt's statements follow.
    func assertCmi5(_ s: [XAPIStatement], file: StaticString = #filePath, line: UInt = #line) throws {
        XCTAssertEqual(s.first?.verb, V.initialized, "initialized first", file: file, line: line)
        XCTAssertEqual(s.last?.verb, V.terminated, "terminated last", file: file, line: line)
        XCTAssertEqual(s.filter { $0.verb == V.passed || $0.verb == V.failed }.count, 1, "passed or failed, never both", file: file, line: line)
        XCTAssertLessThanOrEqual(s.filter { $0.verb == V.completed }.count, 1, file: file, line: line)
        var last = Int64.min
        for st in s {
            let v = try parsed(st)
            XCTAssertEqual(XAPIValidator.validate(v), [], "\(st.verb) #\(st.sequence)", file: file, line: line)
            let ms = try XCTUnwrap(ExportTime.parseISO8601(v["timestamp"]?.string ?? ""))
            XCTAssertGreaterThanOrEqual(ms, last, "timestamps in the order sent", file: file, line: line)
            last = ms
            if [V.completed, V.passed, V.failed, V.terminated].contains(st.verb) {
                XCTAssertNotNil(v["result"]?["duration"]?.string, "\(st.verb) carries result.duration", file: file, line: line)
            }
            if [V.completed, V.terminated, V.initialized].contains(st.verb) {
                XCTAssertNil(v["result"]?["score"], "\(st.verb) carries no score", file: file, line: line)
            }
        }
    }

    func testEveryEdgeCaseBuildsValidStatements() throws {
        // Before the fix, a 0-point step or attempt gave score min 0 = max 0 ("min must be
        // less than max"), and the whole export stopped.
        for (name, json) in [("0-point step", EdgeRecords.zeroPointStep), ("0-point attempt", EdgeRecords.zeroPointAttempt),
                             ("0-point quality window", EdgeRecords.zeroPointQuality),
                             ("accident without subject", EdgeRecords.accidentWithoutSubject), ("empty names", EdgeRecords.emptyNames),
                             ("idle", EdgeRecords.idle), ("mistakes", ExportFixtures.mistakes), ("perfect", ExportFixtures.perfect)] {
            let s = try EdgeRecords.statements(json)
            XCTAssertNoThrow(try XAPIExporter.items(s), name)
            try assertCmi5(s)
            // The exporter validates the built value, not the parsed text: they must be the same.
            for st in s {
                XCTAssertEqual(OrderedJSON(st.json.value).render(), st.body, name)
                XCTAssertEqual(XAPIValidator.validate(st.json.value), XAPIValidator.validate(st.body), name)
            }
        }
    }

    func testAZeroPointStepOrAttemptCarriesNoScore() throws {
        let s = try EdgeRecords.statements(EdgeRecords.zeroPointStep)
        let step = try XCTUnwrap(try s.map(parsed).first { $0["object"]?["id"]?.string?.hasSuffix("/steps/go_to_tank") == true })
        XCTAssertNil(step["result"]?["score"])
        XCTAssertEqual(step["result"]?["completion"]?.bool, true)
        let other = try XCTUnwrap(try s.map(parsed).first { $0["object"]?["id"]?.string?.hasSuffix("/steps/ppe") == true })
        XCTAssertEqual(other["result"]?["score"]?["max"]?.numberText, "10")

        let z = try EdgeRecords.statements(EdgeRecords.zeroPointAttempt)
        let pf = try parsed(try XCTUnwrap(z.first { $0.verb == V.passed || $0.verb == V.failed }))
        XCTAssertNil(pf["result"]?["score"])
        XCTAssertNotNil(pf["result"]?["success"]?.bool)
    }

    func testAnAccidentWithoutSubjectAndEmptyNames() throws {
        let s = try EdgeRecords.statements(EdgeRecords.accidentWithoutSubject)
        let acc = try XCTUnwrap(try s.map(parsed).first { $0["result"]?["extensions"]?[XAPIProfile.Extension.cause]?.string == "accident" })
        XCTAssertEqual(acc["object"]?["id"]?.string, "https://w3id.org/xapi/hazlab/scenarios/tank-filling/safety/accident")
        XCTAssertEqual(acc["object"]?["definition"]?["name"]?["en-US"]?.string, "accident")

        let e = try EdgeRecords.statements(EdgeRecords.emptyNames).map(parsed)
        let scenarioName = e[0]["object"]?["definition"]?["name"]
        XCTAssertNil(scenarioName?["zh-CN"], "an empty text is left out of the language map")
        XCTAssertEqual(scenarioName?["en-US"]?.string, "Feed tank filling")
        let ppe = try XCTUnwrap(e.first { $0["object"]?["id"]?.string?.hasSuffix("/steps/ppe") == true })
        if case .object(let names)? = ppe["object"]?["definition"]?["name"] { XCTAssertEqual(names.count, 1) } else { XCTFail("no name") }
        XCTAssertEqual(ppe["object"]?["definition"]?["name"]?["en-US"]?.string, "ppe", "both empty: the step id")
    }

    func testCompletedOnlyWhenEveryStepWasDone() throws {
        // Before: an idle attempt and one cut short were both sent as completed.
        let idle = try EdgeRecords.statements(EdgeRecords.idle)
        XCTAssertFalse(idle.contains { $0.verb == V.completed })
        XCTAssertEqual(idle.map(\.verb).suffix(2), [V.failed, V.terminated])
        XCTAssertFalse(try EdgeRecords.statements(ExportFixtures.mistakes).contains { $0.verb == V.completed })
        let perfect = try EdgeRecords.statements(ExportFixtures.perfect)
        XCTAssertEqual(perfect.map(\.verb).suffix(3), [V.completed, V.passed, V.terminated])
        let completed = try parsed(try XCTUnwrap(perfect.first { $0.verb == V.completed }))
        XCTAssertEqual(completed["result"]?["completion"]?.bool, true)
        let cats = completed["context"]?["contextActivities"]?["category"]?.array?.compactMap { $0["id"]?.string }
        XCTAssertEqual(cats, [XAPIProfile.cmi5Category, XAPIProfile.moveOnCategory])
        // A cut-short journal is not a completed procedure even when the steps say so.
        let cut = EdgeRecords.once(ExportFixtures.perfect, #""complete":true"#, #""complete":false"#)
        XCTAssertFalse(try EdgeRecords.statements(cut).contains { $0.verb == V.completed })
    }

    func testRegistrationIsTheEnrolmentAndSessionIdTheLaunch() throws {
        func reg(_ a: ExportAttempt) -> String { XAPIProfile.registration(key: a.registrationKey) }
        let exam = try EdgeRecords.attempt(ExportFixtures.mistakes)
        let exam2 = try EdgeRecords.attempt(ExportFixtures.perfect)
        // Two students of one exam: two enrolments.
        XCTAssertNotEqual(reg(exam), reg(exam2))
        // One student's practice attempts of one scenario: one registration, two sessions.
        func practice(_ attempt: String, seed: String) throws -> ExportAttempt {
            var j = EdgeRecords.once(ExportFixtures.mistakes, #""mode":"exam""#, #""mode":"practice""#)
            j = EdgeRecords.once(j, #""attempt":"sha256-84f131055f054d6156c58fb5852f3a73""#, "\"attempt\":\"\(attempt)\"")
            j = EdgeRecords.once(j, #""seed":20261129"#, "\"seed\":\(seed)")
            return try EdgeRecords.attempt(j)
        }
        let p1 = try practice("p-1", seed: "11"), p2 = try practice("p-2", seed: "12")
        XCTAssertEqual(reg(p1), reg(p2))
        XCTAssertNotEqual(reg(p1), reg(exam))
        let s1 = try XAPIStatementBuilder().statements(for: p1, started: XAPIStatementTests.started).map(parsed)
        let s2 = try XAPIStatementBuilder().statements(for: p2, started: XAPIStatementTests.started).map(parsed)
        let sid = XAPIProfile.Extension.cmi5SessionId
        XCTAssertEqual(s1[0]["context"]?["registration"]?.string, s2[0]["context"]?["registration"]?.string)
        XCTAssertNotEqual(s1[0]["context"]?["extensions"]?[sid]?.string, s2[0]["context"]?["extensions"]?[sid]?.string)
        XCTAssertNotEqual(s1[0]["context"]?["extensions"]?[sid]?.string, s1[0]["context"]?["registration"]?.string,
                          "the session id is not the registration")
        // A registration given in the record (exam plan or assignment) wins.
        let given = EdgeRecords.once(ExportFixtures.mistakes, #""mode":"exam""#, #""mode":"exam","registration":"plan-2026-autumn/s1""#)
        XCTAssertEqual(try EdgeRecords.attempt(given).registrationKey, "given:plan-2026-autumn/s1")
    }

    func testStatementIdsFollowTheResultNotTheJournalPath() throws {
        let a = try EdgeRecords.statements(ExportFixtures.mistakes).map(\.id)
        let moved = try EdgeRecords.statements(ExportFixtures.mistakes.replacingOccurrences(of: "xg/sub/mistakes.jsonl", with: "elsewhere/m.jsonl")).map(\.id)
        XCTAssertEqual(a, moved, "the same result from another folder: the same ids")
        let regraded = try EdgeRecords.statements(EdgeRecords.regradedMistakes).map(\.id)
        XCTAssertTrue(Set(a).isDisjoint(with: regraded), "another result: new ids")
    }
}

/// Queueing: quarantine of one attempt, and voiding of a regraded result.
final class XAPIQueueTests: XCTestCase {
    func testAnInvalidAttemptIsQuarantinedAloneAndTheRestDelivered() throws {
        let o = InMemoryOutbox()
        var bad = try EdgeRecords.statements(ExportFixtures.mistakes)
        bad[3].json = try OrderedJSON(JSONText.parse(Array(bad[3].body.replacingOccurrences(of: "\"success\":", with: "\"success\":\"no\",\"x\":").utf8)))
        let good = try EdgeRecords.statements(ExportFixtures.perfect)
        let e1 = try XAPIExporter.enqueue(attempt: bad[0].attempt, bad, into: o)
        let e2 = try XAPIExporter.enqueue(attempt: good[0].attempt, good, into: o)
        XCTAssertTrue(e1.quarantined?.contains("not valid xAPI") ?? false, "\(e1)")
        XCTAssertNil(e2.quarantined)
        XCTAssertEqual(o.quarantined.map(\.attempt), [bad[0].attempt])
        let t = ScriptedTransport { _, _ in HTTPResponse(status: 204, body: []) }
        let r = try XAPIExporter(client: XAPIClient(credentials: XAPIBatchTests.creds, transport: t), batchSize: 1).drain(o)
        XCTAssertEqual(r.delivered, good.count)
        XCTAssertEqual(Set(t.requests.map { $0.url.query ?? "" }), Set(good.map { "statementId=\($0.id)" }))
    }

    func testARegradeVoidsTheDeliveredStatementsAndSupersedesTheRest() throws {
        let o = InMemoryOutbox()
        let old = try EdgeRecords.statements(ExportFixtures.mistakes)
        let attempt = old[0].attempt
        XCTAssertEqual(try XAPIExporter.enqueue(attempt: attempt, old, into: o), XAPIExporter.Enqueued(validatedIds: old.map(\.id)))
        try o.markDelivered(target: "xapi", ids: old.dropLast(2).map(\.id))
        let new = try EdgeRecords.statements(EdgeRecords.regradedMistakes)
        let e = try XAPIExporter.enqueue(attempt: attempt, new, into: o, voidAt: 1_800_000_000_000)
        XCTAssertEqual(e.voided, old.count - 2)
        XCTAssertEqual(e.superseded, 2)
        for s in old.suffix(2) { XCTAssertEqual(o.state(target: "xapi", id: s.id), .superseded) }
        let pending = try o.pending(target: "xapi", limit: 1000)
        XCTAssertEqual(pending.count, old.count - 2 + new.count)
        // The voids go first, from the system agent, each naming one old statement.
        let voids = pending.prefix(old.count - 2)
        XCTAssertEqual(Array(pending.dropFirst(old.count - 2).map(\.id)), new.map(\.id))
        for (v, s) in zip(voids, old) {
            let j = try JSONText.parse(Array(v.body.utf8))
            XCTAssertEqual(XAPIValidator.validate(j), [])
            XCTAssertEqual(j["verb"]?["id"]?.string, XAPIProfile.voidedVerb)
            XCTAssertEqual(j["object"]?["objectType"]?.string, "StatementRef")
            XCTAssertEqual(j["object"]?["id"]?.string, s.id)
            XCTAssertEqual(j["actor"]?["account"]?["name"]?.string, "hazlab-grader")
            XCTAssertEqual(v.id, XAPIProfile.voidingId(of: s.id))
        }
        // Queued again: nothing new.
        XCTAssertEqual(try XAPIExporter.enqueue(attempt: attempt, new, into: o, voidAt: 1_900_000_000_000), XAPIExporter.Enqueued(validatedIds: new.map(\.id)))
        XCTAssertEqual(try o.pending(target: "xapi", limit: 1000).count, pending.count)
    }

    func testTheStoreQuarantinesVoidsAndShowsTheReason() throws {
        let dir = try ExportTestSupport.tempDir("quarantine")
        defer { try? FileManager.default.removeItem(at: dir) }
        let store = try ResultsStore(path: dir.appendingPathComponent("r.sqlite").path, create: true)
        _ = try store.record([ExportFixtures.mistakes, ExportFixtures.perfect], actor: "test")
        let outbox = StoreOutbox(store: store, actor: "test")
        let m = try EdgeRecords.statements(ExportFixtures.mistakes), p = try EdgeRecords.statements(ExportFixtures.perfect)
        _ = try XAPIExporter.enqueue(attempt: m[0].attempt, m, into: outbox)
        _ = try XAPIExporter.enqueue(attempt: p[0].attempt, p, into: outbox)
        // The LRS refuses one statement of the mistakes attempt (a batch, then one by one).
        let refused = m[4].id
        let t = ScriptedTransport { r, _ in
            if r.method == "POST" { return HTTPResponse(status: 400, body: Array("bad statement".utf8)) }
            return HTTPResponse(status: r.url.query == "statementId=\(refused)" ? 400 : 204, body: [])
        }
        let r = try XAPIExporter(client: XAPIClient(credentials: XAPIBatchTests.creds, transport: t), batchSize: 100).drain(outbox)
        XCTAssertEqual(r.quarantined.count, 1)
        XCTAssertEqual(r.delivered, 4 + p.count)
        XCTAssertFalse(t.requests.contains { $0.url.query == "statementId=\(m[5].id)" }, "nothing more of a held-back attempt")
        let status = try XCTUnwrap(store.exportStatus().first)
        XCTAssertEqual(status.quarantined, 1)
        XCTAssertEqual(status.delivered, 1)
        XCTAssertEqual(status.lastErrors.first?.status, "quarantined")
        XCTAssertTrue(status.lastErrors.first?.error.contains("HTTP 400") ?? false, "\(status.lastErrors)")
        XCTAssertTrue(try outbox.pending(target: "xapi", limit: 100).isEmpty)

        // Regrade the perfect attempt: its delivered statements are voided, the new ones queued.
        let regraded = EdgeRecords.once(ExportFixtures.perfect, #""total":100"#, #""total":99"#)
        _ = try store.record([regraded], actor: "test", regrade: true)
        let p2 = try EdgeRecords.statements(regraded)
        let e = try XAPIExporter.enqueue(attempt: p2[0].attempt, p2, into: outbox)
        XCTAssertEqual(e.voided, p.count)
        let ok = ScriptedTransport { _, _ in HTTPResponse(status: 204, body: []) }
        let r2 = try XAPIExporter(client: XAPIClient(credentials: XAPIBatchTests.creds, transport: ok), batchSize: 1000).drain(outbox)
        XCTAssertEqual(r2.alreadyStored, p.count + p2.count)
        XCTAssertEqual(ok.requests.count, 1)
        XCTAssertEqual(try store.exportStatus().first?.delivered, 1)
    }

    func testMigrationFourKeepsTheOutbox() throws {
        let dir = try ExportTestSupport.tempDir("mig4")
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("r.sqlite").path
        do {
            let v3 = try ResultsStore(path: path, create: true, upTo: 3)
            _ = try v3.record([ExportFixtures.mistakes], actor: "test")
            try v3.enqueue(attempt: "sha256-84f131055f054d6156c58fb5852f3a73", destination: "xapi", items: [("i1", "{}"), ("i2", "{}")], actor: "test")
            try v3.markDelivered(try XCTUnwrap(v3.pending(destination: "xapi").first?.seq))
        }
        let v4 = try ResultsStore(path: path)
        let left = try v4.pending(destination: "xapi")
        XCTAssertEqual(left.map(\.id), ["i2"])
        try v4.quarantine(attempt: "sha256-84f131055f054d6156c58fb5852f3a73", destination: "xapi", reason: "test")
        XCTAssertEqual(try v4.items(attempt: "sha256-84f131055f054d6156c58fb5852f3a73", destination: "xapi").map(\.status), ["delivered", "quarantined"])
        // New rows continue the sequence.
        try v4.enqueue(attempt: "sha256-84f131055f054d6156c58fb5852f3a73", destination: "xapi", items: [("i3", "{}")], actor: "test")
        XCTAssertEqual(try v4.pending(destination: "xapi").first?.seq, left[0].seq + 1)
    }
}

/// Statements POSTed in batches.
final class XAPIBatchTests: XCTestCase {
    static let creds = LRSCredentials(endpoint: URL(string: "http://127.0.0.1:9/xAPI")!, username: "teacher", password: "hunter2-secret")

    func testBatchesArePostedAsArraysOfTheExactBytes() throws {
        let o = InMemoryOutbox()
        let m = try EdgeRecords.statements(ExportFixtures.mistakes), p = try EdgeRecords.statements(ExportFixtures.perfect)
        _ = try XAPIExporter.enqueue(attempt: m[0].attempt, m, into: o)
        _ = try XAPIExporter.enqueue(attempt: p[0].attempt, p, into: o)
        let s = m + p
        // The LRS stores all but the first of each batch (already there).
        let t = ScriptedTransport { r, _ in
            let ids = (try JSONText.parse(r.body ?? [])).array?.compactMap { $0["id"]?.string } ?? []
            return HTTPResponse(status: 200, body: Array(("[" + ids.dropFirst().map { "\"\($0)\"" }.joined(separator: ",") + "]").utf8))
        }
        let r = try XAPIExporter(client: XAPIClient(credentials: Self.creds, transport: t), batchSize: 10).drain(o)
        let batches = (s.count + 9) / 10
        XCTAssertEqual(t.requests.count, batches)
        XCTAssertEqual(r.requests, batches)
        XCTAssertEqual(r.alreadyStored, batches)
        XCTAssertEqual(r.delivered, s.count - batches)
        for (i, req) in t.requests.enumerated() {
            XCTAssertEqual(req.method, "POST")
            XCTAssertEqual(req.url.absoluteString, "http://127.0.0.1:9/xAPI/statements")
            let chunk = s.dropFirst(i * 10).prefix(10)
            XCTAssertEqual(req.body, Array(("[" + chunk.map(\.body).joined(separator: ",") + "]").utf8))
        }
        XCTAssertTrue(try o.pending(target: "xapi", limit: 100).isEmpty)
    }

    func testABatchLostInTransitIsResentAndNothingIsLost() throws {
        let o = InMemoryOutbox()
        let s = try EdgeRecords.statements(ExportFixtures.mistakes)
        _ = try XAPIExporter.enqueue(attempt: s[0].attempt, s, into: o)
        // The 2nd POST reaches the LRS but its answer is lost, every time: the drain stops with
        // those statements still pending (none marked delivered), and the next drain resends them.
        let t = ScriptedTransport { _, n in
            if n >= 2 { throw HTTPTransportError("POST: connection lost") }
            return HTTPResponse(status: 204, body: [])
        }
        let quick = Backoff(base: 0.01, cap: 0.01, maxTries: 2, random: { 0 }, sleep: { _ in })
        let r = try XAPIExporter(client: XAPIClient(credentials: Self.creds, transport: t), backoff: quick, batchSize: 5).drain(o)
        XCTAssertNotNil(r.stoppedOn)
        XCTAssertEqual(try o.pending(target: "xapi", limit: 100).map(\.id), s.dropFirst(5).map(\.id))
        let ok = ScriptedTransport { _, _ in HTTPResponse(status: 204, body: []) }
        let r2 = try XAPIExporter(client: XAPIClient(credentials: Self.creds, transport: ok), batchSize: 5).drain(o)
        XCTAssertEqual(r2.alreadyStored, s.count - 5)
        XCTAssertTrue(try o.pending(target: "xapi", limit: 100).isEmpty)
    }
}

/// Edge cases and regrades against a real Ralph LRS, and Ralph's own models as a second validator.
final class XAPIRalphEdgeTests: XCTestCase {
    /// Every edge-case record, each under its own attempt id.
    static func edgeAttempts() throws -> [ExportAttempt] {
        let cases = [EdgeRecords.zeroPointStep, EdgeRecords.zeroPointAttempt, EdgeRecords.zeroPointQuality,
                     EdgeRecords.accidentWithoutSubject, EdgeRecords.emptyNames, EdgeRecords.idle]
        return try cases.enumerated().map { i, json in
            let renamed = json.replacingOccurrences(of: #""attempt":"sha256-"#, with: "\"attempt\":\"edge-\(i)-")
            return try EdgeRecords.attempt(renamed)
        }
    }

    func testEdgeCasesPassRalphsModels() throws {
        let python = try ExportTestSupport.lrsPython()
        let dir = try ExportTestSupport.tempDir("ralph-models")
        defer { try? FileManager.default.removeItem(at: dir) }
        let all = try (Self.edgeAttempts() + ExportTestSupport.attempts()).flatMap { XAPIStatementBuilder().statements(for: $0, started: XAPIStatementTests.started) }
        let voids = all.prefix(2).map { XAPIProfile.voiding(statementId: $0.id, attempt: $0.attempt, registration: $0.registration, atMillis: 0) }
        let file = dir.appendingPathComponent("statements.ndjson")
        try Data(((all + voids).map(\.body).joined(separator: "\n") + "\n").utf8).write(to: file)
        let script = ExportTestSupport.repoRoot.appendingPathComponent("Tools/lrs/validate.py").path
        let p = Process()
        p.executableURL = URL(fileURLWithPath: python)
        p.arguments = [script, file.path]
        let pipe = Pipe()
        p.standardOutput = pipe
        p.standardError = pipe
        try p.run()
        let out = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit()
        XCTAssertEqual(p.terminationStatus, 0, out)
        XCTAssertTrue(out.contains("\(all.count + voids.count) statement(s) checked with Ralph's models, 0 invalid"), out)
        // The check can fail: an empty name is refused by Ralph's models (and by ours).
        let ppe = try XCTUnwrap(all.first { $0.body.contains("\"en-US\":\"Put on PPE\"") })
        let bad = ppe.body.replacingOccurrences(of: "\"en-US\":\"Put on PPE\"", with: "\"en-US\":\"\"")
        XCTAssertTrue(XAPIValidator.validate(bad).contains { $0.contains("an empty text") }, "\(XAPIValidator.validate(bad))")
        try Data((bad + "\n").utf8).write(to: file)
        let p2 = Process()
        p2.executableURL = URL(fileURLWithPath: python)
        p2.arguments = [script, file.path]
        p2.standardOutput = FileHandle.nullDevice
        p2.standardError = FileHandle.nullDevice
        try p2.run()
        p2.waitUntilExit()
        XCTAssertEqual(p2.terminationStatus, 1, "Ralph's models refuse it too")
    }

    func testEdgeCasesAndARegradeAgainstRalph() throws {
        let lrs = try RalphLRS()
        let client = XAPIClient(credentials: lrs.credentials(), timeout: 10)
        let exporter = XAPIExporter(client: client, backoff: Backoff(base: 0.05, cap: 0.2, maxTries: 3), batchSize: 50)
        let attempts = try Self.edgeAttempts() + ExportTestSupport.attempts()
        let o = InMemoryOutbox()
        var sent: [XAPIStatement] = []
        for a in attempts {
            let s = XAPIStatementBuilder().statements(for: a, started: XAPIStatementTests.started)
            XCTAssertNil(try XAPIExporter.enqueue(attempt: a.attempt, s, into: o).quarantined)
            sent += s
        }
        let r = try exporter.drain(o)
        XCTAssertNil(r.stoppedOn)
        XCTAssertEqual(r.quarantined, [])
        XCTAssertEqual(r.delivered, sent.count)
        func counts() throws -> [String: Int] {
            var c: [String: Int] = [:]
            for reg in Set(sent.map(\.registration)) {
                for v in try client.statements(registration: reg) { c[v["id"]?.string ?? "?", default: 0] += 1 }
            }
            return c
        }
        var c = try counts()
        XCTAssertEqual(Set(c.keys), Set(sent.map(\.id)))
        XCTAssertTrue(c.values.allSatisfy { $0 == 1 })

        // Regrade the mistakes attempt: the old statements are voided, the new ones sent.
        let old = sent.filter { $0.attempt == "sha256-84f131055f054d6156c58fb5852f3a73" }
        let new = try EdgeRecords.statements(EdgeRecords.regradedMistakes)
        let e = try XAPIExporter.enqueue(attempt: old[0].attempt, new, into: o)
        XCTAssertEqual(e.voided, old.count)
        let r2 = try exporter.drain(o)
        XCTAssertEqual(r2.delivered, old.count + new.count)
        sent += new
        c = try counts()
        let voidIds = Set(old.map { XAPIProfile.voidingId(of: $0.id) })
        XCTAssertEqual(Set(c.keys), Set(sent.map(\.id)).union(voidIds))
        XCTAssertTrue(c.values.allSatisfy { $0 == 1 }, "\(c.filter { $0.value != 1 })")
        // One current truth: what the registration holds, less what is voided, is the new result.
        let reg = new[0].registration
        let held = try client.statements(registration: reg)
            .filter { $0["context"]?["extensions"]?[XAPIProfile.Extension.attempt]?.string == old[0].attempt }
        let voided = Set(held.filter { $0["verb"]?["id"]?.string == XAPIProfile.voidedVerb }.compactMap { $0["object"]?["id"]?.string })
        let current = held.filter { $0["verb"]?["id"]?.string != XAPIProfile.voidedVerb }.compactMap { $0["id"]?.string }.filter { !voided.contains($0) }
        XCTAssertEqual(Set(current), Set(new.map(\.id)))
        // A rerun adds nothing.
        let again = InMemoryOutbox()
        for a in try Self.edgeAttempts() {
            _ = try XAPIExporter.enqueue(attempt: a.attempt, XAPIStatementBuilder().statements(for: a, started: XAPIStatementTests.started), into: again)
        }
        let r3 = try exporter.drain(again)
        XCTAssertEqual(r3.delivered, 0)
        XCTAssertEqual(try counts().count, c.count)
    }
}

/// The outbox's queries stay off the delivered rows (they scanned every one of them, which
/// made a drain quadratic in the outbox's size).
final class OutboxQueryPlanTests: XCTestCase {
    func testPendingAndAttemptStatusUseTheirIndexes() throws {
        let dir = try ExportTestSupport.tempDir("plan")
        defer { try? FileManager.default.removeItem(at: dir) }
        let store = try ResultsStore(path: dir.appendingPathComponent("r.sqlite").path, create: true)
        _ = try store.record([ExportFixtures.mistakes], actor: "test")
        let attempt = "sha256-84f131055f054d6156c58fb5852f3a73"
        try store.enqueue(attempt: attempt, destination: "xapi", items: (0..<300).map { ("i\($0)", "{}") }, actor: "test")
        for item in try store.pending(destination: "xapi", limit: 290) { try store.markDelivered(item.seq) }
        func plan(_ sql: String, _ args: [any SQLiteBindable]) throws -> String {
            try store.db.query("EXPLAIN QUERY PLAN " + sql, args).map { $0[3].string ?? "" }.joined(separator: "; ")
        }
        let p = try plan(ResultsStore.pendingSQL, ["xapi", "9999", 10])
        XCTAssertTrue(p.contains("USING INDEX outbox_waiting"), p)
        XCTAssertFalse(p.contains("TEMP B-TREE FOR ORDER BY"), p)
        let a = try plan(ResultsStore.attemptStatusSQL, [attempt, "xapi"])
        XCTAssertTrue(a.contains("USING INDEX outbox_attempt (attempt=? AND destination=?)"), a)
        XCTAssertEqual(try store.pending(destination: "xapi", limit: 100).map(\.id), (290..<300).map { "i\($0)" })
    }
}
