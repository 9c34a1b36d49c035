import Foundation
import HazLabTestSupport
import HazLabCore
import HazLabRecords
import HazLabRunner
import XCTest

/// `hazlab grade`, `hazlab merge` and `hazlab exam plan` as separate processes: exit codes,
/// what reaches stdout and stderr, byte-identical files across --jobs and across shards.
final class GradeCLITests: XCTestCase {

    // MARK: fixtures

    /// Writes `count` journals (the golden runs under new students and attempt ids) into
    /// `dir/journals/`, plus the `bad` ones given as (file name, text). Returns the folder.
    @discardableResult
    func makeBatch(_ dir: TempDir, count: Int, bad: [(String, String)] = []) throws -> URL {
        let names = ["perfect", "mistakes", "idle"]
        let golden = try names.map { try Journal.read(path: Hazlab.demoRun("\($0).jsonl").path) }
        for i in 0..<count {
            var j = golden[i % 3]
            j.header.student = "学生\(i)号"
            j.header.workstation = "工位-\(i % 4)"
            j.header.attempt = "exam-1/\(i)"
            try dir.write("journals/class-\(i % 2)/\(names[i % 3])-\(i).jsonl", j.jsonl())
        }
        for (name, text) in bad { try dir.write("journals/\(name)", text) }
        return dir.file("journals")
    }

    var perfectText: String { get throws { try String(contentsOf: Hazlab.demoRun("perfect.jsonl"), encoding: .utf8) } }

    func read(_ url: URL) throws -> Data { try Data(contentsOf: url) }

    let outputFiles = ["results.json", "results.csv", "errors.json", "manifest.json"]

    func assertSameOutputs(_ a: URL, _ b: URL, file: StaticString = #filePath, line: UInt = #line) throws {
        for name in outputFiles {
            let x = try read(a.appendingPathComponent(name)), y = try read(b.appendingPathComponent(name))
            XCTAssertEqual(x, y, "\(name) differs between \(a.lastPathComponent) and \(b.lastPathComponent)", file: file, line: line)
        }
    }

    func grade(_ args: [String], in dir: TempDir) throws -> Hazlab.Output {
        // Only the demo scenario: other scenarios in the tree must not affect these tests.
        try Hazlab.run(["grade", "--scenarios", Hazlab.demoFolder.path] + args, in: dir.url)
    }

    // MARK: exit status, stderr, stdout

