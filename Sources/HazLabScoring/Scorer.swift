import HazLabCore

/// One procedure step's outcome.
public struct StepResult: Sendable, Hashable {
    public var seq: Int
    public var id: String
    public var title: LocalizedText
    public var completed: Bool
    /// Tick at which it completed, or -1.
    public var endTick: Int64
    public var expectedTicks: Int64
    public var maxScore: Double
    public var score: Double
}

/// A deduction with its cause, so the breakdown shows every mistake.
public struct Deduction: Sendable, Hashable {
    public enum Cause: String, Sendable { case rejectedAction = "rejected-action", violation, hazard, accident }
    public var tick: Int64
    public var cause: Cause
    /// Entity or hazard id, when there is one.
    public var subject: String
    /// Reject reason, violation code or consequence name.
    public var detail: String
    public var points: Double
}

public struct ScoreResult: Sendable, Hashable {
    public var total: Double
    public var max: Double
    public var passScore: Double
    public var passed: Bool
    /// Hazard id that vetoed the attempt, or nil.
    public var veto: String?
    public var steps: [StepResult]
    public var deductions: [Deduction]
}

/// The minimal rubric, as an observer of the tick stream: it reads each new state and the
/// step's events, and never writes to the simulation. Call `observe` after every `step`.
public struct Scorer: Sendable {
    public let model: Model
    private var memory: ContiguousArray<Double>
    private var doneTick: [Int64]
    private var deductions: [Deduction] = []
    private var veto: String?

    public init(model: Model) {
        self.model = model
        memory = model.rubric.initialMemory
        doneTick = Array(repeating: -1, count: model.procedure.count)
    }

    public mutating func observe(_ state: State, _ events: ArraySlice<Event>) {
        let steps = model.procedure
        for s in 0..<steps.count where doneTick[s] < 0 {
            let step = steps[s]
            var ready = true
            for a in step.after where doneTick[Int(a)] < 0 { ready = false; break }
            // A condition without temporal memory need not be evaluated before it can count;
            // one with memory must see every tick.
            if !ready && !step.done.isTemporal { continue }
            let holds = state.evaluate(step.done, memory: &memory, base: Int(step.memoryBase)) != 0
            if holds && ready { doneTick[s] = state.tick }
        }
        guard !events.isEmpty else { return }
        let rubric = model.rubric
        for e in events {
            switch e.kind {
            case .actionRejected where e.ordinal >= 0 && e.person == 0:
                let reason = RejectReason(rawValue: e.code)?.name ?? "unknown"
                deductions.append(Deduction(tick: e.tick, cause: .rejectedAction, subject: entityName(e.subject),
                                            detail: reason, points: rubric.rejectedActionDeduction))
            case .violation where e.ordinal >= 0:
                let code = ViolationCode(rawValue: e.code)?.name ?? "unknown"
                deductions.append(Deduction(tick: e.tick, cause: .violation, subject: entityName(e.subject),
                                            detail: code, points: rubric.violationDeduction))
            case .accident where e.person == 0:
                guard let c = Consequence(rawValue: UInt8(e.code)) else { break }
                let subject = entityName(e.subject)
                switch rubric.accidentRules[Int(c.rawValue)] {
                case .none: break
                case .deduct(let points):
                    deductions.append(Deduction(tick: e.tick, cause: .accident, subject: subject, detail: c.name, points: points))
                case .veto:
                    if veto == nil { veto = c.name }
                    deductions.append(Deduction(tick: e.tick, cause: .accident, subject: subject, detail: c.name, points: 0))
                }
            case .hazardTriggered:
                let h = Int(e.subject)
                let id = model.hazards.ids[h]
                let consequence = model.hazards.consequence[h].name
                switch rubric.hazardRules[h] {
                case .none: break
                case .deduct(let points):
                    deductions.append(Deduction(tick: e.tick, cause: .hazard, subject: id, detail: consequence, points: points))
                case .veto:
                    if veto == nil { veto = id }
                    deductions.append(Deduction(tick: e.tick, cause: .hazard, subject: id, detail: consequence, points: 0))
                }
            default: break
            }
        }
    }

    private func entityName(_ row: Int32) -> String {
        row >= 0 && Int(row) < model.entities.count ? model.entities.ids[Int(row)] : ""
    }

    public var result: ScoreResult {
        var steps: [StepResult] = []
        var earned = 0.0, max = 0.0
        for (s, step) in model.procedure.enumerated() {
            let done = doneTick[s] >= 0
            let score = done ? step.maxScore : 0
            earned += score
            max += step.maxScore
            steps.append(StepResult(seq: s + 1, id: step.id, title: step.title, completed: done, endTick: doneTick[s],
                                    expectedTicks: step.expectedTicks, maxScore: step.maxScore, score: score))
        }
        var lost = 0.0
        for d in deductions { lost += d.points }
        var total = earned - lost
        if total < 0 { total = 0 }
        if veto != nil { total = 0 }
        // Scores are reported to 0.01 so that reports and exports agree exactly.
        total = (total * 100).rounded() / 100
        let passed = veto == nil && total >= model.rubric.passScore
        return ScoreResult(total: total, max: max, passScore: model.rubric.passScore, passed: passed, veto: veto,
                           steps: steps, deductions: deductions)
    }
}
