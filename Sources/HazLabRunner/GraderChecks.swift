import Foundation
import HazLabCore
import HazLabRecords
import HazLabScenario
import HazLabScoring

/// One problem with one journal, as the grader reports it (`errors.json`, and
/// `path:line:col: error: message` on stderr). `code` is a stable machine-readable reason.
public struct GradeError: Sendable, Hashable {
    public var journal: String
    public var line: Int
    public var column: Int
    public var code: Code
    public var message: String
    /// The attempt id, when the journal's header could be read (else empty).
    public var attempt: String

    public enum Code: String, Sendable, CaseIterable {
        /// The file cannot be read.
        case unreadable
        /// Not a valid journal: bad JSON in the middle, a missing field, ticks going back, …
        case invalid
        /// The last line is cut off (the workstation stopped mid-write); allowed with --allow-incomplete.
        case tornLine = "torn-line"
        /// No trailer: the workstation never finished the attempt; allowed with --allow-incomplete.
        case incomplete
        case unknownScenario = "unknown-scenario"
        /// The journal was recorded against a different scenario source.
        case hashMismatch = "hash-mismatch"
        /// Not teaching/practice/exam, or a mode the scenario does not allow.
        case mode
        case unknownVerb = "unknown-verb"
        /// A hint whose target is not a procedure step of the scenario.
        case hintTarget = "hint-target"
        case hintInExam = "hint-in-exam"
        /// An instructor's line (Docs/journals.md, "Instructor actions") in a mode that does not
        /// allow it: in an exam only incident-pause, incident-resume and submit.
        case instructorMode = "instructor-mode"
        case duplicateAttempt = "duplicate-attempt"
        /// With --plan: the student is not in the plan, or the journal is for another scenario.
        case notInPlan = "not-in-plan"
        case seedMismatch = "seed-mismatch"
        /// Over a documented limit (file size or number of actions; Docs/journals.md, "Limits").
        case tooLarge = "too-large"
        /// Reserved for custom `JournalSignatureVerifier`s.
        case signature
        /// Format 2: a line's `prev` is not the SHA-256 of the line before (changed, removed,
        /// inserted or reordered lines), or a chained journal relabelled as format 1.
        case badChain = "bad-chain"
        /// With --keys: the trailer's signature does not verify (forged or altered trailer).
        case badSignature = "bad-signature"
        /// With --keys: the header's key id is not in the registry.
        case unknownKey = "unknown-key"
        /// With --keys: the key was revoked at or before the attempt's start.
        case revokedKey = "revoked-key"
        /// With --keys: a format-1 journal, or a format-2 trailer without a signature.
        case unsigned
    }

    public init(journal: String, line: Int, column: Int, code: Code, message: String, attempt: String = "") {
        self.journal = journal; self.line = line; self.column = column; self.code = code
        self.message = message; self.attempt = attempt
    }

    public var description: String { "\(journal):\(line):\(column): error: \(message)" }

    /// The order of `errors.json`: by journal path (bytes), then position, code and message.
    public static func precedes(_ a: GradeError, _ b: GradeError) -> Bool {
        if a.journal != b.journal { return a.journal.utf8.lexicographicallyPrecedes(b.journal.utf8) }
        if a.line != b.line { return a.line < b.line }
        if a.column != b.column { return a.column < b.column }
        if a.code != b.code { return a.code.rawValue.utf8.lexicographicallyPrecedes(b.code.rawValue.utf8) }
        return a.message.utf8.lexicographicallyPrecedes(b.message.utf8)
    }

    /// One `errors.json` entry (keys in a fixed order).
    public var json: String {
        "{\"journal\":\(JSON.string(journal)),\"line\":\(line),\"column\":\(column),\"code\":\(JSON.string(code.rawValue)),"
            + "\"message\":\(JSON.string(message)),\"attempt\":\(JSON.string(attempt))}"
    }
}

