import Foundation
import HazLabTestSupport
import HazLabCore
import HazLabRecords
import XCTest

/// `hazlab grade --store`, `hazlab store …` and `hazlab export --status` as separate processes.
final class StoreCLITests: XCTestCase {

    /// The three golden runs as attempts exam/0..2, in `dir/journals`. `override` replaces the
    /// journal used for attempt exam/0 (to make a different result for the same attempt).
    @discardableResult
    func makeJournals(_ dir: TempDir, folder: String = "journals", firstRun: String = "perfect") throws -> URL {
        let names = [firstRun, "mistakes", "idle"]
        for (i, name) in names.enumerated() {
            var j = try Journal.read(path: Hazlab.demoRun("\(name).jsonl").path)
            j.header.student = "学生\(i)号"
            j.header.attempt = "exam/\(i)"
            try dir.write("\(folder)/\(i).jsonl", j.jsonl())
        }
        return dir.file(folder)
    }

    func grade(_ args: [String], in dir: TempDir) throws -> Hazlab.Output {
        try Hazlab.run(["grade", "--scenarios", Hazlab.demoFolder.path, "--jobs", "2"] + args, in: dir.url)
    }

    func mode(_ url: URL) throws -> Int {
        (try FileManager.default.attributesOfItem(atPath: url.path)[.posixPermissions] as? NSNumber)?.intValue ?? -1
    }

    func testGradeWithStoreRecordsOncePerAttemptAndKeepsOutputsUnchanged() throws {
        let dir = try TempDir()
        try makeJournals(dir)
        let plain = try grade(["--out", "plain", "journals"], in: dir)
        XCTAssertEqual(plain.status, 0, plain.all)
        let first = try grade(["--out", "out", "--store", "s.sqlite", "--actor", "alice", "journals"], in: dir)
        XCTAssertEqual(first.status, 0, first.all)
        XCTAssertTrue(first.stdout.contains("stored in s.sqlite: 3 new, 0 unchanged, 0 regraded, 0 refused"), first.stdout)
        for f in ["results.json", "results.csv", "errors.json", "manifest.json"] {
            XCTAssertEqual(try Data(contentsOf: dir.file("out/\(f)")), try Data(contentsOf: dir.file("plain/\(f)")), f)
        }
        XCTAssertEqual(try mode(dir.file("s.sqlite")), 0o600)
        // Every replay event of every record is stored, one row each, in record order.
        let stored = try ResultsStore(path: dir.file("s.sqlite").path)
        let recorded = try stored.db.query("SELECT count(*) FROM attempts a, json_each(a.record, '$.events')").first?[0].int ?? -1
        XCTAssertGreaterThan(recorded, 0)
        XCTAssertEqual(try stored.count("events"), Int(recorded))
        XCTAssertEqual(try stored.db.scalar("SELECT count(*) FROM events WHERE kind = 'hazard' AND subject = 'near_overfill'")?.int, 1)

        // Grading the same journals again (from another folder): nothing new.
        try makeJournals(dir, folder: "copy")
        let again = try grade(["--out", "out2", "--store", "s.sqlite", "--actor", "bob", "copy"], in: dir)
        XCTAssertEqual(again.status, 0, again.all)
        XCTAssertTrue(again.stdout.contains("0 new, 3 unchanged"), again.stdout)

        let list = try Hazlab.run(["store", "attempts", "--store", "s.sqlite"], in: dir.url)
        XCTAssertEqual(list.status, 0, list.all)
        XCTAssertEqual(list.stdoutLines.map { $0.split(separator: "\t").first.map(String.init) ?? "" }, ["exam/0", "exam/1", "exam/2"])
        XCTAssertEqual(try Hazlab.run(["store", "attempts", "--store", "s.sqlite", "--scenario", "no-such"], in: dir.url).stdout, "")

        let audit = try Hazlab.run(["store", "audit", "--store", "s.sqlite"], in: dir.url)
        XCTAssertEqual(audit.status, 0, audit.all)
        let rows = audit.stdoutLines.map { $0.split(separator: "\t", omittingEmptySubsequences: false).map(String.init) }
        XCTAssertEqual(rows.map { $0[2] }, ["alice", "bob"])
        XCTAssertEqual(rows.map { $0[3] }, ["grade", "grade"])
        XCTAssertEqual(try Hazlab.run(["store", "audit", "--store", "s.sqlite", "--limit", "1"], in: dir.url).stdoutLines.count, 1)
    }

