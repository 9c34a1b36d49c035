import CSQLite
import Foundation

/// Why the results store refused something. `description` is one line, for the CLI.
public enum StoreError: Error, CustomStringConvertible, Equatable {
    case missing(path: String)
    case permissions(path: String, mode: UInt16)
    case notAFile(path: String)
    case notAStore(path: String, reason: String)
    case newerSchema(path: String, version: Int, supported: Int)
    case sqlite(path: String, SQLiteError)
    case badRecord(String)
    case conflict(attempt: String)
    case io(path: String, String)
    /// Another writer held the store longer than this process waits.
    case busy(path: String, seconds: Double)
    /// The audit chain or the attempt rows disagree with what hazlab wrote (see `verify()`).
    case tampered(path: String, problems: [String])

    public var description: String {
        switch self {
        case .missing(let p): return "\(p): error: no results store here (create one with `hazlab grade --store \(p)`)"
        case .permissions(let p, let m):
            return "\(p): error: the store is readable or writable by others (mode \(String(m, radix: 8))); run `chmod 600 \(p)`"
        case .notAFile(let p): return "\(p): error: not a regular file"
        case .notAStore(let p, let r): return "\(p): error: not a HazLab results store (\(r))"
        case .newerSchema(let p, let v, let s):
            return "\(p): error: store schema version \(v) is newer than this hazlab supports (\(s)); upgrade hazlab"
        case .sqlite(let p, let e): return "\(p): error: \(e.description)"
        case .badRecord(let r): return "error: bad attempt record: \(r)"
        case .conflict(let a):
            return "error: attempt '\(a)' is already in the store with a different result; refused (use --regrade to replace it; the old result is kept in attempt_history)"
        case .io(let p, let m): return "\(p): error: \(m)"
        case .busy(let p, let s):
            return "\(p): error: another writer kept the store locked for \(Int(s.rounded())) s; nothing more was recorded; try again (what was recorded stays)"
        case .tampered(let p, let problems):
            return "\(p): error: the store was changed outside hazlab: " + problems.prefix(5).joined(separator: "; ")
                + (problems.count > 5 ? "; and \(problems.count - 5) more" : "") + " (run `hazlab store verify --store \(p)`)"
        }
    }
}

/// The results store: one SQLite file (WAL mode, foreign keys on, schema versioned by
/// `StoreSchema.migrations`) holding every graded attempt once, its step results and
/// deductions, the export status and outbox per destination, and an append-only audit log.
/// See Docs/store.md.
public final class ResultsStore {
    /// `$HAZLAB_STORE`, else `./hazlab-results.sqlite`.
    public static let defaultFileName = "hazlab-results.sqlite"
    public static func defaultPath(environment: [String: String] = ProcessInfo.processInfo.environment) -> String {
        if let p = environment["HAZLAB_STORE"], !p.isEmpty { return p }
        return defaultFileName
    }

    /// `--actor`, else `$USER`, else the numeric uid.
    public static func defaultActor(_ given: String?, environment: [String: String] = ProcessInfo.processInfo.environment) -> String {
        if let g = given, !g.isEmpty { return g }
        if let u = environment["USER"], !u.isEmpty { return u }
        return "uid:\(getuid())"
    }

    public let path: String
    public let db: SQLiteDatabase
    /// A chained audit row has been written since the sidecar head was last written.
    var auditHeadDirty = false
    /// How long a writer waits for another to finish before giving up (seconds).
    public static let defaultBusyWaitSeconds = 300.0
    /// Attempts per transaction in `record(_:)`: other writers get the lock between chunks.
    public static let defaultChunkSize = 200
    /// Timestamps (ISO 8601 UTC); replaceable for tests.
    public var clock: () -> String = ResultsStore.now

    /// ISO 8601 UTC with milliseconds, formatted without a date formatter (one per call was a
    /// measurable share of every store write).
    public static func now() -> String { ExportTime.iso8601(millis: ExportTime.millis(Date())) }

