import Foundation
import HazLabRecords
import XCTest

/// The results store on real SQLite files: migrations, WAL, uniqueness, regrade history,
/// online backup while writing, restore, audit, permissions, outbox, bad files.
final class StoreTests: XCTestCase {
    var dir: URL!

    override func setUpWithError() throws {
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("hazlab-store-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: dir) }

    func path(_ name: String) -> String { dir.appendingPathComponent(name).path }

    /// A grader record as `AttemptRecord.render` writes it (fields the store reads, and more).
    static func record(_ attempt: String, total: Double = 87.5, journal: String = "j/a.jsonl", scenario: String = "tank-filling",
                       seed: String = "18446744073709551615") -> String {
        """
        {"attempt":\(JSON.string(attempt)),"journal":\(JSON.string(journal)),"journalSHA256":"ab12","student":"学生1号","workstation":"工位-1",\
        "mode":"exam","scenario":"\(scenario)","scenarioTitle":{"zh":"储罐","en":"Tank"},"scenarioSHA256":"cd34","engine":"0.9.0",\
        "journalEngine":"0.9.0","seed":\(seed),"ticks":1200,"durationSeconds":120,"stateHash":"00112233aabbccdd","endReason":"completed",\
        "complete":true,"workstationStateHash":"00112233aabbccdd","workstationAgrees":true,\
        "score":{"total":\(JSON.number(total)),"max":100,"passScore":60,"passed":\(total >= 60),"evaluation":"good","evaluationText":{"zh":"良","en":"Good"},\
        "mode":"exam","earned":90,"deducted":2.5,"hintsUsed":0},\
        "steps":[{"seq":1,"id":"open-valve","title":{"zh":"开阀","en":"Open"},"completed":true,"startTick":0,"endTick":100,"startSeconds":0,\
        "seconds":10,"timeUsed":10,"expectedSeconds":12,"maxScore":50,"score":50,"repeatCount":1,"outOfOrder":false,"hintUsed":false,\
        "evaluation":"excellent","evaluationText":{"zh":"优","en":"Excellent"},"scoringModel":{"zh":"","en":""},"remarks":{"zh":"","en":""}},\
        {"seq":2,"id":"close-valve","title":{"zh":"关阀","en":"Close"},"completed":false,"startTick":-1,"endTick":-1,"startSeconds":null,\
        "seconds":null,"timeUsed":null,"expectedSeconds":12,"maxScore":50,"score":0,"repeatCount":0,"outOfOrder":false,"hintUsed":false,\
        "evaluation":"fail","evaluationText":{"zh":"差","en":"Fail"},"scoringModel":{"zh":"","en":""},"remarks":{"zh":"","en":""}}],\
        "quality":[{"id":"level","title":{"zh":"液位","en":"Level"},"unit":"m","band":[1,2],"phaseStartSeconds":0,"phaseEndSeconds":100,\
        "judgedSeconds":100,"inBandSeconds":90,"fractionInBand":0.9,"excursions":1,"min":0.5,"max":2.1,"maxScore":10,"score":9,\
        "evaluation":"good","scoringModel":{"zh":"","en":""}}],\
        "deductions":[{"tick":500,"seconds":50,"cause":"violation","subject":"V-101","title":{"zh":"阀","en":"Valve"},"detail":"opened under pressure","points":2.5}]}
        """
    }

    func mode(_ p: String) throws -> Int {
        (try FileManager.default.attributesOfItem(atPath: p)[.posixPermissions] as? NSNumber)?.intValue ?? -1
    }

    func testNewStoreIsMigratedInWALModeWithMode0600() throws {
        let p = path("s.sqlite")
        let s = try ResultsStore(path: p, create: true)
        XCTAssertEqual(try s.schemaVersion(), StoreSchema.currentVersion)
        XCTAssertEqual(try s.journalMode(), "wal")
        XCTAssertEqual(try s.db.scalar("PRAGMA foreign_keys")?.int, 1)
        XCTAssertEqual(try s.db.scalar("PRAGMA application_id")?.int, Int64(StoreSchema.applicationID))
        XCTAssertEqual(try s.db.scalar("PRAGMA user_version")?.int, Int64(StoreSchema.currentVersion))
        XCTAssertEqual(try mode(p), 0o600)
        _ = try s.record([StoreTests.record("a1")], actor: "alice")
        XCTAssertEqual(try mode(p + "-wal"), 0o600, "SQLite gives the WAL file the store's mode")
        // Reopening runs no migration twice.
        let again = try ResultsStore(path: p)
        XCTAssertEqual(try again.count("schema_migrations"), StoreSchema.migrations.count)
    }

    func testMigrationFromVersion1KeepsRowsAndFillsNewTables() throws {
        let p = path("v1.sqlite")
        do {
            let v1 = try ResultsStore(path: p, create: true, upTo: 1)
            XCTAssertEqual(try v1.schemaVersion(), 1)
            // Version 1 has no quality table: insert through the v1 columns directly.
            try v1.db.run("""
                INSERT INTO attempts (attempt, student, workstation, scenario, scenario_sha256, engine, seed, mode, total, max, passed,
                    evaluation, duration, state_hash, journal, journal_sha256, record, record_sha256, graded_at, graded_by)
                VALUES ('old-1', 's', 'w', 'tank-filling', 'cd', '0.8', '7', 'exam', 80, 100, 1, 'good', 120, 'h', 'j', 'js', ?, 'x', 't', 'me')
                """, [StoreTests.record("old-1")])
            try v1.audit(actor: "me", action: "grade", subject: "old-1")
        }
        let s = try ResultsStore(path: p)
        XCTAssertEqual(try s.schemaVersion(), StoreSchema.currentVersion)
        XCTAssertEqual(try s.attempts().map(\.attempt), ["old-1"])
        XCTAssertEqual(try s.count("quality_results"), 1, "migration 2 fills quality_results from the stored records")
        XCTAssertEqual(try s.auditLog().map(\.action), ["grade"])
    }

    /// The `events` array `hazlab grade` writes for the demo mistakes run
    /// (Scenarios/tank-filling/runs/mistakes.jsonl), spliced into the demo record.
    static let mistakesEvents = #"[{"tick":20,"seconds":2,"kind":"action-applied","target":"helmet","verb":"wear","action":0},{"tick":40,"seconds":4,"kind":"action-applied","target":"gloves","verb":"wear","action":1},{"tick":100,"seconds":10,"kind":"action-rejected","target":"XV101","verb":"open","reason":"not-in-zone","action":2},{"tick":150,"seconds":15,"kind":"action-applied","target":"tank_farm","verb":"move-to","action":3},{"tick":250,"seconds":25,"kind":"action-applied","target":"LT101","verb":"measure","action":4},{"tick":250,"seconds":25,"kind":"measurement","target":"LT101","value":0.9981896311115321,"action":4},{"tick":350,"seconds":35,"kind":"action-applied","target":"XV101","verb":"open","action":5},{"tick":450,"seconds":45,"kind":"action-applied","target":"P101","verb":"start","action":6},{"tick":676,"seconds":67.6,"kind":"fault","fault":"pump_trip"},{"tick":676,"seconds":67.6,"kind":"trip","target":"P101"},{"tick":720,"seconds":72,"kind":"action-rejected","target":"P101","verb":"start","reason":"tripped","action":7},{"tick":760,"seconds":76,"kind":"action-applied","target":"P101","verb":"reset","action":8},{"tick":780,"seconds":78,"kind":"action-applied","target":"P101","verb":"start","action":9},{"tick":2494,"seconds":249.4,"kind":"fault","fault":"level_transmitter_stuck"},{"tick":3000,"seconds":300,"kind":"action-applied","target":"LT101","verb":"measure","action":10},{"tick":3000,"seconds":300,"kind":"measurement","target":"LT101","value":2.192413597607306,"action":10},{"tick":4554,"seconds":455.4,"kind":"alarm","target":"LAH101"},{"tick":4700,"seconds":470,"kind":"alarm-acknowledged","target":"LAH101","action":11},{"tick":4700,"seconds":470,"kind":"action-applied","target":"LAH101","verb":"acknowledge","action":11},{"tick":4782,"seconds":478.2,"kind":"hazard","hazard":"near_overfill","consequence":"alarm"},{"tick":4900,"seconds":490,"kind":"action-applied","target":"P101","verb":"stop","action":12},{"tick":5000,"seconds":500,"kind":"action-applied","target":"XV101","verb":"close","action":13},{"tick":5100,"seconds":510,"kind":"changed","target":"settle"},{"tick":5300,"seconds":530,"kind":"report","target":"supervisor","value":0,"action":14},{"tick":5300,"seconds":530,"kind":"action-applied","target":"supervisor","verb":"report","action":14},{"tick":5400,"seconds":540,"kind":"action-applied","target":"","verb":"submit","action":15},{"tick":5400,"seconds":540,"kind":"end","reason":"submitted","action":15}]"#
    static var mistakesWithEvents: String { String(ExportFixtures.mistakes.dropLast()) + ",\"events\":" + mistakesEvents + "}" }

    func testRecordingTheMistakesAttemptStoresItsEventsInOrder() throws {
        let s = try ResultsStore(path: path("s.sqlite"), create: true)
        let rec = StoreTests.mistakesWithEvents
        XCTAssertEqual(try s.record([rec], actor: "alice").inserted, 1)
        let id = "sha256-84f131055f054d6156c58fb5852f3a73"
        let recorded = try JSONText.parse(Array(rec.utf8))["events"]?.array ?? []
        XCTAssertEqual(recorded.count, 27)
        XCTAssertEqual(try s.count("events"), recorded.count, "one row per event of the record")
        let seqs = try s.db.query("SELECT seq, tick, kind FROM events WHERE attempt = ? ORDER BY seq", [id])
        XCTAssertEqual(seqs.map { $0[0].int }, (0..<Int64(recorded.count)).map { $0 })
        XCTAssertEqual(seqs.map { $0[1].int }, recorded.map { $0["tick"]?.numberText.flatMap { Int64($0) } }, "in record order")
        XCTAssertEqual(seqs.map { $0[2].string }, recorded.map { $0["kind"]?.string })
        let hazard = try s.db.query("SELECT tick, seconds, subject, json_extract(detail, '$.consequence') FROM events WHERE attempt = ? AND kind = 'hazard'", [id])
        XCTAssertEqual(hazard.count, 1)
        XCTAssertEqual(hazard.first?[0].int, 4782)
        XCTAssertEqual(hazard.first?[1].double, 478.2)
        XCTAssertEqual(hazard.first?[2].string, "near_overfill")
        XCTAssertEqual(hazard.first?[3].string, "alarm")
        XCTAssertEqual(try s.db.scalar("SELECT subject FROM events WHERE attempt = ? AND seq = 2", [id])?.string, "XV101")
        // A regrade replaces the events; a delete removes them.
        let fewer = String(ExportFixtures.mistakes.dropLast()) + ",\"events\":[{\"tick\":1,\"seconds\":0.1,\"kind\":\"fault\",\"fault\":\"f\"}]}"
        XCTAssertEqual(try s.record([fewer], actor: "bob", regrade: true).regraded, 1)
        XCTAssertEqual(try s.count("events"), 1)
        XCTAssertEqual(try s.db.scalar("SELECT subject FROM events")?.string, "f")
        XCTAssertTrue(try s.delete(attempt: id, actor: "bob", reason: "test"))
        XCTAssertEqual(try s.count("events"), 0)
        // Records without events (older graders) store none.
        _ = try s.record([StoreTests.record("a1")], actor: "alice")
        XCTAssertEqual(try s.count("events"), 0)
    }

    func testMigrationFromVersion2FillsEventsFromStoredRecords() throws {
        let p = path("v2.sqlite")
        do {
            let v2 = try ResultsStore(path: p, create: true, upTo: 2)
            XCTAssertEqual(try v2.schemaVersion(), 2)
            XCTAssertEqual(try v2.db.scalar("SELECT count(*) FROM sqlite_master WHERE name = 'events'")?.int, 0)
            // Version 2 has no events table: insert through the v2 columns directly.
            for (id, rec) in [("sha256-84f131055f054d6156c58fb5852f3a73", StoreTests.mistakesWithEvents), ("a1", StoreTests.record("a1"))] {
                try v2.db.run("""
                    INSERT INTO attempts (attempt, student, workstation, scenario, scenario_sha256, engine, seed, mode, total, max, passed,
                        evaluation, duration, state_hash, journal, journal_sha256, record, record_sha256, graded_at, graded_by)
                    VALUES (?, 's', 'w', 'tank-filling', 'cd', '0.8', '7', 'exam', 40, 100, 0, 'fail', 540, 'h', 'j', 'js', ?, 'x', 't', 'me')
                    """, [id, rec])
            }
        }
        let s = try ResultsStore(path: p)
        XCTAssertEqual(try s.schemaVersion(), StoreSchema.currentVersion)
        XCTAssertEqual(try s.count("attempts"), 2)
        XCTAssertEqual(try s.count("events"), 27, "migration 3 fills events from the stored records")
        let fresh = try ResultsStore(path: path("fresh.sqlite"), create: true)
        _ = try fresh.record([StoreTests.mistakesWithEvents], actor: "alice")
        let id = "sha256-84f131055f054d6156c58fb5852f3a73"
        let all = "SELECT seq, tick, seconds, kind, subject, detail FROM events WHERE attempt = ? ORDER BY seq"
        XCTAssertEqual(try s.db.query(all, [id]).map { $0.map { "\($0)" } }, try fresh.db.query(all, [id]).map { $0.map { "\($0)" } },
                       "the migration and recording store the same rows")
    }

    func testGradingTwiceKeepsOneRowPerAttempt() throws {
        let s = try ResultsStore(path: path("s.sqlite"), create: true)
        let recs = [StoreTests.record("a1"), StoreTests.record("a2", total: 40)]
        let first = try s.record(recs, actor: "alice")
        XCTAssertEqual(first.inserted, 2)
        // The same results again, even graded from other paths: nothing changes.
        let second = try s.record([StoreTests.record("a1", journal: "elsewhere/a.jsonl"), recs[1]], actor: "bob")
        XCTAssertEqual(second.unchanged, 2)
        XCTAssertEqual(second.inserted + second.regraded + second.refused.count, 0)
        XCTAssertEqual(try s.count("attempts"), 2)
        XCTAssertEqual(try s.count("step_results"), 4)
        XCTAssertEqual(try s.count("deductions"), 2)
        XCTAssertEqual(try s.count("quality_results"), 2)
        XCTAssertEqual(try s.db.scalar("SELECT count(*) FROM violations")?.int, 2)
        XCTAssertEqual(try s.record(attempt: "a1"), recs[0], "the first record is kept verbatim")
        let a2 = try XCTUnwrap(try s.attempts().last)
        XCTAssertEqual(a2.total, 40); XCTAssertFalse(a2.passed)
        XCTAssertEqual(try s.db.scalar("SELECT seed FROM attempts WHERE attempt = 'a1'")?.string, "18446744073709551615")
        XCTAssertEqual(try s.auditLog().map(\.action), ["grade", "grade"])
        XCTAssertEqual(try s.auditLog().last?.detail, "inserted 0, unchanged 2, regraded 0, refused 0")
    }

    func testConflictingResultIsRefusedAndRegradeKeepsHistory() throws {
        let s = try ResultsStore(path: path("s.sqlite"), create: true)
        _ = try s.record([StoreTests.record("a1", total: 87.5)], actor: "alice")
        let refused = try s.record([StoreTests.record("a1", total: 30), StoreTests.record("a2")], actor: "bob")
        XCTAssertEqual(refused.refused, ["a1"])
        XCTAssertEqual(refused.inserted, 1, "a refusal does not stop the rest of the batch")
        XCTAssertEqual(try s.attempts().first?.total, 87.5, "one truth: the stored result stays")
        XCTAssertEqual(try s.history(attempt: "a1"), [])
        XCTAssertTrue(StoreError.conflict(attempt: "a1").description.contains("--regrade"))

        let re = try s.record([StoreTests.record("a1", total: 30)], actor: "carol", regrade: true)
        XCTAssertEqual(re.regraded, 1)
        XCTAssertEqual(try s.attempts().first?.total, 30)
        XCTAssertEqual(try s.history(attempt: "a1"), [StoreTests.record("a1", total: 87.5)])
        XCTAssertEqual(try s.count("step_results"), 4, "children replaced, not duplicated")
        let log = try s.auditLog()
        XCTAssertEqual(log.map(\.action), ["grade", "grade-refused", "grade", "regrade", "grade"])
        XCTAssertEqual(log[3].actor, "carol"); XCTAssertEqual(log[3].subject, "a1")
    }

    /// An engine upgrade never silently replaces a stored result: the same attempt graded by
    /// another engine is refused, and an explicit regrade says which engines.
    func testAResultFromAnotherEngineIsARegradeThatNamesBothEngines() throws {
        let s = try ResultsStore(path: path("s.sqlite"), create: true)
        let old = StoreTests.record("a1")
        let upgraded = old.replacingOccurrences(of: "\"engine\":\"0.9.0\"", with: "\"engine\":\"1.0.0\"")
        XCTAssertNotEqual(old, upgraded)
        _ = try s.record([old], actor: "alice")
        XCTAssertEqual(try s.record([upgraded], actor: "bob").refused, ["a1"])
        XCTAssertEqual(try s.db.query("SELECT engine FROM attempts").first?[0].string, "0.9.0", "the stored engine stays")
        XCTAssertEqual(try s.record([upgraded], actor: "carol", regrade: true).regraded, 1)
        XCTAssertEqual(try s.db.query("SELECT engine FROM attempts").first?[0].string, "1.0.0")
        let log = try s.auditLog()
        for action in ["grade-refused", "regrade"] {
            let row = try XCTUnwrap(log.first { $0.action == action })
            XCTAssertTrue(row.detail.contains("graded by engine 0.9.0") && row.detail.contains("new: engine 1.0.0"), row.detail)
        }
        // The same engine again: no engine note.
        XCTAssertEqual(try s.record([StoreTests.record("a1", total: 80).replacingOccurrences(of: "\"engine\":\"0.9.0\"", with: "\"engine\":\"1.0.0\"")], actor: "dan",
                                    regrade: true).regraded, 1)
        XCTAssertFalse(try s.auditLog().last { $0.action == "regrade" }!.detail.contains("engine"))
    }

    func testAuditLogIsAppendOnly() throws {
        let s = try ResultsStore(path: path("s.sqlite"), create: true)
        try s.audit(actor: "a", action: "grade", subject: "x")
        XCTAssertThrowsError(try s.db.run("UPDATE audit SET actor = 'mallory'")) { e in
            XCTAssertTrue("\(e)".contains("append-only"), "\(e)")
        }
        XCTAssertThrowsError(try s.db.run("DELETE FROM audit"))
        XCTAssertEqual(try s.auditLog().map(\.actor), ["a"])
    }

    func testBackupWhileAnotherConnectionWritesThenRestoreRoundTrips() throws {
        let p = path("live.sqlite")
        let s = try ResultsStore(path: p, create: true)
        _ = try s.record((0..<200).map { StoreTests.record("a\($0)") }, actor: "alice")
        let writer = try ResultsStore(path: p)   // a second connection, e.g. another grader
        var written = 0
        try s.backup(to: path("backup.sqlite"), actor: "ops", pagesPerStep: 2) {
            if written < 5 { _ = try writer.record([StoreTests.record("w\(written)")], actor: "bob"); written += 1 }
        }
        XCTAssertEqual(written, 5, "the writer ran during the backup")
        XCTAssertEqual(try mode(path("backup.sqlite")), 0o600)
        XCTAssertEqual(try ResultsStore.validateBackup(path("backup.sqlite")), StoreSchema.currentVersion)

        // The snapshot holds every row committed before it finished.
        func dump(_ st: ResultsStore) throws -> [String] {
            var rows: [String] = []
            for t in ["attempts", "step_results", "deductions", "quality_results"] {
                rows += try st.db.query("SELECT * FROM \(t) ORDER BY 1, 2").map { "\(t) " + $0.map(\.description).joined(separator: "|") }
            }
            return rows
        }
        let before = try dump(s)
        XCTAssertEqual(try s.count("attempts"), 205)

        // Damage the live store (all attempts deleted), then restore.
        try s.db.execute("DELETE FROM step_results; DELETE FROM deductions; DELETE FROM quality_results; DELETE FROM attempts")
        XCTAssertEqual(try s.count("attempts"), 0)
        let kept = try s.restore(from: path("backup.sqlite"), actor: "ops")
        XCTAssertEqual(kept, p + ".before-restore.1")
        XCTAssertEqual(try mode(kept), 0o600)
        XCTAssertEqual(try dump(s), before, "every row round-trips")
        XCTAssertEqual(try s.journalMode(), "wal")
        // The other connection sees the restored data too.
        XCTAssertEqual(try writer.count("attempts"), 205)
        let actions = try s.auditLog(limit: 1000).map(\.action)
        XCTAssertEqual(actions, ["grade", "backup-started"] + Array(repeating: "grade", count: 5) + ["restore"],
                       "the backup holds its own audit row and the writes made during it")
        // The kept copy is the damaged store, itself a valid backup.
        XCTAssertEqual(try ResultsStore.validateBackup(kept), StoreSchema.currentVersion)
        XCTAssertThrowsError(try s.backup(to: path("backup.sqlite"), actor: "ops"), "an existing backup file is never overwritten")
    }

    func testRestoreFromVersion1BackupMigrates() throws {
        do { _ = try ResultsStore(path: path("v1.sqlite"), create: true, upTo: 1) }
        let v1 = try ResultsStore(path: path("v1.sqlite"), upTo: 1)
        try v1.backup(to: path("v1-backup.sqlite"), actor: "ops")
        let s = try ResultsStore(path: path("s.sqlite"), create: true)
        _ = try s.record([StoreTests.record("a1")], actor: "alice")
        try s.restore(from: path("v1-backup.sqlite"), actor: "ops")
        XCTAssertEqual(try s.schemaVersion(), StoreSchema.currentVersion)
        XCTAssertEqual(try s.count("attempts"), 0)
    }

    func testRestoreRefusesFilesThatAreNotStoresAndChangesNothing() throws {
        let p = path("s.sqlite")
        let s = try ResultsStore(path: p, create: true)
        _ = try s.record([StoreTests.record("a1")], actor: "alice")
        try Data("not a database at all, just text\n".utf8).write(to: URL(fileURLWithPath: path("junk.sqlite")))
        let other = try SQLiteDatabase(path: path("other.sqlite"))
        try other.execute("CREATE TABLE t (x)")
        for bad in ["junk.sqlite", "other.sqlite", "missing.sqlite"] {
            XCTAssertThrowsError(try s.restore(from: path(bad), actor: "ops"), bad) { e in
                XCTAssertFalse("\(e)".contains("\n"), "one line: \(e)")
            }
        }
        XCTAssertEqual(try s.count("attempts"), 1)
        XCTAssertFalse(FileManager.default.fileExists(atPath: p + ".before-restore.1"))
    }

    func testPermissionsAreEnforced() throws {
        let p = path("s.sqlite")
        do { _ = try ResultsStore(path: p, create: true) }
        XCTAssertEqual(try mode(p), 0o600)
        chmod(p, 0o644)
        XCTAssertThrowsError(try ResultsStore(path: p)) { e in
            XCTAssertEqual(e as? StoreError, .permissions(path: p, mode: 0o644))
            XCTAssertTrue("\(e)".contains("chmod 600"))
        }
        chmod(p, 0o600)
        XCTAssertNoThrow(try ResultsStore(path: p))
        // Missing without create, a symbolic link, a folder: refused.
        XCTAssertThrowsError(try ResultsStore(path: path("none.sqlite"))) { XCTAssertEqual($0 as? StoreError, .missing(path: path("none.sqlite"))) }
        try FileManager.default.createSymbolicLink(atPath: path("link.sqlite"), withDestinationPath: p)
        XCTAssertThrowsError(try ResultsStore(path: path("link.sqlite")))
        XCTAssertThrowsError(try ResultsStore(path: dir.path))
    }

    func testCorruptStoreIsRefusedAndLeftUntouched() throws {
        let p = path("bad.sqlite")
        let junk = Data((0..<8192).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ 7) })
        _ = FileManager.default.createFile(atPath: p, contents: junk, attributes: [.posixPermissions: 0o600])
        XCTAssertThrowsError(try ResultsStore(path: p, create: true)) { e in
            guard case .notAStore? = e as? StoreError else { return XCTFail("\(e)") }
            XCTAssertFalse("\(e)".contains("\n"))
        }
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: p)), junk)
        // A SQLite file of another application is refused too.
        let other = try SQLiteDatabase(path: path("other.sqlite"))
        try other.execute("CREATE TABLE t (x)")
        chmod(path("other.sqlite"), 0o600)
        XCTAssertThrowsError(try ResultsStore(path: path("other.sqlite"))) { e in
            guard case .notAStore? = e as? StoreError else { return XCTFail("\(e)") }
        }
    }

    func testBadRecordsAreRefusedWholeBatch() throws {
        let s = try ResultsStore(path: path("s.sqlite"), create: true)
        XCTAssertThrowsError(try s.record([StoreTests.record("a1"), "{\"attempt\":\"x\"}"], actor: "a"))
        XCTAssertThrowsError(try s.record(["{not json"], actor: "a"))
        XCTAssertEqual(try s.count("attempts"), 0)
    }

    func testOutboxDeliveryAndStatusPerDestination() throws {
        let s = try ResultsStore(path: path("s.sqlite"), create: true)
        var t = 0
        s.clock = { t += 1; return String(format: "2026-06-30T08:00:%02d.000Z", t) }
        _ = try s.record([StoreTests.record("a1"), StoreTests.record("a2"), StoreTests.record("a3")], actor: "alice")
        try s.enqueue(attempt: "a1", destination: "lrs", items: [("s1", "{}"), ("s2", "{\"x\":1}")], actor: "ops")
        try s.enqueue(attempt: "a1", destination: "lrs", items: [("s1", "{}")], actor: "ops")   // same again: no-op
        XCTAssertThrowsError(try s.enqueue(attempt: "a1", destination: "lrs", items: [("s1", "{\"changed\":1}")], actor: "ops"))
        XCTAssertThrowsError(try s.enqueue(attempt: "nope", destination: "lrs", items: [("s9", "{}")], actor: "ops"))
        try s.enqueue(attempt: "a2", destination: "lrs", items: [("s3", "{}")], actor: "ops")
        try s.enqueue(attempt: "a3", destination: "ilab-x", items: [("r1", "{}")], actor: "ops")

        let due = try s.pending(destination: "lrs")
        XCTAssertEqual(due.map(\.id), ["s1", "s2", "s3"])
        try s.markDelivered(due[0].seq)
        try s.markDelivered(due[1].seq)
        try s.markFailed(due[2].seq, error: "HTTP 503", retryAfter: 3600)
        XCTAssertEqual(try s.pending(destination: "lrs").map(\.id), [], "the failed item waits for its retry time")
        XCTAssertEqual(try s.pending(destination: "lrs", now: "2026-06-30T10:00:00.000Z").map(\.id), ["s3"])
        let ilab = try s.pending(destination: "ilab-x")
        try s.markConflict(ilab[0].seq, error: "a different result is already there")

        let status = try s.exportStatus()
        XCTAssertEqual(status.map(\.destination), ["ilab-x", "lrs"])
        XCTAssertEqual([status[1].pending, status[1].delivered, status[1].failed, status[1].conflict], [0, 1, 1, 0])
        XCTAssertEqual(status[1].queuedItems, 1)
        XCTAssertEqual(status[1].lastErrors.map(\.error), ["HTTP 503"])
        XCTAssertEqual(status[0].conflict, 1)
        XCTAssertTrue(try s.auditLog().contains { $0.action == "exported" && $0.subject == "a1" })

        // Queuing delivered items again changes nothing.
        try s.enqueue(attempt: "a1", destination: "lrs", items: [("s1", "{}"), ("s2", "{\"x\":1}")], actor: "ops")
        XCTAssertEqual(try s.exportStatus()[1].delivered, 1)
        XCTAssertEqual(try s.auditLog(limit: 1000).filter { $0.action == "export-queued" }.count, 3)
        // A regrade puts the attempt back to pending everywhere.
        _ = try s.record([StoreTests.record("a1", total: 10)], actor: "carol", regrade: true)
        XCTAssertEqual(try s.exportStatus()[1].pending, 1)
    }

    func testDeleteKeepsHistoryAndIsAudited() throws {
        let s = try ResultsStore(path: path("s.sqlite"), create: true)
        _ = try s.record([StoreTests.record("a1"), StoreTests.record("a2")], actor: "alice")
        try s.enqueue(attempt: "a1", destination: "lrs", items: [("s1", "{}")], actor: "ops")
        XCTAssertTrue(try s.delete(attempt: "a1", actor: "dora", reason: "wrong student"))
        XCTAssertFalse(try s.delete(attempt: "a1", actor: "dora", reason: "again"))
        XCTAssertEqual(try s.attempts().map(\.attempt), ["a2"])
        for t in ["outbox", "exports"] { XCTAssertEqual(try s.count(t), 0, t) }
        XCTAssertEqual(try s.count("step_results"), 2)
        XCTAssertEqual(try s.history(attempt: "a1"), [StoreTests.record("a1")])
        let last = try XCTUnwrap(try s.auditLog().last)
        XCTAssertEqual([last.actor, last.action, last.subject], ["dora", "delete", "a1"])
        XCTAssertTrue(last.detail.contains("reason: wrong student") && last.detail.contains("lrs pending"), last.detail)
        // Graded again later: a new attempt row.
        XCTAssertEqual(try s.record([StoreTests.record("a1")], actor: "alice").inserted, 1)
    }

    func testRestoreOverADamagedStoreKeepsTheDamagedFile() throws {
        let s = try ResultsStore(path: path("s.sqlite"), create: true)
        _ = try s.record([StoreTests.record("a1")], actor: "alice")
        try s.backup(to: path("b.sqlite"), actor: "ops")
        let junk = Data(repeating: 0x42, count: 4096)
        _ = FileManager.default.createFile(atPath: path("broken.sqlite"), contents: junk, attributes: [.posixPermissions: 0o600])
        let r = try ResultsStore.restore(store: path("broken.sqlite"), from: path("b.sqlite"), actor: "ops")
        XCTAssertTrue(r.damaged)
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: r.kept)), junk, "the damaged file is kept, not deleted")
        XCTAssertEqual(try r.store.attempts().map(\.attempt), ["a1"])
        XCTAssertEqual(try r.store.auditLog().map(\.action).suffix(2), ["restore", "restore-damaged"])
        XCTAssertEqual(try mode(path("broken.sqlite")), 0o600)
        // A bad backup changes nothing, even for a damaged store.
        _ = FileManager.default.createFile(atPath: path("broken2.sqlite"), contents: junk, attributes: [.posixPermissions: 0o600])
        XCTAssertThrowsError(try ResultsStore.restore(store: path("broken2.sqlite"), from: path("broken.sqlite.before-restore.1"), actor: "ops"))
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: path("broken2.sqlite"))), junk)
    }

    func testSQLiteWrapperErrorsCarrySQLiteMessages() throws {
        let db = try SQLiteDatabase(path: path("w.sqlite"))
        XCTAssertThrowsError(try db.execute("CREATE TABL x")) { e in
            XCTAssertTrue((e as? SQLiteError)?.message.contains("syntax error") ?? false, "\(e)")
        }
        try db.execute("CREATE TABLE t (a INTEGER, b TEXT, c REAL, d BLOB)")
        try db.run("INSERT INTO t VALUES (?, ?, ?, ?)", [Int64.min, "é\u{0}x", 1.5, SQLiteValue.blob([0, 1, 255])])
        XCTAssertEqual(try db.query("SELECT * FROM t").first, [.integer(Int64.min), .text("é\u{0}x"), .real(1.5), .blob([0, 1, 255])])
        XCTAssertThrowsError(try db.run("INSERT INTO t VALUES (?, ?)", [1, 2]), "wrong parameter count")
        XCTAssertThrowsError(try db.transaction { try db.run("INSERT INTO t (a) VALUES (1)"); throw StoreError.badRecord("stop") })
        XCTAssertEqual(try db.scalar("SELECT count(*) FROM t")?.int, 1, "rolled back")
    }

    // MARK: issue 12 §5 — records that survive operator mistakes and hostile input

    /// The documented undo (restore the kept copy) and two restores in a row used to destroy
    /// the earlier data: the kept copy was overwritten before FILE was read.
    func testEveryPreRestoreCopyIsKeptAndTheUndoRestoresTheData() throws {
        let p = path("s.sqlite")
        let s = try ResultsStore(path: p, create: true)
        _ = try s.record([StoreTests.record("a1")], actor: "alice")
        try s.backup(to: path("b.sqlite"), actor: "ops")
        _ = try s.record([StoreTests.record("a2")], actor: "alice")

        let first = try s.restore(from: path("b.sqlite"), actor: "ops")
        XCTAssertEqual(first, p + ".before-restore.1")
        XCTAssertEqual(try s.attempts().map(\.attempt), ["a1"])
        // The undo: restore the copy the restore just kept.
        let second = try s.restore(from: first, actor: "ops")
        XCTAssertEqual(second, p + ".before-restore.2")
        XCTAssertEqual(try s.attempts().map(\.attempt), ["a1", "a2"], "the undo brings a2 back")
        // And a third restore in a row: every earlier copy is still there and intact.
        let third = try s.restore(from: path("b.sqlite"), actor: "ops")
        XCTAssertEqual(third, p + ".before-restore.3")
        for (kept, attempts) in [(first, ["a1", "a2"]), (second, ["a1"]), (third, ["a1", "a2"])] {
            XCTAssertEqual(try ResultsStore.validateBackup(kept), StoreSchema.currentVersion)
            let k = try SQLiteDatabase(path: kept, flags: [.readOnly])
            XCTAssertEqual(try k.query("SELECT attempt FROM attempts ORDER BY attempt").compactMap { $0[0].string }, attempts, kept)
            XCTAssertEqual(try mode(kept), 0o600)
        }
        XCTAssertEqual(try s.verify().problems, [])
    }

    func testRestoreRefusesTheStoreItselfAsSource() throws {
        let p = path("s.sqlite")
        let s = try ResultsStore(path: p, create: true)
        _ = try s.record([StoreTests.record("a1")], actor: "alice")
        try FileManager.default.createSymbolicLink(atPath: path("alias.sqlite"), withDestinationPath: p)
        for source in [p, path("alias.sqlite"), p + "-wal"] {
            XCTAssertThrowsError(try s.restore(from: source, actor: "ops"), source) { e in
                XCTAssertTrue("\(e)".contains("the store"), "\(e)")
            }
            XCTAssertThrowsError(try ResultsStore.restore(store: p, from: source, actor: "ops"), source)
        }
        XCTAssertEqual(try s.attempts().map(\.attempt), ["a1"])
        XCTAssertFalse(FileManager.default.fileExists(atPath: p + ".before-restore.1"), "nothing was kept: nothing changed")
    }

    /// A killed backup used to leave a partial file under the requested name (and the audit
    /// said "backup"); now the name appears only when the copy is complete.
    func testBackupAppearsUnderItsNameOnlyWhenCompleteAndFailuresAreAudited() throws {
        let s = try ResultsStore(path: path("s.sqlite"), create: true)
        _ = try s.record((0..<100).map { StoreTests.record("a\($0)") }, actor: "alice")
        var steps = 0
        XCTAssertThrowsError(try s.backup(to: path("b.sqlite"), actor: "ops", pagesPerStep: 2) {
            steps += 1
            XCTAssertFalse(FileManager.default.fileExists(atPath: self.path("b.sqlite")), "no partial file under the requested name")
            if steps == 3 { throw StoreError.io(path: "b.sqlite", "interrupted") }
        })
        XCTAssertEqual(steps, 3)
        XCTAssertFalse(FileManager.default.fileExists(atPath: path("b.sqlite")))
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir.path).filter { $0.hasPrefix("b.sqlite") }, [],
                       "the partial copy is removed too")
        XCTAssertEqual(try s.auditLog().map(\.action).suffix(2), ["backup-started", "backup-failed"], "a failure is audited as one")

        var sawPartial = false
        try s.backup(to: path("b.sqlite"), actor: "ops", pagesPerStep: 2) {
            if FileManager.default.fileExists(atPath: self.path("b.sqlite.partial-\(getpid())")) { sawPartial = true }
        }
        XCTAssertTrue(sawPartial, "the copy is written under the temporary name")
        let last = try XCTUnwrap(try s.auditLog().last)
        XCTAssertEqual(last.action, "backup")
        XCTAssertTrue(last.detail.hasPrefix("complete; SHA-256 ") && last.detail.count == "complete; SHA-256 ".count + 64, last.detail)
        // A restore of it works (the killed backup's file failed with "readonly database").
        let t = try ResultsStore(path: path("t.sqlite"), create: true)
        try t.restore(from: path("b.sqlite"), actor: "ops")
        XCTAssertEqual(try t.count("attempts"), 100)
    }

    /// A score changed with sqlite3 used to go unnoticed, and regrading the same journal
    /// said "unchanged" (only the hash column was compared).
    func testAScoreEditedBehindTheStoresBackIsFoundAndNotCalledUnchanged() throws {
        let s = try ResultsStore(path: path("s.sqlite"), create: true)
        _ = try s.record([StoreTests.record("a1", total: 43.12), StoreTests.record("a2")], actor: "alice")
        XCTAssertTrue(try s.verify().ok)
        try s.db.execute("UPDATE attempts SET total = 100, passed = 1 WHERE attempt = 'a1'")
        let v = try s.verify()
        XCTAssertEqual(v.problems.count, 1, "\(v.problems)")
        XCTAssertTrue(v.problems[0].contains("'a1'") && v.problems[0].contains("total") && v.problems[0].contains("passed"), v.problems[0])

        let again = try s.record([StoreTests.record("a1", total: 43.12), StoreTests.record("a2")], actor: "bob")
        XCTAssertEqual(again.refused, ["a1"], "not 'unchanged': the stored row is not the record")
        XCTAssertEqual(again.unchanged, 1)
        XCTAssertTrue(try s.auditLog().contains { $0.action == "grade-refused" && $0.detail.contains("changed outside hazlab") })
        // A step score edited: found the same way.
        try s.db.execute("UPDATE step_results SET score = 50 WHERE attempt = 'a2' AND seq = 2")
        XCTAssertTrue(try s.verify().problems.contains { $0.contains("'a2'") && $0.contains("step_results") })

        let fixed = try s.record([StoreTests.record("a1", total: 43.12), StoreTests.record("a2")], actor: "bob", regrade: true)
        XCTAssertEqual(fixed.regraded, 2)
        XCTAssertEqual(try s.db.scalar("SELECT total FROM attempts WHERE attempt = 'a1'")?.double, 43.12)
        XCTAssertEqual(try s.verify().problems, [])
    }

    func testAuditRowsDeletedOrChangedBehindTheStoresBackAreFound() throws {
        let p = path("s.sqlite")
        do {
            let s = try ResultsStore(path: p, create: true)
            for i in 0..<5 { _ = try s.record([StoreTests.record("a\(i)")], actor: "alice") }
            XCTAssertEqual(try s.verify().auditRows, 5)
            XCTAssertTrue(try s.verify().ok)
            XCTAssertEqual(try s.verify().sidecar, "matches")
        }
        // The triggers stop a plain DELETE...
        let raw = try SQLiteDatabase(path: p, flags: [.readWrite])
        XCTAssertThrowsError(try raw.execute("DELETE FROM audit WHERE id = 5"))
        // ...so drop them and delete the last row, as the issue describes.
        try raw.execute("DROP TRIGGER audit_no_delete; DELETE FROM audit WHERE id = 5")
        XCTAssertThrowsError(try ResultsStore(path: p), "a store with a broken chain is refused at open") { e in
            guard case .tampered(_, let problems) = e as? StoreError else { return XCTFail("\(e)") }
            XCTAssertTrue(problems.contains { $0.contains("deleted") }, "\(problems)")
        }
        let v = try ResultsStore(path: p, checkAudit: false).verify()
        XCTAssertTrue(v.problems.contains { $0.contains("'audit_no_delete' was dropped") }, "\(v.problems)")
        XCTAssertTrue(v.problems.contains { $0.contains("audit row 5 was deleted") }, "\(v.problems)")

        // Cover the tracks inside the file (chain row and head too): the sidecar still knows.
        try raw.execute("""
            DROP TRIGGER audit_chain_no_delete;
            DELETE FROM audit_chain WHERE id = 5;
            UPDATE store_meta SET value = (SELECT '4 ' || row_hash FROM audit_chain WHERE id = 4) WHERE key = 'audit_head';
            """)
        XCTAssertThrowsError(try ResultsStore(path: p)) { e in
            XCTAssertTrue("\(e)".contains("audit-head") && "\(e)".contains("later audit row"), "\(e)")
        }

        // A row changed in the middle of the log.
        let q = path("q.sqlite")
        do {
            let s = try ResultsStore(path: q, create: true)
            for i in 0..<3 { _ = try s.record([StoreTests.record("a\(i)")], actor: "alice") }
        }
        let raw2 = try SQLiteDatabase(path: q, flags: [.readWrite])
        try raw2.execute("DROP TRIGGER audit_no_update; UPDATE audit SET actor = 'mallory' WHERE id = 2")
        XCTAssertTrue(try ResultsStore(path: q, checkAudit: false).verify().problems.contains("audit row 2 was changed after it was written"))
        // A row added without its chain entry.
        try raw2.run("INSERT INTO audit (at, actor, action, subject, detail) VALUES ('x', 'mallory', 'grade', 'x', 'x')")
        XCTAssertThrowsError(try ResultsStore(path: q)) { e in XCTAssertTrue("\(e)".contains("added outside hazlab"), "\(e)") }
    }

    func testOlderStoresAreChainedByTheMigrationAndRestoredChainsStayValid() throws {
        let p = path("v3.sqlite")
        do {
            let old = try ResultsStore(path: p, create: true, upTo: 3)
            _ = try old.record([StoreTests.record("a1")], actor: "alice")
            try old.backup(to: path("v3-backup.sqlite"), actor: "ops")
        }
        let s = try ResultsStore(path: p)
        XCTAssertEqual(try s.verify().auditRows, 3, "grade, backup-started, backup")
        XCTAssertEqual(try s.verify().problems, [])
        XCTAssertEqual(try s.auditHead()?.id, 3)
        _ = try s.record([StoreTests.record("a2")], actor: "alice")
        try s.restore(from: path("v3-backup.sqlite"), actor: "ops")
        XCTAssertEqual(try s.verify().problems, [])
        XCTAssertNoThrow(try ResultsStore(path: p), "the sidecar follows the restored chain")
    }

    /// A second writer used to fail with "database is locked" after 5 s while another held a
    /// long transaction; now it waits (saying so) and then records.
    func testAWriterWaitsForAnotherWritersLongTransactionThenRecords() throws {
        let p = path("s.sqlite")
        _ = try ResultsStore(path: p, create: true)
        final class Holder: @unchecked Sendable { let db: SQLiteDatabase; init(_ d: SQLiteDatabase) { db = d } }
        let holder = Holder(try SQLiteDatabase(path: p, flags: [.readWrite]))
        let s = try ResultsStore(path: p, busyWaitSeconds: 60)
        let impatient = try ResultsStore(path: p, busyWaitSeconds: 0.3)
        try holder.db.execute("BEGIN IMMEDIATE")   // e.g. an import of 5,000 records
        let released = expectation(description: "released")
        Thread.detachNewThread {
            Thread.sleep(forTimeInterval: 5.5)
            try? holder.db.execute("COMMIT")
            released.fulfill()
        }
        final class Notices: @unchecked Sendable { var waited: [Double] = [] }
        let notices = Notices()
        s.db.busyPolicy?.noticeAfterSeconds = 0.5
        s.db.busyPolicy?.notice = { notices.waited.append($0) }
        let started = Date()
        let summary = try s.record([StoreTests.record("a1")], actor: "alice")
        XCTAssertEqual(summary.inserted, 1)
        XCTAssertGreaterThan(Date().timeIntervalSince(started), 5, "it waited past the old 5 s limit")
        XCTAssertEqual(notices.waited.count, 1, "one 'waiting for another writer' notice per wait")
        wait(for: [released], timeout: 30)

        // Past the limit: a clear error, nothing half-done.
        try holder.db.execute("BEGIN IMMEDIATE")
        defer { try? holder.db.execute("ROLLBACK") }
        impatient.db.busyPolicy?.notice = nil
        XCTAssertThrowsError(try impatient.record([StoreTests.record("a2")], actor: "alice")) { e in
            guard case .busy = e as? StoreError else { return XCTFail("\(e)") }
            XCTAssertTrue("\(e)".contains("another writer kept the store locked"), "\(e)")
        }
    }

    func testABatchCommitsInChunksAndAFailedChunkKeepsTheEarlierOnes() throws {
        let s = try ResultsStore(path: path("s.sqlite"), create: true)
        try s.db.execute("""
            CREATE TEMP TRIGGER fail_a3 BEFORE INSERT ON main.attempts WHEN NEW.attempt = 'a3'
            BEGIN SELECT RAISE(ABORT, 'disk full'); END
            """)
        var commits = 0
        s.db.afterCommit = { commits += 1 }
        XCTAssertThrowsError(try s.record((0..<5).map { StoreTests.record("a\($0)") }, actor: "alice", chunkSize: 2)) { e in
            XCTAssertTrue("\(e)".contains("2 of 5 attempt(s) were recorded before it"), "\(e)")
        }
        XCTAssertEqual(try s.attempts().map(\.attempt), ["a0", "a1"], "the first chunk stays, each attempt whole")
        XCTAssertEqual(try s.count("step_results"), 4)
        XCTAssertEqual(try s.auditLog().last?.action, "grade-failed")
        try s.db.execute("DROP TRIGGER temp.fail_a3")
        commits = 0
        let done = try s.record((0..<5).map { StoreTests.record("a\($0)") }, actor: "alice", chunkSize: 2)
        XCTAssertEqual([done.inserted, done.unchanged], [3, 2], "running it again records the rest")
        XCTAssertEqual(commits, 4, "three chunks and the audit row, each its own transaction")
    }

    /// A key registry anyone could write was trusted.
    func testAKeyRegistryOthersCanWriteIsRefused() throws {
        let reg = path("keys.json")
        let old = umask(0)
        try KeyRegistry(keys: [PublicKeyRecord(id: "ws-01", publicKey: "AAAA", added: "", revoked: "")]).save(path: reg)
        umask(old)
        XCTAssertEqual(try mode(reg), 0o644, "saved without group or other write, whatever the umask")
        XCTAssertEqual(try KeyRegistry.load(path: reg).keys.map(\.id), ["ws-01"])
        for bad in [0o666, 0o646, 0o664] {
            chmod(reg, mode_t(bad))
            XCTAssertThrowsError(try KeyRegistry.load(path: reg), String(bad, radix: 8)) { e in
                XCTAssertTrue("\(e)".contains("must not be writable by group or others"), "\(e)")
            }
        }
        chmod(reg, 0o600)
        XCTAssertNoThrow(try KeyRegistry.load(path: reg))
        try KeyRegistry(keys: []).save(path: reg)
        XCTAssertEqual(try mode(reg), 0o600, "a stricter mode is kept on rewrite")
    }
}
