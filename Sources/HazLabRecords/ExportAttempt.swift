import Foundation

/// One graded attempt, read back from the grader's attempt record (`results.json`, one JSON
/// object per attempt, written by `HazLabRunner.AttemptRecord`): the fields the exports need.
///
/// Times: the record holds seconds from the start of the attempt (ticks / tick rate). The
/// wall-clock start comes from the journal header's `started` (ISO 8601 UTC, ms) — taken from
/// the record's `started` member when the grader copies it there, else passed in by the caller.
/// Every exported time is `started + seconds`, so an export never reads a clock and a
/// statement re-sent later is byte-identical.
public struct ExportAttempt: Sendable, Equatable {
    public struct Text: Sendable, Equatable {
        public var zh: String
        public var en: String
        public init(zh: String, en: String) { self.zh = zh; self.en = en }
    }

    public struct Step: Sendable, Equatable {
        public var seq: Int
        public var id: String
        public var title: Text
        public var completed: Bool
        public var startSeconds: Double
        /// Seconds at completion; nil when the step was not completed.
        public var endSeconds: Double?
        public var timeUsed: Double?
        public var expectedSeconds: Double
        public var maxScore: Double
        public var score: Double
        public var repeatCount: Int
        public var outOfOrder: Int
        public var hintUsed: Bool
        public var evaluation: String
        public var evaluationText: Text
        public var scoringModel: Text
        public var remarks: Text
    }

    public struct Deduction: Sendable, Equatable {
        public var seconds: Double
        public var cause: String
        public var subject: String
        public var title: Text
        public var detail: String
        public var points: Double
        public var veto: Bool
    }

    public var attempt: String
    /// The journal's path as the grader saw it.
    public var journal: String
    public var student: String
    public var workstation: String
    public var mode: String
    public var scenario: String
    public var scenarioTitle: Text
    public var scenarioSHA256: String
    public var seed: String
    public var durationSeconds: Double
    public var stateHash: String
    public var endReason: String
    public var complete: Bool
    public var total: Double
    public var max: Double
    public var passScore: Double
    public var passed: Bool
    public var evaluation: String
    public var evaluationText: Text
    public var veto: String?
    /// The journal header's `started`, when the record carries it.
    public var started: Date?
    /// The result's identity: SHA-256 of the canonical record without the journal path (the
    /// store's `record_sha256`). A regrade that changes the result changes it.
    public var resultIdentity: String
    /// What the learner is enrolled in, the xAPI registration's name: the record's
    /// `registration` when the grader copies one from an exam plan or assignment; else, for an
    /// exam, (scenario, seed, student) — an exam plan gives each student of an exam one seed —
    /// and for practice, (mode, scenario, student): all of a student's practice attempts of one
    /// scenario share it.
    public var registrationKey: String
    public var steps: [Step]
    public var deductions: [Deduction]
    /// Quality-window scores (part of the total besides the steps); empty when the record has none.
    public var quality: [Quality] = []

    public struct Quality: Sendable, Equatable {
        public var id: String
        public var title: Text
        public var maxScore: Double
        public var score: Double
        /// False when the window's phase never began (nothing was judged).
        public var judged: Bool
    }

    public struct ReadError: Error, CustomStringConvertible, Equatable {
        public var description: String
        public init(description: String) { self.description = description }
    }

    /// Reads one attempt record. The first member missing or of the wrong type is the error.
    public init(record v: JSONText.Value) throws {
        let read = RecordReader()
        attempt = try read.string(v["attempt"], "attempt")
        journal = v["journal"]?.string ?? ""
        student = try read.string(v["student"], "student")
        workstation = v["workstation"]?.string ?? ""
        mode = try read.string(v["mode"], "mode")
        scenario = try read.string(v["scenario"], "scenario")
        scenarioTitle = try read.text(v["scenarioTitle"], "scenarioTitle")
        scenarioSHA256 = v["scenarioSHA256"]?.string ?? ""
        guard let seedText = v["seed"]?.numberText else { throw ReadError(description: "attempt record: \"seed\" is missing") }
        seed = seedText
        durationSeconds = try read.number(v["durationSeconds"], "durationSeconds")
        stateHash = try read.string(v["stateHash"], "stateHash")
        endReason = try read.string(v["endReason"], "endReason")
        complete = v["complete"]?.bool ?? true
        let sc = v["score"]
        total = try read.number(sc?["total"], "score.total")
        max = try read.number(sc?["max"], "score.max")
        passScore = try read.number(sc?["passScore"], "score.passScore")
        passed = try read.bool(sc?["passed"], "score.passed")
        evaluation = try read.string(sc?["evaluation"], "score.evaluation")
        evaluationText = try read.text(sc?["evaluationText"], "score.evaluationText")
        veto = sc?["veto"]?.string
        started = try Self.readStarted(v)
        resultIdentity = StoredAttempt.identity(of: v)
        registrationKey = Self.makeRegistrationKey(given: v["registration"]?.string, mode: mode, scenario: scenario, seed: seed, student: student)
        steps = try Self.readSteps(v, read)
        deductions = try Self.readDeductions(v, read)
        quality = Self.readQuality(v)
    }