    func testDifferentResultIsRefusedUnlessRegrade() throws {
        let dir = try TempDir()
        try makeJournals(dir)
        XCTAssertEqual(try grade(["--out", "out", "--store", "s.sqlite", "journals"], in: dir).status, 0)
        // Attempt exam/0 now comes from the idle run: a different result.
        try makeJournals(dir, folder: "changed", firstRun: "idle")
        let refused = try grade(["--out", "out2", "--store", "s.sqlite", "changed"], in: dir)
        XCTAssertEqual(refused.status, 1, refused.all)
        XCTAssertTrue(refused.stderr.contains("attempt 'exam/0' is already in the store with a different result"), refused.stderr)
        XCTAssertTrue(refused.stderr.contains("--regrade"), refused.stderr)
        XCTAssertTrue(refused.stdout.contains("0 new, 2 unchanged, 0 regraded, 1 refused"), refused.stdout)

        let re = try grade(["--out", "out3", "--store", "s.sqlite", "--regrade", "--actor", "carol", "changed"], in: dir)
        XCTAssertEqual(re.status, 0, re.all)
        XCTAssertTrue(re.stdout.contains("1 regraded"), re.stdout)
        let store = try ResultsStore(path: dir.file("s.sqlite").path)
        XCTAssertEqual(try store.count("attempts"), 3)
        XCTAssertEqual(try store.history(attempt: "exam/0").count, 1)
        let actions = try store.auditLog().map(\.action)
        XCTAssertEqual(actions, ["grade", "grade-refused", "grade", "regrade", "grade"])
    }

    func testBackupAndRestoreThroughTheCLI() throws {
        let dir = try TempDir()
        try makeJournals(dir)
        XCTAssertEqual(try grade(["--out", "out", "--store", "s.sqlite", "journals"], in: dir).status, 0)
        let b = try Hazlab.run(["store", "backup", "--store", "s.sqlite", "--actor", "ops", "b.sqlite"], in: dir.url)
        XCTAssertEqual(b.status, 0, b.all)
        XCTAssertEqual(try mode(dir.file("b.sqlite")), 0o600)
        let again = try Hazlab.run(["store", "backup", "--store", "s.sqlite", "b.sqlite"], in: dir.url)
        XCTAssertEqual(again.status, 1, "an existing backup is never overwritten")

        // Restore into a new store path: the store is created, every attempt comes back.
        let r = try Hazlab.run(["store", "restore", "--store", "fresh.sqlite", "--actor", "ops", "b.sqlite"], in: dir.url)
        XCTAssertEqual(r.status, 0, r.all)
        let restored = try ResultsStore(path: dir.file("fresh.sqlite").path)
        XCTAssertEqual(try restored.attempts().map(\.attempt), ["exam/0", "exam/1", "exam/2"])
        XCTAssertEqual(try restored.auditLog().map(\.action), ["grade", "backup-started", "restore"])
        XCTAssertTrue(FileManager.default.fileExists(atPath: dir.file("fresh.sqlite.before-restore.1").path))

        // Not a store: one line, exit 1, the store untouched.
        try dir.write("junk.sqlite", "this is not a database\n")
        let before = try Data(contentsOf: dir.file("s.sqlite"))
        let bad = try Hazlab.run(["store", "restore", "--store", "s.sqlite", "junk.sqlite"], in: dir.url)
        XCTAssertEqual(bad.status, 1, bad.all)
        XCTAssertEqual(bad.stderrLines.count, 1, bad.stderr)
        XCTAssertTrue(bad.stderr.contains("not a HazLab results store"), bad.stderr)
        XCTAssertEqual(try Data(contentsOf: dir.file("s.sqlite")), before)
    }

