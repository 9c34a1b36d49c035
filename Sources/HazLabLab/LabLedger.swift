import Crypto
import Foundation
import HazLabCore
import HazLabRecords
import HazLabRunner
import HazLabScenario

/// A request that conflicts with what the server already holds (HTTP 409): a second attempt at
/// an exam task, or an upload that reuses a workstation's attempt id with other bytes.
public struct LabConflict: Error, Sendable, Equatable, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// What `LabLedger.adopt` did with an uploaded journal.
public struct LabAdoption: Sendable, Equatable {
    public var attempt: String
    public var clientAttempt: String
    /// The same bytes were adopted before: nothing new was stored.
    public var duplicate: Bool
    public var status: LabLedger.Status
}

/// What `LabLedger.append` did with one line.
public enum LabAppendResult: Sendable, Equatable { case stored(seq: Int), duplicate(seq: Int), finished(seq: Int, graded: Bool) }

/// The server's record of lab attempts: the assignments it issued and every journal line streamed
/// to it, exactly once, with its arrival time (store migration 8). Thread-safe (one lock); one
/// SQLite file shared with the ResultsStore, so one file to back up.
///
/// Refusals are thrown as `LabStreamError` (code + message + fatal); forks and header mismatches
/// are also written to the store's audit chain with the workstation id as actor.
public final class LabLedger: @unchecked Sendable {
    public let storePath: String
    /// Where the server keeps a copy of every finished journal (graded from there): `STORE.journals/`.
    public let journalFolder: String
    /// Checks a finished journal before grading (the chain at least; the server may set
    /// `RegistrySignatures` to require a registered, unrevoked key's signature too).
    public var signatures: any JournalSignatureVerifier = ChainedJournals()
    /// The name in the audit log and in `graded_by` for what the server does on its own.
    public var serverActor = "lab-server"
    /// Seconds-per-tick judgement: see `LabLiveRule`.
    public var liveRule = LabLiveRule()
    /// The largest journal the stream accepts (bytes and actions; `hazlab grade`'s defaults).
    public var limits = JournalLimits.standard

    /// Grade on `gradingQueue` instead of in `append`: the trailer is acknowledged as soon as it
    /// is stored, and a replay never holds up the thread that answers the streams. The server
    /// sets it; every guarantee holds either way (stored once; `grade` grades once; an attempt
    /// finished but not graded when the process stops is graded by `gradeFinished` at start).
    public var gradeInBackground = false
    /// One grading at a time, in trailer order.
    let gradingQueue = DispatchQueue(label: "hazlab.lab.grading", qos: .utility)

    let store: ResultsStore
    let lock = NSLock()
    private var models: [String: (model: Model, bytes: [UInt8])] = [:]   // by scenario path, looked up only
    private var grading: Set<String> = []   // attempts being graded now (outside the lock)

    /// Opens (creating if needed, mode 0600) and migrates the store; migration 8 adds the lab tables.
    public init(storePath: String) throws {
        self.storePath = storePath
        journalFolder = storePath + ".journals"
        store = try ResultsStore(path: storePath, create: true)
        // An ack promises the line is on the server's disk: commit durably (the store's own
        // default, NORMAL in WAL mode, survives a killed process but not a power cut).
        try store.db.execute("PRAGMA synchronous = FULL")
        try FileManager.default.createDirectory(atPath: journalFolder, withIntermediateDirectories: true,
                                                attributes: [.posixPermissions: 0o700])
    }

    private func locked<T>(_ body: () throws -> T) rethrows -> T { lock.lock(); defer { lock.unlock() }; return try body() }

    // MARK: assignments

    /// A fresh attempt id: "a-" + 16 hex digits from the system's CSPRNG.
    public static func newAttemptId() -> String {
        var g = SystemRandomNumberGenerator()
        let x = g.next() as UInt64
        let h = String(x, radix: 16)
        return "a-" + String(repeating: "0", count: 16 - h.count) + h
    }