/// Something about a journal worth a grader's attention that does not stop it being graded:
/// printed as `path:line:col: warning: message` on stderr (not in the output files).
public struct GradeWarning: Sendable, Hashable, CustomStringConvertible {
    public var journal: String
    public var line: Int
    public var column: Int
    public var message: String
    public init(journal: String, line: Int, column: Int, message: String) {
        self.journal = journal; self.line = line; self.column = column; self.message = message
    }
    public var description: String { "\(journal):\(line):\(column): warning: \(message)" }

    /// The trailer's claimed final hash checked against the replay's in the trailer's format:
    /// nil when they agree, else why not (they differ, or the format is unknown here).
    public static func claimedHash(_ t: Journal.Trailer, _ o: RunOutcome, journal: String, line: Int, column: Int) -> GradeWarning? {
        switch o.agrees(with: t) {
        case true?: return nil
        case false?:
            return stateHashDisagrees(journal: journal, line: line, column: column, claimed: t.stateHash, replayed: o.stateHash(format: t.hashFormat)?.hex16 ?? "")
        case nil:
            return GradeWarning(journal: journal, line: line, column: column,
                                message: "the trailer's state hash is in format \(t.hashFormat), which this engine (\(HazLabVersion.engine)) "
                                    + "does not know (it knows formats \(StateHashFormat.supported.map(String.init).joined(separator: ", "))); "
                                    + "the workstation's final state was not checked")
        }
    }

    /// The workstation's claimed final state hash disagrees with the replay's.
    public static func stateHashDisagrees(journal: String, line: Int, column: Int, claimed: String, replayed: String) -> GradeWarning {
        GradeWarning(journal: journal, line: line, column: column,
                     message: "the workstation's final state hash \(claimed) differs from the replay's \(replayed) "
                        + "(the score comes from the replay; a different engine build, or an altered journal)")
    }
}

/// Journal integrity and signatures: the grader calls `verify` on every journal that parsed,
/// before any other check, and reports what it returns.
public protocol JournalSignatureVerifier: Sendable {
    func verify(_ journal: Journal, bytes: [UInt8], layout: JournalLayout) -> [GradeError]
}

extension GradeError {
    init(_ p: JournalProblem, attempt: String) {
        let code: Code
        switch p.code {
        case .badChain: code = .badChain
        case .badSignature: code = .badSignature
        case .unknownKey: code = .unknownKey
        case .revokedKey: code = .revokedKey
        case .unsigned, .legacy: code = .unsigned
        case .tornLine: code = .tornLine
        case .incomplete: code = .incomplete
        case .invalid: code = .invalid
        }
        self.init(journal: p.path, line: p.line, column: p.column, code: code, message: p.message, attempt: attempt)
    }
}

/// Checks nothing: every journal passes (the library default, and `hazlab grade` without
/// --keys or --check-chains: today's behaviour).
public struct UnsignedJournals: JournalSignatureVerifier {
    public init() {}
    public func verify(_ journal: Journal, bytes: [UInt8], layout: JournalLayout) -> [GradeError] { [] }
}

/// `hazlab grade --check-chains`: no signatures, but the hash chain of a format-2 journal must
/// hold (a format-1 journal passes, and so does one relabelled as format 1 only if it has no
/// chain fields).
public struct ChainedJournals: JournalSignatureVerifier {
    public init() {}
    public func verify(_ journal: Journal, bytes: [UInt8], layout: JournalLayout) -> [GradeError] {
        JournalVerifier().integrityProblems(journal, layout: layout, requireComplete: false)
            .map { GradeError($0, attempt: journal.header.attempt) }
    }
}

