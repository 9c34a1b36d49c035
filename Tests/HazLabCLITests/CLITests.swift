import Foundation
import HazLabTestSupport
import HazLabCore
import HazLabRecords
import HazLabScenario
import XCTest

/// End-to-end tests of the `hazlab` command line, run as a subprocess.
final class CLITests: XCTestCase {

    // MARK: fixtures

    /// A small valid scenario; `extraTop` is inserted as top-level lines, `extraEntity` as an entity.
    static func miniScenario(id: String, extraTop: String = "", extraEntity: String = "") -> String {
        var s = """
        id: \(id)
        version: 1
        title: {zh: 小测验, en: Mini}
        discipline: chemical
        timeLimit: 1 min

        """
        s += extraTop
        s += """
        entities:
          - id: TK1
            type: tank
            area: 1 m2
            height: 2 m
            level: 1 m

        """
        s += extraEntity
        s += """
        procedure:
          - id: s1
            title: {zh: 一, en: One}
            done: TK1.level > 1.5 m
            score: 10
        rubric:
          passScore: 5

        """
        return s
    }

    /// Asserts `output` has a line `^<path>:<line>:<col>: <severity>: ` and returns its message.
    @discardableResult
    func assertDiagnostic(_ output: String, path: String, line: Int, column: Int, severity: String = "error",
                          file: StaticString = #filePath, lineNo: UInt = #line) -> String? {
        let pattern = "^\(path.regexEscaped):(\\d+):(\\d+): \(severity): (.*)$"
        guard let c = output.captures(pattern) else {
            XCTFail("no '\(path):L:C: \(severity):' line in:\n\(output)", file: file, line: lineNo)
            return nil
        }
        XCTAssertEqual(Int(c[1]), line, "line of: \(c[0])", file: file, line: lineNo)
        XCTAssertEqual(Int(c[2]), column, "column of: \(c[0])", file: file, line: lineNo)
        return c[3]
    }

    func jsonObject(_ text: String, file: StaticString = #filePath, line: UInt = #line) throws -> [String: Any] {
        let obj = try JSONSerialization.jsonObject(with: Data(text.utf8))
        return try XCTUnwrap(obj as? [String: Any], "not a JSON object: \(text.prefix(200))", file: file, line: line)
    }

    /// `perfect.jsonl` with its last action line cut in half (no newline), as after a crash.
    func tornPerfectJournal(in dir: TempDir) throws -> (url: URL, tornLine: Int) {
        var text = try String(contentsOf: Hazlab.demoRun("perfect.jsonl"), encoding: .utf8)
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        if lines.last == "" { lines.removeLast() }
        XCTAssertTrue(lines.last!.contains("\"trailer\""))
        lines.removeLast()                      // the trailer was never written
        let last = lines.removeLast()           // the last action, written halfway
        XCTAssertTrue(last.contains("\"action\""))
        text = lines.joined(separator: "\n") + "\n" + last.prefix(last.count / 2)
        return (try dir.write("torn.jsonl", text), lines.count + 1)
    }

    // MARK: check

    func testCheckDemoScenarioIsValid() throws {
        let r = try Hazlab.run(["check", Hazlab.demoScenario.path])
        XCTAssertEqual(r.status, 0, r.all)
        XCTAssertTrue(r.stdoutLines.contains("\(Hazlab.demoScenario.path): ok"), r.stdout)
        XCTAssertFalse(r.stdout.contains(": error: "), r.stdout)
        // A folder is resolved to its scenario.yaml.
        let folder = try Hazlab.run(["check", Hazlab.demoFolder.path])
        XCTAssertEqual(folder.status, 0, folder.all)
    }

    func testCheckUnknownKeyReportsItsPosition() throws {
        let dir = try TempDir()
        // An unknown top-level key, and a misspelt key nested in an entity.
        let top = Self.miniScenario(id: "bad-top", extraTop: "colour: red\n")
        let nested = Self.miniScenario(id: "bad-nested").replacingOccurrences(of: "    level: 1 m", with: "    levle: 1 m")
        XCTAssertNotEqual(nested, Self.miniScenario(id: "bad-nested"))
        for (name, text, key) in [("top.yaml", top, "colour:"), ("nested.yaml", nested, "levle:")] {
            let url = try dir.write(name, text)
            let at = try XCTUnwrap(text.position(of: key))
            let r = try Hazlab.run(["check", url.path])
            XCTAssertEqual(r.status, 1, r.all)
            let message = assertDiagnostic(r.stdout, path: url.path, line: at.line, column: at.column)
            XCTAssertTrue(message?.contains(String(key.dropLast())) ?? false, message ?? "")
            XCTAssertFalse(r.stdout.contains("\(url.path): ok"))
        }
    }

