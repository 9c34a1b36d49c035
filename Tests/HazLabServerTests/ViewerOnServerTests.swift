import Foundation
import HazLabLab
import HazLabRecords
import HazLabServer
import XCTest
#if canImport(Glibc)
import Glibc
#endif

/// Real `hazlab-viewer --server` processes (headless: `--offscreen --script`, no GL needed) against a
/// real `hazlab serve` on loopback: sign-in, the task list, server-assigned attempts streamed line
/// by line, a cut mid-stream, offline practice and `--sync`, TLS with the test CA.
final class ViewerOnServerTests: XCTestCase {
    static var onCI: Bool { ProcessInfo.processInfo.environment["CI"].map { !$0.isEmpty } ?? false }
    let tlsFolder = repoRoot.appendingPathComponent("Tests/HazLabServerTests/Fixtures/tls")

    static func viewerBinary() throws -> String {
        var folders = Bundle.allBundles.filter { $0.bundlePath.hasSuffix(".xctest") }.map { $0.bundleURL.deletingLastPathComponent() }
        folders.append(Bundle.main.bundleURL)
        folders.append(Bundle.main.bundleURL.deletingLastPathComponent())
        for folder in folders {
            let candidate = folder.appendingPathComponent("hazlab-viewer").path
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        let message = "hazlab-viewer not found next to the test bundle; build it with `swift build --build-tests`"
        if onCI { XCTFail(message) }
        throw XCTSkip(message)
    }

    /// The attempt a scripted student takes: PPE, to the tank farm, the inlet, the pump, submit.
    static let attemptScript = """
    click-entity helmet
    menu 1
    click-entity tank_farm
    menu 1
    wait 1
    click-entity XV101
    menu 1
    wait 2
    click-entity P101
    menu 1
    wait 3
    click-entity P101
    menu 2
    submit
    expect result
    """

    static func signIn(_ student: String, _ password: String) -> String {
        "type \(student)\ntap tab\ntype \(password)\ntap enter\n"
    }

    /// A lab with students s1…s3 in class c1 and workstations ws-01…ws-03 whose key files (0600) are in the lab folder.
    func makeLab(extraConfig: String = "") throws -> LabFixture {
        let lab = try LabFixture(extraConfig: extraConfig)
        try lab.withAccounts { a in
            try a.createClass(id: "c1", name: "一班", actor: "test")
            for (k, name) in ["张三", "李四", "王五"].enumerated() {
                try a.createUser(id: "s\(k + 1)", name: name, role: .student, password: "student-pass-\(k + 1)", actor: "test")
                try a.enrol(user: "s\(k + 1)", in: "c1", actor: "test")
                let key = WorkstationKey(id: "ws-0\(k + 1)")
                _ = try key.write(to: lab.dir.path)
                try a.registerWorkstation(id: key.keyId, publicKey: key.publicKey.publicKey, actor: "test")
            }
        }
        return lab
    }

    final class ViewerProcess: @unchecked Sendable {
        let process = Process()
        let out: URL, err: URL
        init(_ args: [String], in dir: URL) throws {
            let id = UUID().uuidString
            out = dir.appendingPathComponent("viewer-\(id).out"); err = dir.appendingPathComponent("viewer-\(id).err")
            _ = FileManager.default.createFile(atPath: out.path, contents: nil)
            _ = FileManager.default.createFile(atPath: err.path, contents: nil)
            process.executableURL = URL(fileURLWithPath: try ViewerOnServerTests.viewerBinary())
            process.arguments = args
            process.currentDirectoryURL = dir
            process.standardOutput = try FileHandle(forWritingTo: out)
            process.standardError = try FileHandle(forWritingTo: err)
            process.standardInput = FileHandle.nullDevice
            try process.run()
        }
        /// Waits for the exit; a safety net (not a timing assertion) kills a viewer that hangs, so the test fails instead.
        func wait() -> (status: Int32, stdout: String, stderr: String) {
            let pid = process.processIdentifier
            let watchdog = DispatchWorkItem { kill(pid, SIGKILL) }
            DispatchQueue.global().asyncAfter(deadline: .now() + 240, execute: watchdog)
            process.waitUntilExit()
            watchdog.cancel()
            return (process.terminationStatus, (try? String(contentsOf: out, encoding: .utf8)) ?? "", (try? String(contentsOf: err, encoding: .utf8)) ?? "")
        }
    }

    func viewer(_ lab: LabFixture, station: Int, script: String, server: String? = nil, extra: [String] = []) throws -> ViewerProcess {
        let scriptURL = lab.dir.appendingPathComponent("ws-0\(station).script")
        try script.write(to: scriptURL, atomically: true, encoding: .utf8)
        return try ViewerProcess(["--server", server ?? "http://127.0.0.1:\(lab.port)", "--workstation", "ws-0\(station)",
                                  "--key", lab.dir.appendingPathComponent("ws-0\(station).key").path,
                                  "--journals", lab.dir.appendingPathComponent("journals-\(station)").path,
                                  "--scenarios", repoRoot.appendingPathComponent("Scenarios").path,
                                  "--offscreen", "--script", scriptURL.path] + extra, in: lab.dir)
    }

    /// The attempt id and journal the viewer reported ("attempt: ID … — journal: PATH").
    func attempt(in stdout: String) -> (id: String, path: String)? {
        guard let line = stdout.split(separator: "\n").first(where: { $0.hasPrefix("attempt: ") }),
              let j = line.range(of: " — journal: ") else { return nil }
        let id = line.dropFirst("attempt: ".count).split(separator: " ").first.map(String.init) ?? ""
        return (id, String(line[j.upperBound...]))
    }

    /// The server's stored lines of an attempt, as a file.
    func serverJournal(_ store: ResultsStore, _ attempt: String) throws -> String {
        try store.db.query("SELECT text FROM lab_lines WHERE attempt = ? ORDER BY seq", [attempt]).map { ($0[0].string ?? "") + "\n" }.joined()
    }

    /// `hazlab grade` of the local journal: its attempt record, without the journal path.
    func localGrade(_ journal: String, in dir: URL) throws -> [String: Any] {
        let out = dir.appendingPathComponent("grade-\(UUID().uuidString)")
        let r = try runHazlab(["grade", journal, "--scenarios", repoRoot.appendingPathComponent("Scenarios").path, "--out", out.path], in: dir)
        XCTAssertEqual(r.status, 0, r.all)
        let text = (try? String(contentsOf: out.appendingPathComponent("results.json"), encoding: .utf8)) ?? ""
        var o = ((try? JSONSerialization.jsonObject(with: Data(text.utf8))) as? [[String: Any]])?.first ?? [:]
        o["journal"] = nil
        return o
    }

    func serverGrade(_ store: ResultsStore, _ attempt: String) throws -> [String: Any] {
        var o = (try JSONSerialization.jsonObject(with: Data((try store.record(attempt: attempt) ?? "{}").utf8))) as? [String: Any] ?? [:]
        o["journal"] = nil
        return o
    }

    // MARK: - Tests

    /// Three real viewers sign in at once and take a practice attempt, a teaching task and an
    /// exam: each journal on the server equals the local file byte for byte, the server's grade
    /// equals `hazlab grade` of the local file, and the exam's result stays off the workstation.
    func testThreeViewersSignInAndStreamTheirAttemptsByteForByte() throws {
        let lab = try makeLab()
        var teaching = "", exam = ""
        try lab.withAccounts { a in
            teaching = try a.createTask(klass: "c1", scenario: "tank-filling", title: "储罐进料（教学）", mode: .teaching, actor: "test").task
            exam = try a.createTask(klass: "c1", scenario: "tank-filling", title: "储罐进料考核", mode: .exam, actor: "test").task
            try a.setTaskState(exam, open: true, actor: "test")
        }
        try lab.start()
        let choices = ["tank-filling", teaching, exam]
        let viewers = try (1...3).map { k in
            try viewer(lab, station: k, script: Self.signIn("s\(k)", "student-pass-\(k)") + "expect tasks\nchoose \(choices[k - 1])\nexpect session\n"
                       + Self.attemptScript + "\ntap enter\nexpect tasks\ntap escape\nexpect login\n")
        }
        let results = viewers.map { $0.wait() }
        XCTAssertEqual(lab.stop(), 0, lab.serverLog)

        let store = try ResultsStore(path: lab.storePath)
        for (k, r) in results.enumerated() {
            XCTAssertEqual(r.status, 0, "viewer \(k + 1):\n\(r.stdout)\n\(r.stderr)")
            XCTAssertTrue(r.stdout.contains("signed in: s\(k + 1)"), r.stdout)
            guard let a = attempt(in: r.stdout) else { XCTFail("viewer \(k + 1) took no attempt:\n\(r.stdout)\n\(r.stderr)"); continue }
            XCTAssertTrue(a.id.hasPrefix("a-"), "the server's attempt id: \(a.id)")
            XCTAssertTrue(r.stdout.contains("attempt submitted: \(a.id)"), r.stdout)
            let local = try String(contentsOfFile: a.path, encoding: .utf8)
            XCTAssertTrue(local.contains("\"type\":\"trailer\""), "the local journal is finished")
            XCTAssertEqual(try serverJournal(store, a.id), local, "viewer \(k + 1): the server's journal is the local file, byte for byte")
            let server = try serverGrade(store, a.id), grade = try localGrade(a.path, in: lab.dir)
            XCTAssertFalse(server.isEmpty, "the server graded \(a.id)")
            XCTAssertEqual(server["stateHash"] as? String, grade["stateHash"] as? String)
            XCTAssertEqual(NSDictionary(dictionary: server), NSDictionary(dictionary: grade), "viewer \(k + 1): the server's grade is `hazlab grade` of the local file")
            XCTAssertTrue(try String(contentsOfFile: lab.dir.appendingPathComponent("journals-\(k + 1)/.synced").path, encoding: .utf8).contains(a.id))
            XCTAssertTrue(r.stdout.contains("signed out: s\(k + 1)"), r.stdout)
        }
        XCTAssertTrue(results[2].stdout.contains("(exam, ") && results[2].stdout.contains("result withheld until the instructor publishes it"), results[2].stdout)
        XCTAssertTrue(results[1].stdout.contains("(teaching"), results[1].stdout)
        // No local results store anywhere: the workstation keeps its journal, the server the result.
        let sqlite = (FileManager.default.enumerator(atPath: lab.dir.path)?.allObjects as? [String] ?? []).filter { $0.hasSuffix(".sqlite") }
        XCTAssertEqual(sqlite, ["lab.sqlite"])
    }

    /// The connection is cut mid-stream (a proxy in the test closes both sockets): the viewer
    /// reconnects and resumes from the server's last acknowledged line — nothing lost, nothing twice.
    func testCutMidStreamResumesWithNothingLostOrDuplicated() throws {
        let lab = try makeLab()
        try lab.start()
        let proxy = try CuttingProxy(target: lab.port, cutStreamAfterBytes: 900)
        defer { proxy.stop() }
        let v = try viewer(lab, station: 1, script: Self.signIn("s1", "student-pass-1") + "expect tasks\nchoose tank-filling\nexpect session\n" + Self.attemptScript + "\n",
                           server: "http://127.0.0.1:\(proxy.port)")
        let r = v.wait()
        XCTAssertEqual(r.status, 0, r.stdout + r.stderr)
        XCTAssertEqual(proxy.cuts, 1, "the proxy cut the stream once")
        // Delivered over a second connection: at once ("attempt submitted"), or, when the attempt
        // ended while the viewer was reconnecting, by the last delivery before exit.
        XCTAssertTrue(r.stdout.range(of: #"(attempt submitted: a-[0-9a-f]+ \(practice, [2-9]|stream a-[0-9a-f]+: done, acked \d+, [2-9]) connection"#,
                                     options: .regularExpression) != nil, r.stdout)
        XCTAssertEqual(lab.stop(), 0, lab.serverLog)
        let store = try ResultsStore(path: lab.storePath)
        guard let a = attempt(in: r.stdout) else { return XCTFail(r.stdout) }
        let local = try String(contentsOfFile: a.path, encoding: .utf8)
        XCTAssertEqual(try serverJournal(store, a.id), local)
        let count = try store.db.scalar("SELECT COUNT(*) FROM lab_lines WHERE attempt = ?", [a.id])?.int ?? 0
        XCTAssertEqual(Int(count), local.split(separator: "\n").count, "each line stored exactly once")
    }

    /// The server is SIGKILLed mid-attempt and restarted (on another port, behind the same proxy
    /// address): the viewer goes on journaling, reconnects, and resumes from the server's last
    /// acknowledged line — every line acked before the kill is there once, and the rest follows.
    func testServerKilledMidAttemptAndRestartedTheViewerResumes() throws {
        let lab = try makeLab()
        try lab.start()
        // The first stream stops delivering after ~1.5 KB (the header and a few lines), so lines are
        // still unacknowledged when the server dies, however fast the scripted attempt runs.
        let proxy = try CuttingProxy(target: lab.port, cutStreamAfterBytes: 0, holdStreamAfterBytes: 1500)
        defer { proxy.stop() }
        // `wait 20` holds the attempt open (20 simulated seconds of frames) while the server is down.
        let v = try viewer(lab, station: 1, script: Self.signIn("s1", "student-pass-1") + "expect tasks\nchoose tank-filling\nexpect session\nwait 20\n"
                           + Self.attemptScript + "\n", server: "http://127.0.0.1:\(proxy.port)")
        // Kill once the server holds the first streamed line (the stream is up), then restart.
        var started = false
        for _ in 0..<1200 where !started {   // a safety net of 120 s, not a timing assertion
            let db = try? SQLiteDatabase(path: lab.storePath, flags: [.readOnly])
            let lines: Int64 = (try? db?.scalar("SELECT COUNT(*) FROM lab_lines", [])?.int) ?? 0
            started = lines > 0
            if !started { usleep(100_000) }
        }
        XCTAssertTrue(started, "the viewer's stream reached the server")
        lab.kill9()
        try lab.start()
        proxy.retarget(lab.port)
        let r = v.wait()
        XCTAssertEqual(r.status, 0, r.stdout + r.stderr)
        XCTAssertGreaterThanOrEqual(proxy.streams, 2, "the stream reconnected after the kill")
        XCTAssertEqual(lab.stop(), 0, lab.serverLog)
        let store = try ResultsStore(path: lab.storePath)
        guard let a = attempt(in: r.stdout) else { return XCTFail(r.stdout) }
        let local = try String(contentsOfFile: a.path, encoding: .utf8)
        XCTAssertTrue(local.contains("\"type\":\"trailer\""), "the local journal is finished")
        XCTAssertEqual(try serverJournal(store, a.id), local, "the server's journal is the local file, byte for byte")
        let count = try store.db.scalar("SELECT COUNT(*) FROM lab_lines WHERE attempt = ?", [a.id])?.int ?? 0
        XCTAssertEqual(Int(count), local.split(separator: "\n").count, "each line stored exactly once")
        XCTAssertFalse(try serverGrade(store, a.id).isEmpty, "graded after the restart")
    }

    /// Refusals on the task list are in the student's words and update the list: a task outside
    /// its time window leaves it (该任务当前未开放), an exam already begun at another workstation is
    /// greyed out (你已参加过本次考试…), and `choose` on it then says it is done, not "no such item".
    func testRefusedTasksAreExplainedAndTheListUpdated() throws {
        let lab = try makeLab()
        var exam = "", later = ""
        try lab.withAccounts { a in
            exam = try a.createTask(klass: "c1", scenario: "tank-filling", title: "储罐进料考核", mode: .exam, actor: "test").task
            try a.setTaskState(exam, open: true, actor: "test")
            later = try a.createTask(klass: "c1", scenario: "tank-filling", title: "以后的练习", mode: .practice,
                                     opens: "2099-01-01T00:00:00.000Z", actor: "test").task
            try a.setTaskState(later, open: true, actor: "test")
        }
        try lab.start()
        // s1 begins the exam at ws-01 and leaves it unfinished (the script ends mid-attempt).
        let first = try viewer(lab, station: 1, script: Self.signIn("s1", "student-pass-1") + "expect tasks\nchoose \(exam)\nexpect session\n"
                               + "click-entity helmet\nmenu 1\nwait 1\n").wait()
        XCTAssertEqual(first.status, 0, first.stdout + first.stderr)
        XCTAssertNotNil(attempt(in: first.stdout), first.stdout)
        XCTAssertFalse(first.stdout.contains("--sync"), "an unfinished attempt is not one --sync uploads:\n\(first.stdout)")
        // At ws-02 the list (from sign-in) still offers both.
        let second = try viewer(lab, station: 2, script: Self.signIn("s1", "student-pass-1") + "expect tasks\nchoose \(later)\nexpect tasks\n"
                                + "choose \(exam)\nexpect tasks\nchoose \(exam)\n").wait()
        XCTAssertEqual(lab.stop(), 0, lab.serverLog)
        XCTAssertTrue(second.stdout.contains("assignment refused: 该任务当前未开放"), second.stdout)
        XCTAssertTrue(second.stdout.contains("task list: \(later) removed"), second.stdout)
        XCTAssertTrue(second.stdout.contains("assignment refused: 你已参加过本次考试，如需重考请联系老师"), second.stdout)
        XCTAssertTrue(second.stdout.contains("task list: \(exam) greyed out"), second.stdout)
        XCTAssertNotEqual(second.status, 0, "the last `choose` of the script is refused")
        XCTAssertTrue(second.stderr.contains("task '储罐进料考核' is done (greyed out)"), second.stderr)
    }

    /// The window closes mid-attempt while the server has not got its lines (the proxy lets no
    /// stream through): the exit message says they stay in the local journal — not that
    /// `--sync` will send them, since it uploads finished journals only.
    func testUnfinishedAttemptAtExitIsNotLeftToSync() throws {
        let lab = try makeLab()
        try lab.start()
        let proxy = try CuttingProxy(target: lab.port, cutStreamAfterBytes: 0, refuseStreams: true)
        defer { proxy.stop() }
        let r = try viewer(lab, station: 1, script: Self.signIn("s1", "student-pass-1") + "expect tasks\nchoose tank-filling\nexpect session\n"
                           + "click-entity helmet\nmenu 1\n", server: "http://127.0.0.1:\(proxy.port)").wait()
        XCTAssertEqual(lab.stop(), 0, lab.serverLog)
        XCTAssertEqual(r.status, 0, r.stdout + r.stderr)
        XCTAssertGreaterThanOrEqual(proxy.streams, 1, "the viewer tried to stream")
        guard let a = attempt(in: r.stdout) else { return XCTFail(r.stdout) }
        XCTAssertFalse(try String(contentsOfFile: a.path, encoding: .utf8).contains("\"type\":\"trailer\""), "the attempt is unfinished")
        XCTAssertTrue(r.stdout.contains("line(s) not synced: the attempt was not finished; its lines stay in the local journal \(a.path)"), r.stdout)
        XCTAssertFalse(r.stdout.contains("hazlab-viewer --sync"), r.stdout)
    }

    /// A wrong password is refused in the student's words; the viewer carries on, and the right one signs in.
    func testWrongPasswordIsRefusedAndTheViewerCarriesOn() throws {
        let lab = try makeLab()
        try lab.start()
        let v = try viewer(lab, station: 1, script: Self.signIn("s1", "not-the-password") + "expect login\ntype student-pass-1\ntap enter\nexpect tasks\n")
        let r = v.wait()
        XCTAssertEqual(r.status, 0, r.stdout + r.stderr)
        XCTAssertTrue(r.stdout.contains("sign-in refused: 账号或密码错误"), r.stdout)
        XCTAssertTrue(r.stdout.contains("signed in: s1"), r.stdout)
        XCTAssertEqual(lab.stop(), 0, lab.serverLog)
    }

    /// A workstation whose key the server does not know is refused in words, before any student
    /// account is checked; the viewer does not crash.
    func testUnregisteredWorkstationIsRefused() throws {
        let lab = try makeLab()
        _ = try WorkstationKey(id: "ws-09").write(to: lab.dir.path)   // never registered
        try lab.start()
        let script = lab.dir.appendingPathComponent("ws-09.script")
        try (Self.signIn("s1", "student-pass-1") + "expect login\n").write(to: script, atomically: true, encoding: .utf8)
        let r = try ViewerProcess(["--server", "http://127.0.0.1:\(lab.port)", "--key", lab.dir.appendingPathComponent("ws-09.key").path,
                                   "--journals", lab.dir.appendingPathComponent("journals-9").path, "--offscreen", "--script", script.path], in: lab.dir).wait()
        XCTAssertEqual(r.status, 0, r.stdout + r.stderr)
        XCTAssertTrue(r.stdout.contains("sign-in refused: 工作站未注册或已停用"), r.stdout)
        XCTAssertFalse(r.stdout.contains("signed in:"), r.stdout)
        XCTAssertEqual(lab.stop(), 0, lab.serverLog)
    }

    /// Offline practice while the server is unreachable, then `--sync`: the journal is adopted and
    /// marked uploaded, a bad file is named without blocking it, and a second sync uploads nothing.
    func testOfflinePracticeThenSyncUploadsOnce() throws {
        let lab = try makeLab()
        // Nothing listens on this port (a socket bound and closed): the server "cannot be reached".
        let dead = try CuttingProxy(target: 1, cutStreamAfterBytes: 0)
        let deadPort = dead.port
        dead.stop()
        let off = try viewer(lab, station: 1, script: Self.signIn("s1", "student-pass-1") + "expect login\ntap f2\nexpect offline\nchoose tank-filling\nexpect session\n"
                             + Self.attemptScript + "\n", server: "http://127.0.0.1:\(deadPort)").wait()
        XCTAssertEqual(off.status, 0, off.stdout + off.stderr)
        XCTAssertTrue(off.stdout.contains("sign-in refused: 服务器无法连接"), off.stdout)
        let journals = lab.dir.appendingPathComponent("journals-1")
        let files = try FileManager.default.contentsOfDirectory(atPath: journals.path).filter { $0.hasSuffix(".jsonl") }
        XCTAssertEqual(files.count, 1, "\(files)")
        try Data("{\"type\":\"header\", torn".utf8).write(to: journals.appendingPathComponent("broken.jsonl"))

        try lab.start()
        func sync() throws -> (status: Int32, stdout: String, stderr: String) {
            try ViewerProcess(["--sync", "--server", "http://127.0.0.1:\(lab.port)", "--workstation", "ws-01",
                               "--key", lab.dir.appendingPathComponent("ws-01.key").path, "--journals", journals.path], in: lab.dir).wait()
        }
        let first = try sync()
        XCTAssertEqual(first.status, 1, "a bad file makes the sync fail at the end:\n\(first.stdout)\(first.stderr)")
        XCTAssertTrue(first.stdout.contains("broken.jsonl: error:"), first.stdout)
        XCTAssertTrue(first.stdout.contains("\(files[0]): uploaded as a-"), "the good file is uploaded all the same:\n\(first.stdout)")
        let ledger = try String(contentsOf: journals.appendingPathComponent(".synced"), encoding: .utf8)
        XCTAssertTrue(ledger.hasPrefix(files[0] + "\ta-"), ledger)
        let second = try sync()
        XCTAssertTrue(second.stdout.contains("sync: 0 uploaded, 1 already on the server"), second.stdout)
        // Without the ledger the server answers "duplicate": counted as already there, not as uploaded.
        try FileManager.default.removeItem(at: journals.appendingPathComponent(".synced"))
        let third = try sync()
        XCTAssertTrue(third.stdout.contains("\(files[0]): already on the server (a-"), third.stdout)
        XCTAssertTrue(third.stdout.contains("sync: 0 uploaded, 1 already on the server"), third.stdout)
        XCTAssertEqual(try String(contentsOf: journals.appendingPathComponent(".synced"), encoding: .utf8), ledger, "the ledger lists it again")
        XCTAssertEqual(lab.stop(), 0, lab.serverLog)
        let attemptId = String(ledger.split(separator: "\t")[1].split(separator: "\n")[0])
        let store = try ResultsStore(path: lab.storePath)
        XCTAssertEqual(try serverJournal(store, attemptId), try String(contentsOf: journals.appendingPathComponent(files[0]), encoding: .utf8))
    }

    /// TLS with the test CA: trusted with `--ca`, the attempt streams over wss; without it the
    /// viewer refuses the certificate, says so, and sends nothing (no sign-in, no journal).
    func testTLSTrustedWithTheCAAndRefusedWithout() throws {
        let lab = try makeLab(extraConfig: """
        tls: { certificate: \(tlsFolder.appendingPathComponent("server.pem").path), key: \(tlsFolder.appendingPathComponent("server.key").path) }
        """)
        try lab.start()
        // By name, as the certificate says (an IP address is refused for https: see Docs/viewer.md).
        let url = "https://localhost:\(lab.port)"
        let trusted = try viewer(lab, station: 1, script: Self.signIn("s1", "student-pass-1") + "expect tasks\nchoose tank-filling\nexpect session\n" + Self.attemptScript + "\n",
                                 server: url, extra: ["--ca", tlsFolder.appendingPathComponent("ca.pem").path]).wait()
        XCTAssertEqual(trusted.status, 0, trusted.stdout + trusted.stderr)
        XCTAssertTrue(trusted.stdout.contains("attempt submitted: a-"), trusted.stdout)
        let refused = try viewer(lab, station: 2, script: Self.signIn("s2", "student-pass-2") + "expect login\n", server: url).wait()
        XCTAssertEqual(refused.status, 0, refused.stdout + refused.stderr)
        XCTAssertTrue(refused.stdout.contains("sign-in refused: 服务器证书不受信任"), refused.stdout)
        XCTAssertFalse(FileManager.default.fileExists(atPath: lab.dir.appendingPathComponent("journals-2").path), "nothing written, nothing streamed")
        XCTAssertEqual(lab.stop(), 0, lab.serverLog)
        let store = try ResultsStore(path: lab.storePath)
        XCTAssertFalse(try store.auditLog(limit: 200).contains { $0.actor == "s2" }, "the untrusting viewer never reached the server's accounts")
    }
}

/// A TCP proxy on loopback for the cut test: forwards every connection to `target`; the first
/// WebSocket stream connection ("GET /api/stream") is closed on both sides once `cutStreamAfterBytes`
/// bytes went from the viewer to the server.
final class CuttingProxy: @unchecked Sendable {
    let listener: Int32
    let port: Int
    private var _target: Int
    /// Where new connections go; `retarget` moves them (a restarted server on another port).
    var target: Int { lock.lock(); defer { lock.unlock() }; return _target }
    func retarget(_ port: Int) { lock.lock(); _target = port; lock.unlock() }
    let cutAfter: Int
    private let lock = NSLock()
    private var _cuts = 0
    private var _streams = 0
    private var stopped = false
    var cuts: Int { lock.lock(); defer { lock.unlock() }; return _cuts }
    /// Stream (WebSocket) connections that reached the server.
    var streams: Int { lock.lock(); defer { lock.unlock() }; return _streams }

