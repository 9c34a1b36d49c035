import Foundation
import HazLabCore
import HazLabRecords

extension ClassRecord {
    /// Exam attempts make the statistics; practice and teaching attempts are reported apart.
    public var isExam: Bool { mode == "exam" }
    /// The score as a fraction of the maximum (0 when the maximum is 0).
    public var fraction: Double { max > 0 ? total / max : 0 }
    /// Deductions that are about safety (everything but a hint).
    public var safetyDeductions: [Deduction] { deductions.filter { $0.cause != "hint" } }
}

/// Attempts in the order they were taken: by start time, then as given (an attempt without a
/// start time keeps its place after the timed ones).
public func chronological(_ records: [ClassRecord]) -> [ClassRecord] {
    records.enumerated().sorted { a, b in
        switch (a.element.started, b.element.started) {
        case let (x?, y?) where x != y: return x < y
        case (nil, _?): return false
        case (_?, nil): return true
        default: return a.offset < b.offset
        }
    }.map(\.element)
}

/// One kind of attempt (exam, or practice including teaching) in a scenario.
public struct ModeSummary: Sendable {
    public var exam: Bool
    public var attempts: Int
    public var students: Int
    public var mean: Double
    public var passedAttempts: Int
    /// Students with at least one passed attempt of this kind.
    public var passedStudents: Int
    public var passRateByAttempt: Double { attempts > 0 ? Double(passedAttempts) / Double(attempts) : 0 }
    public var passRateByStudent: Double { students > 0 ? Double(passedStudents) / Double(students) : 0 }

    public init(exam: Bool, records: [ClassRecord]) {
        self.exam = exam
        attempts = records.count
        students = Set(records.map(\.student)).count
        mean = records.isEmpty ? 0 : records.map(\.total).reduce(0, +) / Double(records.count)
        passedAttempts = records.filter(\.passed).count
        passedStudents = Set(records.filter(\.passed).map(\.student)).count
    }
}

/// One student's attempts at one scenario, as the class report's per-student table shows them.
public struct StudentSummary: Sendable {
    public var student: String
    public var examAttempts: Int
    public var practiceAttempts: Int
    /// The latest attempt (exam if the student sat one, else practice).
    public var latest: ClassRecord
    /// The best attempt of the same kind as `latest` (highest fraction; the earlier on a tie).
    public var best: ClassRecord
    /// Passed an exam attempt (or, with no exam at all, any attempt).
    public var passed: Bool

    /// Per student, in order of first appearance; `records` are one scenario's attempts.
    public static func of(_ records: [ClassRecord]) -> [StudentSummary] {
        var order: [String] = []
        var by: [String: [ClassRecord]] = [:]
        for r in chronological(records) {
            if by[r.student] == nil { order.append(r.student) }
            by[r.student, default: []].append(r)
        }
        return order.map { s in
            let all = by[s]!
            let exams = all.filter(\.isExam)
            let basis = exams.isEmpty ? all : exams
            let best = basis.enumerated().max { a, b in
                a.element.fraction != b.element.fraction ? a.element.fraction < b.element.fraction : a.offset > b.offset
            }!.element
            return StudentSummary(student: s, examAttempts: exams.count, practiceAttempts: all.count - exams.count,
                                  latest: basis.last!, best: best, passed: basis.contains(where: \.passed))
        }
    }
}

/// A student the class teacher should look at, with the evidence for it.
public struct HelpEntry: Sendable {
    public var student: String
    /// Weight of the evidence (higher first): not passed 3, each veto 2, each recurring safety
    /// deduction 1, each step without credit in the latest attempt 0.5, a latest score 10 % or
    /// more below the student's best 1.
    public var evidence: Double
    public var reasons: [LocalizedText]
    public var latest: ClassRecord

