import Foundation
import HazLabCore
import HazLabLab
import HazLabRecords
import HazLabRunner
import HazLabScenario
import HazLabScoring
import HazLabServer
import HummingbirdWSClient
import Logging
import XCTest

/// Scheduled backups and the disaster-recovery drill of Docs/lab.md ("Backup and disaster
/// recovery"), with real `hazlab serve` processes on loopback.
final class BackupDrillTests: XCTestCase {
    let key = WorkstationKey(id: "ws-01")

    // MARK: config

    func testBackupConfigDurationsAndClearErrors() throws {
        let c = try LabConfig.parse("backup: { dir: b, every: 15 min, keep: 3 }\n", file: "/x/lab.yaml")
        XCTAssertEqual(c.backupDir, "/x/b")
        XCTAssertEqual(c.backupEverySeconds, 900)
        XCTAssertEqual(c.backupKeep, 3)
        XCTAssertEqual(try LabConfig.parse("backup: { dir: b }\n", file: "lab.yaml").backupEverySeconds, 3600, "every defaults to 1 h")
        XCTAssertEqual(LabConfig.duration("1 h"), 3600)
        XCTAssertEqual(LabConfig.duration("30s"), 30)
        XCTAssertEqual(LabConfig.duration(2), 2)
        XCTAssertEqual(LabConfig.duration("1 d"), 86400)
        XCTAssertNil(LabConfig.duration("fortnight"))
        XCTAssertNil(LabConfig.duration("-1 h"))
        XCTAssertNil(try LabConfig.parse("port: 0\n", file: "lab.yaml").backupDir, "no backup: key, no schedule")
        func error(_ yaml: String) -> String {
            do { _ = try LabConfig.parse(yaml, file: "lab.yaml"); return "" } catch { return "\(error)" }
        }
        XCTAssertTrue(error("backup: { dir: b, every: fortnight }\n").contains("key 'backup.every'"))
        XCTAssertTrue(error("backup: { dir: b, every: 0 s }\n").contains("key 'backup.every'"))
        XCTAssertTrue(error("backup: { every: 1 h }\n").contains("key 'backup.dir'"))
        XCTAssertTrue(error("backup: { dir: b, keep: 0 }\n").contains("key 'backup.keep'"))
        XCTAssertTrue(error("backup: { dir: b, often: yes }\n").contains("key 'backup.often'"))
    }

    /// Names sort by their UTC time, then the -N of a second backup within the same second;
    /// `keep` deletes the oldest (file and journals folder) and audits each deletion.
    func testRetentionKeepsTheNewestAndAuditsDeletions() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("hazlab-backup-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let store = try ResultsStore(path: dir + "/lab.sqlite", create: true)
        try FileManager.default.createDirectory(atPath: dir + "/lab.sqlite.journals", withIntermediateDirectories: true)
        try Data("j\n".utf8).write(to: URL(fileURLWithPath: dir + "/lab.sqlite.journals/a-1.jsonl"))
        let t = Date(timeIntervalSince1970: 1_800_000_000)
        let b1 = try LabBackups.take(store: store, dir: dir + "/backups", keep: 2, now: t)
        let b2 = try LabBackups.take(store: store, dir: dir + "/backups", keep: 2, now: t)   // same second
        let b3 = try LabBackups.take(store: store, dir: dir + "/backups", keep: 2, now: t.addingTimeInterval(1))
        XCTAssertEqual(b1.file, dir + "/backups/lab-20270115T080000Z.sqlite")
        XCTAssertEqual(b2.file, dir + "/backups/lab-20270115T080000Z-2.sqlite")
        XCTAssertEqual(b1.journals, 1)
        XCTAssertEqual(b3.deleted, [b1.file])
        XCTAssertEqual(LabBackups.list(dir: dir + "/backups", store: store.path), [b2.file, b3.file])
        XCTAssertEqual(LabBackups.latest(dir: dir + "/backups", store: store.path), b3.file)
        XCTAssertFalse(FileManager.default.fileExists(atPath: b1.file + ".journals"))
        XCTAssertEqual(FileManager.default.contents(atPath: b3.file + ".journals/a-1.jsonl"), Data("j\n".utf8))
        XCTAssertEqual(try ResultsStore.validateBackup(b3.file), StoreSchema.currentVersion)
        let log = try store.auditLog(limit: 100)
        XCTAssertTrue(log.contains { $0.action == "backup-deleted" && $0.subject == b1.file && $0.actor == LabBackups.actor })
        XCTAssertEqual(log.filter { $0.action == "backup" && $0.actor == LabBackups.actor }.count, 3)
        // A backup folder that is a file: a clear error, no crash, nothing written.
        XCTAssertThrowsError(try LabBackups.take(store: store, dir: dir + "/lab.sqlite.journals/a-1.jsonl", keep: 2)) {
            XCTAssertTrue("\($0)".contains("not a folder"), "\($0)")
        }
    }

