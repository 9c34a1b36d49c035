import Foundation
import HazLabTestSupport
import XCTest
@testable import HazLabRecords

/// `hazlab export --to xapi` of every bundled golden run to a real Ralph LRS, as a new user
/// would run it: grade into a store, export, export again.
final class ExportXAPIRalphCLITests: XCTestCase {
    static let user = "hazlab-cli", password = "Cli-S3cret/pass"

    var python: String {
        get throws {
            let p = ProcessInfo.processInfo.environment["HAZLAB_LRS_PYTHON"] ?? Hazlab.repoRoot.appendingPathComponent(".venv-lrs/bin/python").path
            guard FileManager.default.isExecutableFile(atPath: p) else { throw XCTSkip("Ralph is not installed (run bash Tools/lrs/setup.sh)") }
            return p
        }
    }

    /// Ralph on a free loopback port, stopped by its PID when `body` returns.
    func withRalph(_ dir: TempDir, _ body: (Int) throws -> Void) throws {
        let py = try python
        let portText = try capture("/usr/bin/python3", ["-c", "import socket;s=socket.socket();s.bind(('127.0.0.1',0));print(s.getsockname()[1])"])
        let port = try XCTUnwrap(Int(portText.trimmingCharacters(in: .whitespacesAndNewlines)))
        let p = Process()
        p.executableURL = URL(fileURLWithPath: py)
        p.arguments = [Hazlab.repoRoot.appendingPathComponent("Tools/lrs/launcher.py").path, "--port", String(port),
                       "--dir", dir.file("ralph").path, "--user", Self.user, "--password", Self.password]
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        try p.run()
        defer { kill(p.processIdentifier, SIGTERM); p.waitUntilExit() }
        let t = URLSessionTransport()
        let deadline = Date().addingTimeInterval(90)
        while true {
            if let r = try? t.send(HTTPRequest(method: "GET", url: URL(string: "http://127.0.0.1:\(port)/__heartbeat__")!, timeout: 2)), r.status == 200 { break }
            guard p.isRunning, Date() < deadline else { throw XCTSkip("Ralph did not start") }
            Thread.sleep(forTimeInterval: 0.3)
        }
        try body(port)
    }