    /// Hash chains are checked by default: an action edited in place breaks the chain at the
    /// next line; --no-check-chains grades it anyway (legacy tooling).
    func testEditedJournalIsABrokenChainByDefault() throws {
        let dir = try TempDir()
        let text = try perfectText
        let tampered = text.replacingOccurrences(of: #""verb":"wear","target":"goggles""#, with: #""verb":"wear","target":"gloves""#)
        XCTAssertNotEqual(tampered, text)
        try makeBatch(dir, count: 2, bad: [("tampered.jsonl", tampered)])
        let strict = try grade(["--out", "strict", "journals"], in: dir)
        XCTAssertEqual(strict.status, 1, strict.all)
        let errors = try XCTUnwrap(JSONSerialization.jsonObject(with: read(dir.file("strict/errors.json"))) as? [[String: Any]])
        XCTAssertEqual(errors.map { $0["code"] as? String }, ["bad-chain"])
        XCTAssertEqual(errors.first?["journal"] as? String, "journals/tampered.jsonl")
        let lax = try grade(["--out", "lax", "--no-check-chains", "journals"], in: dir)
        XCTAssertEqual(lax.status, 0, lax.all)
    }

    func testGradeGoesOnAfterABadJournalAndExitsOne() throws {
        let dir = try TempDir()
        // Edited through the journal type, so its hash chain stays intact: only the verb is wrong.
        var edited = try Journal.read(path: Hazlab.demoRun("perfect.jsonl").path)
        let k = try XCTUnwrap(edited.actions.firstIndex { $0.verb == "move-to" })
        edited.actions[k].verb = "fly-to"
        let bad = edited.jsonl()
        try makeBatch(dir, count: 4, bad: [("class-0/bad.jsonl", bad)])
        let r = try grade(["--out", "out", "--jobs", "2", "journals"], in: dir)
        XCTAssertEqual(r.reason, .exit, r.all)
        XCTAssertEqual(r.status, 1, r.all)
        // The bad journal is reported with its position, on stderr and in errors.json.
        let at = try XCTUnwrap(bad.position(of: #""fly-to""#))
        let pattern = "^journals/class-0/bad\\.jsonl:\(at.line):\(at.column): error: unknown verb 'fly-to'"
        XCTAssertNotNil(r.stderr.captures(pattern), r.stderr)
        let errors = try XCTUnwrap(JSONSerialization.jsonObject(with: read(dir.file("out/errors.json"))) as? [[String: Any]])
        XCTAssertEqual(errors.count, 1)
        XCTAssertEqual(errors.first?["journal"] as? String, "journals/class-0/bad.jsonl")
        XCTAssertEqual(errors.first?["line"] as? Int, at.line)
        XCTAssertEqual(errors.first?["column"] as? Int, at.column)
        XCTAssertEqual(errors.first?["code"] as? String, "unknown-verb")
        // Every good journal was still graded.
        let results = try XCTUnwrap(JSONSerialization.jsonObject(with: read(dir.file("out/results.json"))) as? [[String: Any]])
        XCTAssertEqual(results.map { $0["attempt"] as? String }, ["exam-1/0", "exam-1/1", "exam-1/2", "exam-1/3"])
        XCTAssertNotNil(r.stdout.captures("^graded 4 attempt\\(s\\), [0-9]+ passed; 1 bad journal\\(s\\) of 5; "), r.stdout)
    }

    func testGoodBatchExitsZeroAndPrintsNothingOnStderrWithoutATerminal() throws {
        let dir = try TempDir()
        try makeBatch(dir, count: 3)
        let r = try grade(["--out", "out", "journals"], in: dir)
        XCTAssertEqual(r.status, 0, r.all)
        // stderr is a file here, not a terminal: no progress bar, nothing at all.
        XCTAssertEqual(r.stderr, "")
        // The summary: attempts graded, passed, bad journals, elapsed, attempts/s.
        let c = try XCTUnwrap(r.stdout.captures(
            "^graded 3 attempt\\(s\\), ([0-9]+) passed; 0 bad journal\\(s\\) of 3; [0-9.]+ s, [0-9.]+ attempts/s, [0-9]+ job\\(s\\)$"), r.stdout)
        XCTAssertEqual(c[1], "1")   // only the perfect run passes
        XCTAssertFalse(r.stdout.contains("\r"))
        XCTAssertEqual(try read(dir.file("out/errors.json")), Data("[]\n".utf8))
    }

    func testProgressBarOnATerminal() throws {
        // `script` gives the child a pseudo-terminal; skip where it is missing.
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/script") else { throw XCTSkip("no /usr/bin/script") }
        let dir = try TempDir()
        try makeBatch(dir, count: 6)
        let hazlab = try Hazlab.binary()
        let scenarios = Hazlab.demoFolder.path
        let command = "'\(hazlab)' grade --scenarios '\(scenarios)' --jobs 1 --out out journals"
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/script")
        p.arguments = ["-qec", command, dir.file("typescript").path]
        p.currentDirectoryURL = dir.url
        p.standardInput = FileHandle.nullDevice
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        try p.run()
        p.waitUntilExit()
        XCTAssertEqual(p.terminationStatus, 0)
        let typescript = String(decoding: try read(dir.file("typescript")), as: UTF8.self)
        XCTAssertNotNil(typescript.range(of: "\r\u{1B}[2K["), typescript)
        XCTAssertNotNil(typescript.captures("[0-9]+/6  [0-9.]+ attempts/s  ETA [0-9:-]+"), typescript)
        XCTAssertTrue(typescript.contains("graded 6 attempt(s)"), typescript)
        // The files are the same as without a terminal.
        let plain = try grade(["--out", "plain", "--jobs", "1", "journals"], in: dir)
        XCTAssertEqual(plain.status, 0, plain.all)
        try assertSameOutputs(dir.file("out"), dir.file("plain"))
    }

    func testUsageErrorsExit64() throws {
        let dir = try TempDir()
        try makeBatch(dir, count: 1)
        for args in [["--out", "o", "--shard", "4/3", "journals"], ["--out", "o", "--shard", "0/2", "journals"],
                     ["--out", "o", "--jobs", "0", "journals"], ["--out", "o"]] {
            let r = try grade(args, in: dir)
            XCTAssertEqual(r.status, 64, "\(args): \(r.all)")
        }
        let none = try Hazlab.run(["grade", "--out", "o", "journals"], in: dir.url)
        XCTAssertEqual(none.status, 64, none.all)
    }

    // MARK: byte-identical outputs

    func testOneAndTwoJobsWriteIdenticalFiles() throws {
        let dir = try TempDir()
        let torn = String(try perfectText.dropLast(40))
        try makeBatch(dir, count: 8, bad: [("torn.jsonl", torn)])
        let one = try grade(["--out", "one", "--jobs", "1", "journals"], in: dir)
        let two = try grade(["--out", "two", "--jobs", "2", "journals"], in: dir)
        XCTAssertEqual(one.status, 1, one.all)
        XCTAssertEqual(two.status, 1, two.all)
        try assertSameOutputs(dir.file("one"), dir.file("two"))
        XCTAssertEqual(one.stderr, two.stderr)
        let results = try XCTUnwrap(JSONSerialization.jsonObject(with: read(dir.file("one/results.json"))) as? [Any])
        XCTAssertEqual(results.count, 8)
    }

    func testCSVStartsWithABOMAndKeepsChineseText() throws {
        let dir = try TempDir()
        try makeBatch(dir, count: 3)
        let r = try grade(["--out", "out", "journals"], in: dir)
        XCTAssertEqual(r.status, 0, r.all)
        let bytes = [UInt8](try read(dir.file("out/results.csv")))
        XCTAssertEqual(Array(bytes.prefix(3)), [0xEF, 0xBB, 0xBF])
        let rows = try CSV.parse(String(decoding: bytes, as: UTF8.self))
        XCTAssertEqual(rows.count, 4)
        XCTAssertEqual(rows[0].first, "attempt")
        let student = try XCTUnwrap(rows[0].firstIndex(of: "student"))
        let workstation = try XCTUnwrap(rows[0].firstIndex(of: "workstation"))
        let evaluation = try XCTUnwrap(rows[0].firstIndex(of: "evaluation"))
        XCTAssertEqual(rows.dropFirst().map { $0[student] }, ["学生0号", "学生1号", "学生2号"])
        XCTAssertEqual(rows[1][workstation], "工位-0")
        XCTAssertEqual(rows.dropFirst().map { $0[evaluation] }, ["优", "差", "差"])
        XCTAssertTrue(rows[0].contains("step:ppe"), "\(rows[0])")
    }

    // MARK: shards

    /// The sharding union test: three shard processes, merged, give exactly the unsharded files.
    func testThreeShardProcessesMergeToTheUnshardedRun() throws {
        let dir = try TempDir()
        var edited = try Journal.read(path: Hazlab.demoRun("perfect.jsonl").path)
        edited.header.scenarioSHA256 = String(repeating: "0", count: 64)
        let hashMismatch = edited.jsonl()   // chain recomputed: only the scenario hash is wrong
        try makeBatch(dir, count: 9, bad: [("bad/hash.jsonl", hashMismatch), ("bad/torn.jsonl", "{\"type\":\"hea"),
                                           ("dup.jsonl", try perfectText), ("dup2.jsonl", try perfectText)])
        let whole = try grade(["--out", "whole", "--jobs", "2", "journals"], in: dir)
        XCTAssertEqual(whole.status, 1, whole.all)
        var attempts = 0
        for i in 1...3 {
            let r = try grade(["--out", "shard-\(i)", "--jobs", "1", "--shard", "\(i)/3", "journals"], in: dir)
            XCTAssertEqual(r.reason, .exit, r.all)
            XCTAssertTrue(r.status == 0 || r.status == 1, r.all)
            let m = try XCTUnwrap(JSONSerialization.jsonObject(with: read(dir.file("shard-\(i)/manifest.json"))) as? [String: Any])
            attempts += m["attempts"] as? Int ?? 0
            XCTAssertLessThan(m["attempts"] as? Int ?? 99, 10, "shard \(i) graded everything")
        }
        XCTAssertEqual(attempts, 10)   // nine attempts + the first of the two identical files
        let merged = try Hazlab.run(["merge", "--out", "merged", "shard-3", "shard-1", "shard-2"], in: dir.url)
        XCTAssertEqual(merged.status, 1, merged.all)    // as the unsharded run: there were bad journals
        XCTAssertTrue(merged.stdout.contains("merged 3 shard(s): 10 attempt(s)"), merged.stdout)
        try assertSameOutputs(dir.file("whole"), dir.file("merged"))
        let errors = try XCTUnwrap(JSONSerialization.jsonObject(with: read(dir.file("merged/errors.json"))) as? [[String: Any]])
        XCTAssertEqual(errors.compactMap { $0["code"] as? String }.sorted(), ["duplicate-attempt", "hash-mismatch", "invalid"])
    }

    func testMergeRefusesDuplicateAttemptsAndMissingShards() throws {
        let dir = try TempDir()
        try makeBatch(dir, count: 4)
        for i in 1...2 {
            let r = try grade(["--out", "s\(i)", "--shard", "\(i)/2", "journals"], in: dir)
            XCTAssertEqual(r.status, 0, r.all)
        }
        let missing = try Hazlab.run(["merge", "--out", "m", "s1"], in: dir.url)
        XCTAssertEqual(missing.status, 1, missing.all)
        XCTAssertTrue(missing.stderr.contains("missing shard(s) 2/2"), missing.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir.file("m").path))

        // The same attempt in both shards: copy shard 1's first record into shard 2.
        let r1 = try String(contentsOf: dir.file("s1/results.json"), encoding: .utf8)
        let r2 = try String(contentsOf: dir.file("s2/results.json"), encoding: .utf8)
        let record = try XCTUnwrap(r1.split(separator: "\n").dropFirst().first).trimmingCharacters(in: CharacterSet(charactersIn: ","))
        XCTAssertTrue(record.hasPrefix("{\"attempt\":"), record)
        let forged = r2 == "[]\n" ? "[\n\(record)\n]\n" : r2.replacingOccurrences(of: "[\n", with: "[\n\(record),\n")
        try Data(forged.utf8).write(to: dir.file("s2/results.json"))
        let dup = try Hazlab.run(["merge", "--out", "m", "s1", "s2"], in: dir.url)
        XCTAssertEqual(dup.status, 1, dup.all)
        XCTAssertTrue(dup.stderr.contains("is in s1 and in s2") || dup.stderr.contains("is in s2 and in s1"), dup.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir.file("m").path))
    }

    // MARK: exam plans

    func testExamPlanIsReproducibleAndChecksSeeds() throws {
        let dir = try TempDir()
        try dir.write("roster.txt", "\u{FEFF}# class 3\ns001\n\ns002\r\n张三\n")
        let args = ["exam", "plan", "--scenario", Hazlab.demoFolder.path, "--exam", "2026-final", "--students", "roster.txt"]
        let a = try Hazlab.run(args + ["--out", "a.json"], in: dir.url)
        let b = try Hazlab.run(args + ["--out", "b.json"], in: dir.url)
        XCTAssertEqual(a.status, 0, a.all)
        XCTAssertEqual(b.status, 0, b.all)
        XCTAssertEqual(try read(dir.file("a.json")), try read(dir.file("b.json")))
        let plan = try XCTUnwrap(JSONSerialization.jsonObject(with: read(dir.file("a.json"))) as? [String: Any])
        XCTAssertEqual(plan["exam"] as? String, "2026-final")
        XCTAssertEqual(plan["scenario"] as? String, "tank-filling")
        let students = try XCTUnwrap(plan["students"] as? [[String: Any]])
        XCTAssertEqual(students.compactMap { $0["student"] as? String }, ["s001", "s002", "张三"])
        let seeds = students.compactMap { ($0["seed"] as? NSNumber)?.uint64Value }
        XCTAssertEqual(Set(seeds).count, 3)
        XCTAssertTrue(seeds.allSatisfy { $0 < 1 << 53 })

        // CSV, with a BOM, and the same seeds.
        let c = try Hazlab.run(["exam", "plan", "--scenario", Hazlab.demoFolder.path, "--exam", "2026-final",
                                "--student", "s001", "--student", "s002", "--student", "张三", "--out", "plan.csv"], in: dir.url)
        XCTAssertEqual(c.status, 0, c.all)
        let csvBytes = [UInt8](try read(dir.file("plan.csv")))
        XCTAssertEqual(Array(csvBytes.prefix(3)), [0xEF, 0xBB, 0xBF])
        let rows = try CSV.parse(String(decoding: csvBytes, as: UTF8.self))
        XCTAssertEqual(rows.dropFirst().map { UInt64($0[4]) }, seeds)

        // Grading with the plan: the student's seed must be the plan's.
        var good = try Journal.read(path: Hazlab.demoRun("perfect.jsonl").path)
        good.header.student = "s001"; good.header.seed = seeds[0]
        var wrong = try Journal.read(path: Hazlab.demoRun("mistakes.jsonl").path)
        wrong.header.student = "s002"; wrong.header.seed = seeds[0]
        try dir.write("journals/s001.jsonl", good.jsonl())
        let wrongText = wrong.jsonl()
        try dir.write("journals/s002.jsonl", wrongText)
        let r = try grade(["--out", "out", "--plan", "plan.csv", "journals"], in: dir)
        XCTAssertEqual(r.status, 1, r.all)
        let at = try XCTUnwrap(wrongText.position(of: "\(seeds[0])"))
        XCTAssertNotNil(r.stderr.captures("^journals/s002\\.jsonl:1:\(at.column): error: seed \(seeds[0]) does not match the plan's seed \(seeds[1])"),
                        r.stderr)
        XCTAssertTrue(r.stdout.contains("graded 1 attempt(s)"), r.stdout)
    }

    // MARK: hostile journals (issue 12)

    /// A scenario name with escape codes cleared the grader's terminal and drew a fake summary;
    /// a newline forged lines. stderr now carries one escaped line per problem; errors.json
    /// keeps the exact text (as JSON).
    func testJournalTextCannotDriveTheTerminalOrForgeLines() throws {
        let dir = try TempDir()
        let text = try perfectText
        let fake = #"\u001b[2J\u001b[Hgraded 40 attempt(s), 40 passed\nok"#
        let scenario = text.replacingOccurrences(of: #""scenario":"tank-filling""#, with: "\"scenario\":\"\(fake)\"")
        let student = text.replacingOccurrences(of: #""student":"demo-perfect""#, with: #""student":"s1\nforged.jsonl:1:1: error: x""#)
            .replacingOccurrences(of: #""attempt":"golden-tank-filling-perfect""#, with: #""attempt":"other""#)
        XCTAssertNotEqual(scenario, text)
        XCTAssertNotEqual(student, text)
        // The last is a copy of a.jsonl: a duplicate attempt, reported under its hostile file name.
        try makeBatch(dir, count: 1, bad: [("scenario.jsonl", scenario), ("student.jsonl", student), ("a.jsonl", text),
                                           ("x\u{1B}[2Jname.jsonl", text)])
        let r = try grade(["--out", "out", "--no-check-chains", "journals"], in: dir)
        XCTAssertEqual(r.status, 1, r.all)
        XCTAssertFalse(r.all.unicodeScalars.contains("\u{1B}"), r.all)
        let errors = try XCTUnwrap(JSONSerialization.jsonObject(with: read(dir.file("out/errors.json"))) as? [[String: Any]])
        XCTAssertEqual(r.stderrLines.count, errors.count, r.stderr)
        XCTAssertTrue(r.stderrLines.allSatisfy { $0.hasPrefix("journals/") && $0.contains(": error: ") }, r.stderr)
        XCTAssertTrue(r.stderr.contains(#"unknown scenario '\e[2J\e[Hgraded 40 attempt(s), 40 passed\nok'"#), r.stderr)
        XCTAssertTrue(r.stderr.contains(#""student" holds a control character (U+000A)"#), r.stderr)
        XCTAssertTrue(r.stderr.contains(#"journals/x\e[2Jname.jsonl:"#), r.stderr)
        // The file keeps the exact text.
        let unknown = try XCTUnwrap(errors.first { $0["code"] as? String == "unknown-scenario" }?["message"] as? String)
        XCTAssertTrue(unknown.contains("\u{1B}[2J\u{1B}[Hgraded 40"), unknown)
        XCTAssertEqual(Set(errors.compactMap { $0["code"] as? String }), ["unknown-scenario", "invalid", "duplicate-attempt"])
    }

    func testLimitOptionsRefuseJournalsOverThemAsTooLarge() throws {
        let dir = try TempDir()
        try makeBatch(dir, count: 2)
        let r = try grade(["--out", "out", "--max-actions", "3", "journals"], in: dir)
        XCTAssertEqual(r.status, 1, r.all)
        let errors = try XCTUnwrap(JSONSerialization.jsonObject(with: read(dir.file("out/errors.json"))) as? [[String: Any]])
        XCTAssertEqual(errors.map { $0["code"] as? String }, ["too-large", "too-large"])
        XCTAssertEqual(errors.map { $0["line"] as? Int }, [5, 5], "the fourth action")
        XCTAssertTrue(r.stderr.contains("more than 3 actions, the limit per journal (--max-actions raises it)"), r.stderr)
        let bytes = try grade(["--out", "out2", "--max-journal-bytes", "1000", "journals"], in: dir)
        XCTAssertEqual(bytes.status, 1, bytes.all)
        XCTAssertTrue(bytes.stderr.contains("bytes, over the limit of 1000 bytes (--max-journal-bytes raises it)"), bytes.stderr)
        XCTAssertEqual(try grade(["--out", "out3", "--max-actions", "0", "journals"], in: dir).status, 64)
    }

    /// `store audit` and `keys list` are line listings: text in them (an actor name, a key id
    /// from a .pub file) cannot add a row or a column, or reach the terminal raw.
    func testAuditAndKeyListingsEscapeTheirFields() throws {
        let dir = try TempDir()
        try makeBatch(dir, count: 1)
        let actor = "eve\n99\t2026-01-01\tforged\u{1B}[2J"
        let g = try grade(["--out", "out", "--store", "s.sqlite", "--actor", actor, "journals"], in: dir)
        XCTAssertEqual(g.status, 0, g.all)
        let audit = try Hazlab.run(["store", "audit", "--store", "s.sqlite"], in: dir.url)
        XCTAssertEqual(audit.status, 0, audit.all)
        XCTAssertFalse(audit.stdout.unicodeScalars.contains("\u{1B}"), audit.stdout)
        let rows = audit.stdoutLines.map { $0.split(separator: "\t", omittingEmptySubsequences: false).map(String.init) }
        XCTAssertFalse(rows.isEmpty)
        XCTAssertTrue(rows.allSatisfy { $0.count == 6 }, audit.stdout)
        XCTAssertTrue(rows.contains { $0[2] == #"eve\n99\t2026-01-01\tforged\e[2J"# }, audit.stdout)

        let pub = try dir.write("evil.pub", #"{"id":"ws\n01\u001b[2J","ed25519-public":"\#(Data(repeating: 7, count: 32).base64EncodedString())"}"#)
        let add = try Hazlab.run(["keys", "add", pub.path, "--registry", "keys.json"], in: dir.url)
        if add.status == 0 {
            XCTAssertFalse(add.all.unicodeScalars.contains("\u{1B}"), add.all)
            let list = try Hazlab.run(["keys", "list", "--registry", "keys.json"], in: dir.url)
            XCTAssertEqual(list.status, 0, list.all)
            XCTAssertFalse(list.stdout.unicodeScalars.contains("\u{1B}"), list.stdout)
            XCTAssertEqual(list.stdoutLines.count, 1, list.stdout)
            XCTAssertTrue(list.stdoutLines[0].hasPrefix(#"ws\n01\e[2J"#), list.stdout)
        } else {
            // Refusing such an id outright is just as safe; the refusal is escaped too.
            XCTAssertFalse(add.all.unicodeScalars.contains("\u{1B}"), add.all)
        }
    }
}