    func testCheckReportsErrorsForEveryFile() throws {
        let dir = try TempDir()
        let a = Self.miniScenario(id: "bad-a", extraTop: "colour: red\n")
        let b = Self.miniScenario(id: "bad-b").replacingOccurrences(of: "discipline: chemical", with: "discipline: chemisty")
        let ua = try dir.write("a/scenario.yaml", a), ub = try dir.write("b/scenario.yaml", b)
        let missing = dir.file("missing.yaml")
        let r = try Hazlab.run(["check", ua.path, Hazlab.demoScenario.path, missing.path, ub.path])
        XCTAssertEqual(r.status, 1, r.all)
        let pa = try XCTUnwrap(a.position(of: "colour:"))
        let pb = try XCTUnwrap(b.position(of: "chemisty"))
        assertDiagnostic(r.stdout, path: ua.path, line: pa.line, column: pa.column)
        assertDiagnostic(r.stdout, path: ub.path, line: pb.line, column: pb.column)
        assertDiagnostic(r.stdout, path: missing.path, line: 1, column: 1)
        XCTAssertTrue(r.stdoutLines.contains("\(Hazlab.demoScenario.path): ok"), r.stdout)
        // A folder of scenario folders is checked file by file, too.
        let folder = try Hazlab.run(["check", dir.url.path])
        XCTAssertEqual(folder.status, 1, folder.all)
        assertDiagnostic(folder.stdout, path: ua.path, line: pa.line, column: pa.column)
        assertDiagnostic(folder.stdout, path: ub.path, line: pb.line, column: pb.column)
    }

    func testWerrorTurnsAnUnusedEntityWarningIntoFailure() throws {
        let dir = try TempDir()
        let unused = "  - {id: TK2, type: tank, area: 1 m2, height: 2 m, level: 1 m}\n"
        let text = Self.miniScenario(id: "unused", extraEntity: unused)
        let url = try dir.write("unused.yaml", text)
        let at = try XCTUnwrap(text.position(of: "{id: TK2"))

        let plain = try Hazlab.run(["check", url.path])
        XCTAssertEqual(plain.status, 0, plain.all)
        XCTAssertFalse(plain.stdout.contains(": error: "), plain.stdout)
        let message = assertDiagnostic(plain.stdout, path: url.path, line: at.line, column: at.column, severity: "warning")
        XCTAssertTrue(message?.contains("TK2") ?? false)
        XCTAssertTrue(plain.stdoutLines.contains("\(url.path): ok"))

        let strict = try Hazlab.run(["check", "--werror", url.path])
        XCTAssertEqual(strict.status, 1, strict.all)
        assertDiagnostic(strict.stdout, path: url.path, line: at.line, column: at.column, severity: "warning")
        XCTAssertFalse(strict.stdoutLines.contains("\(url.path): ok"))

        // Without the unused entity, --werror passes: the warning was the only problem.
        let clean = try dir.write("clean.yaml", Self.miniScenario(id: "clean"))
        let ok = try Hazlab.run(["check", "--werror", clean.path])
        XCTAssertEqual(ok.status, 0, ok.all)
    }

    // MARK: new