    func capture(_ exe: String, _ args: [String]) throws -> String {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: exe)
        p.arguments = args
        let pipe = Pipe()
        p.standardOutput = pipe
        p.standardError = pipe
        try p.run()
        let d = pipe.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return String(decoding: d, as: UTF8.self) + (p.terminationStatus == 0 ? "" : "\nexit \(p.terminationStatus)")
    }

    func lrsConfig(_ dir: TempDir, port: Int) throws {
        let cfg = try dir.write("lrs.json", #"{"endpoint":"http://127.0.0.1:\#(port)/xAPI/","username":"\#(Self.user)","password":"\#(Self.password)"}"#)
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: cfg.path)
    }

    /// Every golden run of every bundled scenario, graded into dir/S.sqlite.
    func gradeAllGoldenRuns(_ dir: TempDir) throws -> Int {
        let scenarios = Hazlab.repoRoot.appendingPathComponent("Scenarios")
        var runs: [String] = []
        for s in try FileManager.default.contentsOfDirectory(atPath: scenarios.path).sorted() {
            let r = scenarios.appendingPathComponent(s).appendingPathComponent("runs")
            for f in (try? FileManager.default.contentsOfDirectory(atPath: r.path)) ?? [] where f.hasSuffix(".jsonl") {
                runs.append(r.appendingPathComponent(f).path)
            }
        }
        XCTAssertGreaterThanOrEqual(runs.count, 20)
        let g = try Hazlab.run(["grade", "--scenarios", scenarios.path, "--keys", Hazlab.repoRoot.appendingPathComponent("Tools/demo-keys/keys.json").path,
                                "--store", "S.sqlite", "--out", "g"] + runs, in: dir.url)
        XCTAssertEqual(g.status, 0, g.all)
        return runs.count
    }

    func testEveryGoldenRunIsDeliveredOnceAndPassesRalphsModels() throws {
        let dir = try TempDir()
        let runs = try gradeAllGoldenRuns(dir)
        try withRalph(dir) { port in
            try lrsConfig(dir, port: port)
            let r = try Hazlab.run(["export", "--to", "xapi", "--store", "S.sqlite", "--lrs-config", "lrs.json"], in: dir.url)
            XCTAssertEqual(r.status, 0, r.all)
            XCTAssertFalse(r.stderr.contains("warning: "), "loopback http is not a clear-text warning: \(r.stderr)")

            // Every queued statement is in Ralph exactly once.
            let store = try ResultsStore(path: dir.file("S.sqlite").path)
            let items = try store.db.query("SELECT item, payload, status FROM outbox WHERE destination = 'xapi'")
            XCTAssertEqual(Set(items.compactMap { $0[2].string }), ["delivered"])
            let attempts = try store.db.scalar("SELECT count(DISTINCT attempt) FROM outbox")?.int
            XCTAssertEqual(attempts.map(Int.init), runs)
            let ids = Set(items.compactMap { $0[0].string })
            let registrations = Set(items.compactMap { row -> String? in
                guard let p = row[1].string, let v = try? JSONText.parse(Array(p.utf8)) else { return nil }
                return v["context"]?["registration"]?.string
            })
            let client = XAPIClient(credentials: LRSCredentials(endpoint: URL(string: "http://127.0.0.1:\(port)/xAPI/")!, username: Self.user, password: Self.password))
            func counts() throws -> [String: Int] {
                var c: [String: Int] = [:]
                for reg in registrations { for v in try client.statements(registration: reg) { c[v["id"]?.string ?? "?", default: 0] += 1 } }
                return c
            }
            var c = try counts()
            XCTAssertEqual(Set(c.keys), ids)
            XCTAssertTrue(c.values.allSatisfy { $0 == 1 }, "\(c.filter { $0.value != 1 })")

            // Ralph's own models accept every statement.
            let v = try capture(try python, [Hazlab.repoRoot.appendingPathComponent("Tools/lrs/validate.py").path, "--store", dir.file("S.sqlite").path])
            XCTAssertTrue(v.contains("\(ids.count) statement(s) checked with Ralph's models, 0 invalid"), v)

            // A rerun adds nothing.
            let again = try Hazlab.run(["export", "--to", "xapi", "--store", "S.sqlite", "--lrs-config", "lrs.json"], in: dir.url)
            XCTAssertEqual(again.status, 0, again.all)
            XCTAssertTrue(again.stdout.contains("xapi: 0 delivered"), again.stdout)
            c = try counts()
            XCTAssertEqual(c.count, ids.count)
        }
    }

    /// The demo mistakes and perfect runs graded: their records.
    func demoRecords(_ dir: TempDir) throws -> [[String: Any]] {
        try FileManager.default.createDirectory(at: dir.file("journals"), withIntermediateDirectories: true)
        for n in ["mistakes", "perfect"] {
            try FileManager.default.copyItem(at: Hazlab.demoRun("\(n).jsonl"), to: dir.file("journals/\(n).jsonl"))
        }
        let r = try Hazlab.run(["grade", "--scenarios", Hazlab.demoFolder.path, "--out", "graded", "journals"], in: dir.url)
        XCTAssertEqual(r.status, 0, r.all)
        return try XCTUnwrap(JSONSerialization.jsonObject(with: Data(contentsOf: dir.file("graded/results.json"))) as? [[String: Any]])
    }

    func write(_ records: [[String: Any]], to url: URL) throws {
        try JSONSerialization.data(withJSONObject: records).write(to: url)
    }

    func testOneBadAttemptIsHeldBackAndTheRestDelivered() throws {
        let dir = try TempDir()
        // Two good records, one whose statements are invalid (no student id), one whose start
        // time cannot be read.
        let good = try demoRecords(dir)
        var invalid = good[1], badTime = good[1]
        invalid["attempt"] = "bad-student-8d78"; invalid["student"] = ""
        badTime["attempt"] = "bad-time-8d78"; badTime["started"] = "not-a-date"
        try write(good + [invalid, badTime], to: dir.file("results.json"))
        try withRalph(dir) { port in
            try lrsConfig(dir, port: port)
            let r = try Hazlab.run(["export", "--to", "xapi", "--results", "results.json", "--lrs-config", "lrs.json",
                                    "--started", "2026-11-29T04:00:00Z"], in: dir.url)
            XCTAssertEqual(r.status, 1, r.all)
            XCTAssertTrue(r.stderr.contains("attempt bad-student-8d78"), r.stderr)
            XCTAssertTrue(r.stderr.contains("quarantined"), r.stderr)
            XCTAssertTrue(r.stderr.contains("bad-time-8d78") && r.stderr.contains("not-a-date"), r.stderr)
            XCTAssertTrue(r.stderr.contains("2 attempt(s) held back"), r.stderr)
            let delivered = try XCTUnwrap(r.stdout.captures(#"^xapi: (\d+) delivered"#)?.last.flatMap { Int($0) })
            let expected = try good.map { try ExportAttempt(record: JSONText.parse(Array(JSONSerialization.data(withJSONObject: $0)))) }
                .map { XAPIStatementBuilder().statements(for: $0, started: Date(timeIntervalSince1970: 1_795_924_800)).count }.reduce(0, +)
            XCTAssertEqual(delivered, expected, r.all)
        }
        // The same unreadable start time: csv names the attempt, writes the rest, exits 1.
        let csv = try Hazlab.run(["export", "--to", "csv", "--results", "results.json", "--out", "csv", "--started", "2026-11-29T04:00:00Z"], in: dir.url)
        XCTAssertEqual(csv.status, 1, csv.all)
        XCTAssertTrue(csv.stderr.contains("csv: attempt bad-time-8d78 skipped"), csv.stderr)
        XCTAssertTrue(csv.stdout.contains("wrote 3 attempt(s)"), csv.stdout)
    }

    func testPlainHTTPWarnsAndASilentLRSIsBoundedByTimeout() throws {
        let dir = try TempDir()
        try write([try demoRecords(dir)[1]], to: dir.file("results.json"))
        // A server that accepts connections and never answers.
        let silent = Process()
        silent.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
        silent.arguments = ["-c", "import socket,time,sys\ns=socket.socket();s.bind(('127.0.0.1',0));s.listen(8)\nprint(s.getsockname()[1]);sys.stdout.flush()\ncs=[]\nwhile True:\n c,_=s.accept();cs.append(c)"]
        let pipe = Pipe()
        silent.standardOutput = pipe
        try silent.run()
        defer { kill(silent.processIdentifier, SIGTERM); silent.waitUntilExit() }
        var line: [UInt8] = []
        while let b = try pipe.fileHandleForReading.read(upToCount: 1)?.first, b != 10 { line.append(b) }
        let port = try XCTUnwrap(Int(String(decoding: line, as: UTF8.self)))
        try lrsConfig(dir, port: port)
        let r = try Hazlab.run(["export", "--to", "xapi", "--results", "results.json", "--lrs-config", "lrs.json",
                                "--started", "2026-11-29T04:00:00Z", "--timeout", "1", "--tries", "2"], in: dir.url)
        XCTAssertEqual(r.status, 1, r.all)
        XCTAssertTrue(r.stderr.contains("timed out after 1 s"), r.stderr)
        XCTAssertTrue(r.stderr.contains("the rest stays queued"), r.stderr)

        // http:// to another host: the password would cross the network in clear.
        let cfg = try dir.write("far.json", #"{"endpoint":"http://lrs.example.invalid/xAPI/","username":"u","password":"pa55-w0rd"}"#)
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: cfg.path)
        let far = try Hazlab.run(["export", "--to", "xapi", "--results", "results.json", "--lrs-config", "far.json",
                                  "--started", "2026-11-29T04:00:00Z", "--timeout", "1", "--tries", "1"], in: dir.url)
        XCTAssertTrue(far.stderr.contains("warning: http://lrs.example.invalid/xAPI/ is plain http"), far.stderr)
        XCTAssertFalse(far.all.contains("pa55-w0rd"))
    }
}
