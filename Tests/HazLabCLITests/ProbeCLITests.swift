import Foundation
import HazLabTestSupport
import XCTest

/// `hazlab run --probe` and `hazlab report attempt --plot` as a subprocess.
final class ProbeCLITests: XCTestCase {

    func testProbeCSVAndSameStateHashAsWithoutIt() throws {
        let journal = Hazlab.demoRun("perfect.jsonl").path
        let plain = try Hazlab.run(["run", Hazlab.demoFolder.path, "--journal", journal, "--json"])
        XCTAssertEqual(plain.status, 0, plain.all)
        let plainHash = try XCTUnwrap((try JSONSerialization.jsonObject(with: Data(plain.stdout.utf8)) as? [String: Any])?["stateHash"] as? String)

        let csv = try Hazlab.run(["run", Hazlab.demoFolder.path, "--journal", journal, "--probe", "TK101.level in mm,XV101.opening", "--every", "2 min"])
        XCTAssertEqual(csv.status, 0, csv.all)
        let lines = csv.stdout.split(separator: "\r\n", omittingEmptySubsequences: true).map(String.init)
        XCTAssertEqual(lines.first, "t_s,TK101.level [mm],XV101.opening")
        XCTAssertEqual(lines.dropFirst().first?.hasPrefix("0,1000,0"), true, lines.joined(separator: "\n"))
        XCTAssertEqual(lines.dropFirst(2).first?.hasPrefix("120,"), true, lines.joined(separator: "\n"))

        let json = try Hazlab.run(["run", Hazlab.demoFolder.path, "--journal", journal, "--probe", "TK101.level", "--every", "0.5s", "--json"])
        XCTAssertEqual(json.status, 0, json.all)
        let doc = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        XCTAssertEqual(doc["stateHash"] as? String, plainHash, "the probe must not change the run")
        XCTAssertEqual(doc["everySeconds"] as? Double, 0.5)
    }

    func testUnknownFieldIsAnErrorWithASuggestion() throws {
        let r = try Hazlab.run(["run", Hazlab.demoFolder.path, "--probe", "TK101.levle"])
        XCTAssertEqual(r.status, 1)
        XCTAssertTrue(r.stderr.contains("--probe:1:7: error:"), r.stderr)
        XCTAssertTrue(r.stderr.contains("did you mean 'level'"), r.stderr)
        XCTAssertEqual(r.stdout, "")
    }

    func testUsageErrors() throws {
        let every = try Hazlab.run(["run", Hazlab.demoFolder.path, "--probe", "TK101.level", "--every", "5 kPa"])
        XCTAssertEqual(every.status, 64, every.all)
        XCTAssertTrue(every.stderr.contains("--every"), every.stderr)
        let zero = try Hazlab.run(["run", Hazlab.demoFolder.path, "--probe", "TK101.level", "--every", "0 s"])
        XCTAssertEqual(zero.status, 64, zero.all)
        let alone = try Hazlab.run(["run", Hazlab.demoFolder.path, "--every", "1 s"])
        XCTAssertEqual(alone.status, 64, alone.all)
        let trace = try Hazlab.run(["run", Hazlab.demoFolder.path, "--probe", "TK101.level", "--trace", "10"])
        XCTAssertEqual(trace.status, 64, trace.all)
    }

    func testReportPlotAddsATimePlot() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("probe-report-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let out = dir.appendingPathComponent("a.html").path
        let r = try Hazlab.run(["report", "attempt", Hazlab.demoFolder.path, "--journal", Hazlab.demoRun("perfect.jsonl").path,
                                "--out", out, "--lang", "en", "--plot", "TK101.inflow in m3/h,XV101.opening"])
        XCTAssertEqual(r.status, 0, r.all)
        let html = try String(contentsOfFile: out, encoding: .utf8)
        XCTAssertTrue(html.contains("data-unit=\"m3/h\""), "a chart in the probed unit")
        XCTAssertTrue(html.contains("TK101.inflow (m3/h)"), "the probed field is a named series")
        XCTAssertTrue(html.contains("XV101.opening"))

        let bad = try Hazlab.run(["report", "attempt", Hazlab.demoFolder.path, "--journal", Hazlab.demoRun("perfect.jsonl").path,
                                  "--out", out, "--plot", "XV101.openning"])
        XCTAssertEqual(bad.status, 1)
        XCTAssertTrue(bad.stderr.contains("--plot:1:7: error:"), bad.stderr)
        XCTAssertTrue(bad.stderr.contains("did you mean 'opening'"), bad.stderr)
    }
}