    func testNewWritesAStarterThatChecksCleanAndIsNeverOverwritten() throws {
        let dir = try TempDir()
        let made = try Hazlab.run(["new", "--discipline", "gas", "--id", "leak-drill", "--out", dir.url.path])
        XCTAssertEqual(made.status, 0, made.all)
        let file = dir.url.appendingPathComponent("leak-drill/scenario.yaml")
        let text = try String(contentsOf: file, encoding: .utf8)
        XCTAssertTrue(text.contains("id: leak-drill"))
        let check = try Hazlab.run(["check", "--werror", file.path])
        XCTAssertEqual(check.status, 0, check.all)
        // A second run refuses to overwrite the instructor's edits.
        try Data("# edited\n".utf8).write(to: file)
        let again = try Hazlab.run(["new", "--discipline", "gas", "--id", "leak-drill", "--out", dir.url.path])
        XCTAssertEqual(again.status, 1, again.all)
        XCTAssertEqual(try String(contentsOf: file, encoding: .utf8), "# edited\n")
        let bad = try Hazlab.run(["new", "--discipline", "juggling", "--id", "x", "--out", dir.url.path])
        XCTAssertEqual(bad.status, 64, bad.all)
        XCTAssertTrue(bad.stderr.contains("unknown discipline 'juggling'"), bad.stderr)
    }

    // MARK: run

    func testRunJSONOnThePerfectJournal() throws {
        let journalURL = Hazlab.demoRun("perfect.jsonl")
        let r = try Hazlab.run(["run", Hazlab.demoFolder.path, "--journal", journalURL.path, "--json"])
        XCTAssertEqual(r.status, 0, r.all)
        // Exactly one JSON object on one line.
        XCTAssertEqual(r.stdoutLines.count, 1, r.stdout)
        let o = try jsonObject(r.stdout)
        for key in ["scenario", "seed", "ticks", "stateHash", "score", "steps", "events"] {
            XCTAssertNotNil(o[key], "missing \(key)")
        }
        let journal = try Journal.read(path: journalURL.path)
        let trailer = try XCTUnwrap(journal.trailer)
        XCTAssertEqual(o["scenario"] as? String, journal.header.scenario)
        XCTAssertEqual((o["seed"] as? NSNumber)?.uint64Value, journal.header.seed)
        XCTAssertEqual((o["ticks"] as? NSNumber)?.int64Value, trailer.endTick)
        let hash = try XCTUnwrap(o["stateHash"] as? String)
        XCTAssertNotNil(hash.captures("^[0-9a-f]{16}$"), hash)
        XCTAssertEqual(hash, trailer.stateHash)

        let score = try XCTUnwrap(o["score"] as? [String: Any])
        let total = try XCTUnwrap((score["total"] as? NSNumber)?.doubleValue)
        let max = try XCTUnwrap((score["max"] as? NSNumber)?.doubleValue)
        XCTAssertNotNil(score["passed"] as? Bool)
        XCTAssertLessThanOrEqual(total, max)
        let expected = try jsonObject(String(contentsOf: Hazlab.demoRun("perfect.expected.json"), encoding: .utf8))
        XCTAssertEqual(total, (expected["total"] as? NSNumber)?.doubleValue)
        XCTAssertEqual(score["passed"] as? Bool, expected["passed"] as? Bool)

        // Steps match the scenario's procedure, titles as UTF-8 text.
        let model = try XCTUnwrap(ScenarioCompiler.compile(path: Hazlab.demoScenario.path).model)
        let steps = try XCTUnwrap(o["steps"] as? [[String: Any]])
        XCTAssertEqual(steps.compactMap { $0["id"] as? String }, model.procedure.map(\.id))
        XCTAssertEqual(steps.compactMap { ($0["title"] as? [String: Any])?["zh"] as? String }, model.procedure.map(\.title.zh))
        XCTAssertTrue(model.procedure.map(\.title.zh).contains("穿戴劳保用品"))
        XCTAssertTrue(r.stdout.contains("\"穿戴劳保用品\""), "step title not written as UTF-8")
        for title in model.procedure.map(\.title.zh) { XCTAssertTrue(r.stdout.contains(title), title) }
        XCTAssertFalse(r.stdout.contains("\\u7a7f"), "CJK escaped")
        XCTAssertFalse((o["events"] as? [Any])?.isEmpty ?? true)
    }

