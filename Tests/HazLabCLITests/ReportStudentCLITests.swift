import Foundation
import HazLabTestSupport
import HazLabCore
import HazLabRecords
import XCTest

/// `hazlab store attempts` filters and `hazlab report student` / `report class --previous`,
/// as separate processes on a store filled by `hazlab grade --store`.
final class ReportStudentCLITests: XCTestCase {
    static let hostile = "s2\tX"

    /// s1: mistakes (3 Sep) and perfect (10 Sep); a student with a tab in the id: idle (5 Sep).
    /// The grader refuses control characters in ids, so that record reaches the store the way an
    /// older grader's record would: imported with `--trust-unverified` (its journal is gone).
    func storeWithAttempts(_ dir: TempDir) throws {
        let plan: [(run: String, student: String, attempt: String, started: String)] = [
            ("perfect", "s1", "s1-late", "2026-09-10T01:00:00.000Z"),
            ("mistakes", "s1", "s1-early", "2026-09-03T01:00:00.000Z"),
            ("idle", "s2", "s2-a", "2026-09-05T01:00:00.000Z"),
        ]
        for (i, p) in plan.enumerated() {
            var j = try Journal.read(path: Hazlab.demoRun("\(p.run).jsonl").path)
            j.header.student = p.student
            j.header.attempt = p.attempt
            j.header.started = p.started
            try dir.write(i == 2 ? "old/\(i).jsonl" : "journals/\(i).jsonl", j.jsonl())
        }
        let g = try Hazlab.run(["grade", "--scenarios", Hazlab.demoFolder.path, "--jobs", "2", "--out", "out", "--store", "s.sqlite", "journals"],
                               in: dir.url)
        XCTAssertEqual(g.status, 0, g.all)
        let old = try Hazlab.run(["grade", "--scenarios", Hazlab.demoFolder.path, "--out", "old-out", "old"], in: dir.url)
        XCTAssertEqual(old.status, 0, old.all)
        let results = try String(contentsOf: dir.url.appendingPathComponent("old-out/results.json"), encoding: .utf8)
        let hostileJSON = results.replacingOccurrences(of: "\"student\":\"s2\"", with: "\"student\":" + JSON.string(Self.hostile))
        XCTAssertNotEqual(hostileJSON, results)
        try dir.write("old-out/results.json", hostileJSON)
        try FileManager.default.removeItem(at: dir.url.appendingPathComponent("old"))
        let imp = try Hazlab.run(["store", "import", "--store", "s.sqlite", "--scenarios", Hazlab.demoFolder.path, "--trust-unverified", "old-out"],
                                 in: dir.url)
        XCTAssertEqual(imp.status, 0, imp.all)
    }

    func testStoreAttemptsFiltersByStudentScenarioAndSince() throws {
        let dir = try TempDir()
        try storeWithAttempts(dir)
        let s1 = try Hazlab.run(["store", "attempts", "--store", "s.sqlite", "--student", "s1"], in: dir.url)
        XCTAssertEqual(s1.status, 0, s1.all)
        let rows = s1.stdoutLines.map { $0.split(separator: "\t", omittingEmptySubsequences: false).map(String.init) }
        XCTAssertEqual(rows.map { $0[0] }, ["s1-early", "s1-late"], "in the order taken")
        XCTAssertEqual(rows.map(\.count), [10, 10])
        XCTAssertEqual(rows.first?.last, "2026-09-03T09:00:00+08:00", "started, Beijing time by default")
        let utc = try Hazlab.run(["store", "attempts", "--store", "s.sqlite", "--student", "s1", "--utc-offset", "UTC"], in: dir.url)
        XCTAssertTrue(utc.stdoutLines.first?.hasSuffix("\t2026-09-03T01:00:00+00:00") == true, utc.stdout)
        // Since local midnight of 6 September: only the later attempt.
        let since = try Hazlab.run(["store", "attempts", "--store", "s.sqlite", "--since", "2026-09-06"], in: dir.url)
        XCTAssertEqual(since.stdoutLines.map { String($0.prefix { $0 != "\t" }) }, ["s1-late"])
        let scenario = try Hazlab.run(["store", "attempts", "--store", "s.sqlite", "--scenario", "tank-filling", "--since", "2026-09-05T09:00:00+08:00"],
                                      in: dir.url)
        XCTAssertEqual(scenario.stdoutLines.map { String($0.prefix { $0 != "\t" }) }, ["s2-a", "s1-late"])
        // A tab in a student id cannot add a column: the field is escaped.
        let hostile = try Hazlab.run(["store", "attempts", "--store", "s.sqlite", "--student", Self.hostile], in: dir.url)
        XCTAssertEqual(hostile.stdoutLines.count, 1)
        XCTAssertEqual(hostile.stdoutLines.first?.split(separator: "\t", omittingEmptySubsequences: false).count, 10, hostile.stdout)
        XCTAssertTrue(hostile.stdout.contains(TerminalText.field(Self.hostile)))
        // Bad filters are usage errors, named.
        for bad in [["--since", "last week"], ["--utc-offset", "+25:00"]] {
            let r = try Hazlab.run(["store", "attempts", "--store", "s.sqlite"] + bad, in: dir.url)
            XCTAssertEqual(r.status, 64, r.all)
            XCTAssertTrue(r.stderr.contains(bad[0]), r.stderr)
        }
    }