    /// Opens the store at `path`. With `create`, a missing file is created with mode 0600;
    /// without, a missing file is an error. An existing file must be a regular file that only
    /// its owner can read and write (0600 or stricter), and either be empty or carry the
    /// HazLab application id. Migrates to `upTo` (default: the current schema version).
    ///
    /// A writer that finds the store locked waits up to `busyWaitSeconds`, saying on stderr
    /// after 2 s that it is waiting. With `checkAudit` (the default) the audit chain's head and
    /// last rows are checked and a store changed outside hazlab is refused (`.tampered`);
    /// `hazlab store verify` opens without it to report every problem.
    public init(path: String, create: Bool = false, upTo: Int = StoreSchema.currentVersion,
                busyWaitSeconds: Double = ResultsStore.defaultBusyWaitSeconds, checkAudit: Bool = true) throws {
        self.path = path
        try ResultsStore.prepareFile(path, create: create)
        do {
            db = try SQLiteDatabase(path: path, flags: [.readWrite, .noFollow])
        } catch let e as SQLiteError { throw StoreError.sqlite(path: path, e) }
        db.setBusyPolicy(.init(maxWaitSeconds: busyWaitSeconds, notice: { waited in
            FileHandle.standardError.write(Data(
                "\(TerminalText.escape(path)): waiting for another writer to finish (\(Int(waited)) s so far; giving up after \(Int(busyWaitSeconds)) s)…\n".utf8))
        }))
        do {
            try checkIdentity()
            try db.execute("PRAGMA foreign_keys = ON")
            let mode = try db.scalar("PRAGMA journal_mode = WAL")?.string ?? ""
            if mode.lowercased() != "wal" { throw StoreError.io(path: path, "cannot switch the store to WAL mode (got \(mode))") }
            try db.execute("PRAGMA synchronous = NORMAL")
            try migrate(upTo: upTo)
            // Weak: a caller may keep `db` after the store is gone.
            db.afterCommit = { [weak self] in if let self, self.auditHeadDirty { self.writeAuditHeadSidecar() } }
            if checkAudit, try hasAuditChain() {
                let problems = try quickAuditCheck()
                if !problems.isEmpty { throw StoreError.tampered(path: path, problems: problems) }
            }
        } catch let e as SQLiteError {
            throw storeError(e)
        }
    }

    /// A SQLite error as the store reports it.
    func storeError(_ e: SQLiteError) -> StoreError {
        if e.code & 0xff == SQLITE_NOTADB { return .notAStore(path: path, reason: e.message) }
        if e.code & 0xff == SQLITE_BUSY { return .busy(path: path, seconds: db.busyPolicy?.lastWaitSeconds ?? 0) }
        return .sqlite(path: path, e)
    }

    /// Creates the file (0600) if asked, then enforces: regular file, owner-only permissions.
    static func prepareFile(_ path: String, create: Bool) throws {
        var st = stat()
        if lstat(path, &st) != 0 {
            guard errno == ENOENT else { throw StoreError.io(path: path, String(cString: strerror(errno))) }
            guard create else { throw StoreError.missing(path: path) }
            let fd = open(path, O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, 0o600)
            if fd >= 0 {
                close(fd)
            } else if errno != EEXIST {   // EEXIST: another process created it just now
                throw StoreError.io(path: path, "cannot create the store: \(String(cString: strerror(errno)))")
            }
            guard lstat(path, &st) == 0 else { throw StoreError.io(path: path, String(cString: strerror(errno))) }
        }
        guard (st.st_mode & S_IFMT) == S_IFREG else { throw StoreError.notAFile(path: path) }
        let perm = UInt16(st.st_mode & 0o777)
        if perm & 0o077 != 0 { throw StoreError.permissions(path: path, mode: perm) }
    }

    /// An empty database becomes a store; anything else must carry our application id.
    private func checkIdentity() throws {
        let objects = try db.scalar("SELECT count(*) FROM sqlite_schema")?.int ?? 0
        let app = try db.scalar("PRAGMA application_id")?.int ?? 0
        if objects == 0 && app == 0 {
            try db.execute("PRAGMA application_id = \(StoreSchema.applicationID)")
            return
        }
        if app != Int64(StoreSchema.applicationID) {
            throw StoreError.notAStore(path: path, reason: "a SQLite database of another application")
        }
    }

