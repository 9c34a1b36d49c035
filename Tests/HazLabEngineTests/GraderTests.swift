import Foundation
import XCTest
import HazLabCore
import HazLabRecords
import HazLabRunner
import HazLabScenario

/// The batch grader as a library: the journal checks (one test per kind of bad journal), the
/// batch going on after a bad journal, independence from the worker count, shards and merge,
/// the CSV and exam plans. The command line itself is tested in HazLabCLITests/GradeCLITests.
final class GraderTests: XCTestCase {
    static let model: Model = {
        let r = ScenarioCompiler.compile(path: Repo.demo)
        return r.model!
    }()
    var scenarios: ScenarioSet { ScenarioSet([Self.model]) }

    // MARK: fixtures

    var folder: URL!

    override func setUpWithError() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("hazlab-grader-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: folder)
    }

    func golden(_ name: String) throws -> String {
        try String(contentsOfFile: (Repo.demoRuns as NSString).appendingPathComponent(name + ".jsonl"), encoding: .utf8)
    }

    /// A golden journal with its header rewritten.
    func journalText(_ name: String, student: String? = nil, attempt: String? = nil, seed: UInt64? = nil,
                     mode: String? = nil) throws -> String {
        var j = try Journal.parse(data: Data(try golden(name).utf8), path: name)
        if let student { j.header.student = student }
        if let attempt { j.header.attempt = attempt }
        if let seed { j.header.seed = seed }
        if let mode { j.header.mode = mode }
        return j.jsonl()
    }

    @discardableResult
    func write(_ name: String, _ text: String) throws -> String {
        let url = folder.appendingPathComponent(name)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data(text.utf8).write(to: url)
        return url.path
    }

    func grade(jobs: Int = 2, shard: Shard = .all, allowIncomplete: Bool = false, plan: ExamPlan? = nil,
               scenarios: ScenarioSet? = nil, signatures: any JournalSignatureVerifier = UnsignedJournals()) -> GradeOutput {
        let g = Grader(scenarios: scenarios ?? self.scenarios, jobs: jobs, shard: shard, allowIncomplete: allowIncomplete,
                       plan: plan, signatures: signatures)
        return g.run(journals: Grader.journalPaths([folder.path]))
    }

    /// 1-based (line, column) of `needle` in `text`, columns in Unicode scalars.
    func position(of needle: String, in text: String, occurrence: Int = 1) -> (line: Int, column: Int) {
        var seen = 0
        for (i, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            if let r = line.range(of: needle) {
                seen += 1
                if seen == occurrence { return (i + 1, line[..<r.lowerBound].unicodeScalars.count + 1) }
            }
        }
        XCTFail("'\(needle)' not found")
        return (0, 0)
    }

    /// Asserts that `out` has exactly one error, for `file`, with this code and position, and
    /// that the good journal graded beside it is in the results (the batch went on).
    @discardableResult
    func assertOnlyError(_ out: GradeOutput, file: String, code: GradeError.Code, line: Int, column: Int,
                         containing fragment: String, graded: Int = 1,
                         sourceFile: StaticString = #filePath, sourceLine: UInt = #line) -> GradeError? {
        XCTAssertEqual(out.errors.count, 1, out.errors.map(\.description).joined(separator: "\n"), file: sourceFile, line: sourceLine)
        guard let e = out.errors.first else { return nil }
        XCTAssertEqual(e.journal, folder.appendingPathComponent(file).path, file: sourceFile, line: sourceLine)
        XCTAssertEqual(e.code, code, e.description, file: sourceFile, line: sourceLine)
        XCTAssertEqual(e.line, line, e.description, file: sourceFile, line: sourceLine)
        XCTAssertEqual(e.column, column, e.description, file: sourceFile, line: sourceLine)
        XCTAssertTrue(e.message.contains(fragment), "'\(e.message)' lacks '\(fragment)'", file: sourceFile, line: sourceLine)
        XCTAssertEqual(out.records.count, graded, "the batch did not go on", file: sourceFile, line: sourceLine)
        XCTAssertEqual(out.manifest.badJournals, 1, file: sourceFile, line: sourceLine)
        XCTAssertFalse(out.records.contains { $0.json.contains(file) }, "a bad journal was graded", file: sourceFile, line: sourceLine)
        return e
    }

    // MARK: good journals

