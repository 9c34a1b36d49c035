import HazLabCore
import HazLabRecords

/// One student's growth record (学生成长档案): every attempt over time by scenario, each step's
/// mastery trend, recurring safety violations, practice against exam, and what to practise
/// next. The student report shows it as a page; `json` gives the same data to other systems.
public struct StudentProgress: Sendable {
    public enum Mastery: String, Sendable {
        /// Full credit in each of the last two attempts (or the only one).
        case mastered
        /// Full credit at least once, but not in each of the last two.
        case improving
        /// Never full credit.
        case notYet = "not-yet"

        var label: LocalizedText {
            switch self {
            case .mastered: return PL.mastered
            case .improving: return PL.improving
            case .notYet: return PL.notYet
            }
        }
    }

    public struct StepMastery: Sendable {
        public var id: String
        public var seq: Int
        public var title: LocalizedText
        public var maxScore: Double
        /// One per attempt of the scenario, in time order.
        public var credits: [MasteryGrid.Credit]
        /// Index (from 0) of the first attempt with full credit.
        public var firstFull: Int?
        /// Attempts that had the step but not full credit.
        public var failures: Int
        public var status: Mastery
        /// Short of full credit in two or more attempts, the latest included.
        public var recurringFailure: Bool
    }

    public struct ScenarioProgress: Sendable {
        public var scenario: String
        public var title: LocalizedText
        /// From the scenario file when known (`--scenarios`), e.g. "chemical".
        public var discipline: String?
        /// In time order.
        public var attempts: [ClassRecord]
        public var exam: ModeSummary
        public var practice: ModeSummary
        public var passedExam: Bool
        public var best: ClassRecord
        public var latest: ClassRecord
        public var steps: [StepMastery]
    }

    public struct Suggestion: Sendable {
        /// "exam", "violation" or "step".
        public var kind: String
        public var scenario: String
        public var subject: String
        public var text: LocalizedText
    }

    public var student: String
    /// Every attempt of the student, in time order.
    public var attempts: [ClassRecord]
    public var scenarios: [ScenarioProgress]
    public var violations: [RecurringDeduction]
    public var suggestions: [Suggestion]

    /// `records` may hold other students' attempts; only `student`'s are used.
    public init(student: String, records: [ClassRecord], disciplines: [String: String] = [:]) {
        self.student = student
        attempts = chronological(records.filter { $0.student == student })
        var order: [String] = []
        var by: [String: [ClassRecord]] = [:]
        for r in attempts {
            if by[r.scenario] == nil { order.append(r.scenario) }
            by[r.scenario, default: []].append(r)
        }
        scenarios = order.map { Self.scenario($0, by[$0]!, discipline: disciplines[$0]) }
        violations = RecurringDeduction.of(attempts)
        suggestions = Self.suggest(scenarios, violations)
    }

    static func credit(_ s: ClassRecord.Step) -> MasteryGrid.Credit {
        if s.maxScore <= 0 { return s.completed ? .full : .none }
        if s.score >= s.maxScore - 1e-9 { return .full }
        return s.score > 0 ? .partial : .none
    }

    static func scenario(_ id: String, _ list: [ClassRecord], discipline: String?) -> ScenarioProgress {
        let exams = list.filter(\.isExam)
        let basis = exams.isEmpty ? list : exams
        let best = basis.enumerated().max { a, b in
            a.element.fraction != b.element.fraction ? a.element.fraction < b.element.fraction : a.offset > b.offset
        }!.element
        // Steps in procedure order across every version the student met.
        var ids: [(id: String, seq: Int, first: Int)] = []
        var seen = Set<String>()
        for r in list { for s in r.steps where seen.insert(s.id).inserted { ids.append((s.id, s.seq, ids.count)) } }
        ids.sort { $0.seq != $1.seq ? $0.seq < $1.seq : $0.first < $1.first }
        let steps = ids.map { key -> StepMastery in
            var title = LocalizedText.empty, maxScore = 0.0
            let credits = list.map { r -> MasteryGrid.Credit in
                guard let s = r.steps.first(where: { $0.id == key.id }) else { return .absent }
                title = s.title; maxScore = s.maxScore
                return credit(s)
            }
            let present = credits.filter { $0 != .absent }
            let firstFull = credits.firstIndex(of: .full)
            let lastTwo = present.suffix(2)
            let status: Mastery = firstFull == nil ? .notYet : (lastTwo.allSatisfy { $0 == .full } ? .mastered : .improving)
            let failures = present.filter { $0 != .full }.count
            return StepMastery(id: key.id, seq: key.seq, title: title, maxScore: maxScore, credits: credits, firstFull: firstFull,
                               failures: failures, status: status, recurringFailure: failures >= 2 && present.last != .full)
        }
        let title = list.first(where: { !$0.scenarioTitle.zh.isEmpty || !$0.scenarioTitle.en.isEmpty })?.scenarioTitle
            ?? LocalizedText(zh: id, en: id)
        return ScenarioProgress(scenario: id, title: title, discipline: discipline, attempts: list,
                                exam: ModeSummary(exam: true, records: exams), practice: ModeSummary(exam: false, records: list.filter { !$0.isExam }),
                                passedExam: exams.contains(where: \.passed), best: best, latest: list.last!, steps: steps)
    }