    /// Issues a new attempt: the server picks the attempt id and (unless given, e.g. from an exam
    /// plan) the seed. The scenario must compile; its file's SHA-256 goes into the assignment.
    /// With `task`, an exam is taken once per student: a second issue throws `LabConflict` — unless
    /// the first was never streamed (no line stored: its workstation failed before the header),
    /// which is handed again, same id and seed, bound to the new workstation.
    public func issue(scenarioPath: String, student: String, workstation: String, mode: LabMode, seed: UInt64?,
                      task: String? = nil) throws -> LabAssignment {
        guard !student.isEmpty, !workstation.isEmpty else { throw LabStreamError(.protocolError, "an assignment needs a student and a workstation") }
        let path = ScenarioLocator.resolveScenario(scenarioPath)
        return try locked {
            let m = try model(path: path)
            var g = SystemRandomNumberGenerator()
            let a = LabAssignment(attempt: LabLedger.newAttemptId(), scenario: m.model.id, scenarioSHA256: SHA256.hex(m.bytes),
                                  seed: seed ?? g.next(), mode: mode, student: student, workstation: workstation,
                                  issued: ExportTime.iso8601(millis: ExportTime.millis(Date())))
            var reissued: LabAssignment?
            try store.db.transaction {
                if let task, mode == .exam,
                   let row = try store.db.query("SELECT attempt, state, acked, seed, workstation FROM lab_assignments WHERE task = ? AND student = ? AND mode = 'exam' AND voided IS NULL",
                                                [task, student]).first, let earlier = row[0].string {
                    guard row[1].string == "issued", row[2].int == -1, let oldSeed = row[3].string.flatMap({ UInt64($0) }) else {
                        throw LabConflict("student '\(student)' already has an attempt at exam task '\(task)' (\(earlier)): an exam is taken once")
                    }
                    var again = a
                    again.attempt = earlier; again.seed = oldSeed
                    try store.db.run("UPDATE lab_assignments SET workstation = ?, issued = ?, scenario_sha256 = ?, scenario_path = ? WHERE attempt = ?",
                                     [workstation, again.issued, again.scenarioSHA256, path, earlier])
                    try store.audit(actor: serverActor, action: LabAuditAction.reassign.rawValue, subject: earlier,
                                    detail: "exam task \(task) student \(student): never streamed at \(row[4].string ?? "?"), handed again at \(workstation)")
                    reissued = again
                    return
                }
                try store.db.run("""
                    INSERT INTO lab_assignments (attempt, scenario, scenario_sha256, scenario_path, seed, mode, student, workstation, issued, published, task)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """, [a.attempt, a.scenario, a.scenarioSHA256, path, String(a.seed), a.mode.rawValue, a.student, a.workstation, a.issued,
                          mode == .exam ? 0 : 1, task.map { SQLiteValue.text($0) } ?? .null])
                try store.audit(actor: serverActor, action: LabAuditAction.assign.rawValue, subject: a.attempt,
                                detail: "scenario \(a.scenario) student \(a.student) workstation \(a.workstation) mode \(a.mode.rawValue)\(task.map { " task " + $0 } ?? "")")
            }
            return reissued ?? a
        }
    }