    func testGoldenJournalsGradeLikeTheirReplay() throws {
        for name in ["perfect", "mistakes", "idle"] { try write("\(name).jsonl", try golden(name)) }
        let out = grade()
        XCTAssertEqual(out.errors, [])
        XCTAssertEqual(out.records.count, 3)
        XCTAssertEqual(out.records.map(\.attempt), out.records.map(\.attempt).sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) })
        // Each record's state hash and score are the replay's, not the workstation's claim.
        for name in ["perfect", "mistakes", "idle"] {
            let o = Runner.replay(Self.model, journal: try journal(name))
            let rec = try XCTUnwrap(out.records.first { $0.json.contains("/\(name).jsonl\"") })
            XCTAssertTrue(rec.json.contains("\"stateHash\":\"\(o.stateHash.hex16)\""), name)
            XCTAssertTrue(rec.json.contains("\"total\":\(JSON.number(o.score.total)),"), name)
        }
        XCTAssertEqual(out.manifest.attempts, 3)
        XCTAssertEqual(out.manifest.passed, 1)
        XCTAssertEqual(out.errorsJSON, "[]\n")
        // results.json: one record per line inside the array.
        let lines = out.resultsJSON.split(separator: "\n").map(String.init)
        XCTAssertEqual(lines.count, 5)
        XCTAssertEqual(lines.first, "[")
        XCTAssertEqual(lines.last, "]")
        XCTAssertNotNil(try JSONSerialization.jsonObject(with: Data(out.resultsJSON.utf8)) as? [[String: Any]])
        // The files (streamed) hold exactly these texts; no temporary file is left behind.
        let dir = folder.appendingPathComponent("out")
        try out.write(to: dir.path)
        for (name, text) in [("results.json", out.resultsJSON), ("results.csv", out.resultsCSV),
                             ("errors.json", out.errorsJSON), ("manifest.json", out.manifest.json)] {
            XCTAssertEqual(try Data(contentsOf: dir.appendingPathComponent(name)), Data(text.utf8), name)
        }
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir.path).sorted(),
                       ["errors.json", "manifest.json", "results.csv", "results.json"])
    }

    /// Each grading thread replays on its own replica of the scenario: a separate object, from
    /// the same source, replaying to the same hash.
    func testReplicasAreSeparateModelsThatReplayIdentically() throws {
        let set = try XCTUnwrap(ScenarioSet.compile([Repo.demo]).set)
        let shared = try XCTUnwrap(set["tank-filling"])
        let replica = set.replica(of: shared)
        XCTAssertFalse(replica === shared, "a replica shares no buffers with the shared model")
        XCTAssertEqual(replica.sourceSHA256, shared.sourceSHA256)
        let j = try Journal.parse(data: Data(try golden("mistakes").utf8), path: "mistakes")
        XCTAssertEqual(Runner.replay(replica, journal: j).stateHash, Runner.replay(shared, journal: j).stateHash)
        // A set built from models alone has no source to compile: the model itself is used.
        XCTAssertTrue(ScenarioSet([shared]).replica(of: shared) === shared)
    }

    func testWorkstationClaimsAreNotTrusted() throws {
        // A journal claiming a different final hash is graded from its replay, and says so.
        let text = try golden("perfect").replacingOccurrences(of: GoldenHashes.perfect, with: "0000000000000000")
        try write("claims.jsonl", text)
        let out = grade()
        XCTAssertEqual(out.errors, [])
        let rec = try XCTUnwrap(out.records.first?.json)
        XCTAssertTrue(rec.contains("\"stateHash\":\"\(GoldenHashes.perfect)\""), rec)
        XCTAssertTrue(rec.contains("\"workstationAgrees\":false"), rec)
    }

    // MARK: one test per kind of bad journal

    func testTruncatedLineIsBadAtTheCut() throws {
        try write("good.jsonl", try golden("mistakes"))
        let text = try golden("perfect")
        let cut = String(text.prefix(text.count - 120))          // cut inside an action line, no newline
        let lastLine = cut.split(separator: "\n", omittingEmptySubsequences: false).last!
        XCTAssertFalse(lastLine.isEmpty)
        try write("torn.jsonl", cut)
        let lineNo = cut.split(separator: "\n", omittingEmptySubsequences: false).count
        let out = grade()
        assertOnlyError(out, file: "torn.jsonl", code: .tornLine, line: lineNo, column: lastLine.unicodeScalars.count + 1,
                        containing: "torn")
        // --allow-incomplete grades it: every action before the torn line is replayed.
        let lenient = grade(allowIncomplete: true)
        XCTAssertEqual(lenient.errors, [])
        XCTAssertEqual(lenient.records.count, 2)
        XCTAssertTrue(lenient.records.contains { $0.json.contains("torn.jsonl") && $0.json.contains("\"complete\":false") })
    }

    func testBrokenLineInTheMiddleIsBadAtTheSyntaxError() throws {
        try write("good.jsonl", try golden("mistakes"))
        let text = try golden("perfect").replacingOccurrences(of: #""tick":450,"verb""#, with: #""tick":450 "verb""#)
        try write("broken.jsonl", text)
        let at = position(of: #" "verb""#, in: text)     // the error is at "verb", where ',' belongs
        // Invalid even with --allow-incomplete: only the last line may be torn.
        assertOnlyError(grade(allowIncomplete: true), file: "broken.jsonl", code: .invalid, line: at.line, column: at.column + 1,
                        containing: "invalid JSON")
    }

    func testUnknownVerbIsBadAtTheVerb() throws {
        try write("good.jsonl", try golden("mistakes"))
        let text = try golden("perfect").replacingOccurrences(of: #""verb":"move-to""#, with: #""verb":"teleport""#)
        try write("verb.jsonl", text)
        let at = position(of: #""teleport""#, in: text)
        assertOnlyError(grade(), file: "verb.jsonl", code: .unknownVerb, line: at.line, column: at.column, containing: "teleport")
    }

    func testTickGoingBackwardsIsBadAtTheTick() throws {
        try write("good.jsonl", try golden("mistakes"))
        let text = try golden("perfect").replacingOccurrences(of: #""tick":450,"#, with: #""tick":340,"#)
        try write("back.jsonl", text)
        // The value, not the first "340" in the file (a chain hash may hold one).
        let tick = position(of: #""tick":340,"#, in: text)
        let at = (line: tick.line, column: tick.column + #""tick":"#.count)
        assertOnlyError(grade(), file: "back.jsonl", code: .invalid, line: at.line, column: at.column, containing: "back in time")
    }

    func testScenarioHashMismatchIsBad() throws {
        try write("good.jsonl", try golden("mistakes"))
        let sha = Self.model.sourceSHA256
        let other = String(sha.reversed())
        let text = try golden("perfect").replacingOccurrences(of: sha, with: other)
        try write("hash.jsonl", text)
        let at = position(of: other, in: text)
        assertOnlyError(grade(), file: "hash.jsonl", code: .hashMismatch, line: 1, column: at.column - 1, containing: "hash mismatch")
    }

    func testUnknownScenarioIsBad() throws {
        try write("good.jsonl", try golden("mistakes"))
        let text = try golden("perfect").replacingOccurrences(of: #""scenario":"tank-filling""#, with: #""scenario":"gas-leak""#)
        try write("other.jsonl", text)
        let at = position(of: #""gas-leak""#, in: text)
        let e = assertOnlyError(grade(), file: "other.jsonl", code: .unknownScenario, line: 1, column: at.column, containing: "gas-leak")
        XCTAssertTrue(e?.message.contains("tank-filling") ?? false)
    }

    func testDuplicateAttemptLaterPathIsBad() throws {
        let text = try journalText("perfect", attempt: "exam-1/s001")
        try write("a.jsonl", text)
        let copy = try journalText("mistakes", attempt: "exam-1/s001")
        try write("b/copy.jsonl", copy)
        try write("c.jsonl", try journalText("idle", attempt: "exam-1/s002"))
        let out = grade()
        let at = position(of: #""exam-1/s001""#, in: copy)
        let e = assertOnlyError(out, file: "b/copy.jsonl", code: .duplicateAttempt, line: 1, column: at.column,
                                containing: "duplicate attempt", graded: 2)
        XCTAssertEqual(e?.attempt, "exam-1/s001")
        // The first in path order is the one graded.
        XCTAssertTrue(out.records.contains { $0.attempt == "exam-1/s001" && $0.json.contains("/a.jsonl\"") })
        // The same file twice (no attempt id: identified by its bytes) is a duplicate too.
        for f in ["a.jsonl", "b", "c.jsonl"] { try FileManager.default.removeItem(at: folder.appendingPathComponent(f)) }
        try write("d.jsonl", try golden("perfect"))
        try write("e.jsonl", try golden("perfect"))
        let twice = grade()
        XCTAssertEqual(twice.errors.map(\.code), [.duplicateAttempt])
        XCTAssertEqual(twice.errors.first?.journal, folder.appendingPathComponent("e.jsonl").path)
    }

    func testHintInExamModeIsBad() throws {
        try write("good.jsonl", try golden("mistakes"))
        let text = try golden("perfect").replacingOccurrences(of: #""verb":"measure","target":"LT101""#,
                                                              with: #""verb":"hint","target":"check_level""#)
        try write("hint.jsonl", text)
        let at = position(of: #""hint""#, in: text)
        assertOnlyError(grade(), file: "hint.jsonl", code: .hintInExam, line: at.line, column: at.column, containing: "exam")
        // The same hint in practice mode is graded and charged.
        try FileManager.default.removeItem(atPath: folder.appendingPathComponent("hint.jsonl").path)
        var practice = try Journal.parse(data: Data(text.utf8), path: "x")
        practice.header.mode = "practice"
        try write("practice.jsonl", practice.jsonl())
        let out = grade()
        XCTAssertEqual(out.errors, [])
        let rec = try XCTUnwrap(out.records.first { $0.json.contains("practice.jsonl") }?.json)
        XCTAssertTrue(rec.contains("\"hintsUsed\":1"), rec)
    }

    func testHintTargetMustBeAProcedureStep() throws {
        try write("good.jsonl", try golden("mistakes"))
        var j = try Journal.parse(data: Data(try golden("perfect").utf8), path: "x")
        j.header.mode = "practice"
        j.actions.insert(Action(tick: 30, verb: "hint", target: "XV101"), at: 1)
        j.trailer?.actions += 1
        let text = j.jsonl()
        try write("hint.jsonl", text)
        let at = position(of: #""XV101""#, in: text)
        assertOnlyError(grade(), file: "hint.jsonl", code: .hintTarget, line: at.line, column: at.column, containing: "not a procedure step")
    }

    func testSeedNotMatchingThePlanIsBad() throws {
        let plan = try ExamPlan.make(exam: "final", model: Self.model, students: ["s001", "s002"])
        let s1 = try XCTUnwrap(plan.seed(for: "s001")), s2 = try XCTUnwrap(plan.seed(for: "s002"))
        try write("s001.jsonl", try journalText("perfect", student: "s001", seed: s1))
        let text = try journalText("mistakes", student: "s002", seed: s1)     // s001's seed
        try write("s002.jsonl", text)
        let at = position(of: "\"seed\":\(s1)", in: text)
        let e = assertOnlyError(grade(plan: plan), file: "s002.jsonl", code: .seedMismatch, line: 1, column: at.column + 7,
                                containing: "\(s2)")
        XCTAssertTrue(e?.message.contains("s002") ?? false)
    }

    func testStudentNotInThePlanIsBad() throws {
        let plan = try ExamPlan.make(exam: "final", model: Self.model, students: ["s001"])
        try write("s001.jsonl", try journalText("perfect", student: "s001", seed: plan.seed(for: "s001")!))
        let text = try journalText("mistakes", student: "intruder", seed: 5)
        try write("x.jsonl", text)
        let at = position(of: #""intruder""#, in: text)
        assertOnlyError(grade(plan: plan), file: "x.jsonl", code: .notInPlan, line: 1, column: at.column, containing: "intruder")
    }

    func testMissingTrailerIsBadUnlessIncompleteIsAllowed() throws {
        try write("good.jsonl", try golden("mistakes"))
        var j = try journal("perfect")
        j.trailer = nil
        let text = j.jsonl()
        try write("open.jsonl", text)
        let lines = text.split(separator: "\n").count
        assertOnlyError(grade(), file: "open.jsonl", code: .incomplete, line: lines + 1, column: 1, containing: "trailer")
        XCTAssertEqual(grade(allowIncomplete: true).errors, [])
    }

    func testModeMustBeKnownAndAllowedByTheScenario() throws {
        try write("good.jsonl", try golden("mistakes"))
        let text = try journalText("perfect", mode: "drill")
        try write("drill.jsonl", text)
        let at = position(of: #""drill""#, in: text)
        assertOnlyError(grade(), file: "drill.jsonl", code: .mode, line: 1, column: at.column, containing: "drill")

        // A scenario that allows exams only refuses a practice journal.
        let yaml = try String(contentsOfFile: Repo.demo, encoding: .utf8)
            .replacingOccurrences(of: "modes: [teaching, practice, exam]", with: "modes: [exam]")
        let examOnly = try XCTUnwrap(ScenarioCompiler.compile(bytes: Array(yaml.utf8), path: "exam-only.yaml").model)
        try FileManager.default.removeItem(atPath: folder.appendingPathComponent("drill.jsonl").path)
        try FileManager.default.removeItem(atPath: folder.appendingPathComponent("good.jsonl").path)
        for (name, mode) in [("exam", "exam"), ("practice", "practice")] {
            var j = try journal("perfect")
            j.header.scenarioSHA256 = examOnly.sourceSHA256
            j.header.mode = mode
            try write("\(name).jsonl", j.jsonl())
        }
        let out = grade(scenarios: ScenarioSet([examOnly]))
        XCTAssertEqual(out.errors.map(\.code), [.mode])
        XCTAssertEqual(out.errors.first?.journal, folder.appendingPathComponent("practice.jsonl").path)
        XCTAssertTrue(out.errors.first?.message.contains("not allowed") ?? false)
        XCTAssertEqual(out.records.count, 1)
    }

    func testUnreadableJournalIsBadAndTheBatchGoesOn() throws {
        try write("good.jsonl", try golden("mistakes"))
        let missing = folder.appendingPathComponent("missing.jsonl").path
        let g = Grader(scenarios: scenarios, jobs: 2)
        let out = g.run(journals: Grader.journalPaths([folder.path, missing]))
        XCTAssertEqual(out.errors.map(\.code), [.unreadable])
        XCTAssertEqual(out.errors.first?.journal, missing)
        XCTAssertEqual(out.records.count, 1)
    }

    func testSignatureHookSeesEveryParsedJournal() throws {
        struct RejectStudent: JournalSignatureVerifier {
            func verify(_ journal: Journal, bytes: [UInt8], layout: JournalLayout) -> [GradeError] {
                journal.header.student == "forger"
                    ? [GradeError(journal: layout.path, line: layout.headerLine, column: 1, code: .signature, message: "bad signature")]
                    : []
            }
        }
        try write("good.jsonl", try golden("mistakes"))
        try write("forged.jsonl", try journalText("perfect", student: "forger"))
        let out = grade(signatures: RejectStudent())
        XCTAssertEqual(out.errors.map(\.code), [.signature])
        XCTAssertEqual(out.records.count, 1)
    }

    // MARK: determinism, shards, merge

    /// A batch of `n` attempts (the three golden journals under new students) plus bad ones.
    func makeBatch(_ n: Int) throws {
        let names = ["perfect", "mistakes", "idle"]
        for i in 0..<n {
            try write(String(format: "class-%02d/s%03d.jsonl", i % 4, i),
                      try journalText(names[i % 3], student: "学生\(i)", attempt: "a-\(i)"))
        }
        try write("bad/verb.jsonl", try golden("perfect").replacingOccurrences(of: "\"wear\"", with: "\"don\""))
        try write("bad/torn.jsonl", String(try golden("mistakes").dropLast(30)))
    }

    func testOutputsDoNotDependOnTheNumberOfJobs() throws {
        try makeBatch(6)
        let one = grade(jobs: 1), three = grade(jobs: 3)
        XCTAssertEqual(one.records.count, 6)
        XCTAssertEqual(one.errors.count, 4)     // three unknown verbs in one journal, one torn line
        XCTAssertEqual(one.manifest.badJournals, 2)
        XCTAssertEqual(one.resultsJSON, three.resultsJSON)
        XCTAssertEqual(one.resultsCSV, three.resultsCSV)
        XCTAssertEqual(one.errorsJSON, three.errorsJSON)
        XCTAssertEqual(one.manifest, three.manifest)
    }

    func testShardsPartitionTheBatchAndMergeToTheWhole() throws {
        try makeBatch(6)
        let whole = grade()
        var seen: [String] = []
        var shardFolders: [String] = []
        for i in 1...3 {
            let part = grade(jobs: 1, shard: Shard(index: i, count: 3))
            XCTAssertEqual(part.manifest.inputsSHA256, whole.manifest.inputsSHA256)
            seen += part.records.map(\.attempt)
            let dir = folder.appendingPathComponent("out/shard-\(i)").path
            try part.write(to: dir)
            shardFolders.append(dir)
        }
        XCTAssertEqual(seen.sorted(), whole.records.map(\.attempt).sorted(), "every attempt in exactly one shard")
        XCTAssertEqual(Set(seen).count, seen.count)
        let merged = try GradeOutput.merge(folders: shardFolders.reversed())
        XCTAssertEqual(merged.resultsJSON, whole.resultsJSON)
        XCTAssertEqual(merged.resultsCSV, whole.resultsCSV)
        XCTAssertEqual(merged.errorsJSON, whole.errorsJSON)
        XCTAssertEqual(merged.manifest.json, whole.manifest.json)
    }

    func testShardOfAnAttemptIsStable() {
        // Pinned: the partition must not change between processes, machines or releases.
        XCTAssertEqual((1...5).map { Shard.of(key: "a-\($0)", count: 3) }, (1...5).map { Shard.of(key: "a-\($0)", count: 3) })
        XCTAssertEqual(Shard.of(key: "anything", count: 1), 1)
        let counts = (0..<300).reduce(into: [0, 0, 0]) { c, i in c[Shard.of(key: "attempt-\(i)", count: 3) - 1] += 1 }
        XCTAssertTrue(counts.allSatisfy { $0 > 70 }, "skewed partition \(counts)")
        XCTAssertEqual(Shard("2/3"), Shard(index: 2, count: 3))
        for bad in ["0/3", "4/3", "1/0", "x/2", "1/", "2"] { XCTAssertNil(Shard(bad), bad) }
    }

    func testMergeRefusesTheSameAttemptInTwoShards() throws {
        try makeBatch(6)
        var dirs: [String] = []
        for i in 1...2 {
            let dir = folder.appendingPathComponent("out/shard-\(i)").path
            try grade(shard: Shard(index: i, count: 2)).write(to: dir)
            dirs.append(dir)
        }
        // Copy one record of shard 1 into shard 2.
        let r1 = dirs[0] + "/results.json", r2 = dirs[1] + "/results.json"
        let line1 = try XCTUnwrap(String(contentsOfFile: r1, encoding: .utf8).split(separator: "\n").dropFirst().first)
        let copied = String(line1.hasSuffix(",") ? line1.dropLast() : line1)
        var text2 = try String(contentsOfFile: r2, encoding: .utf8)
        text2 = text2 == "[]\n" ? "[\n\(copied)\n]\n" : text2.replacingOccurrences(of: "[\n", with: "[\n\(copied),\n")
        try Data(text2.utf8).write(to: URL(fileURLWithPath: r2))
        XCTAssertThrowsError(try GradeOutput.merge(folders: dirs)) { error in
            XCTAssertTrue("\(error)".contains("is in"), "\(error)")
        }
        // A missing shard is refused too.
        XCTAssertThrowsError(try GradeOutput.merge(folders: [dirs[0]])) { error in
            XCTAssertTrue("\(error)".contains("missing shard"), "\(error)")
        }
    }

    // MARK: CSV

    func testCSVHasABOMAndRoundTripsChineseText() throws {
        // (A newline in a student id is refused by the grader since issue 12; see
        // testControlCharactersInIdsAreBad.)
        let names = ["张三", "李四, \"小明\"", "王五 二班;", "=HYPERLINK(\"x\")"]
        for (i, n) in names.enumerated() { try write("s\(i).jsonl", try journalText("perfect", student: n, attempt: "att-\(i)")) }
        let out = grade()
        let bytes = Array(out.resultsCSV.utf8)
        XCTAssertEqual(Array(bytes.prefix(3)), [0xEF, 0xBB, 0xBF])
        let rows = try CSV.parse(out.resultsCSV)
        XCTAssertEqual(rows.count, 5)
        XCTAssertEqual(Array(rows[0].prefix(ResultsCSV.columns.count)), ResultsCSV.columns)
        // One score column per procedure step (all attempts share a scenario).
        XCTAssertEqual(Array(rows[0].dropFirst(ResultsCSV.columns.count)), Self.model.procedure.map { "step:" + $0.id })
        let studentColumn = ResultsCSV.columns.firstIndex(of: "student")!
        XCTAssertEqual(rows.dropFirst().map { $0[studentColumn] }, ["张三", "李四, \"小明\"", "王五 二班;", "'=HYPERLINK(\"x\")"])
        XCTAssertEqual(rows[1][ResultsCSV.columns.firstIndex(of: "evaluation")!], "优")
        XCTAssertTrue(out.resultsCSV.contains("\r\n"))
        XCTAssertTrue(rows.allSatisfy { $0.count == rows[0].count })
    }

    func testCSVOfSeveralScenariosHasNoStepColumns() throws {
        let rows: [ResultsCSV.Row] = [
            ResultsCSV.Row(scenario: "a", fields: Array(repeating: "1", count: ResultsCSV.columns.count), steps: [("s1", "5")]),
            ResultsCSV.Row(scenario: "b", fields: Array(repeating: "2", count: ResultsCSV.columns.count), steps: [("t1", "5")]),
        ]
        let parsed = try CSV.parse(ResultsCSV.render(rows))
        XCTAssertEqual(parsed[0], ResultsCSV.columns)
        XCTAssertEqual(parsed.count, 3)
        XCTAssertEqual(try CSV.parse(ResultsCSV.render([])), [ResultsCSV.columns])
    }

    // MARK: exam plans

    func testExamPlanIsReproducibleWithDistinct53BitSeeds() throws {
        let students = (1...200).map { String(format: "s%03d", $0) } + ["张三"]
        let a = try ExamPlan.make(exam: "2026-final", model: Self.model, students: students)
        let b = try ExamPlan.make(exam: "2026-final", model: Self.model, students: students)
        XCTAssertEqual(a.json(), b.json())
        XCTAssertEqual(a.csv(), b.csv())
        let seeds = a.students.map(\.seed)
        XCTAssertEqual(Set(seeds).count, seeds.count)
        XCTAssertTrue(seeds.allSatisfy { $0 < 1 << 53 })
        XCTAssertEqual(a.students.map(\.student), students)
        // Another exam gives other seeds; the seed is a function of the three ids alone.
        let c = try ExamPlan.make(exam: "2026-resit", model: Self.model, students: students)
        XCTAssertNotEqual(c.students[0].seed, a.students[0].seed)
        XCTAssertEqual(a.seed(for: "s002"), ExamPlan.seed(exam: "2026-final", scenario: "tank-filling", student: "s002"))
        // Both file forms read back to the same plan.
        XCTAssertEqual(try ExamPlan.read(bytes: Array(a.json().utf8)), a)
        XCTAssertEqual(try ExamPlan.read(bytes: Array(a.csv().utf8)), a)
        XCTAssertTrue(a.csv().hasPrefix("\u{FEFF}exam,scenario,scenarioSHA256,student,seed\r\n"))
        // Seeds are written as exact integers.
        let parsed = try JSONSerialization.jsonObject(with: Data(a.json().utf8)) as? [String: Any]
        let first = (parsed?["students"] as? [[String: Any]])?.first
        XCTAssertEqual((first?["seed"] as? NSNumber)?.uint64Value, a.students[0].seed)
        XCTAssertThrowsError(try ExamPlan.make(exam: "x", model: Self.model, students: ["s1", "s1"]))
        XCTAssertThrowsError(try ExamPlan.make(exam: "", model: Self.model, students: ["s1"]))
    }

    func testPlanSeedsGiveStudentsDifferentFaultTimes() throws {
        let plan = try ExamPlan.make(exam: "2026-final", model: Self.model, students: ["s001", "s002"])
        let idle = try journal("idle")
        let faultRow = try XCTUnwrap(Self.model.faults.ids.firstIndex(of: "pump_trip"))
        func tripTick(_ seed: UInt64) throws -> Int64 {
            var j = idle
            j.header.seed = seed
            let o = Runner.replay(Self.model, journal: j)
            let e = try XCTUnwrap(o.events.first { $0.kind == .faultFired && Int($0.subject) == faultRow })
            return e.tick
        }
        let t1 = try tripTick(plan.students[0].seed), t2 = try tripTick(plan.students[1].seed)
        XCTAssertNotEqual(t1, t2)
        // Both inside the scripted window [60 s, 150 s].
        for t in [t1, t2] { XCTAssertTrue((600...1500).contains(t), "\(t)") }
        XCTAssertEqual(try tripTick(plan.students[0].seed), t1)
    }
}

// MARK: hostile journals (issue 12): validated at grading time, bounded, reported safely

extension GraderTests {
    /// A golden journal with one header value replaced by raw JSON text (so any value fits).
    func journalWithHeader(_ key: String, json value: String, from name: String = "perfect") throws -> String {
        let text = try golden(name)
        let header = String(text.prefix { $0 != "\n" })
        let object = try XCTUnwrap(try JSONText.parse(Array(header.utf8)))
        guard case .object(let members) = object, let m = members.first(where: { $0.key == key }) else {
            XCTFail("no \(key)"); return text
        }
        let start = header.utf8.index(header.utf8.startIndex, offsetBy: m.offset)
        let old = JSON.string(m.value.string ?? "")
        let end = header.utf8.index(start, offsetBy: old.utf8.count)
        return String(header[..<start]) + value + String(header[end...]) + text.dropFirst(header.count)
    }

    /// Issue 12: `"started":"not-a-date"` was graded and stored, then broke every export. Now
    /// the grader refuses it, at the value, and grades the rest.
    func testMalformedStartedIsBadAtTheValue() throws {
        try write("good.jsonl", try golden("mistakes"))
        let text = try journalWithHeader("started", json: "\"not-a-date\"")
        try write("bad.jsonl", text)
        let at = position(of: "\"not-a-date\"", in: text)
        assertOnlyError(grade(), file: "bad.jsonl", code: .invalid, line: at.line, column: at.column,
                        containing: "\"started\" is not an ISO 8601 time")
    }

    func testStartedThatExportsCanReadIsAccepted() throws {
        // Offsets and fractions the exports accept are fine; so is no `started` at all (format 1).
        try write("offset.jsonl", try journalWithHeader("started", json: "\"2026-11-29T16:30:00+08:00\""))
        try write("plain.jsonl", try journalText("mistakes", attempt: "plain"))
        XCTAssertEqual(grade().errors, [])
    }

    /// Issue 12: a newline in a student id forged rows in listings, and escape codes in ids
    /// reach terminals. Such ids are refused, each at its value; so is an overlong attempt id.
    func testControlCharactersInIdsAreBad() throws {
        try write("good.jsonl", try golden("mistakes"))
        let cases: [(key: String, value: String, fragment: String)] = [
            ("student", "\"s001\\nforged\\tfalse\"", "\"student\" holds a control character (U+000A)"),
            ("attempt", "\"a\\u001b[2Jx\"", "\"attempt\" holds a control character (U+001B)"),
            ("workstation", "\"ws\\u0085\"", "\"workstation\" holds a control character (U+0085)"),
            ("attempt", JSON.string(String(repeating: "x", count: JournalChecker.maxAttemptIdBytes + 1)), "over the limit of 200"),
        ]
        for c in cases {
            let text = try journalWithHeader(c.key, json: c.value)
            try write("bad.jsonl", text)
            let at = position(of: c.value, in: text)
            assertOnlyError(grade(), file: "bad.jsonl", code: .invalid, line: at.line, column: at.column, containing: c.fragment)
        }
        // Printable ids, Chinese included, '/' included, at the length limit, are fine.
        try write("bad.jsonl", try journalWithHeader("student", json: "\"学生-007 (retake)/2\""))
        try write("long.jsonl", try journalWithHeader("attempt", json: JSON.string(String(repeating: "y", count: 200)), from: "idle"))
        XCTAssertEqual(grade().errors, [])
    }

    /// Issue 12: a journal of a million actions took 1.9 GB. One action over the limit is
    /// refused (`too-large`, naming the limit) before replay; exactly at the limit is graded.
    func testActionLimitRefusesOneOverAndAcceptsExactlyAtIt() throws {
        let text = try golden("perfect")
        let n = try Journal.parse(data: Data(text.utf8), path: "p").actions.count
        try write("perfect.jsonl", text)
        func run(_ maxActions: Int) -> GradeOutput {
            Grader(scenarios: scenarios, jobs: 1, limits: JournalLimits(maxActions: maxActions)).run(journals: Grader.journalPaths([folder.path]))
        }
        let at = run(n)
        XCTAssertEqual(at.errors, [])
        XCTAssertEqual(at.records.count, 1)
        let over = run(n - 1)
        XCTAssertEqual(over.records.count, 0)
        let e = try XCTUnwrap(over.errors.first)
        XCTAssertEqual(over.errors.count, 1)
        XCTAssertEqual(e.code, .tooLarge)
        XCTAssertEqual(e.line, n + 1, "at the first action over the limit (line 1 is the header)")
        XCTAssertTrue(e.message.contains("more than \(n - 1) actions"), e.message)
        XCTAssertTrue(e.message.contains("--max-actions"), e.message)
    }

    func testSizeLimitRefusesOneByteOverUnreadAndAcceptsExactlyAtIt() throws {
        let text = try golden("perfect")
        let path = try write("big.jsonl", text)
        let size = text.utf8.count
        func run(_ maxBytes: Int) -> GradeOutput {
            Grader(scenarios: scenarios, jobs: 2, limits: JournalLimits(maxBytes: maxBytes)).run(journals: [path])
        }
        let at = run(size)
        XCTAssertEqual(at.errors, [])
        XCTAssertEqual(at.records.count, 1)
        let over = run(size - 1)
        XCTAssertEqual(over.records.count, 0)
        XCTAssertEqual(over.errors.map(\.code), [.tooLarge])
        let e = try XCTUnwrap(over.errors.first)
        XCTAssertEqual(e.journal, path)
        XCTAssertEqual([e.line, e.column], [1, 1])
        XCTAssertTrue(e.message.contains("journal is \(size) bytes, over the limit of \(size - 1) bytes"), e.message)
        XCTAssertEqual(over.manifest.badJournals, 1)
    }

    /// A FIFO among the submissions would block a plain read forever: it is refused at once.
    func testFIFOIsRefusedNotWaitedOn() throws {
        try write("good.jsonl", try golden("mistakes"))
        let fifo = folder.appendingPathComponent("pipe.jsonl").path
        XCTAssertEqual(mkfifo(fifo, 0o600), 0)
        let out = grade()
        XCTAssertEqual(out.errors.map(\.code), [.unreadable])
        XCTAssertTrue(out.errors.first?.message.contains("not a regular file") ?? false)
        XCTAssertEqual(out.records.count, 1)
    }

    /// Issue 12: a journal whose claimed engine or final state hash disagrees with the replay
    /// got no warning. Both are now warnings (graded all the same), at the claim.
    func testEngineAndStateHashDisagreementsAreWarned() throws {
        try write("good.jsonl", try golden("mistakes"))
        var text = try journalWithHeader("engine", json: "\"0.0.9\"")
        text = text.replacingOccurrences(of: "\"stateHash\":\"\(GoldenHashes.perfect)\"", with: "\"stateHash\":\"0000000000000000\"")
        try write("claims.jsonl", text)
        let out = grade()
        XCTAssertEqual(out.errors, [])
        XCTAssertEqual(out.records.count, 2)
        let path = folder.appendingPathComponent("claims.jsonl").path
        XCTAssertEqual(out.warnings.count, 2, out.warnings.map(\.description).joined(separator: "\n"))
        let engine = position(of: "\"0.0.9\"", in: text), hash = position(of: "\"0000000000000000\"", in: text)
        XCTAssertEqual(out.warnings.map(\.description), [
            "\(path):\(engine.line):\(engine.column): warning: " + JournalChecker.engineMismatch("0.0.9"),
            "\(path):\(hash.line):\(hash.column): warning: the workstation's final state hash 0000000000000000 differs from the replay's "
                + "\(GoldenHashes.perfect) (the score comes from the replay; a different engine build, or an altered journal)",
        ])
        XCTAssertTrue(out.warnings[0].description.contains("'0.0.9'"))
    }

    /// The grader reads each results row from the record's summary (before its deductions and
    /// events, which a long attempt has by the million): the same row as from the whole record.
    func testResultsRowFromTheSummaryIsTheRowFromTheWholeRecord() throws {
        for name in ["perfect", "mistakes", "idle"] {
            let j = try journal(name)
            let o = Runner.replay(Self.model, journal: j)
            XCTAssertFalse(o.events.isEmpty)
            let (json, end) = AttemptRecord.renderMarked(o, model: Self.model, journal: j, journalPath: name, journalSHA256: "x", attempt: name)
            XCTAssertEqual(json, AttemptRecord.render(o, model: Self.model, journal: j, journalPath: name, journalSHA256: "x", attempt: name))
            XCTAssertTrue(json.utf8.dropFirst(end).starts(with: ",\"deductions\":[".utf8), name)
            let summary = try JSONText.parse(Array(json.utf8.prefix(end)) + [UInt8(ascii: "}")])
            XCTAssertNil(summary["events"])
            let whole = try ResultsCSV.row(record: JSONText.parse(Array(json.utf8)))
            let fromSummary = try ResultsCSV.row(record: summary)
            XCTAssertEqual(fromSummary.fields, whole.fields, name)
            XCTAssertEqual(fromSummary.steps.map { "\($0.id)=\($0.score)" }, whole.steps.map { "\($0.id)=\($0.score)" }, name)
        }
    }
}