    func testExportStatusPerDestination() throws {
        let dir = try TempDir()
        try makeJournals(dir)
        XCTAssertEqual(try grade(["--out", "out", "--store", "s.sqlite", "journals"], in: dir).status, 0)
        let empty = try Hazlab.run(["export", "--status", "--store", "s.sqlite"], in: dir.url)
        XCTAssertEqual(empty.status, 0, empty.all)
        XCTAssertTrue(empty.stdout.contains("no exports recorded"), empty.stdout)

        do {
            let s = try ResultsStore(path: dir.file("s.sqlite").path)
            try s.enqueue(attempt: "exam/0", destination: "lrs", items: [("st-0", "{}")], actor: "t")
            try s.enqueue(attempt: "exam/1", destination: "lrs", items: [("st-1", "{}")], actor: "t")
            try s.enqueue(attempt: "exam/2", destination: "lrs", items: [("st-2", "{}")], actor: "t")
            let due = try s.pending(destination: "lrs")
            try s.markDelivered(due[0].seq)
            try s.markFailed(due[1].seq, error: "HTTP 503 Service Unavailable", retryAfter: 60)
        }
        let st = try Hazlab.run(["export", "--status", "--store", "s.sqlite"], in: dir.url)
        XCTAssertEqual(st.status, 0, st.all)
        XCTAssertTrue(st.stdoutLines.contains("lrs\t1\t1\t1\t0\t0\t2"), st.stdout)   // …, conflict, quarantined, queued
        XCTAssertTrue(st.stdout.contains("lrs: failed exam/1"), st.stdout)
        XCTAssertTrue(st.stdout.contains("HTTP 503 Service Unavailable"), st.stdout)

        let usage = try Hazlab.run(["export", "--store", "s.sqlite"], in: dir.url)
        XCTAssertEqual(usage.status, 64, usage.all)
    }