    // MARK: the drill

    func makeLab(_ backupConfig: String, accounts: Bool = true) throws -> LabFixture {
        let lab = try LabFixture(extraConfig: backupConfig)
        if accounts {
            try lab.withAccounts { a in
                try a.createUser(id: "s1", name: "张三", role: .student, password: "student-pass-1", actor: "test")
                try a.registerWorkstation(id: key.keyId, publicKey: key.publicKey.publicKey, actor: "test")
            }
        }
        return lab
    }

    func assign(_ http: HTTPClient) throws -> HTTPReply {
        let nonce = try http.request("GET", "/api/workstation/challenge?workstation=ws-01").json["nonce"] as? String ?? ""
        let sig = try key.sign(LabServer.assignmentMessage(nonce: nonce, workstation: "ws-01", student: "s1", scenario: "tank-filling"))
        return try http.request("POST", "/api/workstation/assignment", json: [
            "workstation": "ws-01", "nonce": nonce, "signature": sig.base64EncodedString(),
            "student": "s1", "password": "student-pass-1", "scenario": "tank-filling"])
    }

    /// The workstation's local journal (JournalWriter, fsync per line): the golden perfect run.
    func writeJournal(_ a: LabAssignment, in dir: URL) throws -> String {
        let scenarioPath = repoRoot.appendingPathComponent("Scenarios/\(a.scenario)/scenario.yaml").path
        let g = try Journal.read(path: repoRoot.appendingPathComponent("Scenarios/\(a.scenario)/runs/perfect.jsonl").path)
        var h = Journal.Header(scenario: a.scenario, scenarioSHA256: a.scenarioSHA256, seed: a.seed, mode: a.mode.rawValue)
        h.student = a.student; h.workstation = a.workstation; h.attempt = a.attempt
        h.started = ExportTime.iso8601(millis: ExportTime.millis(Date())); h.key = key.keyId
        let path = dir.appendingPathComponent("\(a.attempt).jsonl").path
        let w = try JournalWriter(path: path, header: h)
        for x in g.actions { try w.append(x) }
        let model = ScenarioCompiler.compile(bytes: [UInt8](FileManager.default.contents(atPath: scenarioPath)!), path: scenarioPath).model!
        let out = Runner.replay(model, seed: a.seed, mode: TrainingMode(rawValue: a.mode.rawValue)!, actions: g.actions)
        try w.finish(endTick: out.ticks, stateHash: out.stateHash.hex16, signer: key)
        return path
    }

    /// A workstation session as a real client does it: hello, proof, welcome; then it sends the
    /// lines from the server's `acked + 1` up to `upTo` (exclusive; nil = all), collecting acks.
    /// `whileOpen` runs with the socket still open (to SIGKILL the server under it).
    func resume(port: Int, attempt: String, lines: [String], upTo: Int? = nil,
                whileOpen: (@Sendable () -> Void)? = nil) async throws -> (welcome: Int?, acks: [Int]) {
        final class Box: @unchecked Sendable { var welcome: Int?; var acks: [Int] = []; var other: [LabServerMessage] = [] }
        let box = Box(), key = self.key
        var log = Logger(label: "test.ws"); log.logLevel = .error
        let logger = log
        _ = try await withSafetyNet { try await WebSocketClient.connect(url: "ws://127.0.0.1:\(port)/api/stream", logger: logger) { inbound, outbound, _ in
            var it = inbound.messages(maxSize: 1 << 20).makeAsyncIterator()
            func next() async throws -> LabServerMessage? {
                guard let m = try await it.next(), case .text(let t) = m else { return nil }
                let s = try LabProtocol.decodeServer(t)
                switch s {
                case .welcome(_, let k): box.welcome = k
                case .ack(let q): box.acks.append(q)
                case .error: box.other.append(s)
                default: break
                }
                return s
            }
            try await outbound.write(.text(LabProtocol.encode(LabClientMessage.hello(workstation: "ws-01", attempt: attempt))))
            guard case .challenge(let nonce)? = try await next() else { return }
            let sig = try key.sign(LabProtocol.proofMessage(nonce: nonce, attempt: attempt)).base64EncodedString()
            try await outbound.write(.text(LabProtocol.encode(LabClientMessage.proof(signature: sig))))
            guard case .welcome(_, let acked)? = try await next() else { return }
            let end = upTo ?? lines.count
            if acked + 1 < end {
                for seq in (acked + 1)..<end {
                    try await outbound.write(.text(LabProtocol.encode(LabClientMessage.line(seq: seq, text: lines[seq]))))
                    guard try await next() != nil else { return }
                }
            }
            if let whileOpen { whileOpen(); return }
            try await outbound.close(.normalClosure, reason: nil)
        } }
        XCTAssertTrue(box.other.isEmpty, "no errors from the server: \(box.other)")
        return (box.welcome, box.acks)
    }