    /// The record's `started`, when it has one.
    private static func readStarted(_ v: JSONText.Value) throws -> Date? {
        guard let s = v["started"]?.string, !s.isEmpty else { return nil }
        guard let ms = ExportTime.parseISO8601(s) else { throw ReadError(description: "attempt record: \"started\" is not an ISO 8601 time: \(s)") }
        return Date(timeIntervalSince1970: Double(ms) / 1000)
    }

    /// See `registrationKey`.
    private static func makeRegistrationKey(given: String?, mode: String, scenario: String, seed: String, student: String) -> String {
        if let r = given, !r.isEmpty { return "given:" + r }
        if mode == "exam" { return "exam:" + scenario + ":" + seed + ":" + student }
        return mode + ":" + scenario + ":" + student
    }

    private static func readSteps(_ v: JSONText.Value, _ read: RecordReader) throws -> [Step] {
        guard let stepValues = v["steps"]?.array else { throw ReadError(description: "attempt record: \"steps\" is missing") }
        return try stepValues.map { s in
            guard let seqText = s["seq"]?.numberText, let seq = Int(seqText) else { throw ReadError(description: "attempt record: a step lacks \"seq\"") }
            let n = "steps[\(seq)]"
            return Step(seq: seq, id: try read.string(s["id"], n + ".id"), title: try read.text(s["title"], n + ".title"),
                        completed: try read.bool(s["completed"], n + ".completed"),
                        startSeconds: try read.optionalNumber(s["startSeconds"], n + ".startSeconds") ?? 0,
                        endSeconds: try read.optionalNumber(s["seconds"], n + ".seconds"),
                        timeUsed: try read.optionalNumber(s["timeUsed"], n + ".timeUsed"),
                        expectedSeconds: try read.number(s["expectedSeconds"], n + ".expectedSeconds"),
                        maxScore: try read.number(s["maxScore"], n + ".maxScore"), score: try read.number(s["score"], n + ".score"),
                        repeatCount: Int(try read.number(s["repeatCount"], n + ".repeatCount")),
                        outOfOrder: Int(try read.optionalNumber(s["outOfOrder"], n + ".outOfOrder") ?? 0),
                        hintUsed: s["hintUsed"]?.bool ?? false,
                        evaluation: try read.string(s["evaluation"], n + ".evaluation"),
                        evaluationText: try read.text(s["evaluationText"], n + ".evaluationText"),
                        scoringModel: try read.text(s["scoringModel"], n + ".scoringModel"),
                        remarks: try read.text(s["remarks"], n + ".remarks"))
        }
    }

    private static func readDeductions(_ v: JSONText.Value, _ read: RecordReader) throws -> [Deduction] {
        try (v["deductions"]?.array ?? []).enumerated().map { i, d in
            let n = "deductions[\(i)]"
            return Deduction(seconds: try read.number(d["seconds"], n + ".seconds"), cause: try read.string(d["cause"], n + ".cause"),
                             subject: try read.string(d["subject"], n + ".subject"),
                             title: (try? read.text(d["title"], n + ".title")) ?? Text(zh: "", en: ""),
                             detail: d["detail"]?.string ?? "", points: try read.number(d["points"], n + ".points"),
                             veto: d["veto"]?.bool ?? false)
        }
    }

    /// Quality windows are optional and read leniently: a record without them has none.
    private static func readQuality(_ v: JSONText.Value) -> [Quality] {
        (v["quality"]?.array ?? []).map { q in
            Quality(id: q["id"]?.string ?? "", title: Text(zh: q["title"]?["zh"]?.string ?? "", en: q["title"]?["en"]?.string ?? ""),
                    maxScore: q["maxScore"]?.numberText.flatMap(Double.init) ?? 0, score: q["score"]?.numberText.flatMap(Double.init) ?? 0,
                    judged: (q["judgedSeconds"]?.numberText.flatMap(Double.init) ?? 1) > 0)
        }
    }

    /// Reads `results.json` (a JSON array of attempt records) or a single record.
    public static func read(json bytes: [UInt8]) throws -> [ExportAttempt] {
        let v = try JSONText.parse(bytes)
        if let a = v.array { return try a.map(ExportAttempt.init(record:)) }
        return [try ExportAttempt(record: v)]
    }