    func testReportStudentFromTheStoreAsHTMLAndJSON() throws {
        let dir = try TempDir()
        try storeWithAttempts(dir)
        let html = try Hazlab.run(["report", "student", "s1", "--store", "s.sqlite", "--out", "s1.html", "--scenarios", Hazlab.demoFolder.path],
                                  in: dir.url)
        XCTAssertEqual(html.status, 0, html.all)
        let page = try String(contentsOf: dir.file("s1.html"), encoding: .utf8)
        XCTAssertTrue(page.contains("学生成长档案"))
        XCTAssertTrue(page.contains("data-attempt=\"s1-early\"") && page.contains("data-attempt=\"s1-late\""))
        XCTAssertFalse(page.contains("s2-a"))
        XCTAssertTrue(page.contains("化工"), "the discipline from the scenario file")
        XCTAssertTrue(page.contains("score-over-time") && page.contains("mastery-grid"))
        let json = try Hazlab.run(["report", "student", "s1", "--store", "s.sqlite", "--format", "json", "--out", "-", "--since", "2026-09-06"],
                                  in: dir.url)
        XCTAssertEqual(json.status, 0, json.all)
        let v = try JSONText.parse(Array(json.stdout.utf8))
        XCTAssertEqual(v["attempts"]?.array?.map { $0["attempt"]?.string ?? "" }, ["s1-late"])
        XCTAssertEqual(v["attempts"]?.array?.first?["started"]?.string, "2026-09-10T09:00:00+08:00")
        // A missing store is an error (exit 1), not an empty report.
        let missing = try Hazlab.run(["report", "student", "s1", "--store", "none.sqlite", "--out", "x.html"], in: dir.url)
        XCTAssertEqual(missing.status, 1, missing.all)
        XCTAssertEqual(try Hazlab.run(["report", "student", "s1", "--store", "s.sqlite", "--format", "pdf", "--out", "x"], in: dir.url).status, 64)
    }

    func testReportClassWithAPreviousTerm() throws {
        let dir = try TempDir()
        try storeWithAttempts(dir)
        let r = try Hazlab.run(["report", "class", "old-out", "--previous", "out", "--previous-label", "春季", "--out", "c.html"], in: dir.url)
        XCTAssertEqual(r.status, 0, r.all)
        let page = try String(contentsOf: dir.file("c.html"), encoding: .utf8)
        XCTAssertTrue(page.contains("id=\"diagnosis\"") && page.contains("春季"))
        XCTAssertTrue(page.contains("id=\"help-1\"") && page.contains("id=\"students-1\""))
        let bad = try Hazlab.run(["report", "class", "out", "--previous", "nowhere.json", "--out", "c2.html"], in: dir.url)
        XCTAssertEqual(bad.status, 1)
        XCTAssertTrue(bad.stderr.contains("nowhere.json"), bad.stderr)
    }
}