    /// Students with evidence of at least 1, most first (then lower latest score, then id).
    public static func ranked(_ records: [ClassRecord]) -> [HelpEntry] {
        var out: [HelpEntry] = []
        for s in StudentSummary.of(records) {
            let mine = chronological(records.filter { $0.student == s.student })
            let basis = s.examAttempts > 0 ? mine.filter(\.isExam) : mine
            var weight = 0.0
            var reasons: [LocalizedText] = []
            if !s.passed {
                weight += 3
                reasons.append(LocalizedText(zh: "\(s.examAttempts > 0 ? "考试" : "尝试")未通过（共 \(basis.count) 次）",
                                             en: "not passed in \(basis.count) \(s.examAttempts > 0 ? "exam " : "")attempt(s)"))
            }
            let vetoes = mine.filter { $0.veto != nil }.count
            if vetoes > 0 {
                weight += 2 * Double(vetoes)
                reasons.append(LocalizedText(zh: "否决项 \(vetoes) 次", en: "\(vetoes) critical error(s) (veto)"))
            }
            for v in RecurringDeduction.of(mine) {
                weight += 1
                let t = v.title
                reasons.append(LocalizedText(zh: "反复出现：\(t.zh.isEmpty ? v.subject : t.zh)（\(v.attempts) 次）",
                                             en: "recurring: \(t.en.isEmpty ? (t.zh.isEmpty ? v.subject : t.zh) : t.en) (\(v.attempts) attempts)"))
            }
            let zeroSteps = s.latest.steps.filter { $0.maxScore > 0 && $0.score <= 0 }
            if !zeroSteps.isEmpty {
                weight += 0.5 * Double(zeroSteps.count)
                reasons.append(LocalizedText(zh: "最近一次有 \(zeroSteps.count) 个步骤未得分", en: "\(zeroSteps.count) step(s) without credit in the latest attempt"))
            }
            if s.best.fraction - s.latest.fraction >= 0.1 {
                weight += 1
                reasons.append(LocalizedText(zh: "最近一次比最好成绩低 \(Fmt.number(s.best.total - s.latest.total)) 分",
                                             en: "latest score \(Fmt.number(s.best.total - s.latest.total)) below the best"))
            }
            // Below 1 (a passed attempt with one step short) is ordinary, not a call for help.
            if weight >= 1 { out.append(HelpEntry(student: s.student, evidence: weight, reasons: reasons, latest: s.latest)) }
        }
        return out.sorted { a, b in
            if a.evidence != b.evidence { return a.evidence > b.evidence }
            if a.latest.fraction != b.latest.fraction { return a.latest.fraction < b.latest.fraction }
            return a.student < b.student
        }
    }
}

/// A safety deduction one student got in two or more attempts (same cause and subject).
public struct RecurringDeduction: Sendable {
    public var cause: String
    public var subject: String
    public var title: LocalizedText
    public var attempts: Int
    public var points: Double
    public var vetoes: Int
    /// Start time of the latest attempt that had it (nil when unknown).
    public var lastSeen: Int64?

    /// In `records` (one student's), those seen in at least `minimum` attempts, most attempts first.
    public static func of(_ records: [ClassRecord], minimum: Int = 2) -> [RecurringDeduction] {
        var table: [RecurringDeduction] = []
        var index: [String: Int] = [:]
        for r in chronological(records) {
            var counted = Set<Int>()
            for d in r.safetyDeductions {
                let key = d.cause + "\u{1F}" + d.subject
                let k: Int
                if let i = index[key] { k = i } else {
                    k = table.count
                    index[key] = k
                    table.append(RecurringDeduction(cause: d.cause, subject: d.subject, title: d.title, attempts: 0, points: 0, vetoes: 0))
                }
                table[k].points += d.points
                if d.veto { table[k].vetoes += 1 }
                if counted.insert(k).inserted { table[k].attempts += 1; table[k].lastSeen = r.started }
            }
        }
        return table.enumerated().filter { $0.element.attempts >= minimum }
            .sorted { $0.element.attempts != $1.element.attempts ? $0.element.attempts > $1.element.attempts : $0.offset < $1.offset }
            .map(\.element)
    }
}