    /// The schema version recorded in the file.
    public func schemaVersion() throws -> Int {
        let has = try db.scalar("SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name = 'schema_migrations'")?.int ?? 0
        if has == 0 { return 0 }
        return Int(try db.scalar("SELECT coalesce(max(version), 0) FROM schema_migrations")?.int ?? 0)
    }

    func migrate(upTo target: Int) throws {
        try db.execute("""
            CREATE TABLE IF NOT EXISTS schema_migrations (
                version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)
            """)
        let have = try schemaVersion()
        if have > StoreSchema.currentVersion {
            throw StoreError.newerSchema(path: path, version: have, supported: StoreSchema.currentVersion)
        }
        for m in StoreSchema.migrations where m.version > have && m.version <= target {
            try db.transaction {
                // Another process may have applied it while this one waited for the lock.
                if try db.scalar("SELECT 1 FROM schema_migrations WHERE version = ?", [m.version]) != nil { return }
                try db.execute(m.sql)
                if m.version == StoreSchema.auditChainVersion { try sealAuditChain() }
                try db.run("INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)", [m.version, m.name, clock()])
                try db.execute("PRAGMA user_version = \(m.version)")
            }
        }
    }

    public func journalMode() throws -> String { try db.scalar("PRAGMA journal_mode")?.string ?? "" }

    // MARK: audit

    public struct AuditEntry: Sendable, Equatable {
        public var id: Int64
        public var at: String
        public var actor: String
        public var action: String
        public var subject: String
        public var detail: String
    }

    /// Appends one audit row and chains it (see StoreAudit.swift). The table refuses UPDATE and
    /// DELETE (triggers). Outside a transaction the row is written in its own.
    public func audit(actor: String, action: String, subject: String, detail: String = "") throws {
        guard db.inTransaction else {
            return try db.transaction { try audit(actor: actor, action: action, subject: subject, detail: detail) }
        }
        let at = clock()
        try db.run("INSERT INTO audit (at, actor, action, subject, detail) VALUES (?, ?, ?, ?, ?)", [at, actor, action, subject, detail])
        if try hasAuditChain() {
            try chainAuditRow(id: db.lastInsertRowID, at: at, actor: actor, action: action, subject: subject, detail: detail)
        }
    }

    /// The latest `limit` audit rows, oldest first.
    public func auditLog(limit: Int = 100) throws -> [AuditEntry] {
        try db.query("SELECT id, at, actor, action, subject, detail FROM (SELECT * FROM audit ORDER BY id DESC LIMIT ?) ORDER BY id",
                     [limit]).map {
            AuditEntry(id: $0[0].int ?? 0, at: $0[1].string ?? "", actor: $0[2].string ?? "", action: $0[3].string ?? "",
                       subject: $0[4].string ?? "", detail: $0[5].string ?? "")
        }
    }

    // MARK: attempts

    public enum RecordOutcome: String, Sendable, Equatable {
        /// A new attempt.
        case inserted
        /// The same result was already stored: nothing changed.
        case unchanged
        /// A different result replaced the stored one (explicit regrade); the old is in history.
        case regraded
        /// A different result was refused.
        case refused
    }

    public struct BatchSummary: Sendable, Equatable {
        public var inserted = 0, unchanged = 0, regraded = 0
        /// Attempts refused because the store holds a different result for them.
        public var refused: [String] = []
        public init() {}
    }