    /// The compiled scenario at `path` (cached; recompiled when its bytes change).
    func model(path: String) throws -> (model: Model, bytes: [UInt8]) {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw LabStreamError(.protocolError, "\(path): cannot read the scenario")
        }
        let bytes = [UInt8](data)
        if let m = models[path], m.bytes == bytes { return m }
        let r = ScenarioCompiler.compile(bytes: bytes, path: path)
        guard let model = r.model else { throw LabStreamError(.protocolError, "\(path): the scenario does not compile") }
        models[path] = (model, bytes)
        return (model, bytes)
    }

    /// The compiled scenario at `path` and its file's SHA-256 (cached, like the assignments').
    public func compiled(path: String) throws -> (model: Model, sha256: String) {
        try locked { let m = try model(path: ScenarioLocator.resolveScenario(path)); return (m.model, SHA256.hex(m.bytes)) }
    }

    /// The compiled model of an issued attempt's scenario (for the live mirror), checked against
    /// the SHA-256 recorded in the assignment.
    public func model(for attempt: String) throws -> Model? {
        try locked {
            guard let row = try store.db.query("SELECT scenario_path, scenario_sha256 FROM lab_assignments WHERE attempt = ?", [attempt]).first,
                  let path = row[0].string else { return nil }
            let m = try model(path: path)
            guard SHA256.hex(m.bytes) == row[1].string else { throw LabStreamError(.header, "\(path): the scenario changed since it was assigned") }
            return m.model
        }
    }

    public func assignment(_ attempt: String) throws -> LabAssignment? {
        try locked { try assignmentRow(attempt)?.assignment }
    }

    struct Row { var assignment: LabAssignment; var state: String; var acked: Int; var lastHash: String; var scenarioPath: String
                 /// For an adopted upload: the attempt id the workstation wrote in its header.
                 var clientAttempt: String?
                 /// When an instructor voided it (nil: not voided).
                 var voided: String? }

    func assignmentRow(_ attempt: String) throws -> Row? {
        guard let r = try store.db.query("""
            SELECT attempt, scenario, scenario_sha256, seed, mode, student, workstation, issued, state, acked, last_hash, scenario_path,
                   client_attempt, voided
            FROM lab_assignments WHERE attempt = ?
            """, [attempt]).first else { return nil }
        let a = LabAssignment(attempt: r[0].string ?? "", scenario: r[1].string ?? "", scenarioSHA256: r[2].string ?? "",
                              seed: UInt64(r[3].string ?? "") ?? 0, mode: LabMode(rawValue: r[4].string ?? "") ?? .practice,
                              student: r[5].string ?? "", workstation: r[6].string ?? "", issued: r[7].string ?? "")
        return Row(assignment: a, state: r[8].string ?? "", acked: Int(r[9].int ?? -1), lastHash: r[10].string ?? "",
                   scenarioPath: r[11].string ?? "", clientAttempt: r[12].string, voided: r[13].string)
    }

    /// Highest stored seq for the attempt, -1 if none (or if the attempt was never issued).
    public func acked(_ attempt: String) throws -> Int {
        try locked { Int(try store.db.scalar("SELECT acked FROM lab_assignments WHERE attempt = ?", [attempt])?.int ?? -1) }
    }

    // MARK: lines

    /// Stores one line exactly once; checks the header against the assignment and the hash chain
    /// line by line. A seq already stored with the same bytes is `duplicate` (ack again); with
    /// other bytes it is a `fork` (refused, audited). On the trailer the attempt is graded.
    public func append(attempt: String, workstation: String, seq: Int, text: String, arrived: Date) throws -> LabAppendResult {
        guard text.utf8.count <= LabProtocol.maxLineBytes else {
            throw LabStreamError(.tooLarge, "line \(seq) is \(text.utf8.count) bytes, over the limit of \(LabProtocol.maxLineBytes)")
        }
        guard !text.utf8.contains(0x0A), !text.utf8.contains(0x0D) else {
            throw LabStreamError(.badLine, "line \(seq) holds a line break: send one journal line per message, without its newline")
        }
        let r = try locked { try appendLocked(attempt: attempt, workstation: workstation, seq: seq, text: text, arrived: arrived) }
        // Graded outside the lock: the replay must not hold up the other stations' lines.
        if case .finished(let s, _) = r {
            if gradeInBackground {
                gradingQueue.async { self.grade(attempt) }
                return .finished(seq: s, graded: false)
            }
            return .finished(seq: s, graded: grade(attempt))
        }
        return r
    }

    /// `append` under the lock; joins the caller's transaction when one is open (`adopt`).
    private func appendLocked(attempt: String, workstation: String, seq: Int, text: String, arrived: Date) throws -> LabAppendResult {
        do {
            guard let row = try assignmentRow(attempt) else {
                throw LabStreamError(.unknownAttempt, "attempt '\(attempt)' was not issued by this server")
            }
            guard row.assignment.workstation == workstation else {
                throw LabStreamError(.notYourAttempt, "attempt '\(attempt)' is assigned to another workstation")
            }
            if seq <= row.acked {
                guard seq >= 0 else { throw LabStreamError(.badLine, "seq \(seq) is negative", fatal: false) }
                let stored = try store.db.scalar("SELECT text FROM lab_lines WHERE attempt = ? AND seq = ?", [attempt, seq])?.string
                if stored == text { return .duplicate(seq: seq) }
                try store.audit(actor: workstation, action: LabAuditAction.streamFork.rawValue, subject: attempt,
                                detail: "seq \(seq): a different line for a stored one (stored sha256 \(JournalChain.hash(stored ?? "")), sent \(JournalChain.hash(text)))")
                throw LabStreamError(.fork, "line \(seq) differs from the line already stored for it: the stream forked")
            }
            if row.voided != nil {
                throw LabStreamError(.voided, "attempt '\(attempt)' was voided by the instructor: nothing more is stored for it")
            }
            if row.state == "finished" || row.state == "graded" {
                throw LabStreamError(.finished, "attempt '\(attempt)' is finished (its trailer is stored): nothing may follow it")
            }
            guard seq == row.acked + 1 else {
                throw LabStreamError(.gap, "expected line \(row.acked + 1), got \(seq): resend from \(row.acked + 1)", fatal: false)
            }
            let size = Int(try store.db.scalar("SELECT bytes FROM lab_assignments WHERE attempt = ?", [attempt])?.int ?? 0)
            if size + text.utf8.count + 1 > limits.maxBytes || seq > limits.maxActions + 1 {
                throw LabStreamError(.tooLarge, "line \(seq) would make the journal larger than the limit (\(limits.maxBytes) bytes, \(limits.maxActions) actions)")
            }
            var tick: Int64? = nil
            var isTrailer = false
            if seq == 0 {
                try checkHeader(text, row.assignment, workstation: workstation, attempt: row.clientAttempt ?? row.assignment.attempt)
            } else {
                guard let v = try? JSONText.parse(Array(text.utf8)), let type = v["type"]?.string else {
                    throw LabStreamError(.badLine, "line \(seq) is not a JSON journal line")
                }
                guard v["prev"]?.string == row.lastHash else {
                    throw LabStreamError(.chain, "line \(seq) does not chain to line \(seq - 1) (its \"prev\" is not that line's SHA-256)")
                }
                switch type {
                case "action":
                    let header = try store.db.scalar("SELECT text FROM lab_lines WHERE attempt = ? AND seq = 0", [attempt])?.string ?? ""
                    let a: Action
                    do {
                        let j = try Journal.parseWithLayout(bytes: Array((header + "\n" + text + "\n").utf8), path: attempt, limits: .unlimited)
                        guard let first = j.journal.actions.first else { throw LabStreamError(.badLine, "line \(seq) is not an action") }
                        a = first
                    } catch let e as JournalIssue {
                        throw LabStreamError(.badLine, "line \(seq): \(e.message)")
                    }
                    let last = try store.db.scalar("SELECT max(tick) FROM lab_lines WHERE attempt = ?", [attempt])?.int ?? 0
                    guard a.tick >= last else { throw LabStreamError(.badLine, "line \(seq): tick \(a.tick) goes back in time (previous \(last))") }
                    tick = a.tick
                case "trailer":
                    guard v["endTick"]?.numberText.flatMap({ Int64($0) }) != nil else { throw LabStreamError(.badLine, "line \(seq): trailer without \"endTick\"") }
                    isTrailer = true
                default:
                    throw LabStreamError(.badLine, "line \(seq) has unknown type \"\(type)\"")
                }
            }
            let at = ExportTime.iso8601(millis: ExportTime.millis(arrived))
            try store.db.transaction {
                try store.db.run("INSERT INTO lab_lines (attempt, seq, text, arrived, tick) VALUES (?, ?, ?, ?, ?)",
                                 [attempt, seq, text, at, tick.map { SQLiteValue.integer($0) } ?? .null])
                try store.db.run("UPDATE lab_assignments SET acked = ?, last_hash = ?, state = ?, bytes = bytes + ? WHERE attempt = ?",
                                 [seq, JournalChain.hash(text), isTrailer ? "finished" : "streaming", text.utf8.count + 1, attempt])
            }
            return isTrailer ? .finished(seq: seq, graded: false) : .stored(seq: seq)
        }
    }

    /// The header must be a format-2 header of exactly this assignment.
    /// `attempt`: the attempt id the header must carry (the server's, or for an adopted upload
    /// the workstation's own).
    func checkHeader(_ text: String, _ a: LabAssignment, workstation: String, attempt: String) throws {
        func refuse(_ why: String) throws -> Never {
            try store.audit(actor: workstation, action: LabAuditAction.streamHeaderRefused.rawValue, subject: a.attempt, detail: why)
            throw LabStreamError(.header, "line 0 (the header) does not match the assignment: \(why)")
        }
        guard let v = try? JSONText.parse(Array(text.utf8)), v["type"]?.string == "header",
              let h = Journal.parseHeader(bytes: Array(text.utf8), path: a.attempt) else {
            throw LabStreamError(.badLine, "line 0 is not a journal header")
        }
        if h.format < Journal.formatVersion { try refuse("format \(h.format): the stream needs a hash-chained journal (format \(Journal.formatVersion))") }
        if h.attempt != attempt { try refuse("attempt '\(h.attempt)', assigned '\(attempt)'") }
        if h.scenario != a.scenario { try refuse("scenario '\(h.scenario)', assigned '\(a.scenario)'") }
        if h.scenarioSHA256 != a.scenarioSHA256 { try refuse("scenario SHA-256 \(h.scenarioSHA256), assigned \(a.scenarioSHA256)") }
        if h.seed != a.seed { try refuse("seed \(h.seed), assigned \(a.seed)") }
        if h.mode != a.mode.rawValue { try refuse("mode '\(h.mode)', assigned '\(a.mode.rawValue)'") }
        if h.student != a.student { try refuse("student '\(h.student)', assigned '\(a.student)'") }
        if h.workstation != a.workstation { try refuse("workstation '\(h.workstation)', assigned '\(a.workstation)'") }
    }

    // MARK: uploads

    /// Adopts a journal written offline (the workstation never reached the server) and uploaded
    /// whole: the caller has checked who sent it and its signature. Issues a server attempt id,
    /// stores every line (arrival = `arrived`, so it is never `live`), flags it for the instructor
    /// in every mode (the student id was typed at the offline workstation, no password checked:
    /// `LabLedger.flagReason`),
    /// remembers the header's own attempt id as `client_attempt`, and grades it. All lines are
    /// stored in one transaction, or none. The same (workstation, client attempt) again with the
    /// same bytes is a `duplicate`; with other bytes a `LabConflict`.
    public func adopt(journal text: String, workstation: String, scenarioPath: String, arrived: Date) throws -> LabAdoption {
        let bytes = Array(text.utf8)
        let sha = SHA256.hex(bytes)
        guard let h = Journal.parseHeader(bytes: bytes, path: "upload"), !h.attempt.isEmpty else {
            throw LabStreamError(.header, "line 1 is not a journal header with an attempt id")
        }
        guard let mode = LabMode(rawValue: h.mode) else { throw LabStreamError(.header, "line 1: unknown mode '\(h.mode)'") }
        guard text.hasSuffix("\n") else { throw LabStreamError(.badLine, "the journal's last line is torn (no final newline)") }
        let lines = text.dropLast().split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        let path = ScenarioLocator.resolveScenario(scenarioPath)
        let adopted: (attempt: String, duplicate: Bool) = try locked {
            if let old = try store.db.query("SELECT attempt, upload_sha256 FROM lab_assignments WHERE workstation = ? AND client_attempt = ?",
                                            [workstation, h.attempt]).first {
                guard old[1].string == sha else {
                    throw LabConflict("workstation '\(workstation)' already uploaded attempt '\(h.attempt)' (\(old[0].string ?? "")) with other bytes")
                }
                return (old[0].string ?? "", true)
            }
            let m = try model(path: path)
            guard SHA256.hex(m.bytes) == h.scenarioSHA256 else {
                throw LabStreamError(.header, "line 1: scenario SHA-256 \(h.scenarioSHA256) is not this server's '\(m.model.id)' (\(SHA256.hex(m.bytes)))")
            }
            let attempt = LabLedger.newAttemptId()
            let issued = ExportTime.iso8601(millis: ExportTime.millis(arrived))
            try store.db.transaction {
                try store.db.run("""
                    INSERT INTO lab_assignments (attempt, scenario, scenario_sha256, scenario_path, seed, mode, student, workstation, issued,
                                                 published, client_attempt, upload_sha256, flagged)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1)
                    """, [attempt, m.model.id, h.scenarioSHA256, path, String(h.seed), mode.rawValue, h.student, workstation, issued,
                          mode == .exam ? 0 : 1, h.attempt, sha])
                for (seq, line) in lines.enumerated() {
                    _ = try appendLocked(attempt: attempt, workstation: workstation, seq: seq, text: line, arrived: arrived)
                }
                guard try assignmentRow(attempt)?.state == "finished" else {
                    throw LabStreamError(.badLine, "the journal has no trailer: only a finished journal can be uploaded")
                }
            }
            return (attempt, false)
        }
        if !adopted.duplicate { grade(adopted.attempt) }
        guard let st = try status(adopted.attempt) else { throw LabStreamError(.internal, "attempt '\(adopted.attempt)' vanished") }
        return LabAdoption(attempt: adopted.attempt, clientAttempt: h.attempt, duplicate: adopted.duplicate, status: st)
    }

    /// The stored journal, byte for byte (joined with "\n" + final "\n" = the file).
    public func lines(_ attempt: String) throws -> [String] {
        try locked { try store.db.query("SELECT text FROM lab_lines WHERE attempt = ? ORDER BY seq", [attempt]).map { $0[0].string ?? "" } }
    }

    /// Arrival times of the stored lines, in seq order.
    public func arrivals(_ attempt: String) throws -> [(seq: Int, arrived: String, tick: Int64?)] {
        try locked {
            try store.db.query("SELECT seq, arrived, tick FROM lab_lines WHERE attempt = ? ORDER BY seq", [attempt]).map {
                (Int($0[0].int ?? 0), $0[1].string ?? "", $0[2].int)
            }
        }
    }

    // MARK: results

    /// What the server concluded about a finished attempt.
    public struct Status: Sendable, Equatable {
        public var state: String
        public var acked: Int
        /// nil until the trailer; true: seen arriving live; false: uploaded after the fact.
        public var live: Bool?
        public var published: Bool
        /// For the instructor: an offline upload (any mode), or an exam attempt that arrived after the fact.
        public var flagged: Bool
        public var gradeError: String
        /// Why it is flagged (`flagReason`), nil when not flagged.
        public var flag: String?
    }

    /// Why an attempt is flagged for the instructor: an adopted offline upload (it has a client
    /// attempt id) was credited to the student id typed at the workstation, with no password check;
    /// otherwise a flagged attempt is an exam whose journal did not arrive live. nil when not flagged.
    public static func flagReason(flagged: Bool, clientAttempt: String?) -> String? {
        guard flagged else { return nil }
        return clientAttempt != nil ? "uploaded offline: identity not checked at the workstation"
                                    : "exam not seen arriving live: uploaded after the fact"
    }

    public func status(_ attempt: String) throws -> Status? {
        try locked {
            guard let r = try store.db.query("SELECT state, acked, live, published, flagged, grade_error, client_attempt FROM lab_assignments WHERE attempt = ?",
                                             [attempt]).first else { return nil }
            return Status(state: r[0].string ?? "", acked: Int(r[1].int ?? -1), live: r[2].int.map { $0 == 1 },
                          published: r[3].int == 1, flagged: r[4].int == 1, gradeError: r[5].string ?? "",
                          flag: LabLedger.flagReason(flagged: r[4].int == 1, clientAttempt: r[6].string))
        }
    }

    /// Publishes an exam result (the instructor's act): marks it published, audits it with the
    /// instructor's identity and queues its xAPI statements for export.
    public func isVoided(_ attempt: String) throws -> Bool { try locked { try assignmentRow(attempt)?.voided != nil } }

    /// Voids an unfinished attempt (its workstation failed for good, mid-exam): its stored lines
    /// stay, its stream is refused from now on, and for an exam task the student may be issued a
    /// new attempt (same plan seed). A finished or graded attempt cannot be voided.
    public func void(attempt: String, actor: String, reason: String) throws {
        try locked {
            guard let s = try store.db.query("SELECT state, voided FROM lab_assignments WHERE attempt = ?", [attempt]).first else {
                throw LabStreamError(.unknownAttempt, "attempt '\(attempt)' was not issued by this server")
            }
            if s[1].string != nil { return }
            guard s[0].string == "issued" || s[0].string == "streaming" else {
                throw LabConflict("attempt '\(attempt)' is \(s[0].string ?? "?"): only an unfinished attempt can be voided")
            }
            try store.db.transaction {
                try store.db.run("UPDATE lab_assignments SET voided = ? WHERE attempt = ?", [ExportTime.iso8601(millis: ExportTime.millis(Date())), attempt])
                try store.audit(actor: actor, action: LabAuditAction.void.rawValue, subject: attempt, detail: reason)
            }
        }
    }

    public func publish(attempt: String, actor: String) throws {
        try locked {
            guard let s = try store.db.query("SELECT state, published FROM lab_assignments WHERE attempt = ?", [attempt]).first else {
                throw LabStreamError(.unknownAttempt, "attempt '\(attempt)' was not issued by this server")
            }
            guard s[0].string == "graded" else { throw LabStreamError(.protocolError, "attempt '\(attempt)' is not graded yet") }
            if s[1].int == 1 { return }
            try store.db.transaction {
                try store.db.run("UPDATE lab_assignments SET published = 1 WHERE attempt = ?", [attempt])
                try store.audit(actor: actor, action: LabAuditAction.publish.rawValue, subject: attempt)
            }
            try queueExport(attempt: attempt, actor: actor)
        }
    }

    /// The trailer is stored: judge live vs uploaded, write the server's copy of the journal, grade
    /// it with the same `Grader` as `hazlab grade`, record it, and (unless an unpublished exam)
    /// queue it for export. A grading failure is kept on the attempt and audited, never thrown:
    /// the lines are stored and acknowledged either way. Only the store work holds the lock;
    /// the replay runs outside it. Returns whether the attempt is graded.
    @discardableResult
    public func grade(_ attempt: String) -> Bool {
        struct Job { var a: LabAssignment; var path: String; var set: ScenarioSet; var live: Bool; var flagged: Bool; var clientAttempt: String? }
        let job: Job?
        do {
            job = try locked { () throws -> Job? in
                guard let row = try assignmentRow(attempt), row.state == "finished", !grading.contains(attempt) else { return nil }
                let a = row.assignment
                let text = try store.db.query("SELECT text FROM lab_lines WHERE attempt = ? ORDER BY seq", [attempt]).map { $0[0].string ?? "" }
                let m = try model(path: row.scenarioPath)
                let arrivals = try store.db.query("SELECT arrived, tick FROM lab_lines WHERE attempt = ? ORDER BY seq", [attempt])
                let times = arrivals.map { (arrived: ExportTime.parseISO8601($0[0].string ?? "") ?? 0, tick: $0[1].int) }
                let endTick = text.last.flatMap { try? JSONText.parse(Array($0.utf8)) }?["endTick"]?.numberText.flatMap { Int64($0) } ?? 0
                // An adopted upload was never seen arriving live, whatever its arrival times say.
                let live = row.clientAttempt == nil && liveRule.isLive(arrivalMillis: times, endTick: endTick, tickRate: Int(m.model.tickRate))
                // Every adopted upload: its student id was typed offline, no password checked.
                let flagged = row.clientAttempt != nil || (!live && a.mode == .exam)
                try store.db.run("UPDATE lab_assignments SET live = ?, flagged = ? WHERE attempt = ?", [live, flagged, attempt])
                let path = (journalFolder as NSString).appendingPathComponent(attempt + ".jsonl")
                try writeJournal(Array((text.joined(separator: "\n") + "\n").utf8), to: path)
                grading.insert(attempt)
                return Job(a: a, path: path, set: ScenarioSet([m.model], sources: [m.model.id: (row.scenarioPath, m.bytes)]), live: live, flagged: flagged,
                           clientAttempt: row.clientAttempt)
            }
        } catch {
            failed(attempt, error)
            return false
        }
        guard let job else { return (try? status(attempt))?.state == "graded" }
        defer { locked { _ = grading.remove(attempt) } }
        let out = Grader(scenarios: job.set, signatures: signatures).run(journals: [job.path])
        do {
            if let e = out.errors.first { throw LabStreamError(.internal, "\(e.code.rawValue): \(e.message)") }
            guard let rec = out.records.first else { throw LabStreamError(.internal, "the grader returned no result") }
            let a = job.a
            try locked {
                // An adopted upload's record goes under the server's attempt id, never the id the
                // workstation chose (two offline workstations may pick the same one).
                var json = rec.json
                if let client = job.clientAttempt {
                    let written = "{\"attempt\":" + JSON.string(client) + ","
                    guard json.hasPrefix(written) else { throw LabStreamError(.internal, "the record does not start with its attempt id") }
                    json = "{\"attempt\":" + JSON.string(a.attempt) + "," + json.dropFirst(written.count)
                }
                let summary = try store.record([json], actor: serverActor, batch: "lab stream \(a.attempt) from \(a.workstation)")
                if !summary.refused.isEmpty { throw LabStreamError(.internal, "a different result is already stored for \(a.attempt)") }
                try store.db.transaction {
                    try store.db.run("UPDATE lab_assignments SET state = 'graded', grade_error = '' WHERE attempt = ?", [a.attempt])
                    try store.audit(actor: serverActor, action: LabAuditAction.graded.rawValue, subject: a.attempt,
                                    detail: "\(job.live ? "live" : "uploaded")\(job.flagged ? ", flagged for the instructor" : "")\(a.mode == .exam ? ", unpublished" : "")")
                }
                if a.mode != .exam { try queueExport(attempt: a.attempt, actor: serverActor) }
            }
            return true
        } catch {
            failed(attempt, error)
            return false
        }
    }

    private func failed(_ attempt: String, _ error: Error) {
        let why = "\(error)"
        locked {
            _ = try? store.db.run("UPDATE lab_assignments SET grade_error = ? WHERE attempt = ?", [why, attempt])
            _ = try? store.audit(actor: serverActor, action: LabAuditAction.gradeFailed.rawValue, subject: attempt, detail: why)
        }
    }

    /// Grades every attempt whose trailer is stored but which is not graded (a server stopped
    /// between the two, or a grading that failed and may now pass): call at server start.
    /// Returns the attempts graded now.
    /// Queues `gradeFinished` on the grading queue (server start: the server answers at once).
    public func gradeFinishedInBackground() { gradingQueue.async { _ = self.gradeFinished() } }

    /// Waits until every grading queued so far is done (a graceful shutdown; tests).
    public func waitForGrading() { gradingQueue.sync {} }

    public func gradeFinished() -> [String] {
        let pending = (try? locked { try store.db.query("SELECT attempt FROM lab_assignments WHERE state = 'finished' ORDER BY attempt") }) ?? []
        return pending.compactMap { $0[0].string }.filter { grade($0) }
    }

    func queueExport(attempt: String, actor: String) throws {
        guard let json = try store.record(attempt: attempt) else { return }
        let value = try JSONText.parse(Array(json.utf8))
        let ea = try ExportAttempt(record: value)
        let items = try XAPIExporter.items(XAPIStatementBuilder().statements(for: ea, started: try ea.startTime(fallback: nil)))
        try StoreOutbox(store: store, actor: actor).enqueue(items)
    }

    func writeJournal(_ bytes: [UInt8], to path: String) throws {
        if let old = FileManager.default.contents(atPath: path), [UInt8](old) == bytes { return }
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw LabStreamError(.internal, "\(path): cannot write: \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        var off = 0
        while off < bytes.count {
            let n = bytes[off...].withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
            if n < 0 { if errno == EINTR { continue }; throw LabStreamError(.internal, "\(path): write failed") }
            off += n
        }
        _ = fsync(fd)
    }

    /// Runs `body` on the store (under the ledger's lock): for the server's own queries and tests.
    public func withStore<T>(_ body: (ResultsStore) throws -> T) rethrows -> T { try locked { try body(store) } }
}