    /// Waits (a safety net, not a timing assertion) until the server's /metrics counts `n` good backups.
    func waitForBackups(_ lab: LabFixture, atLeast n: Double) throws {
        let http = HTTPClient(port: lab.port)
        for _ in 0..<4800 {
            let text = try http.request("GET", "/metrics").text
            for line in text.split(separator: "\n") where line.hasPrefix("hazlab_backups_total{outcome=\"ok\"}") {
                if let v = Double(line.split(separator: " ").last ?? ""), v >= n { return }
            }
            usleep(25_000)
        }
        XCTFail("the server never reported \(n) backup(s): \(lab.serverLog)")
    }

    /// Docs/lab.md's drill, step by step: a class is streaming; a backup is taken; more lines are
    /// acknowledged; the server dies (SIGKILL); the latest backup is restored on a "new machine"
    /// (a new folder and store path); a server starts there; the workstation resumes from the
    /// backup's point and the journal ends byte for byte equal to the local file, and graded.
    func testDisasterRecoveryDrillRestoresTheLatestBackupAndTheWorkstationResumes() async throws {
        let lab = try makeLab("backup: { dir: backups, every: 1 h, keep: 5 }")
        try lab.start()
        try waitForBackups(lab, atLeast: 1)   // the start-up backup

        let r = try assign(HTTPClient(port: lab.port))
        XCTAssertEqual(r.status, 200, r.text)
        let attempt = r.json["attempt"] as? String ?? ""
        let a = LabAssignment(attempt: attempt, scenario: r.json["scenario"] as? String ?? "", scenarioSHA256: r.json["scenarioSHA256"] as? String ?? "",
                              seed: UInt64(r.json["seed"] as? String ?? "") ?? 0, mode: LabMode(rawValue: r.json["mode"] as? String ?? "") ?? .practice,
                              student: "s1", workstation: "ws-01", issued: r.json["issued"] as? String ?? "")
        let localPath = try writeJournal(a, in: lab.dir)
        let text = String(decoding: FileManager.default.contents(atPath: localPath)!, as: UTF8.self)
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).dropLast().map(String.init)
        XCTAssertGreaterThan(lines.count, 6)
        let third = lines.count / 3

        // 1. The workstation streams the first third.
        let s1 = try await resume(port: lab.port, attempt: attempt, lines: lines, upTo: third)
        XCTAssertEqual(s1.welcome, -1)
        XCTAssertEqual(s1.acks, Array(0..<third))

        // 2. An on-demand backup while the server runs: the latest in backup.dir.
        let b = try runHazlab(["lab", "backup", "--config", lab.configPath], in: lab.dir)
        XCTAssertEqual(b.status, 0, b.all)
        let backupDir = lab.dir.appendingPathComponent("backups").path
        guard let backup = LabBackups.latest(dir: backupDir, store: lab.storePath) else { return XCTFail("no backup in \(backupDir): \(b.all)") }
        XCTAssertTrue(b.stdout.contains(backup), b.all)
        XCTAssertEqual(LabBackups.list(dir: backupDir, store: lab.storePath).count, 2, "the start-up backup and this one")

        // 3. More lines are acknowledged after the backup; then the server dies under the open stream.
        let port = lab.port
        var s2: (welcome: Int?, acks: [Int]) = (nil, [])
        do { s2 = try await resume(port: port, attempt: attempt, lines: lines, upTo: 2 * third, whileOpen: { lab.kill9() }) } catch {}
        XCTAssertEqual(s2.welcome, third - 1)
        XCTAssertEqual(s2.acks, Array(third..<(2 * third)), "lines acknowledged after the backup")