    /// Records a batch of attempt records (the grader's JSON, one object each) in
    /// transactions of `chunkSize` attempts (so another writer waits for one chunk, not the
    /// whole batch), then one audit row for the batch; one more per regrade or refusal.
    /// A refused attempt does not stop the others. Every record is parsed before anything is
    /// written. When a chunk fails, the chunks before it stay recorded (each attempt whole),
    /// a `grade-failed` audit row says how far it got, and the error says so too.
    public func record(_ records: [String], actor: String, regrade: Bool = false, batch: String = "",
                       chunkSize: Int = ResultsStore.defaultChunkSize) throws -> BatchSummary {
        let parsed = try records.map { try StoredAttempt(json: $0) }
        var s = BatchSummary()
        let subject = batch.isEmpty ? "\(parsed.count) attempt(s)" : batch
        func counts() -> String { "inserted \(s.inserted), unchanged \(s.unchanged), regraded \(s.regraded), refused \(s.refused.count)" }
        var done = 0
        do {
            while done < parsed.count {
                let chunk = parsed[done..<min(parsed.count, done + max(1, chunkSize))]
                let c = try db.transaction { () -> BatchSummary in
                    var c = BatchSummary()
                    for a in chunk {
                        switch try record(a, actor: actor, regrade: regrade) {
                        case .inserted: c.inserted += 1
                        case .unchanged: c.unchanged += 1
                        case .regraded: c.regraded += 1
                        case .refused: c.refused.append(a.attempt)
                        }
                    }
                    return c
                }
                s.inserted += c.inserted; s.unchanged += c.unchanged; s.regraded += c.regraded; s.refused += c.refused
                done += chunk.count
            }
            try audit(actor: actor, action: "grade", subject: subject, detail: counts())
        } catch {
            let reason = (error as? SQLiteError).map { storeError($0).description } ?? "\(error)"
            // Still locked out: try the audit row briefly rather than wait the full time again.
            let wait = db.busyPolicy?.maxWaitSeconds
            db.busyPolicy?.maxWaitSeconds = min(wait ?? 5, 5)
            defer { if let wait { db.busyPolicy?.maxWaitSeconds = wait } }
            try? audit(actor: actor, action: "grade-failed", subject: subject,
                       detail: "\(done) of \(parsed.count) attempt(s) recorded before the error (\(counts())): \(reason)")
            if done == 0 {
                if let e = error as? SQLiteError { throw storeError(e) }
                throw error
            }
            throw StoreError.io(path: path, "\(reason); \(done) of \(parsed.count) attempt(s) were recorded before it (\(counts())); "
                                + "run the same command again to record the rest")
        }
        return s
    }

    /// Records one attempt; call inside a transaction (or use `record(_:actor:regrade:batch:)`).
    func record(_ a: StoredAttempt, actor: String, regrade: Bool) throws -> RecordOutcome {
        let now = clock()
        let old = try db.query("SELECT record_sha256, record, graded_at, graded_by, engine FROM attempts WHERE attempt = ?", [a.attempt]).first
        if let old {
            // The whole stored record, and every stored column and row against it — not only
            // the hash column, which an edit behind hazlab's back may have left alone.
            let storedIdentity = old[1].string == a.record ? a.recordSHA256
                : (old[1].string.flatMap { try? StoredAttempt(json: $0) })?.recordSHA256
            let altered = try attemptMismatches(attempt: a.attempt, parsed: a)
            if storedIdentity == a.recordSHA256 && altered.isEmpty { return .unchanged }
            // A result from another engine is never replaced silently: it is a regrade, and says so.
            let oldEngine = old[4].string ?? ""
            let engines = oldEngine == a.engine ? "" : " (stored: graded by engine \(oldEngine); new: engine \(a.engine))"
            guard regrade else {
                try audit(actor: actor, action: "grade-refused", subject: a.attempt,
                          detail: altered.isEmpty
                            ? "stored result \(old[0].string?.prefix(12) ?? "") differs from new \(a.recordSHA256.prefix(12))" + engines
                            : "stored \(altered.joined(separator: ", ")) disagree(s) with the stored record (changed outside hazlab); new result \(a.recordSHA256.prefix(12))")
                return .refused
            }
            try db.run("""
                INSERT INTO attempt_history (attempt, record, record_sha256, graded_at, graded_by, superseded_at, superseded_by)
                VALUES (?, ?, ?, ?, ?, ?, ?)
                """, [a.attempt, old[1], old[0], old[2], old[3], now, actor])
            try db.run("DELETE FROM step_results WHERE attempt = ?", [a.attempt])
            try db.run("DELETE FROM deductions WHERE attempt = ?", [a.attempt])
            try db.run("DELETE FROM quality_results WHERE attempt = ?", [a.attempt])
            try db.run("DELETE FROM events WHERE attempt = ?", [a.attempt])
            // Updated in place (exports and outbox rows refer to it).
            try insert(a, gradedAt: now, by: actor)
            // Anything exported for the old result must be sent again.
            try db.run("UPDATE exports SET status = 'pending', last_error = 'regraded', updated_at = ? WHERE attempt = ?", [now, a.attempt])
            try audit(actor: actor, action: "regrade", subject: a.attempt,
                      detail: "replaced \(old[0].string?.prefix(12) ?? "") with \(a.recordSHA256.prefix(12))\(engines); old result kept in attempt_history"
                        + (altered.isEmpty ? "" : "; the stored \(altered.joined(separator: ", ")) disagreed with the stored record"))
            return .regraded
        }
        try insert(a, gradedAt: now, by: actor)
        return .inserted
    }