    /// Unpassed exams first, then recurring safety violations, then the weakest steps (never
    /// full credit before short in the latest attempt; more failures first).
    static func suggest(_ scenarios: [ScenarioProgress], _ violations: [RecurringDeduction]) -> [Suggestion] {
        var out: [Suggestion] = []
        for p in scenarios where !p.passedExam {
            let zh = p.title.zh.isEmpty ? p.scenario : p.title.zh, en = p.title.en.isEmpty ? zh : p.title.en
            out.append(Suggestion(kind: "exam", scenario: p.scenario, subject: p.scenario, text: p.exam.attempts > 0
                ? LocalizedText(zh: "「\(zh)」考试尚未通过：先练习下面的步骤，再参加考试。", en: "\(en): exam not passed yet; practise the steps below, then sit it again.")
                : LocalizedText(zh: "「\(zh)」还没有参加考试。", en: "\(en): no exam attempt yet.")))
        }
        for v in violations {
            let zh = v.title.zh.isEmpty ? v.subject : v.title.zh, en = v.title.en.isEmpty ? zh : v.title.en
            out.append(Suggestion(kind: "violation", scenario: "", subject: v.cause + ":" + v.subject,
                                  text: LocalizedText(zh: "安全：「\(zh)」已在 \(v.attempts) 次尝试中出现，操作前逐项确认。",
                                                      en: "Safety: “\(en)” happened in \(v.attempts) attempts; check it before acting.")))
        }
        var weak: [(ScenarioProgress, StepMastery)] = []
        for p in scenarios { for s in p.steps where s.status != .mastered && s.maxScore > 0 { weak.append((p, s)) } }
        weak.sort { a, b in
            let ra = a.1.status == .notYet ? 0 : 1, rb = b.1.status == .notYet ? 0 : 1
            if ra != rb { return ra < rb }
            if a.1.failures != b.1.failures { return a.1.failures > b.1.failures }
            return a.1.seq < b.1.seq
        }
        for (p, s) in weak {
            let zh = s.title.zh.isEmpty ? s.id : s.title.zh, en = s.title.en.isEmpty ? zh : s.title.en
            let sz = p.title.zh.isEmpty ? p.scenario : p.title.zh, se = p.title.en.isEmpty ? sz : p.title.en
            out.append(Suggestion(kind: "step", scenario: p.scenario, subject: s.id, text: s.status == .notYet
                ? LocalizedText(zh: "「\(sz)」第 \(s.seq) 步「\(zh)」：从未得满分（\(s.failures) 次失分）。", en: "\(se), step \(s.seq) \(en): never full credit (\(s.failures) times short).")
                : s.credits.last(where: { $0 != .absent }) == .full
                ? LocalizedText(zh: "「\(sz)」第 \(s.seq) 步「\(zh)」：最近一次才得满分，再练一次巩固。", en: "\(se), step \(s.seq) \(en): full credit only in the latest attempt; practise it once more.")
                : LocalizedText(zh: "「\(sz)」第 \(s.seq) 步「\(zh)」：得过满分，但最近一次失分。", en: "\(se), step \(s.seq) \(en): full credit before, short in the latest attempt.")))
        }
        return out
    }

    // MARK: - JSON for other systems

    /// The growth record as JSON (keys in a fixed order, times ISO 8601 with `offset`).
    public func json(offset: UTCOffset = .beijing) -> OrderedJSON {
        func text(_ t: LocalizedText) -> OrderedJSON { .object([("zh", .string(t.zh)), ("en", .string(t.en))]) }
        func time(_ ms: Int64?) -> OrderedJSON { ms.map { .string(offset.iso8601(millis: $0)) } ?? .null }
        func mode(_ m: ModeSummary) -> OrderedJSON {
            .object([("attempts", .int(m.attempts)), ("mean", .double((m.mean * 100).rounded() / 100)), ("passed", .int(m.passedAttempts))])
        }
        return .object([
            ("student", .string(student)),
            ("utcOffset", .string(offset.description)),
            ("attempts", .array(attempts.map { r in
                .object([("attempt", .string(r.attempt)), ("scenario", .string(r.scenario)), ("mode", .string(r.mode)),
                         ("started", time(r.started)), ("total", .double(r.total)), ("max", .double(r.max)),
                         ("passed", .bool(r.passed)), ("evaluation", .string(r.evaluation)), ("veto", r.veto.map { .string($0) } ?? .null)])
            })),
            ("scenarios", .array(scenarios.map { p in
                .object([("scenario", .string(p.scenario)), ("title", text(p.title)), ("discipline", p.discipline.map { .string($0) } ?? .null),
                         ("exam", mode(p.exam)), ("practice", mode(p.practice)), ("passedExam", .bool(p.passedExam)),
                         ("best", .object([("attempt", .string(p.best.attempt)), ("total", .double(p.best.total))])),
                         ("latest", .object([("attempt", .string(p.latest.attempt)), ("total", .double(p.latest.total))])),
                         ("steps", .array(p.steps.map { s in
                             .object([("id", .string(s.id)), ("seq", .int(s.seq)), ("title", text(s.title)), ("status", .string(s.status.rawValue)),
                                      ("firstFullAttempt", s.firstFull.map { .string(p.attempts[$0].attempt) } ?? .null),
                                      ("firstFullStarted", time(s.firstFull.flatMap { p.attempts[$0].started })),
                                      ("failures", .int(s.failures)), ("recurringFailure", .bool(s.recurringFailure)),
                                      ("credits", .array(s.credits.map { .string($0.rawValue) }))])
                         }))])
            })),
            ("recurringViolations", .array(violations.map { v in
                .object([("cause", .string(v.cause)), ("subject", .string(v.subject)), ("title", text(v.title)),
                         ("attempts", .int(v.attempts)), ("points", .double(v.points)), ("vetoes", .int(v.vetoes)), ("lastSeen", time(v.lastSeen))])
            })),
            ("practiseNext", .array(suggestions.map { s in
                .object([("kind", .string(s.kind)), ("scenario", .string(s.scenario)), ("subject", .string(s.subject)), ("text", text(s.text))])
            })),
        ])
    }
}