    func testRunRejectsAJournalForAnotherScenario() throws {
        let dir = try TempDir()
        let text = try String(contentsOf: Hazlab.demoRun("perfect.jsonl"), encoding: .utf8)
        let other = text.replacingOccurrences(of: #""scenario":"tank-filling""#, with: #""scenario":"gas-leak""#)
        XCTAssertNotEqual(other, text)
        let url = try dir.write("other.jsonl", other)
        let r = try Hazlab.run(["run", Hazlab.demoFolder.path, "--journal", url.path])
        XCTAssertEqual(r.status, 1, r.all)
        XCTAssertEqual(r.reason, .exit)
        let message = assertDiagnostic(r.stderr, path: url.path, line: 1, column: 1)
        XCTAssertTrue(message?.contains("gas-leak") ?? false, message ?? "")
        XCTAssertFalse(r.stdout.contains("score"), "a run was printed: \(r.stdout)")
    }

    func testRunWithAMissingJournalFailsCleanly() throws {
        let dir = try TempDir()
        let missing = dir.file("nope.jsonl")
        let r = try Hazlab.run(["run", Hazlab.demoFolder.path, "--journal", missing.path])
        XCTAssertEqual(r.reason, .exit, "crashed: \(r.all)")
        XCTAssertEqual(r.status, 1, r.all)
        assertDiagnostic(r.stderr, path: missing.path, line: 1, column: 1)
        XCTAssertTrue(r.stdout.isEmpty, r.stdout)
    }

    func testRunWithATornJournalWarnsAndCompletes() throws {
        let dir = try TempDir()
        let (torn, tornLine) = try tornPerfectJournal(in: dir)
        let r = try Hazlab.run(["run", Hazlab.demoFolder.path, "--journal", torn.path, "--json"])
        XCTAssertEqual(r.status, 0, r.all)
        assertDiagnostic(r.stderr, path: torn.path, line: tornLine, column: 1, severity: "warning")
        XCTAssertFalse(r.stderr.contains(": error: "), r.stderr)
        let o = try jsonObject(r.stdout)
        XCTAssertNotNil((o["stateHash"] as? String)?.captures("^[0-9a-f]{16}$"))

        // The run is the replay of every action before the torn line.
        var journal = try Journal.read(path: Hazlab.demoRun("perfect.jsonl").path)
        journal.actions.removeLast()
        journal.trailer = nil
        let intact = try dir.write("intact.jsonl", journal.jsonl())
        let reference = try Hazlab.run(["run", Hazlab.demoFolder.path, "--journal", intact.path, "--json"])
        XCTAssertEqual(reference.status, 0, reference.all)
        XCTAssertTrue(reference.stderr.isEmpty, reference.stderr)
        XCTAssertEqual(r.stdout, reference.stdout)

        // Plain-text output also completes.
        let text = try Hazlab.run(["run", Hazlab.demoFolder.path, "--journal", torn.path])
        XCTAssertEqual(text.status, 0, text.all)
        XCTAssertNotNil(text.stdout.captures("^score [0-9.]+/[0-9.]+  (优|良|中|差) (Excellent|Good|Pass|Fail)  (PASSED|FAILED)$"), text.stdout)
    }

    // MARK: trace

    func traceLines(_ output: String) -> [(tick: Int64, hash: String)] {
        output.split(separator: "\n").compactMap { line in
            guard let c = String(line).captures("^tick (\\d+) ([0-9a-f]{16})$") else { return nil }
            return (Int64(c[1])!, c[2])
        }
    }

    func testTraceIsPeriodicAndDeterministicAcrossProcesses() throws {
        let args = ["run", Hazlab.demoFolder.path, "--journal", Hazlab.demoRun("perfect.jsonl").path, "--trace", "100"]
        let first = try Hazlab.run(args), second = try Hazlab.run(args)
        XCTAssertEqual(first.status, 0, first.all)
        XCTAssertEqual(second.status, 0, second.all)
        let a = traceLines(first.stdout), b = traceLines(second.stdout)
        let endTick = try XCTUnwrap(Journal.read(path: Hazlab.demoRun("perfect.jsonl").path).trailer?.endTick)
        // One line per 100 ticks from 0 through the end of the run.
        XCTAssertEqual(a.map(\.tick), Array(stride(from: Int64(0), through: endTick, by: 100)))
        XCTAssertEqual(Set(a.map(\.hash)).count, a.count, "the state hash should change between samples")
        XCTAssertEqual(a.map(\.tick), b.map(\.tick))
        XCTAssertEqual(a.last?.hash, b.last?.hash)
        XCTAssertEqual(a.map(\.hash), b.map(\.hash))

        // --json carries the same trace.
        let json = try Hazlab.run(args + ["--json"])
        let trace = try XCTUnwrap(try jsonObject(json.stdout)["trace"] as? [[String: Any]])
        XCTAssertEqual(trace.compactMap { $0["stateHash"] as? String }, a.map(\.hash))
    }

    func testTraceAtTheFinalTickEqualsTheFinalStateHash() throws {
        let journal = try Journal.read(path: Hazlab.demoRun("perfect.jsonl").path)
        let trailer = try XCTUnwrap(journal.trailer)
        // Choose a period that divides the final tick, so the last sample is the final state.
        let period = try XCTUnwrap((2...trailer.endTick).first { trailer.endTick % $0 == 0 && $0 > 10 })
        let r = try Hazlab.run(["run", Hazlab.demoFolder.path, "--journal", Hazlab.demoRun("perfect.jsonl").path,
                                "--trace", String(period)])
        XCTAssertEqual(r.status, 0, r.all)
        let lines = traceLines(r.stdout)
        XCTAssertEqual(lines.last?.tick, trailer.endTick)
        XCTAssertEqual(lines.last?.hash, trailer.stateHash)
        XCTAssertTrue(r.stdout.contains("stateHash \(trailer.stateHash)"), r.stdout)
    }

    func testTraceZeroIsAUsageError() throws {
        let r = try Hazlab.run(["run", Hazlab.demoFolder.path, "--trace", "0"])
        XCTAssertEqual(r.status, 64, r.all)
        XCTAssertTrue(r.stderr.contains("--trace"), r.stderr)
        XCTAssertTrue(traceLines(r.stdout).isEmpty)
    }

    // MARK: test (golden runs)

    func goldenNames() throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: Hazlab.demoFolder.appendingPathComponent("runs").path)
            .filter { $0.hasSuffix(".jsonl") }.map { String($0.dropLast(".jsonl".count)) }.sorted()
    }

    func testGoldenRunsPassOnACopy() throws {
        let dir = try TempDir()
        let copy = try dir.copyDemo()
        let names = try goldenNames()
        XCTAssertFalse(names.isEmpty)
        let r = try Hazlab.run(["test", copy.path])
        XCTAssertEqual(r.status, 0, r.all)
        XCTAssertTrue(r.stdoutLines.contains("golden runs: \(names.count) passed, 0 failed"), r.stdout)
        for n in names { XCTAssertTrue(r.stdoutLines.contains("PASS tank-filling/\(n)"), r.stdout) }
    }

    /// Drops the golden runs other than `keep` from a copy (the long idle run costs time).
    func keepOnly(_ keep: [String], in copy: URL) throws -> [String] {
        for n in try goldenNames() where !keep.contains(n) {
            try FileManager.default.removeItem(at: copy.appendingPathComponent("runs/\(n).jsonl"))
            try FileManager.default.removeItem(at: copy.appendingPathComponent("runs/\(n).expected.json"))
        }
        return keep
    }

    func testGoldenRunMismatchShowsADiff() throws {
        let dir = try TempDir()
        let copy = try dir.copyDemo()
        let names = try keepOnly(["mistakes", "perfect"], in: copy)
        let expectedURL = copy.appendingPathComponent("runs/perfect.expected.json")
        let text = try String(contentsOf: expectedURL, encoding: .utf8)
        let actual = try XCTUnwrap((jsonObject(text)["total"] as? NSNumber)?.doubleValue)
        let wrong = actual - 7
        let edited = text.replacingOccurrences(of: "\"total\": \(JSON.number(actual))", with: "\"total\": \(JSON.number(wrong))")
        XCTAssertNotEqual(edited, text)
        try Data(edited.utf8).write(to: expectedURL)

        let r = try Hazlab.run(["test", copy.path])
        XCTAssertEqual(r.status, 1, r.all)
        XCTAssertTrue(r.stdoutLines.contains("FAIL tank-filling/perfect"), r.stdout)
        let diff = "score.total: expected \(JSON.number(wrong)), got \(JSON.number(actual))"
        XCTAssertTrue(r.stdoutLines.contains { $0.trimmingCharacters(in: .whitespaces) == diff }, r.stdout)
        XCTAssertTrue(r.stdoutLines.contains("golden runs: \(names.count - 1) passed, 1 failed"), r.stdout)
        // Only the total moved: the state hash line is not in the diff.
        XCTAssertFalse(r.stdout.contains("stateHash: expected"), r.stdout)
    }

    func testEditedScenarioIsAShaMismatchUntilUpdated() throws {
        let dir = try TempDir()
        let copy = try dir.copyDemo()
        let scenarioURL = copy.appendingPathComponent("scenario.yaml")
        let text = try String(contentsOf: scenarioURL, encoding: .utf8)
        let edited = text.replacingOccurrences(of: "en: Feed tank filling\n", with: "en: Feed tank filling (edited)\n")
        XCTAssertNotEqual(edited, text)
        try Data(edited.utf8).write(to: scenarioURL)
        let oldSHA = try XCTUnwrap(ScenarioCompiler.compile(path: Hazlab.demoScenario.path).model?.sourceSHA256)
        let newSHA = try XCTUnwrap(ScenarioCompiler.compile(path: scenarioURL.path).model?.sourceSHA256)
        XCTAssertNotEqual(oldSHA, newSHA)
        let names = try keepOnly(["mistakes", "perfect"], in: copy)
        let originals = try names.map { try Data(contentsOf: Hazlab.demoRun("\($0).jsonl")) }

        let r = try Hazlab.run(["test", copy.path])
        XCTAssertEqual(r.status, 1, r.all)
        for n in names {
            let line = try XCTUnwrap(r.stdoutLines.first { $0.hasPrefix("ERROR tank-filling/\(n): ") }, r.stdout)
            XCTAssertTrue(line.contains("SHA-256"), line)
            XCTAssertTrue(line.contains(String(oldSHA.prefix(12))) && line.contains(String(newSHA.prefix(12))), line)
        }
        XCTAssertTrue(r.stdoutLines.contains("golden runs: 0 passed, \(names.count) failed"), r.stdout)

        // The golden journals are signed: without the key that signed them, --update refuses
        // and leaves them as they were (it used to strip the signatures and say "passed").
        let before = try names.map { try Data(contentsOf: copy.appendingPathComponent("runs/\($0).jsonl")) }
        let unsigned = try Hazlab.run(["test", "--update", copy.path], environment: ["HAZLAB_GOLDEN_KEY": ""])
        XCTAssertEqual(unsigned.status, 1, unsigned.all)
        XCTAssertTrue(unsigned.stdout.contains("signed by 'ws-demo'") && unsigned.stdout.contains("HAZLAB_GOLDEN_KEY"), unsigned.stdout)
        XCTAssertEqual(try names.map { try Data(contentsOf: copy.appendingPathComponent("runs/\($0).jsonl")) }, before)

        let key = Hazlab.repoRoot.appendingPathComponent("Tools/demo-keys/ws-demo.key").path
        let update = try Hazlab.run(["test", "--update", copy.path], environment: ["HAZLAB_GOLDEN_KEY": key])
        XCTAssertEqual(update.status, 0, update.all)
        let verify = try Hazlab.run(["journal", "verify", "--keys", Hazlab.repoRoot.appendingPathComponent("Tools/demo-keys/keys.json").path]
                                    + names.map { copy.appendingPathComponent("runs/\($0).jsonl").path })
        XCTAssertEqual(verify.status, 0, "re-signed with the same key: \(verify.all)")
        for n in names { XCTAssertTrue(update.stdoutLines.contains("UPDATED tank-filling/\(n)"), update.stdout) }

        let again = try Hazlab.run(["test", copy.path])
        XCTAssertEqual(again.status, 0, again.all)
        XCTAssertTrue(again.stdoutLines.contains("golden runs: \(names.count) passed, 0 failed"), again.stdout)

        // The copy's journals now carry the new fingerprint and a trailer matching the expectation.
        for n in names {
            let j = try Journal.read(path: copy.appendingPathComponent("runs/\(n).jsonl").path)
            XCTAssertEqual(j.header.scenarioSHA256, newSHA)
            let expected = try jsonObject(String(contentsOf: copy.appendingPathComponent("runs/\(n).expected.json"), encoding: .utf8))
            XCTAssertEqual(j.trailer?.stateHash, expected["stateHash"] as? String)
        }
        // The repository's own golden runs were not touched.
        XCTAssertEqual(try names.map { try Data(contentsOf: Hazlab.demoRun("\($0).jsonl")) }, originals)
    }

    // MARK: help and schema

    func testHelpHasExamples() throws {
        for args in [["--help"], ["check", "--help"], ["run", "--help"], ["test", "--help"], ["schema", "--help"]] {
            let r = try Hazlab.run(args)
            XCTAssertEqual(r.status, 0, "\(args): \(r.all)")
            XCTAssertTrue(r.stdoutLines.contains { $0.trimmingCharacters(in: .whitespaces) == "Examples:" },
                          "\(args) has no Examples section:\n\(r.stdout)")
            XCTAssertTrue(r.stdout.contains("hazlab \(args.count == 1 ? "" : args[0])"), "\(args): no example invocation")
        }
    }

    func testSchemaIsDraft2020JSON() throws {
        let r = try Hazlab.run(["schema"])
        XCTAssertEqual(r.status, 0, r.all)
        let o = try jsonObject(r.stdout)
        XCTAssertEqual(o["$schema"] as? String, "https://json-schema.org/draft/2020-12/schema")
        XCTAssertNotNil(o["properties"] as? [String: Any])
    }

    // MARK: hostile scenarios and journals (issue 12)

    /// `tickRate: 1000` with `timeLimit: 24 h` passed `check` and then took minutes per replay.
    /// It is now an error at timeLimit naming the limit; HAZLAB_MAX_TICKS raises the limit.
    func testCheckRefusesAScenarioOverTheTicksPerAttemptLimit() throws {
        let dir = try TempDir()
        let text = Self.miniScenario(id: "endless").replacingOccurrences(of: "timeLimit: 1 min", with: "tickRate: 1000\ntimeLimit: 24 h")
        let url = try dir.write("endless.yaml", text)
        let r = try Hazlab.run(["check", url.path])
        XCTAssertEqual(r.status, 1, r.all)
        let at = try XCTUnwrap(text.position(of: "24 h"))
        let rate = try XCTUnwrap(text.position(of: "1000"))
        let message = try XCTUnwrap(assertDiagnostic(r.stdout, path: url.path, line: at.line, column: at.column))
        XCTAssertTrue(message.contains("86400000 ticks"), message)
        XCTAssertTrue(message.contains("over the limit of 360000 ticks per attempt"), message)
        XCTAssertTrue(message.contains("tickRate at \(rate.line):\(rate.column)"), message)
        XCTAssertTrue(message.contains("HAZLAB_MAX_TICKS"), message)
        // Exactly at the limit is fine (100 Hz × 1 h); so is the same scenario under a raised limit.
        let edge = try dir.write("edge.yaml", Self.miniScenario(id: "edge").replacingOccurrences(of: "timeLimit: 1 min", with: "tickRate: 100\ntimeLimit: 60 min"))
        XCTAssertEqual(try Hazlab.run(["check", edge.path]).status, 0)
        let over = try dir.write("over.yaml", Self.miniScenario(id: "over").replacingOccurrences(of: "timeLimit: 1 min", with: "tickRate: 100\ntimeLimit: 3601 s"))
        XCTAssertEqual(try Hazlab.run(["check", over.path]).status, 1)
        let raised = try Hazlab.run(["check", url.path], environment: ["HAZLAB_MAX_TICKS": "86400000"])
        XCTAssertEqual(raised.status, 0, raised.all)
    }

    /// Escape codes in a scenario's text (which `check` quotes and `run` prints) reach the
    /// terminal only as visible escapes.
    func testRunAndCheckEscapeControlCharactersFromTheScenario() throws {
        let dir = try TempDir()
        // YAML double quotes turn \e into ESC: clear the screen, home, print a fake result.
        let text = Self.miniScenario(id: "evil").replacingOccurrences(of: "title: {zh: 小测验, en: Mini}",
                                                                       with: "title: {zh: 小测验, en: \"Mini\\e[2J\\e[Hscore 100/100 PASSED\"}")
            .replacingOccurrences(of: "discipline: chemical", with: "discipline: \"chem\\e[31mical\"")
        let url = try dir.write("evil.yaml", text)
        let check = try Hazlab.run(["check", url.path])
        XCTAssertEqual(check.status, 1, check.all)
        XCTAssertFalse(check.all.unicodeScalars.contains("\u{1B}"), check.all)
        XCTAssertTrue(check.stdout.contains("chem\\e[31mical"), check.stdout)
        let fixed = try dir.write("title.yaml", text.replacingOccurrences(of: "discipline: \"chem\\e[31mical\"", with: "discipline: chemical"))
        let run = try Hazlab.run(["run", fixed.path])
        XCTAssertEqual(run.status, 0, run.all)
        XCTAssertFalse(run.all.unicodeScalars.contains("\u{1B}"), run.all)
        XCTAssertTrue(run.stdoutLines.first?.hasSuffix("Mini\\e[2J\\e[Hscore 100/100 PASSED") ?? false, run.stdout)
    }

    /// Journal text in `run`'s messages is escaped; the journal's claims that disagree with the
    /// replay (engine, final state hash) are warned about at the claim.
    func testRunEscapesJournalTextAndWarnsAboutDisagreeingClaims() throws {
        let dir = try TempDir()
        let text = try String(contentsOf: Hazlab.demoRun("perfect.jsonl"), encoding: .utf8)
        let evil = text.replacingOccurrences(of: #""scenario":"tank-filling""#, with: #""scenario":"x\u001b[2J\nforged:1:1: ok""#)
        XCTAssertNotEqual(evil, text)
        let url = try dir.write("evil.jsonl", evil)
        let r = try Hazlab.run(["run", Hazlab.demoFolder.path, "--journal", url.path])
        XCTAssertEqual(r.status, 1, r.all)
        XCTAssertEqual(r.stderrLines.count, 1, r.stderr)
        XCTAssertFalse(r.stderr.unicodeScalars.contains("\u{1B}"), r.stderr)
        XCTAssertTrue(r.stderr.contains(#"'x\e[2J\nforged:1:1: ok'"#), r.stderr)

        let hash = "\"stateHash\":\"414ac7d3bf7021d3\""
        let claims = text.replacingOccurrences(of: #""engine":"0.2.0""#, with: #""engine":"0.0.9""#)
            .replacingOccurrences(of: hash, with: "\"stateHash\":\"0000000000000000\"")
        XCTAssertNotEqual(claims.replacingOccurrences(of: "0.0.9", with: "0.2.0"), text)
        let c = try dir.write("claims.jsonl", claims)
        let w = try Hazlab.run(["run", Hazlab.demoFolder.path, "--journal", c.path])
        XCTAssertEqual(w.status, 0, w.all)
        let e = try XCTUnwrap(claims.position(of: "\"0.0.9\""))
        let h = try XCTUnwrap(claims.position(of: "\"0000000000000000\""))
        let engine = try XCTUnwrap(assertDiagnostic(w.stderr, path: c.path, line: e.line, column: e.column, severity: "warning"))
        XCTAssertTrue(engine.contains("recorded by engine '0.0.9'"), engine)
        let lines = w.stderrLines
        XCTAssertEqual(lines.count, 2, w.stderr)
        XCTAssertEqual(lines.last?.hasPrefix("\(c.path):\(h.line):\(h.column): warning: the workstation's final state hash 0000000000000000 differs"), true, w.stderr)
    }

    func testRunRefusesAJournalOverTheActionLimit() throws {
        let perfect = Hazlab.demoRun("perfect.jsonl").path
        let n = try Journal.read(path: perfect).actions.count
        let over = try Hazlab.run(["run", Hazlab.demoFolder.path, "--journal", perfect, "--max-actions", "\(n - 1)"])
        XCTAssertEqual(over.status, 1, over.all)
        let message = try XCTUnwrap(assertDiagnostic(over.stderr, path: perfect, line: n + 1, column: 1))
        XCTAssertEqual(message, "more than \(n - 1) actions, the limit per journal (--max-actions raises it)")
        let at = try Hazlab.run(["run", Hazlab.demoFolder.path, "--journal", perfect, "--max-actions", "\(n)"])
        XCTAssertEqual(at.status, 0, at.all)
    }
}
