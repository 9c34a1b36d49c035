import HazLabCore

/// The rubric as an observer of the tick stream: it reads each new state and the step's
/// events and never writes to the simulation. Create it with the initial state, call
/// `observe` after every `step`, and `hint` for each hint the trainee asked for.
///
/// Steps: a step starts when its prerequisites are done (tick 0 when it has none) and
/// completes on the first tick after that on which its condition holds. If the condition
/// comes true before the prerequisites are done, that is an out-of-order violation and the
/// step must be redone: it then completes only when its condition comes true again.
public struct Scorer: Sendable {
    public let model: Model
    public let mode: TrainingMode
    private var memory: ContiguousArray<Double>

    private var held: [Bool]
    /// This tick's `held`, built in a buffer kept between ticks (`observe` allocates nothing).
    private var holdsScratch: [Bool]
    private var startTick: [Int64]
    private var doneTick: [Int64]
    private var mustRedo: [Bool]
    private var outOfOrder: [Int]
    private var repeats: [Int]
    private var hintUsed: [Bool]
    /// Steps each entity row counts towards.
    private var stepsByEntity: [[Int32]]

    private var ruleHeld: [Bool]
    private var quality: [QualityTrack]

    private var deductions: [Deduction] = []
    private var veto: String?
    private var vetoTick: Int64 = -1

    struct QualityTrack: Sendable {
        var phaseStart: Int64 = -1
        var phaseEnd: Int64 = -1
        var judged: Int64 = 0
        var inBand: Int64 = 0
        var excursions = 0
        var wasOut = false
        var minValue = Double.infinity
        var maxValue = -Double.infinity
    }

    public init(model: Model, mode: TrainingMode = .practice, initial: State? = nil) {
        self.model = model
        self.mode = mode
        memory = ContiguousArray(owning: model.rubric.initialMemory)
        let n = model.procedure.count
        held = Array(repeating: false, count: n)
        holdsScratch = held
        deductions.reserveCapacity(32)   // a typical attempt's list never grows inside a tick
        startTick = Array(repeating: -1, count: n)
        doneTick = Array(repeating: -1, count: n)
        mustRedo = Array(repeating: false, count: n)
        outOfOrder = Array(repeating: 0, count: n)
        repeats = Array(repeating: 0, count: n)
        hintUsed = Array(repeating: false, count: n)
        stepsByEntity = Array(repeating: [], count: model.entities.count)
        for (s, step) in model.procedure.enumerated() {
            for e in step.targets where e >= 0 && Int(e) < stepsByEntity.count { stepsByEntity[Int(e)].append(Int32(s)) }
        }
        ruleHeld = Array(repeating: false, count: model.rubric.rules.count)
        quality = Array(repeating: QualityTrack(), count: model.rubric.quality.count)
        // What holds in the initial state is not an edge: evaluate it on a scratch copy of
        // the temporal memory so the first real tick is unaffected.
        let start = initial ?? State(model: model)
        var scratch = memory
        for (s, step) in model.procedure.enumerated() {
            held[s] = start.evaluate(step.done, memory: &scratch, base: Int(step.memoryBase)) != 0
        }
        for (r, rule) in model.rubric.rules.enumerated() {
            ruleHeld[r] = start.evaluate(rule.when, memory: &scratch, base: Int(rule.memoryBase)) != 0
        }
    }

    /// Records a hint the trainee asked for. Each step's hint is charged once. Exam mode has
    /// no hints (the grader rejects an exam journal that asks for one), so none is counted.
    public mutating func hint(step s: Int, tick: Int64) {
        guard mode != .exam, s >= 0 && s < model.procedure.count else { return }
        chargeHint(s, tick: tick)
    }

    private mutating func chargeHint(_ s: Int, tick: Int64) {
        guard !hintUsed[s] else { return }
        hintUsed[s] = true
        let cost = model.procedure[s].hintCost
        if cost > 0 {
            deductions.append(Deduction(tick: tick, cause: .hint, subject: model.procedure[s].id, detail: mode.rawValue, points: cost))
        }
    }

    public mutating func observe(_ state: State, _ events: ArraySlice<Event>) {
        // The model is shared by every grading thread: read it in place, never copy its
        // tables into locals (each copy is an atomic retain on a cache line all threads share).
        let tick = state.tick
        observeSteps(state, tick: tick)
        observeRules(state, tick: tick)
        observeQualities(state, tick: tick)
        if !events.isEmpty { observeEvents(events, tick: tick) }
    }

