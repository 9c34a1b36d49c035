import Crypto
import Foundation

/// Tamper evidence for the results store (schema version 6, Docs/store.md "Tamper evidence"):
/// every audit row is chained — `audit_chain.row_hash` = SHA-256(prev_hash ‖ canonical row) —
/// and the head of the chain is kept both in `store_meta` and in the sidecar file
/// `STORE.audit-head`, so rows changed, inserted or deleted behind hazlab's back are found.
extension ResultsStore {
    /// `prev_hash` of the first row.
    public static let auditGenesis = String(repeating: "0", count: 64)

    /// The sidecar that mirrors the chain head outside the database file.
    public var auditHeadPath: String { path + ".audit-head" }

    public struct AuditHead: Equatable, Sendable {
        public var id: Int64
        public var hash: String
    }

    static func sha256Hex(_ text: String) -> String {
        SHA256.hash(data: Array(text.utf8)).map { String(format: "%02x", $0) }.joined()
    }

    /// SHA-256 of the previous row's hash and this row as a JSON array (id, at, actor, action,
    /// subject, detail): any change to a field, or to the order of rows, changes it.
    public static func auditRowHash(prev: String, id: Int64, at: String, actor: String, action: String,
                                    subject: String, detail: String) -> String {
        let row = "[\(id),\(JSON.string(at)),\(JSON.string(actor)),\(JSON.string(action)),\(JSON.string(subject)),\(JSON.string(detail))]"
        return sha256Hex(prev + "\n" + row)
    }

    /// Whether this store's schema has the chain (version 6 or later).
    func hasAuditChain() throws -> Bool {
        try db.scalar("SELECT 1 FROM sqlite_schema WHERE type = 'table' AND name = 'audit_chain'") != nil
    }

    /// The head kept in `store_meta`; nil before the chain exists.
    public func auditHead() throws -> AuditHead? {
        guard let v = try db.scalar("SELECT value FROM store_meta WHERE key = 'audit_head'")?.string else { return nil }
        return ResultsStore.parseHead(v)
    }

    static func parseHead(_ text: String) -> AuditHead? {
        let parts = text.split(separator: " ")
        guard parts.count == 2, let id = Int64(parts[0]), parts[1].count == 64 else { return nil }
        return AuditHead(id: id, hash: String(parts[1]))
    }