    /// Reads `results.json` record by record: one unreadable record is reported (named by its
    /// attempt id, else its position) and does not stop the others.
    public static func readEach(json bytes: [UInt8], source: String) throws -> [(name: String, attempt: Result<ExportAttempt, ReadError>)] {
        let v: JSONText.Value
        do { v = try JSONText.parse(bytes) } catch let e as JSONText.SyntaxError {
            throw ReadError(description: "\(source): byte \(e.offset): \(e.message)")
        }
        let records = v.array ?? [v]
        return records.enumerated().map { i, r in
            let name = r["attempt"]?.string ?? "record \(i + 1) of \(source)"
            do { return (name, .success(try ExportAttempt(record: r))) } catch {
                return (name, .failure(ReadError(description: "\(error)")))
            }
        }
    }

    /// Reads `DIR/results.json`, or the file itself, record by record (see `readEach`).
    public static func readEach(path: String) throws -> [(name: String, attempt: Result<ExportAttempt, ReadError>)] {
        var isDir: ObjCBool = false
        var p = path
        if FileManager.default.fileExists(atPath: p, isDirectory: &isDir), isDir.boolValue { p += "/results.json" }
        guard let d = FileManager.default.contents(atPath: p) else { throw ReadError(description: "cannot read \(p)") }
        return try readEach(json: Array(d), source: p)
    }

    /// Reads `DIR/results.json`, or the file itself.
    public static func read(path: String) throws -> [ExportAttempt] {
        var isDir: ObjCBool = false
        var p = path
        if FileManager.default.fileExists(atPath: p, isDirectory: &isDir), isDir.boolValue { p += "/results.json" }
        guard let d = FileManager.default.contents(atPath: p) else { throw ReadError(description: "cannot read \(p)") }
        do { return try read(json: Array(d)) } catch let e as JSONText.SyntaxError {
            throw ReadError(description: "\(p): byte \(e.offset): \(e.message)")
        }
    }

    /// The wall-clock start to use: the record's own `started`, else the `started` of the
    /// journal's header (when the journal is still at its path), else `fallback`.
    public func startTime(fallback: Date?) throws -> Date {
        if let s = started ?? journalStarted() ?? fallback { return s }
        throw ReadError(description: "attempt \(attempt): no start time (neither the record nor its journal has \"started\"; pass --started)")
    }

    /// `started` from the header line of the journal file, if it can be read.
    public func journalStarted() -> Date? {
        guard !journal.isEmpty, let h = FileHandle(forReadingAtPath: journal) else { return nil }
        defer { try? h.close() }
        let head = h.readData(ofLength: 64 * 1024)
        let firstLine = Array(head.prefix { $0 != 10 })
        guard let header = Journal.parseHeader(bytes: firstLine, path: journal), !header.started.isEmpty,
              let ms = ExportTime.parseISO8601(header.started) else { return nil }
        return Date(timeIntervalSince1970: Double(ms) / 1000)
    }

    /// Seconds from the start to the end of a step: its completion, or the attempt's end.
    public func endSeconds(of s: Step) -> Double { s.endSeconds ?? durationSeconds }

    /// The trainee completed the procedure: the journal is whole and every step was done (a
    /// scenario's steps are all required; a 0-point marker step too).
    public var completedProcedure: Bool { complete && !steps.isEmpty && steps.allSatisfy(\.completed) }

    /// Deductions exported as safety violations: every cause but `hint` (a hint is shown in
    /// the step's remarks and is not a safety matter).
    public var safetyViolations: [Deduction] { deductions.filter { $0.cause != "hint" } }
}

/// Typed reads of an attempt record's members; a missing or mistyped one is an error that names it.
private struct RecordReader {
    typealias ReadError = ExportAttempt.ReadError

    func string(_ x: JSONText.Value?, _ name: String) throws -> String {
        guard let s = x?.string else { throw ReadError(description: "attempt record: \"\(name)\" is missing or not a string") }
        return s
    }

    func number(_ x: JSONText.Value?, _ name: String) throws -> Double {
        guard let t = x?.numberText, let d = Double(t) else { throw ReadError(description: "attempt record: \"\(name)\" is missing or not a number") }
        return d
    }

    /// nil when absent or null.
    func optionalNumber(_ x: JSONText.Value?, _ name: String) throws -> Double? {
        if x == nil || x == .null { return nil }
        return try number(x, name)
    }

    func bool(_ x: JSONText.Value?, _ name: String) throws -> Bool {
        guard let b = x?.bool else { throw ReadError(description: "attempt record: \"\(name)\" is missing or not true/false") }
        return b
    }

    func text(_ x: JSONText.Value?, _ name: String) throws -> ExportAttempt.Text {
        ExportAttempt.Text(zh: try string(x?["zh"], name + ".zh"), en: try string(x?["en"], name + ".en"))
    }
}