    /// Procedure steps: which conditions hold, which steps start and complete (until nothing
    /// changes, so a step may follow a prerequisite declared after it within the same tick), and
    /// which were done before their turn.
    @inline(__always)
    private mutating func observeSteps(_ state: State, tick: Int64) {
        let n = model.procedure.count
        var holds: [Bool] = []
        swap(&holds, &holdsScratch)
        for s in 0..<n {
            holds[s] = doneTick[s] < 0
                ? state.evaluate(model.procedure[s].done, memory: &memory, base: Int(model.procedure[s].memoryBase)) != 0
                : held[s]
        }
        // Complete steps until nothing changes, so a step may follow a prerequisite declared
        // after it within the same tick.
        var changed = true
        while changed {
            changed = false
            for s in 0..<n where doneTick[s] < 0 {
                var ready = true
                var since: Int64 = 0
                for k in 0..<model.procedure[s].after.count {
                    let d = doneTick[Int(model.procedure[s].after[k])]
                    if d < 0 { ready = false; break }
                    if d > since { since = d }
                }
                guard ready else { continue }
                if startTick[s] < 0 {
                    startTick[s] = since
                    if mode == .teaching && !model.procedure[s].hint.zh.isEmpty { chargeHint(s, tick: tick) }
                }
                let rose = holds[s] && !held[s]
                if holds[s] && (!mustRedo[s] || rose) {
                    doneTick[s] = tick
                    changed = true
                }
            }
        }
        for s in 0..<n where startTick[s] < 0 && holds[s] && !held[s] {
            outOfOrder[s] += 1
            mustRedo[s] = true
            deductions.append(Deduction(tick: tick, cause: .outOfOrder, subject: model.procedure[s].id, detail: "out-of-order",
                                        points: model.rubric.outOfOrderDeduction))
        }
        swap(&held, &holds)
        swap(&holds, &holdsScratch)
    }

    /// Safety rules: charged on each rising edge of their condition.
    @inline(__always)
    private mutating func observeRules(_ state: State, tick: Int64) {
        for r in 0..<model.rubric.rules.count {
            let h = state.evaluate(model.rubric.rules[r].when, memory: &memory, base: Int(model.rubric.rules[r].memoryBase)) != 0
            if h && !ruleHeld[r] && model.rubric.rules[r].points != 0 {
                let id = model.rubric.rules[r].id
                deductions.append(Deduction(tick: tick, cause: .rule, subject: id, detail: id, points: model.rubric.rules[r].points))
            }
            ruleHeld[r] = h
        }
    }

    /// Quality windows: the value against its band while its phase lasts.
    @inline(__always)
    private mutating func observeQualities(_ state: State, tick: Int64) {
        for q in 0..<model.rubric.quality.count {
            let value = state.evaluate(model.rubric.quality[q].value, memory: &memory, base: Int(model.rubric.quality[q].valueMemoryBase))
            var inPhase = true
            if model.rubric.quality[q].during != nil {
                inPhase = state.evaluate(model.rubric.quality[q].during!, memory: &memory, base: Int(model.rubric.quality[q].duringMemoryBase)) != 0
            }
            let from = Int(model.rubric.quality[q].fromStep), to = Int(model.rubric.quality[q].toStep)
            if from >= 0 && doneTick[from] < 0 { inPhase = false }
            if to >= 0 && doneTick[to] >= 0 { inPhase = false }
            Self.observeQuality(&quality[q], grace: model.rubric.quality[q].graceTicks, low: model.rubric.quality[q].low,
                                high: model.rubric.quality[q].high, tick: tick, value: value, inPhase: inPhase)
        }
    }

    /// This tick's events: repeated actions on a step's equipment, rejected actions,
    /// violations, accidents and hazards, each by the rubric's rule.
    private mutating func observeEvents(_ events: ArraySlice<Event>, tick: Int64) {
        let rubric = model.rubric
        for e in events {
            switch e.kind {
            case .actionApplied, .actionRejected:
                guard e.ordinal >= 0 && e.person == 0 && e.subject >= 0 && Int(e.subject) < stepsByEntity.count else { break }
                for s in stepsByEntity[Int(e.subject)] where doneTick[Int(s)] < 0 || doneTick[Int(s)] == tick {
                    repeats[Int(s)] += 1
                }
                if e.kind == .actionRejected {
                    let reason = RejectReason(rawValue: e.code)?.name ?? "unknown"
                    deductions.append(Deduction(tick: e.tick, cause: .rejectedAction, subject: entityName(e.subject),
                                                detail: reason, points: rubric.rejectedActionDeduction))
                }
            case .violation where e.ordinal >= 0:
                let code = ViolationCode(rawValue: e.code)
                let rule = Int(e.code) < rubric.violationRules.count && e.code >= 0 ? rubric.violationRules[Int(e.code)] : .deduct(rubric.violationDeduction)
                apply(rule, tick: e.tick, cause: .violation, subject: entityName(e.subject), detail: code?.name ?? "unknown")
            case .accident where e.person == 0:
                guard let c = Consequence(rawValue: UInt8(truncatingIfNeeded: e.code)) else { break }
                apply(rubric.accidentRules[Int(c.rawValue)], tick: e.tick, cause: .accident, subject: entityName(e.subject), detail: c.name)
            case .hazardTriggered:
                let h = Int(e.subject)
                guard h >= 0 && h < model.hazards.count else { break }
                apply(rubric.hazardRules[h], tick: e.tick, cause: .hazard, subject: model.hazards.ids[h],
                      detail: model.hazards.consequence[h].name)
            default: break
            }
        }
    }