    private func insert(_ a: StoredAttempt, gradedAt: String, by actor: String) throws {
        try db.run("""
            INSERT INTO attempts (attempt, student, workstation, scenario, scenario_sha256, engine, seed, mode, total, max,
                passed, evaluation, duration, state_hash, journal, journal_sha256, record, record_sha256, graded_at, graded_by)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            ON CONFLICT (attempt) DO UPDATE SET student = excluded.student, workstation = excluded.workstation,
                scenario = excluded.scenario, scenario_sha256 = excluded.scenario_sha256, engine = excluded.engine,
                seed = excluded.seed, mode = excluded.mode, total = excluded.total, max = excluded.max,
                passed = excluded.passed, evaluation = excluded.evaluation, duration = excluded.duration,
                state_hash = excluded.state_hash, journal = excluded.journal, journal_sha256 = excluded.journal_sha256,
                record = excluded.record, record_sha256 = excluded.record_sha256, graded_at = excluded.graded_at,
                graded_by = excluded.graded_by
            """, [a.attempt, a.student, a.workstation, a.scenario, a.scenarioSHA256, a.engine, a.seed, a.mode, a.total, a.max,
                  a.passed, a.evaluation, a.duration, a.stateHash, a.journal, a.journalSHA256, a.record, a.recordSHA256, gradedAt, actor])
        let steps = try db.prepare("""
            INSERT INTO step_results (attempt, seq, step, completed, score, max_score, seconds, evaluation, out_of_order, hint_used)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """)
        for s in a.steps {
            steps.reset()
            try steps.bind([a.attempt, s.seq, s.id, s.completed, s.score, s.maxScore, s.seconds, s.evaluation, s.outOfOrder, s.hintUsed])
            while try steps.step() {}
        }
        let ded = try db.prepare("""
            INSERT INTO deductions (attempt, n, tick, seconds, cause, subject, detail, points, veto) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
            """)
        for (n, d) in a.deductions.enumerated() {
            ded.reset()
            try ded.bind([a.attempt, n, d.tick, d.seconds, d.cause, d.subject, d.detail, d.points, d.veto])
            while try ded.step() {}
        }
        let q = try db.prepare("""
            INSERT INTO quality_results (attempt, quality, score, max_score, fraction_in_band, excursions) VALUES (?, ?, ?, ?, ?, ?)
            """)
        for x in a.quality {
            q.reset()
            try q.bind([a.attempt, x.id, x.score, x.maxScore, x.fractionInBand, x.excursions])
            while try q.step() {}
        }
        try db.run("INSERT INTO events (attempt, seq, tick, seconds, kind, subject, detail) "
                   + StoreSchema.eventRowsSQL(attempt: "?")
                   + " FROM json_each(?, '$.events') e", [a.attempt, a.record])
    }