    func testBadStoreFilesGiveOneLineAndExitOne() throws {
        let dir = try TempDir()
        // Corrupt store: refused, file unchanged, grade outputs still written.
        let junk = Data(repeating: 0x5A, count: 4096)
        _ = FileManager.default.createFile(atPath: dir.file("bad.sqlite").path, contents: junk, attributes: [.posixPermissions: 0o600])
        for args in [["store", "attempts", "--store", "bad.sqlite"], ["export", "--status", "--store", "bad.sqlite"],
                     ["store", "backup", "--store", "bad.sqlite", "x.sqlite"]] {
            let r = try Hazlab.run(args, in: dir.url)
            XCTAssertEqual(r.status, 1, "\(args): \(r.all)")
            XCTAssertEqual(r.stderrLines.count, 1, "\(args): \(r.stderr)")
            XCTAssertTrue(r.stderr.hasPrefix("bad.sqlite: error: "), r.stderr)
        }
        try makeJournals(dir)
        let g = try grade(["--out", "out", "--store", "bad.sqlite", "journals"], in: dir)
        XCTAssertEqual(g.status, 1, g.all)
        XCTAssertTrue(g.stderr.contains("bad.sqlite: error: not a HazLab results store"), g.stderr)
        XCTAssertTrue(FileManager.default.fileExists(atPath: dir.file("out/results.json").path))
        XCTAssertEqual(try Data(contentsOf: dir.file("bad.sqlite")), junk)
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir.file("x.sqlite").path))

        // Missing store for a read command; a world-readable store.
        let missing = try Hazlab.run(["store", "audit", "--store", "none.sqlite"], in: dir.url)
        XCTAssertEqual(missing.status, 1)
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir.file("none.sqlite").path), "reading never creates a store")
        XCTAssertEqual(try grade(["--out", "o2", "--store", "ok.sqlite", "journals"], in: dir).status, 0)
        chmod(dir.file("ok.sqlite").path, 0o644)
        let open = try Hazlab.run(["store", "audit", "--store", "ok.sqlite"], in: dir.url)
        XCTAssertEqual(open.status, 1, open.all)
        XCTAssertTrue(open.stderr.contains("chmod 600 ok.sqlite"), open.stderr)
    }

    /// Two graders writing into one store at the same time (WAL, busy timeout, BEGIN
    /// IMMEDIATE): both succeed, and overlapping attempts are stored once.
    func testConcurrentGradersIntoOneStore() throws {
        let dir = try TempDir()
        try makeJournals(dir, folder: "a")
        try makeJournals(dir, folder: "b")
        var procs: [Process] = []
        for (i, folder) in ["a", "b", "a"].enumerated() {
            let p = Process()
            p.executableURL = URL(fileURLWithPath: try Hazlab.binary())
            p.arguments = ["grade", "--scenarios", Hazlab.demoFolder.path, "--jobs", "1", "--out", "out\(i)",
                           "--store", "s.sqlite", "--actor", "grader-\(i)", folder]
            p.currentDirectoryURL = dir.url
            p.standardOutput = FileHandle.nullDevice
            p.standardError = FileHandle.nullDevice
            procs.append(p)
        }
        // No store yet: the three race to create and migrate it, too.
        for p in procs { try p.run() }
        for p in procs { p.waitUntilExit() }
        XCTAssertEqual(procs.map(\.terminationStatus), [0, 0, 0])
        let s = try ResultsStore(path: dir.file("s.sqlite").path)
        XCTAssertEqual(try s.count("attempts"), 3)
        XCTAssertEqual(try s.count("step_results"), try s.db.scalar(
            "SELECT sum(json_array_length(record, '$.steps')) FROM attempts")?.int.map(Int.init) ?? -1)
        let audit = try s.auditLog()
        XCTAssertEqual(audit.count, 3)
        XCTAssertEqual(audit.compactMap { $0.detail.hasPrefix("inserted 3") ? 1 : nil }.count, 1, "\(audit.map(\.detail))")
    }

    func testDeleteAndRestoreOverADamagedStoreThroughTheCLI() throws {
        let dir = try TempDir()
        try makeJournals(dir)
        XCTAssertEqual(try grade(["--out", "out", "--store", "s.sqlite", "journals"], in: dir).status, 0)
        let noReason = try Hazlab.run(["store", "delete", "--store", "s.sqlite", "exam/1"], in: dir.url)
        XCTAssertEqual(noReason.status, 64, noReason.all)
        let del = try Hazlab.run(["store", "delete", "--store", "s.sqlite", "--actor", "dora", "--reason", "wrong id", "exam/1"], in: dir.url)
        XCTAssertEqual(del.status, 0, del.all)
        let missing = try Hazlab.run(["store", "delete", "--store", "s.sqlite", "--reason", "x", "exam/1"], in: dir.url)
        XCTAssertEqual(missing.status, 1, missing.all)
        XCTAssertTrue(try Hazlab.run(["store", "audit", "--store", "s.sqlite"], in: dir.url).stdout.contains("\tdora\tdelete\texam/1\treason: wrong id"))
        XCTAssertEqual(try Hazlab.run(["store", "backup", "--store", "s.sqlite", "b.sqlite"], in: dir.url).status, 0)

        // The store is destroyed; restore moves the wreck aside and rebuilds from the backup.
        let junk = Data(repeating: 0x00, count: 100) + Data("garbage".utf8)
        try FileManager.default.removeItem(at: dir.file("s.sqlite"))
        for f in ["s.sqlite-wal", "s.sqlite-shm"] { try? FileManager.default.removeItem(at: dir.file(f)) }
        _ = FileManager.default.createFile(atPath: dir.file("s.sqlite").path, contents: junk, attributes: [.posixPermissions: 0o600])
        XCTAssertEqual(try Hazlab.run(["store", "attempts", "--store", "s.sqlite"], in: dir.url).status, 1)
        let r = try Hazlab.run(["store", "restore", "--store", "s.sqlite", "b.sqlite"], in: dir.url)
        XCTAssertEqual(r.status, 0, r.all)
        XCTAssertTrue(r.stderr.contains("warning: the store could not be opened"), r.stderr)
        XCTAssertEqual(try Data(contentsOf: dir.file("s.sqlite.before-restore.1")), junk)
        let list = try Hazlab.run(["store", "attempts", "--store", "s.sqlite"], in: dir.url)
        XCTAssertEqual(list.stdoutLines.map { String($0.prefix(6)) }, ["exam/0", "exam/2"])
    }

    func testImportShardOutputsMatchesGradingWithStore() throws {
        let dir = try TempDir()
        try makeJournals(dir)
        XCTAssertEqual(try grade(["--out", "direct", "--store", "direct.sqlite", "journals"], in: dir).status, 0)
        for i in 1...2 { XCTAssertEqual(try grade(["--out", "shard-\(i)", "--shard", "\(i)/2", "journals"], in: dir).status, 0) }
        let imp = try Hazlab.run(["store", "import", "--store", "imported.sqlite", "--scenarios", Hazlab.demoFolder.path,
                                  "shard-1", "shard-2/results.json"], in: dir.url)
        XCTAssertEqual(imp.status, 0, imp.all)
        let a = try ResultsStore(path: dir.file("direct.sqlite").path), b = try ResultsStore(path: dir.file("imported.sqlite").path)
        let q = "SELECT attempt, record_sha256, total FROM attempts ORDER BY attempt"
        XCTAssertEqual(try a.db.query(q), try b.db.query(q), "the same results, by identity")
        XCTAssertEqual(try b.count("attempts"), 3)
        // Again: unchanged. A bad file: exit 1, nothing recorded.
        let again = try Hazlab.run(["store", "import", "--store", "imported.sqlite", "--scenarios", Hazlab.demoFolder.path, "shard-1"],
                                   in: dir.url)
        XCTAssertTrue(again.stdout.contains("0 new"), again.stdout)
        try dir.write("bad/results.json", "[\n{\"attempt\":\"x\"}\n]\n")
        let bad = try Hazlab.run(["store", "import", "--store", "imported.sqlite", "bad"], in: dir.url)
        XCTAssertEqual(bad.status, 1, bad.all)
        XCTAssertEqual(bad.stderrLines.count, 1, bad.stderr)
        XCTAssertEqual(try b.count("attempts"), 3)
    }

    // MARK: issue 12 §5

    /// `store import` used to insert a hand-edited record (100, passed, for a run that replays
    /// to less) with no check.
    func testImportReplaysEachRecordAndRefusesAHandEditedOne() throws {
        let dir = try TempDir()
        try makeJournals(dir)
        XCTAssertEqual(try grade(["--out", "out", "journals"], in: dir).status, 0)
        let text = try String(contentsOf: dir.file("out/results.json"), encoding: .utf8)
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        let i = try XCTUnwrap(lines.firstIndex { $0.contains("\"attempt\":\"exam/1\"") })
        let edited = lines[i].replacingOccurrences(of: #""score":\{"total":[0-9.]+"#, with: #""score":{"total":100"#, options: .regularExpression)
        XCTAssertNotEqual(edited, lines[i])
        lines[i] = edited
        try dir.write("forged/results.json", lines.joined(separator: "\n"))
        // The journals were moved: found by SHA-256 in --journals.
        try FileManager.default.moveItem(at: dir.file("journals"), to: dir.file("moved"))
        let imp = try Hazlab.run(["store", "import", "--store", "s.sqlite", "--actor", "ops", "--scenarios", Hazlab.demoFolder.path,
                                  "--journals", "moved", "forged"], in: dir.url)
        XCTAssertEqual(imp.status, 1, imp.all)
        XCTAssertEqual(imp.stderrLines.count, 1, imp.stderr)
        XCTAssertTrue(imp.stderr.contains("attempt exam/1") && imp.stderr.contains("score.total: 100 (replay: "), imp.stderr)
        XCTAssertTrue(imp.stdout.contains("2 new, 0 unchanged, 0 regraded, 1 refused"), imp.stdout)
        let s = try ResultsStore(path: dir.file("s.sqlite").path)
        XCTAssertEqual(try s.attempts().map(\.attempt), ["exam/0", "exam/2"], "the others are recorded")
        XCTAssertTrue(try s.auditLog().contains { $0.action == "import-refused" && $0.subject == "exam/1" && $0.actor == "ops" })

        // Without the journals: refused, unless explicitly trusted (and audited as such).
        let blind = try Hazlab.run(["store", "import", "--store", "t.sqlite", "--scenarios", Hazlab.demoFolder.path, "out"], in: dir.url)
        XCTAssertEqual(blind.status, 1, blind.all)
        XCTAssertEqual(blind.stderrLines.count, 3, blind.stderr)
        XCTAssertTrue(blind.stderr.contains("was not found") && blind.stderr.contains("--trust-unverified"), blind.stderr)
        let trusted = try Hazlab.run(["store", "import", "--store", "t.sqlite", "--trust-unverified", "out"], in: dir.url)
        XCTAssertEqual(trusted.status, 0, trusted.all)
        XCTAssertTrue(trusted.stdout.contains("3 new") && trusted.stdout.contains("3 recorded unverified"), trusted.stdout)
        let t = try ResultsStore(path: dir.file("t.sqlite").path)
        XCTAssertTrue(try t.auditLog().contains { $0.action == "import-unverified" && $0.detail.contains("exam/0, exam/1, exam/2") })
        // A forged result is refused even with --trust-unverified when its journal is found.
        let forged = try Hazlab.run(["store", "import", "--store", "u.sqlite", "--trust-unverified", "--scenarios", Hazlab.demoFolder.path,
                                     "--journals", "moved", "forged"], in: dir.url)
        XCTAssertEqual(forged.status, 1, forged.all)
        XCTAssertTrue(forged.stderr.contains("score.total"), forged.stderr)
    }

    /// A score changed with sqlite3 used to show in listings, and regrading the same journals
    /// said "unchanged"; deleting audit rows (triggers dropped) went unnoticed.
    func testVerifyAndGradeFindEditsMadeWithSQLite() throws {
        let dir = try TempDir()
        try makeJournals(dir)
        XCTAssertEqual(try grade(["--out", "out", "--store", "s.sqlite", "journals"], in: dir).status, 0)
        let ok = try Hazlab.run(["store", "verify", "--store", "s.sqlite"], in: dir.url)
        XCTAssertEqual(ok.status, 0, ok.all)
        XCTAssertTrue(ok.stdout.contains("verified: 1 audit row(s)") && ok.stdout.contains("3 attempt(s) agree"), ok.stdout)

        do {
            let raw = try SQLiteDatabase(path: dir.file("s.sqlite").path, flags: [.readWrite])
            try raw.execute("UPDATE attempts SET total = 100, passed = 1 WHERE attempt = 'exam/1'")
        }
        let bad = try Hazlab.run(["store", "verify", "--store", "s.sqlite"], in: dir.url)
        XCTAssertEqual(bad.status, 1, bad.all)
        XCTAssertTrue(bad.stderr.contains("attempt 'exam/1': stored total, passed disagree"), bad.stderr)
        let regrade = try grade(["--out", "out2", "--store", "s.sqlite", "journals"], in: dir)
        XCTAssertEqual(regrade.status, 1, regrade.all)
        XCTAssertTrue(regrade.stdout.contains("0 new, 2 unchanged, 0 regraded, 1 refused"), regrade.stdout)

        // Restoring from the store itself is refused; nothing is kept, nothing changes.
        let selfRestore = try Hazlab.run(["store", "restore", "--store", "s.sqlite", "s.sqlite"], in: dir.url)
        XCTAssertEqual(selfRestore.status, 1, selfRestore.all)
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir.file("s.sqlite.before-restore.1").path))

        do {
            let raw = try SQLiteDatabase(path: dir.file("s.sqlite").path, flags: [.readWrite])
            try raw.execute("DROP TRIGGER audit_no_delete; DELETE FROM audit WHERE id = (SELECT max(id) FROM audit)")
        }
        let open = try Hazlab.run(["store", "attempts", "--store", "s.sqlite"], in: dir.url)
        XCTAssertEqual(open.status, 1, open.all)
        XCTAssertTrue(open.stderr.contains("changed outside hazlab"), open.stderr)
        let v = try Hazlab.run(["store", "verify", "--store", "s.sqlite"], in: dir.url)
        XCTAssertEqual(v.status, 1)
        XCTAssertTrue(v.stderr.contains("'audit_no_delete' was dropped") && v.stderr.contains("was deleted"), v.stderr)
    }

    /// A second `grade --store` used to fail with "database is locked" after 5 s while another
    /// writer held a long transaction; now it says it waits, and records when the lock is free.
    func testGradeWaitsForAnotherWriterAndSaysSo() throws {
        let dir = try TempDir()
        try makeJournals(dir)
        XCTAssertEqual(try grade(["--out", "out", "--store", "s.sqlite", "journals"], in: dir).status, 0)
        final class Holder: @unchecked Sendable { let db: SQLiteDatabase; init(_ d: SQLiteDatabase) { db = d } }
        let holder = Holder(try SQLiteDatabase(path: dir.file("s.sqlite").path, flags: [.readWrite]))
        try holder.db.execute("BEGIN IMMEDIATE")   // a long import, say
        Thread.detachNewThread {
            Thread.sleep(forTimeInterval: 6)
            try? holder.db.execute("COMMIT")
        }
        try makeJournals(dir, folder: "more", firstRun: "mistakes")
        let waiting = try grade(["--out", "out2", "--store", "s.sqlite", "--regrade", "more"], in: dir)
        XCTAssertEqual(waiting.status, 0, waiting.all)
        XCTAssertTrue(waiting.stderr.contains("s.sqlite: waiting for another writer to finish"), waiting.stderr)
        XCTAssertTrue(waiting.stdout.contains("1 regraded"), waiting.stdout)
    }
}
