import HazLabCore

/// Training mode of an attempt: it decides how hints are shown and whether they are allowed.
public enum TrainingMode: String, Sendable, CaseIterable {
    /// Hints are shown automatically (and charged as used); time may be sped up.
    case teaching
    /// Hints on request, each charged once per step.
    case practice
    /// No hints, 1× speed, the student must submit.
    case exam

    public var title: LocalizedText {
        switch self {
        case .teaching: return LocalizedText(zh: "教学模式", en: "Teaching")
        case .practice: return LocalizedText(zh: "练习模式", en: "Practice")
        case .exam: return LocalizedText(zh: "考核模式", en: "Exam")
        }
    }
}

/// 优/良/中/差.
public enum Grade: String, Sendable, CaseIterable {
    case excellent, good, pass, fail

    public var title: LocalizedText {
        switch self {
        case .excellent: return LocalizedText(zh: "优", en: "Excellent")
        case .good: return LocalizedText(zh: "良", en: "Good")
        case .pass: return LocalizedText(zh: "中", en: "Pass")
        case .fail: return LocalizedText(zh: "差", en: "Fail")
        }
    }

    /// Grade of `score` out of `max` against percentage thresholds.
    public static func of(score: Double, max: Double, _ t: GradeThresholds) -> Grade {
        let pct = max > 0 ? score / max * 100 : 100
        if pct >= t.excellent { return .excellent }
        if pct >= t.good { return .good }
        if pct >= t.pass { return .pass }
        return .fail
    }
}

/// One procedure step's outcome (the ilab-x step record, plus what the breakdown needs).
public struct StepResult: Sendable, Hashable {
    public var seq: Int
    public var id: String
    public var title: LocalizedText
    public var completed: Bool
    /// Tick at which the step became available (its prerequisites done), or -1.
    public var startTick: Int64
    /// Tick at which it completed, or -1.
    public var endTick: Int64
    /// Ticks from start to completion, or -1.
    public var usedTicks: Int64
    public var expectedTicks: Int64
    public var maxScore: Double
    public var score: Double
    /// Trainee operations on the step's equipment up to its completion.
    public var repeatCount: Int
    /// Times its condition came true before its prerequisites were done.
    public var outOfOrder: Int
    public var hintUsed: Bool
    public var evaluation: Grade
    /// The rule the step was scored by, in words.
    public var scoringModel: LocalizedText
    public var remarks: LocalizedText
}

/// How well a process variable was kept in its band during its phase.
public struct QualityResult: Sendable, Hashable {
    public var id: String
    public var title: LocalizedText
    public var unit: String
    public var low: Double
    public var high: Double
    /// First and last judged tick of the phase, or -1 when the phase never started.
    public var phaseStartTick: Int64
    public var phaseEndTick: Int64
    public var judgedTicks: Int64
    public var inBandTicks: Int64
    public var excursions: Int
    /// Extremes over the judged ticks (0 when none).
    public var minValue: Double
    public var maxValue: Double
    public var maxScore: Double
    public var score: Double
    public var evaluation: Grade
    public var scoringModel: LocalizedText

    public var fractionInBand: Double { judgedTicks > 0 ? Double(inBandTicks) / Double(judgedTicks) : 0 }
}

/// A deduction with its cause, so the breakdown shows every mistake.
public struct Deduction: Sendable, Hashable {
    public enum Cause: String, Sendable, CaseIterable {
        case rejectedAction = "rejected-action", violation, outOfOrder = "out-of-order", rule, hint, hazard, accident
    }
    public var tick: Int64
    public var cause: Cause
    /// Entity, step, rule or hazard id, when there is one.
    public var subject: String
    /// Reject reason, violation code, consequence or rule id.
    public var detail: String
    public var points: Double
    /// This is a critical error (否决项).
    public var veto: Bool = false

    public init(tick: Int64, cause: Cause, subject: String, detail: String, points: Double, veto: Bool = false) {
        self.tick = tick; self.cause = cause; self.subject = subject; self.detail = detail; self.points = points; self.veto = veto
    }
}

public struct ScoreResult: Sendable, Hashable {
    public var mode: TrainingMode
    public var total: Double
    public var max: Double
    public var passScore: Double
    public var passed: Bool
    public var evaluation: Grade
    /// Hazard id or accident consequence that vetoed the attempt, and when; nil when none.
    public var veto: String?
    public var vetoTick: Int64
    public var steps: [StepResult]
    public var quality: [QualityResult]
    public var deductions: [Deduction]
    public var hintsUsed: Int

    /// Points earned by steps and quality windows, before deductions and vetoes.
    public var earned: Double {
        steps.reduce(0) { $0 + $1.score } + quality.reduce(0) { $0 + $1.score }
    }
    public var deducted: Double { deductions.reduce(0) { $0 + $1.points } }
}