    /// Deletes an attempt (its results, export status and queued payloads). Its record is
    /// kept in `attempt_history`, and the deletion is audited with `reason`. Payloads already
    /// delivered to a destination are not recalled. Returns false when there is no such attempt.
    @discardableResult
    public func delete(attempt: String, actor: String, reason: String) throws -> Bool {
        try db.transaction {
            guard let old = try db.query("SELECT record_sha256, record, graded_at, graded_by FROM attempts WHERE attempt = ?",
                                         [attempt]).first else { return false }
            let now = clock()
            try db.run("""
                INSERT INTO attempt_history (attempt, record, record_sha256, graded_at, graded_by, superseded_at, superseded_by)
                VALUES (?, ?, ?, ?, ?, ?, ?)
                """, [attempt, old[1], old[0], old[2], old[3], now, actor])
            let exports = try db.query("SELECT destination, status FROM exports WHERE attempt = ? ORDER BY destination", [attempt])
                .map { "\($0[0]) \($0[1])" }
            for t in ["step_results", "deductions", "quality_results", "events", "outbox", "exports", "attempts"] {
                try db.run("DELETE FROM \(t) WHERE attempt = ?", [attempt])
            }
            try audit(actor: actor, action: "delete", subject: attempt,
                      detail: "reason: \(reason); record \(old[0].string?.prefix(12) ?? "") kept in attempt_history"
                        + (exports.isEmpty ? "" : "; exports were: " + exports.joined(separator: ", ")))
            return true
        }
    }

    /// The records of a grader's results.json (`[`, one record per line, `]`), verbatim.
    public static func records(resultsJSON text: String, file: String) throws -> [String] {
        var out: [String] = []
        var sawOpen = false, sawClose = false
        for (i, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            var line = raw.trimmingCharacters(in: .whitespaces)
            if line.isEmpty { continue }
            if !sawOpen {
                guard line == "[]" || line == "[" else { throw StoreError.io(path: file, "line \(i + 1): not a grader results.json") }
                sawOpen = true; sawClose = line == "[]"
                continue
            }
            guard !sawClose else { throw StoreError.io(path: file, "line \(i + 1): text after the closing ']'") }
            if line == "]" { sawClose = true; continue }
            if line.hasSuffix(",") { line.removeLast() }
            guard line.hasPrefix("{") else { throw StoreError.io(path: file, "line \(i + 1): expected one attempt record per line") }
            out.append(line)
        }
        guard sawOpen && sawClose else { throw StoreError.io(path: file, "not a complete grader results.json") }
        return out
    }

    public struct AttemptRow: Sendable, Equatable {
        public var attempt, student, workstation, scenario, evaluation, gradedAt: String
        public var total, max: Double
        public var passed: Bool
    }

    /// Stored attempts, by attempt id; only those of `scenario` when given.
    public func attempts(scenario: String? = nil) throws -> [AttemptRow] {
        let rows: [[SQLiteValue]]
        let cols = "attempt, student, workstation, scenario, evaluation, graded_at, total, max, passed"
        if let scenario {
            rows = try db.query("SELECT \(cols) FROM attempts WHERE scenario = ? ORDER BY attempt", [scenario])
        } else {
            rows = try db.query("SELECT \(cols) FROM attempts ORDER BY attempt")
        }
        return rows.map {
            AttemptRow(attempt: $0[0].string ?? "", student: $0[1].string ?? "", workstation: $0[2].string ?? "",
                       scenario: $0[3].string ?? "", evaluation: $0[4].string ?? "", gradedAt: $0[5].string ?? "",
                       total: $0[6].double ?? 0, max: $0[7].double ?? 0, passed: ($0[8].int ?? 0) != 0)
        }
    }

    /// The stored JSON record of one attempt.
    public func record(attempt: String) throws -> String? {
        try db.scalar("SELECT record FROM attempts WHERE attempt = ?", [attempt])?.string
    }

    /// Superseded records of one attempt, oldest first.
    public func history(attempt: String) throws -> [String] {
        try db.query("SELECT record FROM attempt_history WHERE attempt = ? ORDER BY id", [attempt]).compactMap { $0[0].string }
    }

    public func count(_ table: String) throws -> Int {
        precondition(table.allSatisfy { $0.isLetter || $0 == "_" }, "table name")
        return Int(try db.scalar("SELECT count(*) FROM \(table)")?.int ?? 0)
    }
}