/// `hazlab grade --keys REGISTRY`: the chain must hold and a finished journal's trailer must be
/// signed by a registered, unrevoked workstation key. Format-1 journals are refused (`unsigned`).
public struct RegistrySignatures: JournalSignatureVerifier {
    public var registry: KeyRegistry
    public init(registry: KeyRegistry) { self.registry = registry }
    public func verify(_ journal: Journal, bytes: [UInt8], layout: JournalLayout) -> [GradeError] {
        let v = JournalVerifier(registry: registry)
        var problems = v.integrityProblems(journal, layout: layout, requireComplete: false)
        if problems.isEmpty { problems = v.signatureProblems(journal, layout: layout, registry: registry) }
        return problems.map { GradeError($0, attempt: journal.header.attempt) }
    }
}

/// The compiled scenarios a batch is graded against: each compiled once, shared by every worker.
public struct ScenarioSet: Sendable {
    /// Sorted by id.
    public let models: [Model]
    private let byId: [String: Model]   // looked up, never iterated
    /// Source bytes by scenario id, for `replica(of:)`.
    private let sources: [String: (path: String, bytes: [UInt8])]

    public init(_ models: [Model], sources: [String: (path: String, bytes: [UInt8])] = [:]) {
        self.models = models.sorted { $0.id.utf8.lexicographicallyPrecedes($1.id.utf8) }
        var d: [String: Model] = [:]
        for m in self.models where d[m.id] == nil { d[m.id] = m }
        byId = d
        self.sources = sources
    }

    /// A separately compiled copy of `m` (same source, so the same behaviour and hashes), or
    /// `m` itself when its source is not at hand. Each grading thread replays on its own
    /// replica: threads that share one Model spend ~20 % more CPU on atomic reference counting
    /// of its buffers (BENCHMARKS.md, "Batch grading").
    public func replica(of m: Model) -> Model {
        guard let src = sources[m.id] else { return m }
        guard let r = ScenarioCompiler.compile(bytes: src.bytes, path: src.path).model, r.sourceSHA256 == m.sourceSHA256 else { return m }
        return r
    }

    public subscript(id: String) -> Model? { byId[id] }
    public var ids: [String] { models.map(\.id) }

    /// Compiles every scenario under `paths` (files, scenario folders or folders of them).
    /// Returns the set, or the diagnostics that stop grading (compile errors, duplicate ids).
    public static func compile(_ paths: [String]) -> (set: ScenarioSet?, errors: [String]) {
        var files: [String] = []
        for p in paths {
            let found = ScenarioLocator.scenarioFiles(in: p)
            if found.isEmpty { return (nil, ["\(p): no scenarios found"]) }
            files.append(contentsOf: found)
        }
        var models: [Model] = [], errors: [String] = [], seen: [String: String] = [:]
        var sources: [String: (path: String, bytes: [UInt8])] = [:]
        for file in files {
            let bytes = FileManager.default.contents(atPath: file).map { [UInt8]($0) }
            let r = bytes.map { ScenarioCompiler.compile(bytes: $0, path: file) } ?? ScenarioCompiler.compile(path: file)
            errors.append(contentsOf: r.errors.map(\.description))
            guard let m = r.model else { continue }
            if let other = seen[m.id] {
                if other != file { errors.append("\(file):1:1: error: scenario id '\(m.id)' is also used by \(other)") }
                continue
            }
            seen[m.id] = file
            models.append(m)
            if let bytes { sources[m.id] = (file, bytes) }
        }
        return errors.isEmpty ? (ScenarioSet(models, sources: sources), []) : (nil, errors)
    }
}

/// The grader's strict checks of one journal, before it is replayed. `hazlab run` does not
/// use them: it stays lenient (a torn last line is a warning; an unknown verb is a rejected,
/// scored action, as the core promises), so a teacher can still look at any journal.
public struct JournalChecker: Sendable {
    public var scenarios: ScenarioSet
    public var allowIncomplete: Bool
    public var plan: ExamPlan?
    public var signatures: any JournalSignatureVerifier
    /// At most this many problems are listed per journal (then one "… more" line).
    public var maxErrorsPerJournal = 50
    /// Size and action-count bounds: a journal over them is refused (`too-large`) before replay.
    public var limits: JournalLimits

