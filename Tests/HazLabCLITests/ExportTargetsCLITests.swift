import Foundation
import HazLabTestSupport
import XCTest
import HazLabRecords

/// `hazlab export --to csv|ilabx|xapi` on a grader output, as a separate process.
final class ExportTargetsCLITests: XCTestCase {
    /// Grades the demo mistakes and perfect runs into dir/graded.
    func graded(_ dir: TempDir) throws {
        try FileManager.default.createDirectory(at: dir.file("journals"), withIntermediateDirectories: true)
        for n in ["mistakes", "perfect"] {
            try FileManager.default.copyItem(at: Hazlab.demoRun("\(n).jsonl"), to: dir.file("journals/\(n).jsonl"))
        }
        let r = try Hazlab.run(["grade", "--scenarios", Hazlab.demoFolder.path, "--out", "graded", "journals"], in: dir.url)
        XCTAssertEqual(r.status, 0, r.all)
    }

    func testCSVAndILabXFromAGraderOutput() throws {
        let dir = try TempDir()
        try graded(dir)
        let started = ["--started", "2026-11-29T04:00:00.000Z"]
        var r = try Hazlab.run(["export", "--to", "csv", "--results", "graded", "--out", "csv"] + started, in: dir.url)
        XCTAssertEqual(r.status, 0, r.all)
        let attempts = try Data(contentsOf: dir.file("csv/attempts.csv")), steps = try Data(contentsOf: dir.file("csv/steps.csv"))
        XCTAssertEqual(Array(attempts.prefix(3)), [0xEF, 0xBB, 0xBF])
        XCTAssertEqual(String(decoding: attempts, as: UTF8.self).components(separatedBy: "\r\n").filter { !$0.isEmpty }.count, 3)
        XCTAssertEqual(String(decoding: steps, as: UTF8.self).components(separatedBy: "\r\n").filter { !$0.isEmpty }.count, 21)

        r = try Hazlab.run(["export", "--to", "ilabx", "--results", "graded/results.json", "--appid", "100400", "--out", "ilabx"] + started, in: dir.url)
        XCTAssertEqual(r.status, 0, r.all)
        let files = try FileManager.default.contentsOfDirectory(atPath: dir.file("ilabx").path).sorted()
        XCTAssertEqual(files.count, 2)
        for f in files { XCTAssertNotNil(f.range(of: "^[A-Za-z0-9_]+\\.json$", options: .regularExpression), f) }
        let rec = try JSONSerialization.jsonObject(with: Data(contentsOf: dir.file("ilabx/" + files[0]))) as? [String: Any]
        XCTAssertEqual(rec?["appid"] as? String, "100400")
        // The journal header's `started` wins over --started (which is for journals without one).
        let header = try String(contentsOf: Hazlab.demoRun("mistakes.jsonl"), encoding: .utf8).prefix { $0 != "\n" }
        let headerStarted = (try JSONSerialization.jsonObject(with: Data(header.utf8)) as? [String: Any])?["started"] as? String
        let expected = headerStarted.flatMap { ISO8601DateFormatter.withMillis.date(from: $0) }.map { Int(($0.timeIntervalSince1970 * 1000).rounded()) }
        XCTAssertEqual(rec?["startTime"] as? Int, expected ?? 1_795_924_800_000)
        // Every step's timeUsed is its end − start; the deductions step makes the scores add up.
        let recSteps = rec?["steps"] as? [[String: Any]] ?? []
        for s in recSteps {
            let st = s["startTime"] as? Int ?? 0, en = s["endTime"] as? Int ?? 0
            XCTAssertEqual(s["timeUsed"] as? Int, (en - st + 500) / 1000)
        }
        XCTAssertTrue(recSteps.contains { ($0["title"] as? String)?.hasPrefix("过程质量：") == true })

        // The school export: zh-CN headings, local (Beijing) times with the offset.
        let table = try CSV.parse(String(decoding: attempts, as: UTF8.self))
        let startColumn = try XCTUnwrap(table[0].firstIndex(of: "开始时间"))
        XCTAssertEqual(table[0].first, "考核编号")
        let startMs = Int64(expected ?? 1_795_924_800_000)
        XCTAssertEqual(table[1][startColumn], UTCOffset.beijing.iso8601(millis: startMs, fraction: true))
        XCTAssertTrue(table[1][startColumn].hasSuffix("+08:00"))
        r = try Hazlab.run(["export", "--to", "csv", "--results", "graded", "--out", "csv-en", "--csv-lang", "en", "--utc-offset", "UTC"] + started,
                           in: dir.url)
        XCTAssertEqual(r.status, 0, r.all)
        let en = try CSV.parse(String(decoding: try Data(contentsOf: dir.file("csv-en/attempts.csv")), as: UTF8.self))
        XCTAssertEqual(en[0], ExportCSV.attemptColumns)
        XCTAssertEqual(en[1][try XCTUnwrap(en[0].firstIndex(of: "startTime"))], UTCOffset.utc.iso8601(millis: startMs, fraction: true))
        r = try Hazlab.run(["export", "--to", "csv", "--results", "graded", "--out", "csv-x", "--csv-lang", "fr"] + started, in: dir.url)
        XCTAssertEqual(r.status, 1, r.all)
        XCTAssertTrue(r.stderr.contains("--csv-lang"), r.stderr)

        // The grader copies the header's `started` into each record, so the export no longer
        // needs the journals themselves.
        try FileManager.default.removeItem(at: dir.file("journals"))
        r = try Hazlab.run(["export", "--to", "csv", "--results", "graded", "--out", "csv2"], in: dir.url)
        XCTAssertEqual(r.status, 0, r.all)
        XCTAssertEqual(try Data(contentsOf: dir.file("csv2/attempts.csv")), attempts)

        // A record with no start time and no journal to read it from: a clear error, exit 1.
        let results = dir.file("graded/results.json")
        let stripped = try String(contentsOf: results, encoding: .utf8)
            .replacingOccurrences(of: #""started":"[^"]*","#, with: "", options: .regularExpression)
        try Data(stripped.utf8).write(to: results)
        r = try Hazlab.run(["export", "--to", "csv", "--results", "graded", "--out", "csv3"], in: dir.url)
        XCTAssertEqual(r.status, 1)
        XCTAssertTrue(r.stderr.contains("no start time"), r.stderr)
    }

    func testILabXUploadAgainstTheLocalServer() throws {
        let dir = try TempDir()
        try graded(dir)
        let script = Hazlab.repoRoot.appendingPathComponent("Tools/ilabx-test-server.py").path
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
        p.arguments = [script, "--appid", "100400", "--secret", "s3cret", "--ticket", "T-1"]
        let pipe = Pipe()
        p.standardOutput = pipe
        p.standardError = FileHandle.nullDevice
        try p.run()
        defer { kill(p.processIdentifier, SIGTERM); p.waitUntilExit() }
        var line: [UInt8] = []
        while let b = try pipe.fileHandleForReading.read(upToCount: 1)?.first, b != 10 { line.append(b) }
        let port = try XCTUnwrap(Int(String(decoding: line, as: UTF8.self)))
        let cfg = try dir.write("ilabx.json", #"{"appid":"100400","secret":"s3cret","url":"http://127.0.0.1:\#(port)/"}"#)
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: cfg.path)
        let r = try Hazlab.run(["export", "--to", "ilabx", "--results", "graded", "--ilabx-config", "ilabx.json", "--out", "ilabx",
                                "--upload", "--ticket", "T-1", "--started", "2026-11-29T04:00:00Z"], in: dir.url)
        XCTAssertEqual(r.status, 0, r.all)
        XCTAssertTrue(r.stdout.contains("uploaded 2 record(s)"), r.all)
        XCTAssertFalse(r.all.contains("s3cret"))
    }

    func testXAPINeedsCredentialsAndRefusesAWorldReadableConfig() throws {
        let dir = try TempDir()
        try graded(dir)
        var r = try Hazlab.run(["export", "--to", "xapi", "--results", "graded", "--started", "2026-11-29T04:00:00Z"], in: dir.url)
        if ProcessInfo.processInfo.environment["HAZLAB_LRS_ENDPOINT"] == nil {
            XCTAssertEqual(r.status, 1)
            XCTAssertTrue(r.stderr.contains("no LRS credentials"), r.stderr)
        }
        let cfg = try dir.write("lrs.json", #"{"endpoint":"http://127.0.0.1:9/xAPI/","username":"u","password":"pa55-w0rd"}"#)
        try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: cfg.path)
        r = try Hazlab.run(["export", "--to", "xapi", "--results", "graded", "--lrs-config", "lrs.json", "--started", "2026-11-29T04:00:00Z"], in: dir.url)
        XCTAssertEqual(r.status, 1)
        XCTAssertTrue(r.stderr.contains("chmod 600"), r.stderr)
        XCTAssertFalse(r.all.contains("pa55-w0rd"))
    }
}

extension ISO8601DateFormatter {
    static var withMillis: ISO8601DateFormatter {
        let f = ISO8601DateFormatter()
        f.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return f
    }
}