    /// Every stream connection is closed at once (plain HTTP still goes through): the server is
    /// reachable for sign-in and assignments, never for the journal stream.
    let refuseStreams: Bool

    /// The first stream connection forwards this many bytes, then swallows the rest without
    /// closing (0: never): lines the viewer sent stay unacknowledged, as on a hung link.
    let holdAfter: Int
    private var _holds = 0

    init(target: Int, cutStreamAfterBytes: Int, refuseStreams: Bool = false, holdStreamAfterBytes: Int = 0) throws {
        _target = target; cutAfter = cutStreamAfterBytes; self.refuseStreams = refuseStreams; holdAfter = holdStreamAfterBytes
        signal(SIGPIPE, SIG_IGN)   // a write to a socket the other side closed is an error here, not the end of the test
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        listener = fd
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        addr.sin_port = 0
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        let ok = withUnsafeMutablePointer(to: &addr) { p in
            p.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, len) == 0 && listen(fd, 16) == 0 && getsockname(fd, $0, &len) == 0 }
        }
        guard ok else { throw NSError(domain: "CuttingProxy", code: 1) }
        port = Int(UInt16(bigEndian: addr.sin_port))
        Thread.detachNewThread { [self] in acceptLoop() }
    }

    func stop() {
        lock.lock(); stopped = true; lock.unlock()
        shutdown(listener, Int32(SHUT_RDWR)); close(listener)
    }

    private func connectTarget() -> Int32 {
        let s = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        addr.sin_port = UInt16(target).bigEndian
        let r = withUnsafePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(s, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
        if r != 0 { close(s); return -1 }
        return s
    }

    private func acceptLoop() {
        while true {
            let c = accept(listener, nil, nil)
            if c < 0 { return }
            let t = connectTarget()
            if t < 0 { close(c); continue }
            final class Pair: @unchecked Sendable {
                let c: Int32, t: Int32; var closed = false; let lock = NSLock()
                init(_ c: Int32, _ t: Int32) { self.c = c; self.t = t }
                func cut() { lock.lock(); if !closed { closed = true; shutdown(c, Int32(SHUT_RDWR)); shutdown(t, Int32(SHUT_RDWR)) }; lock.unlock() }
            }
            let pair = Pair(c, t)
            // Viewer → server, watching for the stream to cut.
            Thread.detachNewThread { [self] in
                var buf = [UInt8](repeating: 0, count: 4096)
                var sent = 0, isStream: Bool?, holding = false
                while true {
                    let n = read(c, &buf, buf.count)
                    if n <= 0 { break }
                    if isStream == nil {
                        isStream = String(decoding: buf[0..<min(n, 20)], as: UTF8.self).hasPrefix("GET /api/stream")
                        if isStream == true {
                            lock.lock(); _streams += 1
                            if holdAfter > 0 && _holds == 0 { _holds = 1; holding = true }
                            lock.unlock()
                        }
                        if isStream == true && refuseStreams { break }
                    }
                    var willCut = false
                    if isStream == true {
                        lock.lock()
                        if _cuts == 0 && sent + n > cutAfter && cutAfter > 0 { _cuts += 1; willCut = true }
                        lock.unlock()
                    }
                    var m = willCut ? max(0, cutAfter - sent) : n
                    if holding { m = max(0, min(m, holdAfter - sent)) }
                    if m > 0 { _ = buf.withUnsafeBytes { write(t, $0.baseAddress!, m) } }
                    sent += holding ? n : m
                    if willCut { break }
                }
                pair.cut()
            }
            // Server → viewer.
            Thread.detachNewThread {
                var buf = [UInt8](repeating: 0, count: 4096)
                while true {
                    let n = read(t, &buf, buf.count)
                    if n <= 0 { break }
                    _ = buf.withUnsafeBytes { write(c, $0.baseAddress!, n) }
                }
                pair.cut()
            }
        }
    }
}