    public init(scenarios: ScenarioSet, allowIncomplete: Bool = false, plan: ExamPlan? = nil,
                signatures: any JournalSignatureVerifier = UnsignedJournals(), limits: JournalLimits = .standard) {
        self.scenarios = scenarios; self.allowIncomplete = allowIncomplete; self.plan = plan; self.signatures = signatures
        self.limits = limits
    }

    public struct Checked: Sendable {
        public var journal: Journal?
        public var model: Model?
        public var errors: [GradeError]
        /// Where the header's attempt id is written (for a later "duplicate attempt").
        public var attemptLine: Int
        public var attemptColumn: Int
        public var warnings: [GradeWarning] = []
        /// Where the trailer's `stateHash` is written (for a later "state hash differs"); 0 without a trailer.
        public var stateHashLine = 0, stateHashColumn = 1
    }

    public func check(bytes: [UInt8], path: String, attempt: String) -> Checked {
        let journal: Journal, layout: JournalLayout
        do {
            (journal, layout) = try Journal.parseWithLayout(bytes: bytes, path: path, limits: limits)
        } catch {
            return Self.unparsed(error, path: path, attempt: attempt)
        }
        var problems = JournalProblems(path: path, attempt: attempt, layout: layout)
        problems.errors.append(contentsOf: signatures.verify(journal, bytes: bytes, layout: layout))
        checkFinished(journal, &problems)
        let model = checkScenario(journal.header, &problems)
        checkHeaderValues(journal.header, &problems)
        let mode = checkMode(journal.header, model: model, &problems)
        checkActions(journal, model: model, mode: mode, &problems)
        checkPlan(journal.header, &problems)
        problems.keepFirst(maxErrorsPerJournal)
        return checked(journal, model: model, problems)
    }

    /// A journal that cannot be parsed: its one problem, and nothing else to check.
    private static func unparsed(_ error: any Error, path: String, attempt: String) -> Checked {
        let line: Int, column: Int, code: GradeError.Code, message: String
        if let issue = error as? JournalIssue {
            (line, column, code, message) = (issue.line, issue.column, issue.isOverLimit ? .tooLarge : .invalid, issue.message)
        } else {
            (line, column, code, message) = (1, 1, .invalid, "\(error)")
        }
        let e = GradeError(journal: path, line: line, column: column, code: code, message: message, attempt: attempt)
        return Checked(journal: nil, model: nil, errors: [e], attemptLine: line, attemptColumn: 1)
    }

    /// Torn last line or no trailer: the attempt never finished.
    private func checkFinished(_ journal: Journal, _ p: inout JournalProblems) {
        if let torn = p.layout.tornLine {
            if !allowIncomplete {
                let e = p.layout.syntaxError(line: torn)
                p.add(torn, e?.column ?? 1, .tornLine,
                      "torn last line (cut off mid-write\(e.map { ": " + $0.message } ?? "")); the attempt is incomplete (--allow-incomplete grades it)")
            }
        } else if journal.trailer == nil && !allowIncomplete {
            p.add(p.layout.lastContentLine + 1, 1, .incomplete,
                  "no trailer: the workstation never finished the attempt (--allow-incomplete grades it)")
        }
    }

    /// The scenario and its source; nil when the scenario is unknown.
    private func checkScenario(_ h: Journal.Header, _ p: inout JournalProblems) -> Model? {
        let hl = p.headerLine
        guard let m = scenarios[h.scenario] else {
            var message = "unknown scenario '\(h.scenario)' (known: \(scenarios.ids.joined(separator: ", ")))"
            if let s = Suggest.closest(to: h.scenario, among: scenarios.ids) { message += "; did you mean '\(s)'?" }
            p.add(hl, p.col("scenario", hl), .unknownScenario, message)
            return nil
        }
        if h.scenarioSHA256 != m.sourceSHA256 {
            p.add(hl, p.col("scenarioSHA256", hl), .hashMismatch,
                  "scenario hash mismatch: journal recorded against source \(short(h.scenarioSHA256)), '\(m.id)' compiles from \(short(m.sourceSHA256))")
        }
        return m
    }