    private static func observeQuality(_ t: inout QualityTrack, grace: Int64, low: Double, high: Double, tick: Int64,
                                       value: Double, inPhase: Bool) {
        guard inPhase else { t.wasOut = false; return }
        if t.phaseStart < 0 { t.phaseStart = tick }
        guard tick - t.phaseStart >= grace else { return }
        t.judged += 1
        t.phaseEnd = tick
        if value < t.minValue { t.minValue = value }
        if value > t.maxValue { t.maxValue = value }
        let inside = value >= low && value <= high
        if inside { t.inBand += 1 } else if !t.wasOut { t.excursions += 1 }
        t.wasOut = !inside
    }

    private mutating func apply(_ rule: HazardRule, tick: Int64, cause: Deduction.Cause, subject: String, detail: String) {
        switch rule {
        case .none: break
        case .deduct(let points):
            deductions.append(Deduction(tick: tick, cause: cause, subject: subject, detail: detail, points: points))
        case .veto:
            if veto == nil { veto = cause == .hazard ? subject : detail; vetoTick = tick }
            deductions.append(Deduction(tick: tick, cause: cause, subject: subject, detail: detail, points: 0, veto: true))
        }
    }

    private func entityName(_ row: Int32) -> String {
        row >= 0 && Int(row) < model.entities.count ? model.entities.ids[Int(row)] : ""
    }

    public var result: ScoreResult {
        let rubric = model.rubric
        let text = ScoringText(model: model)
        var steps: [StepResult] = []
        var max = 0.0
        for (s, step) in model.procedure.enumerated() {
            let done = doneTick[s] >= 0
            let used: Int64 = done ? doneTick[s] - startTick[s] : -1
            let score = done ? round2(step.maxScore * step.late.credit(used: used, expected: step.expectedTicks)) : 0
            max += step.maxScore
            let evaluation: Grade = done ? Grade.of(score: score, max: step.maxScore, rubric.grades) : .fail
            steps.append(StepResult(
                seq: s + 1, id: step.id, title: step.title, completed: done, startTick: startTick[s], endTick: doneTick[s],
                usedTicks: used, expectedTicks: step.expectedTicks, maxScore: step.maxScore, score: score,
                repeatCount: repeats[s], outOfOrder: outOfOrder[s], hintUsed: hintUsed[s], evaluation: evaluation,
                scoringModel: text.stepModel(step), remarks: text.stepRemarks(step, done: done, used: used, outOfOrder: outOfOrder[s], hint: hintUsed[s])))
        }
        var qualities: [QualityResult] = []
        for (q, w) in rubric.quality.enumerated() {
            let t = quality[q]
            max += w.maxScore
            var score = 0.0
            if t.judged > 0 {
                score = w.maxScore * Double(t.inBand) / Double(t.judged) - Double(t.excursions) * w.excursionCost
                score = round2(Swift.max(0, score))
            }
            qualities.append(QualityResult(
                id: w.id, title: w.title, unit: w.unit, low: w.display(w.low), high: w.display(w.high),
                phaseStartTick: t.judged > 0 ? t.phaseStart : -1, phaseEndTick: t.judged > 0 ? t.phaseEnd : -1,
                judgedTicks: t.judged, inBandTicks: t.inBand, excursions: t.excursions,
                minValue: t.judged > 0 ? w.display(t.minValue) : 0, maxValue: t.judged > 0 ? w.display(t.maxValue) : 0,
                maxScore: w.maxScore, score: score,
                evaluation: t.judged > 0 ? Grade.of(score: score, max: w.maxScore, rubric.grades) : .fail,
                scoringModel: text.qualityModel(w)))
        }
        var total = steps.reduce(0) { $0 + $1.score } + qualities.reduce(0) { $0 + $1.score }
        for d in deductions { total -= d.points }
        if total < 0 { total = 0 }
        if veto != nil {
            switch rubric.vetoEffect {
            case .zero: total = 0
            case .cap(let c): total = Swift.min(total, c)
            case .end: break
            }
        }
        // Scores are reported to 0.01 so that reports and exports agree exactly.
        total = round2(total)
        let passed = veto == nil && total >= rubric.passScore
        var evaluation = Grade.of(score: total, max: max, rubric.grades)
        if !passed { evaluation = .fail } else if evaluation == .fail { evaluation = .pass }
        return ScoreResult(mode: mode, total: total, max: max, passScore: rubric.passScore, passed: passed,
                           evaluation: evaluation, veto: veto, vetoTick: vetoTick, steps: steps, quality: qualities,
                           deductions: deductions, hintsUsed: hintUsed.filter { $0 }.count)
    }
}

@inline(__always) func round2(_ x: Double) -> Double { (x * 100).rounded() / 100 }