        // 4. A new machine: restore the latest backup into a new store path, copy its journals, start.
        let lab2 = try makeLab("backup: { dir: backups, every: 1 h, keep: 1 }", accounts: false)
        let restored = try runHazlab(["store", "restore", "--store", lab2.storePath, backup], in: lab2.dir)
        XCTAssertEqual(restored.status, 0, restored.all)
        try FileManager.default.copyItem(atPath: backup + ".journals", toPath: lab2.storePath + ".journals")
        try lab2.start()
        try waitForBackups(lab2, atLeast: 1)

        // 5. The workstation resumes: the server's acked is the backup's point; the client resends the rest.
        let s3 = try await resume(port: lab2.port, attempt: attempt, lines: lines)
        XCTAssertEqual(s3.welcome, third - 1, "the restored server knows the lines up to the backup")
        XCTAssertEqual(s3.acks, Array(third..<lines.count), "the lines acknowledged after the backup are resent from the local file")
        XCTAssertEqual(lab2.stop(), 0, lab2.serverLog)

        // 6. Byte for byte, and graded.
        let ledger = try LabLedger(storePath: lab2.storePath)
        XCTAssertEqual(try ledger.lines(attempt).joined(separator: "\n") + "\n", text, "nothing lost, nothing duplicated")
        let store = try ResultsStore(path: lab2.storePath)
        let why = try store.db.scalar("SELECT grade_error FROM lab_assignments WHERE attempt = ?", [attempt])?.string ?? ""
        XCTAssertEqual(try store.db.scalar("SELECT state FROM lab_assignments WHERE attempt = ?", [attempt])?.string, "graded", why)
        XCTAssertNotNil(try store.record(attempt: attempt))
        let log = try store.auditLog(limit: 200)
        XCTAssertTrue(log.contains { $0.action == "restore" && $0.subject == backup }, "the restore is audited")
        XCTAssertTrue(log.contains { $0.action == "backup" && $0.actor == LabBackups.actor }, "scheduled backups are audited as system:backup")
        // The backup records its own start (its completion row is written after the snapshot).
        XCTAssertTrue(log.contains { $0.action == "backup-started" && $0.subject == backup && $0.actor.hasPrefix("os:") },
                      "the on-demand backup is audited as the OS account")

        // 7. An offline backup of the new server's store carries the finished journal; keep: 1 deletes the older one.
        let b2 = try runHazlab(["lab", "backup", "--config", lab2.configPath], in: lab2.dir)
        XCTAssertEqual(b2.status, 0, b2.all)
        let dir2 = lab2.dir.appendingPathComponent("backups").path
        let all = LabBackups.list(dir: dir2, store: lab2.storePath)
        XCTAssertEqual(all.count, 1, "keep: 1")
        let journals = (try? FileManager.default.contentsOfDirectory(atPath: all[0] + ".journals")) ?? []
        XCTAssertTrue(journals.contains { FileManager.default.contents(atPath: all[0] + ".journals/" + $0) == Data(text.utf8) },
                      "the finished journal is in the backup: \(journals)")
        XCTAssertTrue(try ResultsStore(path: lab2.storePath).auditLog(limit: 50).contains { $0.action == "backup-deleted" })
    }

    /// A backup folder that cannot be written: the server logs and counts the failure and keeps serving.
    func testAFailingScheduledBackupNeverStopsTheServer() throws {
        let lab = try makeLab("backup: { dir: not-a-folder, every: 1 h }")
        try Data("x".utf8).write(to: lab.dir.appendingPathComponent("not-a-folder"))
        try lab.start()
        let http = HTTPClient(port: lab.port)
        var failed = false
        for _ in 0..<4800 where !failed {
            failed = try http.request("GET", "/metrics").text.split(separator: "\n")
                .contains { $0.hasPrefix("hazlab_backups_total{outcome=\"failed\"}") && !$0.hasSuffix(" 0") }
            if !failed { usleep(25_000) }
        }
        XCTAssertTrue(failed, lab.serverLog)
        XCTAssertEqual(try http.request("GET", "/health").status, 200)
        XCTAssertEqual(lab.stop(), 0, lab.serverLog)
        XCTAssertTrue(lab.serverLog.contains("backup failed"), lab.serverLog)
    }
}