    /// Header values that outlive the grading: ids name rows, files and statements, and the
    /// exports derive every time from `started`, so each must be well formed now.
    private func checkHeaderValues(_ h: Journal.Header, _ p: inout JournalProblems) {
        let hl = p.headerLine
        for (key, value) in [("attempt", h.attempt), ("student", h.student), ("workstation", h.workstation), ("key", h.key)] {
            if let why = JournalChecker.idProblem(value, isAttempt: key == "attempt") {
                p.add(hl, p.col(key, hl), .invalid, "header: \"\(key)\" \(why)")
            }
        }
        if !h.started.isEmpty && ExportTime.parseISO8601(h.started) == nil {
            p.add(hl, p.col("started", hl), .invalid,
                  "header: \"started\" is not an ISO 8601 time ('\(h.started)'; expected e.g. 2026-11-29T08:30:00.000Z)")
        }
    }

    /// The mode: a known one that the scenario allows; nil when unknown.
    private func checkMode(_ h: Journal.Header, model: Model?, _ p: inout JournalProblems) -> TrainingMode? {
        let hl = p.headerLine
        let mode = TrainingMode(rawValue: h.mode)
        if mode == nil {
            p.add(hl, p.col("mode", hl), .mode, "unknown mode '\(h.mode)' (teaching, practice or exam)")
        } else if let m = model, !m.text.modes.contains(h.mode) {
            p.add(hl, p.col("mode", hl), .mode, "mode '\(h.mode)' is not allowed by scenario '\(m.id)' (allowed: \(m.text.modes.joined(separator: ", ")))")
        }
        return mode
    }

    /// Actions: known verbs; hints name a step and never appear in exams.
    private func checkActions(_ journal: Journal, model: Model?, mode: TrainingMode?, _ p: inout JournalProblems) {
        let verbs = Verb.allCases.map(\.rawValue) + InstructorCommand.journalOnlyVerbs
        let stepIds = model?.procedure.map(\.id) ?? []
        for (i, a) in journal.actions.enumerated() {
            let line = p.layout.actionLines[i]
            if a.verb == Journal.hintVerb {
                if mode == .exam { p.add(line, p.col("verb", line), .hintInExam, "hint in exam mode (exams allow no hints)") }
                if model != nil && !stepIds.contains(a.target) {
                    var message = "hint target '\(a.target)' is not a procedure step"
                    if let s = Suggest.closest(to: a.target, among: stepIds) { message += "; did you mean '\(s)'?" }
                    p.add(line, p.col("target", line), .hintTarget, message)
                }
            } else if let c = InstructorCommand.from(verb: a.verb), c != .submit || a.by != nil || a.command != nil {
                if let mode, !c.modes.contains(mode.rawValue) {
                    p.add(line, p.col("verb", line), .instructorMode,
                          "\(a.verb) in \(mode.rawValue) mode (allowed in \(c.modes.joined(separator: ", ")))")
                }
            } else if Verb(rawValue: a.verb) == nil {
                var message = "unknown verb '\(a.verb)'"
                if let s = Suggest.closest(to: a.verb, among: verbs) { message += "; did you mean '\(s)'?" }
                p.add(line, p.col("verb", line), .unknownVerb, message)
            }
        }
    }

    /// The exam plan: the student is in it, with the plan's seed, for the plan's scenario.
    private func checkPlan(_ h: Journal.Header, _ p: inout JournalProblems) {
        guard let plan else { return }
        let hl = p.headerLine
        if h.scenario != plan.scenario {
            p.add(hl, p.col("scenario", hl), .notInPlan, "journal is for scenario '\(h.scenario)', the plan for '\(plan.scenario)'")
        }
        if let seed = plan.seed(for: h.student) {
            if seed != h.seed {
                p.add(hl, p.col("seed", hl), .seedMismatch, "seed \(h.seed) does not match the plan's seed \(seed) for student '\(h.student)'")
            }
        } else {
            p.add(hl, p.col("student", hl), .notInPlan, "student '\(h.student)' is not in the plan for exam '\(plan.exam)'")
        }
    }