/// When the server trusts a streamed journal as seen live. An attempt is **live** when
///  1. the arrival times of its header and trailer span at least `fraction` (80 %) of the
///     simulated time from tick 0 to the trailer's end tick, less `slackSeconds`; and
///  2. when its action lines' simulated span (first to last action) is at least `minSpanSeconds`,
///     their arrival times span at least `fraction` of it.
/// Otherwise it was **uploaded** after the fact (an offline workstation catching up): accepted,
/// marked `live = 0`, and in exam mode flagged for the instructor (an adopted offline upload is
/// flagged in every mode: `LabLedger.flagReason`).
public struct LabLiveRule: Sendable {
    public var fraction = 0.8
    public var minSpanSeconds = 5.0
    public var slackSeconds = 1.0
    public init() {}

    public func isLive(arrivalMillis: [(arrived: Int64, tick: Int64?)], endTick: Int64, tickRate: Int) -> Bool {
        guard let first = arrivalMillis.first, let last = arrivalMillis.last, tickRate > 0 else { return false }
        let simulated = Double(endTick) / Double(tickRate)
        let arrived = Double(last.arrived - first.arrived) / 1000
        if arrived < fraction * simulated - slackSeconds { return false }
        let actions = arrivalMillis.filter { $0.tick != nil }
        if let a = actions.first, let b = actions.last {
            let span = Double(b.tick! - a.tick!) / Double(tickRate)
            if span >= minSpanSeconds && Double(b.arrived - a.arrived) / 1000 < fraction * span { return false }
        }
        return true
    }
}