    /// Chains audit row `id` after the current head; call inside a transaction.
    func chainAuditRow(id: Int64, at: String, actor: String, action: String, subject: String, detail: String) throws {
        let prev = try auditHead()?.hash ?? ResultsStore.auditGenesis
        let hash = ResultsStore.auditRowHash(prev: prev, id: id, at: at, actor: actor, action: action, subject: subject, detail: detail)
        try db.run("INSERT INTO audit_chain (id, prev_hash, row_hash) VALUES (?, ?, ?)", [id, prev, hash])
        try db.run("INSERT INTO store_meta (key, value) VALUES ('audit_head', ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                   ["\(id) \(hash)"])
        auditHeadDirty = true
    }

    /// Migration 6: chains the rows written before the chain existed, in id order. Runs once,
    /// in the migration's transaction (later unchained rows are reported, never sealed).
    func sealAuditChain() throws {
        try db.run("INSERT INTO store_meta (key, value) VALUES ('audit_head', ?)", ["0 \(ResultsStore.auditGenesis)"])
        for r in try db.query("SELECT id, at, actor, action, subject, detail FROM audit ORDER BY id") {
            try chainAuditRow(id: r[0].int ?? 0, at: r[1].string ?? "", actor: r[2].string ?? "", action: r[3].string ?? "",
                              subject: r[4].string ?? "", detail: r[5].string ?? "")
        }
    }

    /// Writes the head to the sidecar (0600, atomically). Called after each commit that
    /// chained a row; a failure is not fatal (the sidecar lags, which `verify` accepts).
    func writeAuditHeadSidecar() {
        guard let head = try? auditHead() else { return }
        let tmp = auditHeadPath + ".tmp-\(getpid())"
        unlink(tmp)
        let fd = open(tmp, O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC | O_NOFOLLOW, 0o600)
        guard fd >= 0 else { return }
        let text = Array("hazlab-audit-head 1 \(head.id) \(head.hash)\n".utf8)
        let ok = text.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) } == text.count
        close(fd)
        if !ok || rename(tmp, auditHeadPath) != 0 { unlink(tmp) }
        auditHeadDirty = false
    }

    /// The head in the sidecar; nil when there is none. A sidecar that cannot be read as one
    /// is a problem, not "none".
    func readAuditHeadSidecar() -> (head: AuditHead?, problem: String?) {
        var st = stat()
        guard lstat(auditHeadPath, &st) == 0 else { return (nil, nil) }
        guard (st.st_mode & S_IFMT) == S_IFREG, st.st_size < 4096,
              let data = FileManager.default.contents(atPath: auditHeadPath) else {
            return (nil, "\(auditHeadPath): not a readable audit head file")
        }
        let words = String(decoding: data, as: UTF8.self).split(whereSeparator: { $0 == " " || $0 == "\n" })
        guard words.count == 4, words[0] == "hazlab-audit-head", words[1] == "1",
              let head = ResultsStore.parseHead("\(words[2]) \(words[3])") else {
            return (nil, "\(auditHeadPath): not a HazLab audit head file")
        }
        return (head, nil)
    }

    /// The cheap check made at every open: the head in `store_meta` is the last audit row and
    /// the last `lastRows` rows hash correctly; the sidecar's head is a row of the chain (it may
    /// lag after a crash, never lead). A missing sidecar is written. Returns the problems found.
    func quickAuditCheck(lastRows: Int = 8) throws -> [String] {
        for attempt in 0..<3 {
            let (problems, sidecarAhead) = try db.readTransaction { () -> ([String], Bool) in
                guard let head = try auditHead() else { return (["the audit chain has no head (store_meta row missing)"], false) }
                var problems: [String] = []
                let maxID = try db.scalar("SELECT coalesce(max(id), 0) FROM audit")?.int ?? 0
                if maxID > head.id { problems.append("audit rows after the chain head (id \(head.id)) were added outside hazlab") }
                if maxID < head.id { problems.append("the last audit rows (after id \(maxID), up to \(head.id)) were deleted") }
                let rows = try db.query("SELECT id FROM audit ORDER BY id DESC LIMIT ?", [lastRows]).compactMap { $0[0].int }
                if let low = rows.last {
                    problems += try chainProblems(from: low, limit: lastRows + 1, expectedHead: head)
                } else if head.id != 0 {
                    problems.append("the audit log is empty but its chain head is row \(head.id)")
                }
                let side = readAuditHeadSidecar()
                if let p = side.problem { problems.append(p) }
                var ahead = false
                if let s = side.head {
                    if s.id > head.id { ahead = true } else if s.id > 0 {
                        let h = try db.scalar("SELECT row_hash FROM audit_chain WHERE id = ?", [s.id])?.string
                        if h != s.hash { problems.append("\(auditHeadPath) names audit row \(s.id) with another hash (rows were rewritten)") }
                    }
                }
                return (problems, ahead)
            }
            // A writer may have committed (and moved the sidecar) after this snapshot began.
            if sidecarAhead && attempt < 2 { continue }
            var all = problems
            if sidecarAhead { all.append("\(auditHeadPath) names a later audit row than the store holds (the last rows were deleted)") }
            if all.isEmpty && (readAuditHeadSidecar().head == nil || auditHeadDirty) { writeAuditHeadSidecar() }
            return all
        }
        return []
    }

    /// Walks the chain from audit row `from` (by id, `limit` rows at most; nil: to the end).
    /// Finds rows without a chain entry, chain entries without a row, broken links and changed rows.
    func chainProblems(from: Int64, limit: Int? = nil, expectedHead: AuditHead?) throws -> [String] {
        var problems: [String] = []
        // Every id present in either table, in order, with both sides.
        let sql = """
            SELECT x.id, a.id IS NOT NULL, a.at, a.actor, a.action, a.subject, a.detail, c.prev_hash, c.row_hash
            FROM (SELECT id FROM audit WHERE id >= ?1 UNION SELECT id FROM audit_chain WHERE id >= ?1) x
            LEFT JOIN audit a ON a.id = x.id LEFT JOIN audit_chain c ON c.id = x.id
            ORDER BY x.id LIMIT ?2
            """
        var prev: String? = ResultsStore.auditGenesis
        if from > 1, let before = try db.scalar("SELECT row_hash FROM audit_chain WHERE id < ? ORDER BY id DESC LIMIT 1", [from])?.string {
            prev = before
        }
        var last: AuditHead?
        for r in try db.query(sql, [from, limit ?? -1]) {
            let id = r[0].int ?? 0
            let hasRow = (r[1].int ?? 0) != 0
            guard let rowHash = r[8].string, let prevHash = r[7].string else {
                problems.append("audit row \(id) has no chain entry (added outside hazlab)")
                continue
            }
            guard hasRow else {
                problems.append("audit row \(id) was deleted")
                prev = rowHash; last = AuditHead(id: id, hash: rowHash)
                continue
            }
            if let p = prev, p != prevHash {
                problems.append("audit row \(id): the chain is broken before it (a row was deleted or rewritten)")
            }
            let h = ResultsStore.auditRowHash(prev: prevHash, id: id, at: r[2].string ?? "", actor: r[3].string ?? "",
                                              action: r[4].string ?? "", subject: r[5].string ?? "", detail: r[6].string ?? "")
            if h != rowHash { problems.append("audit row \(id) was changed after it was written") }
            prev = rowHash
            last = AuditHead(id: id, hash: rowHash)
        }
        if limit == nil || (limit ?? 0) > 0, let expectedHead, let last, last != expectedHead, last.id == expectedHead.id {
            problems.append("the chain head in store_meta does not match audit row \(last.id)")
        }
        return problems
    }

    /// What `hazlab store verify` reports.
    public struct Verification: Sendable {
        public var problems: [String] = []
        public var auditRows = 0
        public var attempts = 0
        public var head: AuditHead?
        public var sidecar: String = ""
        public var ok: Bool { problems.isEmpty }
    }

    /// The full check: the whole audit chain, its head in `store_meta` and in the sidecar, the
    /// append-only triggers, and every attempt row against its verbatim record (columns, identity
    /// hash, step results, deductions, quality windows and events).
    public func verify() throws -> Verification {
        var v = Verification()
        try db.readTransaction {
            v.auditRows = try count("audit")
            v.attempts = try count("attempts")
            guard try hasAuditChain() else {
                v.problems.append("schema version \(try schemaVersion()) has no audit chain; open it with this hazlab to migrate")
                return
            }
            let triggers = Set(try db.query("SELECT name FROM sqlite_schema WHERE type = 'trigger'").compactMap { $0[0].string })
            for t in ["audit_no_update", "audit_no_delete", "audit_chain_no_update", "audit_chain_no_delete"] where !triggers.contains(t) {
                v.problems.append("the append-only trigger '\(t)' was dropped")
            }
            v.head = try auditHead()
            guard let head = v.head else { v.problems.append("the audit chain has no head (store_meta row missing)"); return }
            let maxChain = try db.scalar("SELECT coalesce(max(id), 0) FROM audit_chain")?.int ?? 0
            v.problems += try chainProblems(from: 1, expectedHead: head)
            if maxChain != head.id { v.problems.append("the chain head in store_meta (row \(head.id)) is not the last chained row (\(maxChain))") }
            if let last = try db.scalar("SELECT row_hash FROM audit_chain WHERE id = ?", [head.id])?.string, last != head.hash {
                v.problems.append("the chain head in store_meta does not match audit row \(head.id)")
            }
            let side = readAuditHeadSidecar()
            if let p = side.problem { v.problems.append(p) }
            if let s = side.head {
                if s.id > head.id {
                    v.problems.append("\(auditHeadPath) names audit row \(s.id), after the store's last row \(head.id) (the last rows were deleted)")
                } else if s.id > 0, try db.scalar("SELECT row_hash FROM audit_chain WHERE id = ?", [s.id])?.string != s.hash {
                    v.problems.append("\(auditHeadPath) names audit row \(s.id) with another hash (rows were rewritten)")
                }
                v.sidecar = s.id == head.id ? "matches" : "lags (row \(s.id) of \(head.id))"
            } else if side.problem == nil {
                v.sidecar = "missing"
            }
            for r in try db.query("SELECT attempt FROM attempts ORDER BY attempt") {
                let a = r[0].string ?? ""
                let fields = try attemptMismatches(attempt: a)
                if !fields.isEmpty {
                    v.problems.append("attempt '\(a)': stored \(fields.joined(separator: ", ")) disagree(s) with its record (changed outside hazlab)")
                }
            }
        }
        return v
    }

    /// Which stored fields of `attempt` disagree with its verbatim record: columns, the identity
    /// hash, and its rows in step_results, deductions, quality_results and events. Empty when
    /// all agree (or when there is no such attempt).
    /// `parsed`: the same record text already parsed (skips parsing it again), if the caller has it.
    func attemptMismatches(attempt: String, parsed: StoredAttempt? = nil) throws -> [String] {
        guard let row = try db.query("""
            SELECT record, student, workstation, scenario, scenario_sha256, engine, seed, mode, total, max, passed, evaluation,
                   duration, state_hash, journal, journal_sha256, record_sha256 FROM attempts WHERE attempt = ?
            """, [attempt]).first else { return [] }
        guard let text = row[0].string,
              let a = parsed?.record == text ? parsed : try? StoredAttempt(json: text), a.attempt == attempt else { return ["record"] }
        var bad: [String] = []
        let expected: [(String, SQLiteValue)] = [
            ("student", a.student.sqliteValue), ("workstation", a.workstation.sqliteValue), ("scenario", a.scenario.sqliteValue),
            ("scenario_sha256", a.scenarioSHA256.sqliteValue), ("engine", a.engine.sqliteValue), ("seed", a.seed.sqliteValue),
            ("mode", a.mode.sqliteValue), ("total", a.total.sqliteValue), ("max", a.max.sqliteValue), ("passed", a.passed.sqliteValue),
            ("evaluation", a.evaluation.sqliteValue), ("duration", a.duration.sqliteValue), ("state_hash", a.stateHash.sqliteValue),
            ("journal", a.journal.sqliteValue), ("journal_sha256", a.journalSHA256.sqliteValue),
            ("record_sha256", a.recordSHA256.sqliteValue),
        ]
        for (i, (name, value)) in expected.enumerated() where row[i + 1] != value { bad.append(name) }
        let steps = try db.query("""
            SELECT seq, step, completed, score, max_score, seconds, evaluation, out_of_order, hint_used
            FROM step_results WHERE attempt = ? ORDER BY seq
            """, [attempt])
        let wantSteps: [[SQLiteValue]] = a.steps.sorted { $0.seq < $1.seq }.map { s in
            values([s.seq, s.id, s.completed, s.score, s.maxScore, s.seconds, s.evaluation, s.outOfOrder, s.hintUsed])
        }
        if steps != wantSteps { bad.append("step_results") }
        let deds = try db.query("SELECT n, tick, seconds, cause, subject, detail, points, veto FROM deductions WHERE attempt = ? ORDER BY n",
                                [attempt])
        let wantDeds: [[SQLiteValue]] = a.deductions.enumerated().map { n, d in
            values([n, d.tick, d.seconds, d.cause, d.subject, d.detail, d.points, d.veto])
        }
        if deds != wantDeds { bad.append("deductions") }
        if try hasTable("quality_results") {
            let q = try db.query("""
                SELECT quality, score, max_score, fraction_in_band, excursions FROM quality_results WHERE attempt = ? ORDER BY quality
                """, [attempt])
            let wantQ: [[SQLiteValue]] = a.quality.sorted { $0.id.utf8.lexicographicallyPrecedes($1.id.utf8) }.map { x in
                values([x.id, x.score, x.maxScore, x.fractionInBand, x.excursions])
            }
            if q != wantQ { bad.append("quality_results") }
        }
        if try hasTable("events") {
            let stored = try db.scalar("SELECT count(*) FROM events WHERE attempt = ?", [attempt])?.int ?? 0
            let differing = try db.scalar("""
                SELECT count(*) FROM (\(StoreSchema.eventRowsSQL(attempt: "?1")) FROM json_each(?2, '$.events') e
                EXCEPT SELECT attempt, seq, tick, seconds, kind, subject, detail FROM events WHERE attempt = ?1)
                """, [attempt, text])?.int ?? 0
            let expectedCount = try db.scalar("SELECT count(*) FROM json_each(?, '$.events')", [text])?.int ?? 0
            if stored != expectedCount || differing != 0 { bad.append("events") }
        }
        return bad
    }

    private func values(_ v: [any SQLiteBindable]) -> [SQLiteValue] { v.map(\.sqliteValue) }

    func hasTable(_ name: String) throws -> Bool {
        try db.scalar("SELECT 1 FROM sqlite_schema WHERE type = 'table' AND name = ?", [name]) != nil
    }
}