    /// The result, with where the attempt id and the claimed state hash are written (for later
    /// problems across journals) and a warning for another engine's journal.
    private func checked(_ journal: Journal, model: Model?, _ p: JournalProblems) -> Checked {
        let h = journal.header, hl = p.headerLine
        let attemptColumn = h.attempt.isEmpty ? 1 : p.col("attempt", hl)
        var checked = Checked(journal: journal, model: model, errors: p.errors, attemptLine: hl, attemptColumn: attemptColumn)
        if h.engine != HazLabVersion.engine {
            checked.warnings.append(GradeWarning(journal: p.path, line: hl, column: h.engine.isEmpty ? 1 : p.col("engine", hl),
                                                 message: JournalChecker.engineMismatch(h.engine)))
        }
        if let tl = p.layout.trailerLine { checked.stateHashLine = tl; checked.stateHashColumn = p.col("stateHash", tl) }
        return checked
    }

    /// The warning for a journal recorded by another engine version than this one.
    public static func engineMismatch(_ engine: String) -> String {
        "journal was recorded by engine \(engine.isEmpty ? "(not stated)" : "'" + engine + "'"), this is engine '\(HazLabVersion.engine)': "
            + "the replay may differ from what the workstation showed"
    }

    /// Longest attempt id, in UTF-8 bytes: it keys the store and every export, and is printed
    /// in listings.
    public static let maxAttemptIdBytes = 200

    /// Why an id from a journal header cannot be used, or nil. Control characters (which would
    /// forge rows in listings and move a terminal's cursor) are refused in every id; an attempt
    /// id may also not be longer than `maxAttemptIdBytes`. ('/' stays allowed, "exam-1/s001":
    /// exports that name files after an attempt make their own safe names, e.g. ilab-x originId.)
    public static func idProblem(_ id: String, isAttempt: Bool) -> String? {
        if let u = id.unicodeScalars.first(where: isControl) {
            let hex = String(u.value, radix: 16, uppercase: true)
            return "holds a control character (U+\(String(repeating: "0", count: max(0, 4 - hex.count)) + hex)): ids must be printable"
        }
        if isAttempt && id.utf8.count > maxAttemptIdBytes { return "is \(id.utf8.count) bytes long, over the limit of \(maxAttemptIdBytes)" }
        return nil
    }

    static func isControl(_ u: Unicode.Scalar) -> Bool {
        let v = u.value
        return v < 0x20 || v == 0x7F || (0x80...0x9F).contains(v) || v == 0x2028 || v == 0x2029
    }

    private func short(_ hex: String) -> String { hex.count > 12 ? String(hex.prefix(12)) + "…" : "'\(hex)'" }
}

/// The problems found in one parsed journal, each at a line and column of its text.
private struct JournalProblems {
    let path: String
    let attempt: String
    let layout: JournalLayout
    var errors: [GradeError] = []

    var headerLine: Int { layout.headerLine }

    func col(_ key: String, _ line: Int) -> Int { layout.column(ofValue: key, line: line) }

    mutating func add(_ line: Int, _ column: Int, _ code: GradeError.Code, _ message: String) {
        errors.append(GradeError(journal: path, line: line, column: column, code: code, message: message, attempt: attempt))
    }

    /// Keeps the first `limit` problems (in reading order), then one "… more" line.
    mutating func keepFirst(_ limit: Int) {
        guard errors.count > limit else { return }
        errors.sort(by: GradeError.precedes)
        let more = errors.count - limit
        errors = Array(errors.prefix(limit))
        let last = errors[errors.count - 1]
        add(last.line, last.column, last.code, "… and \(more) more problem(s) in this journal")
    }
}
