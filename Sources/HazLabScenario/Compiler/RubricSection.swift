import HazLabCore

/// Rubric settings the procedure steps inherit, read before the steps themselves.
struct RubricDefaults {
    var late = LateSettings()
    var hintCost = 0.0
    var strictOrder = false
}

struct LateSettings {
    var shape: LateRule.Shape = .linear
    /// nil: the step's own expected time.
    var windowTicks: Int64?
    var floor = 0.5
}

/// What `readRubric` has read so far; a key not given keeps its default here.
struct RubricDraft {
    var pass: Double?
    var rejected = 0.0, violation = 0.0
    var outOfOrder: Double?
    var violationRules: [HazardRule]?
    var hazardRules: [HazardRule]
    var accidentRules: [HazardRule]
    var vetoEffect = VetoEffect.zero
    var grades = GradeThresholds()
    var quality: [QualityWindow] = []
    var safetyRules: [SafetyRule] = []

    /// The defaults: a hazard that can hurt badly vetoes, any other costs nothing; of the
    /// accidents, an injury or a fire costs 20 points, an alarm nothing, the rest veto.
    init(hazards: HazardTable) {
        hazardRules = [HazardRule](repeating: .none, count: hazards.count)
        for (h, c) in hazards.consequence.enumerated() {
            switch c {
            case .accident, .explosion, .fatality, .arcFlash, .electricShock: hazardRules[h] = .veto
            case .alarm, .injury, .fire: hazardRules[h] = .none
            }
        }
        accidentRules = Consequence.allCases.map { c -> HazardRule in
            switch c {
            case .alarm: return .none
            case .injury: return .deduct(20)
            case .fire: return .deduct(20)
            default: return .veto
            }
        }
    }
}

/// Compiles the procedure and the rubric: step order and time rules, quality windows,
/// safety rules, deductions, vetoes and grade thresholds.
extension Compilation {
    /// Reads the defaults quietly; `readRubric` reads the same keys again and reports problems once.
    mutating func rubricDefaults(_ node: YNode?) -> RubricDefaults {
        var d = RubricDefaults()
        guard let node, case .mapping = node.content else { return d }
        let saved = bag
        defer { bag = saved }
        guard let r = MappingReader(node, what: "rubric", bag: &bag) else { return d }
        if let n = r.node("late") { d.late = readLate(n, "rubric.late", base: d.late) }
        if let dn = r.node("deductions"), let dr = MappingReader(dn, what: "deductions", bag: &bag) {
            d.hintCost = dr.node("hint").flatMap { $0.double(&bag, what: "hint") } ?? 0
        }
        if let o = r.node("order"), case .scalar(let s) = o.content { d.strictOrder = s.text == "strict" }
        return d
    }

    mutating func readLate(_ node: YNode, _ what: String, base: LateSettings) -> LateSettings {
        var l = base
        guard let r = reader(node, what, Format.late) else { return l }
        if let n = r.node("rule"), let name = n.string(&bag, what: "\(what).rule") {
            if let shape = LateRule.Shape(rawValue: name) { l.shape = shape } else { oneOfError(n, name, Format.lateRules, "\(what).rule") }
        }
        if let n = r.node("window") {
            let w = nonNegative(n, .time, "\(what).window", default: 0)
            if w > 7 * 86400 { bag.error(n.location, "'\(what).window' must be at most a week") } else { l.windowTicks = ticks(w) }
        }
        if let n = r.node("floor"), let f = n.double(&bag, what: "\(what).floor") {
            if f < 0 || f > 1 { bag.error(n.location, "'\(what).floor' must be a fraction between 0 and 1") } else { l.floor = f }
        }
        return l
    }

    mutating func readProcedure(_ node: YNode?, defaults: RubricDefaults) -> [ProcedureStep] {
        var steps: [ProcedureStep] = []
        guard let node, let list = node.sequence(&bag, what: "procedure") else { return steps }
        if list.isEmpty { bag.error(node.location, "the procedure has no steps") }
        var seen: [String: SourceLocation] = [:]
        var afterNodes: [[YNode]] = []
        var failedDone = Set<Int>()
        var stepNodes: [YNode] = []
        for item in list {
            guard let r = reader(item, "step", Format.step), let id = readId(r, "step", seen: &seen) else { continue }
            let title = localized(r.node("title"), "\(id).title")
            let hint = localized(r.node("hint"), "\(id).hint")
            let compiled = r.node("done").flatMap { expression($0, boolean: true, "\(id).done") }
            keepSource("step.\(id).done", r.node("done"))
            let p = compiled ?? Program.constant(0, type: .bool)
            if compiled == nil { failedDone.insert(steps.count) }
            let expected = nonNegative(r.node("expectedTime"), .time, "\(id).expectedTime", default: 0)
            if expected > 7 * 86400, let n = r.node("expectedTime") { bag.error(n.location, "'\(id).expectedTime' must be at most a week") }
            var score = 0.0
            if let n = r.node("score"), let s = n.double(&bag, what: "\(id).score") {
                if s < 0 || !s.isFinite || s > 1e9 { bag.error(n.location, "'\(id).score' must be a non-negative number") } else { score = s }
            }
            var hintCost = defaults.hintCost
            if let n = r.node("hintCost"), let c = n.double(&bag, what: "\(id).hintCost") {
                if c < 0 || c > 1e9 { bag.error(n.location, "'\(id).hintCost' must be a non-negative number") } else { hintCost = c }
            }
            var late = defaults.late
            if let n = r.node("late") { late = readLate(n, "\(id).late", base: late) }
            let expectedTicks = ticks(min(expected, 7 * 86400))
            let rule = LateRule(shape: late.shape, windowTicks: late.windowTicks ?? expectedTicks, floor: late.floor)
            var targets: [Int32] = []
            if let t = r.node("targets"), let list = t.sequence(&bag, what: "\(id).targets") {
                for item in list { if let row = entityRef(item, "\(id).targets", kinds: []) { targets.append(row) } }
            } else if let d = r.node("done"), case .scalar(let s) = d.content {
                targets = referencedEntities(s.text)
            }
            var after: [YNode] = []
            if let a = r.node("after"), let list = a.sequence(&bag, what: "\(id).after") { after = list }
            afterNodes.append(after)
            stepNodes.append(item)
            steps.append(ProcedureStep(id: id, title: title, hint: hint, done: p, after: [], expectedTicks: expectedTicks,
                                       late: rule, maxScore: score, hintCost: hintCost, targets: targets,
                                       memoryBase: allocateMemory(p)))
        }
        let ids = steps.map(\.id)
        for s in steps.indices {
            for a in afterNodes[s] {
                guard let name = a.string(&bag, what: "\(ids[s]).after") else { continue }
                guard let k = ids.firstIndex(of: name) else {
                    var msg = "unknown step '\(name)' in '\(ids[s]).after'"
                    if let sug = Suggest.closest(to: name, among: ids) { msg += "; did you mean '\(sug)'?" }
                    bag.error(a.location, msg)
                    continue
                }
                steps[s].after.append(Int32(k))
            }
            if defaults.strictOrder && s > 0 && !steps[s].after.contains(Int32(s - 1)) {
                steps[s].after.append(Int32(s - 1))
            }
        }
        checkStepCycles(steps, stepNodes)
        for s in steps.indices where !failedDone.contains(s) {
            if let c = steps[s].done.constantValue, c == 0 {
                bag.warning(stepNodes[s].location, "step '\(steps[s].id)' can never complete: its condition is always false")
            }
        }
        return steps
    }

    /// Entity rows an expression names, directly or through variables (in order of appearance).
    func referencedEntities(_ text: String) -> [Int32] {
        var rows: [Int32] = []
        var visited: [String] = []
        func scan(_ t: String) {
            var errors: [ExprSyntaxError] = []
            for token in ExprLexer.tokenize(t, errors: &errors) {
                guard case .ident(let name) = token.kind else { continue }
                if let row = entityRow[name] {
                    if !rows.contains(row) { rows.append(row) }
                } else if let v = variables[name], !visited.contains(name) {
                    visited.append(name)
                    scan(v.text)
                }
            }
        }
        scan(text)
        return rows
    }

    mutating func readRubric(_ node: YNode?, hazards: HazardTable, procedure: [ProcedureStep], defaults: RubricDefaults) -> Rubric {
        var stepTotal = 0.0
        for s in procedure { stepTotal += s.maxScore }
        var d = RubricDraft(hazards: hazards)
        // Read in the order of this list: it is the order of the messages, and rules and
        // quality windows take their memory in it.
        if let node, let r = reader(node, "rubric", Format.rubric) {
            checkInheritedRubricKeys(r)
            readDeductions(r, &d)
            readRuleTables(r, hazards: hazards, &d)
            readVeto(r, &d)
            readGrades(r, &d)
            readQualityWindows(r, procedure: procedure, &d)
            readSafetyRules(r, &d)
            readPassScore(r, maxScore: stepTotal + d.quality.reduce(0) { $0 + $1.maxScore }, &d)
        }
        // Default pass mark: 60 % of the attainable score.
        let maxScore = stepTotal + d.quality.reduce(0) { $0 + $1.maxScore }
        let passScore = d.pass ?? (maxScore * 0.6 * 100).rounded() / 100
        return Rubric(passScore: passScore, rejectedActionDeduction: d.rejected, violationDeduction: d.violation,
                      violationRules: d.violationRules, outOfOrderDeduction: d.outOfOrder ?? d.violation,
                      hazardRules: d.hazardRules, accidentRules: d.accidentRules, vetoEffect: d.vetoEffect, grades: d.grades,
                      quality: d.quality, rules: d.safetyRules, memorySlots: memorySlots, initialMemory: initialMemory)
    }

    /// `order` and `late` were taken by `rubricDefaults` (quietly); here they are checked.
    mutating func checkInheritedRubricKeys(_ r: MappingReader) {
        if let n = r.node("order"), let o = n.string(&bag, what: "rubric.order"), o != "strict" && o != "partial" {
            oneOfError(n, o, ["partial", "strict"], "rubric.order")
        }
        if let n = r.node("late") { _ = readLate(n, "rubric.late", base: LateSettings()) }
    }

    mutating func readDeductions(_ r: MappingReader, _ d: inout RubricDraft) {
        guard let dn = r.node("deductions"), let dr = reader(dn, "deductions", Format.deductions) else { return }
        func points(_ key: String) -> Double? {
            guard let n = dr.node(key), let x = n.double(&bag, what: "deductions.\(key)") else { return nil }
            if x < 0 || x > 1e9 { bag.error(n.location, "'deductions.\(key)' must be a non-negative number of points"); return nil }
            return x
        }
        d.rejected = points("rejectedAction") ?? 0
        d.violation = points("violation") ?? 0
        d.outOfOrder = points("outOfOrder")
        _ = points("hint")   // read by rubricDefaults; checked here
    }

    /// Per-code violations, hazards and accidents: each `veto` or points.
    mutating func readRuleTables(_ r: MappingReader, hazards: HazardTable, _ d: inout RubricDraft) {
        if let vn = r.node("violations") {
            var vr = Array(repeating: HazardRule.deduct(d.violation), count: ViolationCode.allCases.count + 1)
            let names = ViolationCode.allCases.map(\.name)
            readVetoOrPoints(vn, "rubric.violations", names: names) { i, rule in vr[Int(ViolationCode.allCases[i].rawValue)] = rule }
            d.violationRules = vr
        }
        if let hn = r.node("hazards") {
            readVetoOrPoints(hn, "rubric.hazards", names: hazards.ids, unknown: "hazard") { h, rule in d.hazardRules[h] = rule }
        }
        if let an = r.node("accidents") {
            readVetoOrPoints(an, "rubric.accidents", names: Format.consequences) { c, rule in d.accidentRules[c] = rule }
        }
    }

    mutating func readVeto(_ r: MappingReader, _ d: inout RubricDraft) {
        if let n = r.node("veto"), let v = n.string(&bag, what: "rubric.veto") {
            switch v {
            case "zero": d.vetoEffect = .zero
            case "end": d.vetoEffect = .end
            case "cap":
                if let cn = r.node("vetoCap"), let c = cn.double(&bag, what: "rubric.vetoCap") {
                    if c < 0 { bag.error(cn.location, "'rubric.vetoCap' must not be negative") }
                    d.vetoEffect = .cap(max(0, c))
                } else if r.node("vetoCap") == nil {
                    bag.error(n.location, "'veto: cap' needs 'vetoCap', the highest score a vetoed attempt keeps")
                }
            default: oneOfError(n, v, Format.vetoEffects, "rubric.veto")
            }
        }
        if let n = r.node("vetoCap") {
            if case .cap = d.vetoEffect {} else { bag.warning(n.location, "'vetoCap' has no effect unless 'veto: cap'") }
        }
    }

    mutating func readGrades(_ r: MappingReader, _ d: inout RubricDraft) {
        guard let g = r.node("grades"), let gr = reader(g, "grades", Format.grades) else { return }
        func pct(_ key: String, _ fallback: Double) -> Double {
            guard let n = gr.node(key), let x = n.double(&bag, what: "grades.\(key)") else { return fallback }
            if x < 0 || x > 100 { bag.error(n.location, "'grades.\(key)' must be a percentage from 0 to 100"); return fallback }
            return x
        }
        d.grades = GradeThresholds(excellent: pct("excellent", 90), good: pct("good", 75), pass: pct("pass", 60))
        if !(d.grades.excellent >= d.grades.good && d.grades.good >= d.grades.pass) {
            bag.error(g.location, "grade thresholds must not increase from excellent to good to pass")
        }
    }

    mutating func readQualityWindows(_ r: MappingReader, procedure: [ProcedureStep], _ d: inout RubricDraft) {
        guard let q = r.node("quality"), let list = q.sequence(&bag, what: "rubric.quality") else { return }
        var seen: [String: SourceLocation] = [:]
        for item in list { if let w = readQuality(item, procedure: procedure, seen: &seen) { d.quality.append(w) } }
    }

    mutating func readSafetyRules(_ r: MappingReader, _ d: inout RubricDraft) {
        guard let rn = r.node("rules"), let list = rn.sequence(&bag, what: "rubric.rules") else { return }
        var seen: [String: SourceLocation] = [:]
        for item in list {
            guard let rr = reader(item, "rule", Format.rule), let id = readId(rr, "rule", seen: &seen) else { continue }
            let title = localized(rr.node("title"), "\(id).title")
            guard let when = rr.node("when").flatMap({ expression($0, boolean: true, "\(id).when") }) else { continue }
            keepSource("rule.\(id).when", rr.node("when"))
            var points = 0.0
            if let n = rr.node("points"), let x = n.double(&bag, what: "\(id).points") {
                if x < 0 || x > 1e9 { bag.error(n.location, "'\(id).points' must be a non-negative number") } else { points = x }
            }
            d.safetyRules.append(SafetyRule(id: id, title: title, when: when, points: points, memoryBase: allocateMemory(when)))
        }
    }

    mutating func readPassScore(_ r: MappingReader, maxScore: Double, _ d: inout RubricDraft) {
        guard let n = r.node("passScore"), let p = n.double(&bag, what: "passScore") else { return }
        if p < 0 || p > maxScore { bag.error(n.location, "'passScore' must be between 0 and the maximum score (\(Self.format(maxScore)))") } else { d.pass = p }
    }

    /// A mapping of names to `veto` or points; `apply` gets the name's index.
    mutating func readVetoOrPoints(_ node: YNode, _ what: String, names: [String], unknown: String? = nil,
                                   _ apply: (Int, HazardRule) -> Void) {
        guard case .mapping(let pairs) = node.content else {
            bag.error(node.location, "expected a mapping for '\(what)', found \(node.kindName)")
            return
        }
        for pair in pairs {
            guard let i = names.firstIndex(of: pair.key) else {
                if let kind = unknown {
                    var msg = "unknown \(kind) '\(pair.key)' in rubric"
                    if let s = Suggest.closest(to: pair.key, among: names) { msg += "; did you mean '\(s)'?" }
                    bag.error(pair.keyLocation, msg)
                } else {
                    oneOfError(YNode(content: .scalar(YScalar(text: pair.key, style: .plain, sourceMap: .linear(start: pair.keyLocation))), location: pair.keyLocation),
                               pair.key, names, what)
                }
                continue
            }
            if case .scalar(let s) = pair.value.content, s.text == "veto" { apply(i, .veto); continue }
            if let x = pair.value.double(&bag, what: "\(what).\(pair.key)") {
                if x < 0 || x > 1e9 { bag.error(pair.value.location, "'\(what).\(pair.key)' must be 'veto' or a non-negative number of points") }
                else { apply(i, .deduct(x)) }
            }
        }
    }

    mutating func readQuality(_ item: YNode, procedure: [ProcedureStep], seen: inout [String: SourceLocation]) -> QualityWindow? {
        guard let r = reader(item, "quality", Format.quality), let id = readId(r, "quality window", seen: &seen) else { return nil }
        let title = localized(r.node("title"), "\(id).title")
        guard let valueNode = r.node("value"), let value = expression(valueNode, boolean: false, "\(id).value") else { return nil }
        keepSource("quality.\(id).value", valueNode)
        guard case .number(let dim) = value.resultType else {
            bag.error(valueNode.location, "'\(id).value' must be a number, not a condition; write e.g. 'if C then 1 else 0'")
            return nil
        }
        guard let bandNode = r.node("band"), let band = bandNode.sequence(&bag, what: "\(id).band") else { return nil }
        guard band.count == 2 else {
            bag.error(bandNode.location, "'\(id).band' needs two values, [low, high]")
            return nil
        }
        guard let low = quantity(band[0], dim, "\(id).band"), let high = quantity(band[1], dim, "\(id).band") else { return nil }
        guard low <= high else {
            bag.error(bandNode.location, "'\(id).band' is empty: low is above high")
            return nil
        }
        var unit = Units.siSymbol(for: dim) ?? ""
        var factor = 1.0, offset = 0.0
        if case .scalar(let s) = band[0].content, let u = Self.unitSymbol(s.text).flatMap(Units.lookup), u.dimension == dim {
            unit = u.symbol; factor = u.factor; offset = u.offset
        }
        func step(_ key: String) -> Int32 {
            guard let n = r.node(key), let name = n.string(&bag, what: "\(id).\(key)") else { return -1 }
            guard let k = procedure.firstIndex(where: { $0.id == name }) else {
                var msg = "unknown step '\(name)' in '\(id).\(key)'"
                if let s = Suggest.closest(to: name, among: procedure.map(\.id)) { msg += "; did you mean '\(s)'?" }
                bag.error(n.location, msg)
                return -1
            }
            return Int32(k)
        }
        let from = step("from"), to = step("to")
        if from >= 0 && from == to, let n = r.node("to") {
            bag.error(n.location, "'\(id)': the phase would end when it starts ('from' and 'to' are the same step)")
        }
        let during = r.node("during").flatMap { expression($0, boolean: true, "\(id).during") }
        keepSource("quality.\(id).during", r.node("during"))
        let grace = nonNegative(r.node("grace"), .time, "\(id).grace", default: 0)
        var score = 0.0, excursion = 0.0
        if let n = r.node("score"), let x = n.double(&bag, what: "\(id).score") {
            if x < 0 || x > 1e9 { bag.error(n.location, "'\(id).score' must be a non-negative number") } else { score = x }
        }
        if let n = r.node("excursion"), let x = n.double(&bag, what: "\(id).excursion") {
            if x < 0 || x > 1e9 { bag.error(n.location, "'\(id).excursion' must be a non-negative number") } else { excursion = x }
        }
        let valueBase = allocateMemory(value)
        let duringBase = during.map { allocateMemory($0) } ?? Int32(memorySlots)
        var w = QualityWindow(id: id, title: title, value: value, unit: unit, low: low, high: high, fromStep: from, toStep: to,
                              during: during, graceTicks: ticks(min(grace, 7 * 86400)), maxScore: score, excursionCost: excursion,
                              valueMemoryBase: valueBase, duringMemoryBase: duringBase)
        w.unitFactor = factor; w.unitOffset = offset
        return w
    }

    /// The unit written after the number in a quantity such as "2.7 m" or "80 °C".
    static func unitSymbol(_ text: String) -> String? {
        let scalars = Array(text.unicodeScalars)
        var i = 0
        while i < scalars.count, scalars[i].properties.isWhitespace || scalars[i] == "-" || scalars[i] == "+" { i += 1 }
        let end = ExprLexer.scanNumber(scalars, from: i)
        guard end > i else { return nil }
        var symbol = String(String.UnicodeScalarView(scalars[end...]))
        while symbol.first?.isWhitespace == true { symbol.removeFirst() }
        while symbol.last?.isWhitespace == true { symbol.removeLast() }
        return symbol.isEmpty ? nil : symbol
    }

    /// `report.trends`: compiled after the rubric, in the same (scorer-side) memory.
    mutating func readTrends(_ node: YNode?) -> [TrendSpec] {
        guard let node, let r = reader(node, "report", Format.report) else { return [] }
        guard let list = r.node("trends").flatMap({ $0.sequence(&bag, what: "report.trends") }) else { return [] }
        var seen: [String: SourceLocation] = [:]
        var trends: [TrendSpec] = []
        for item in list {
            guard let tr = reader(item, "trend", Format.trend), let id = readId(tr, "trend", seen: &seen) else { continue }
            let title = localized(tr.node("title"), "\(id).title")
            guard let valueNode = tr.node("value"), let value = expression(valueNode, boolean: false, "\(id).value") else { continue }
            guard case .number(let dim) = value.resultType else {
                bag.error(valueNode.location, "'\(id).value' must be a number, not a condition")
                continue
            }
            var unit = Units.siSymbol(for: dim) ?? "", factor = 1.0, offset = 0.0
            if let un = tr.node("unit"), let sym = un.string(&bag, what: "\(id).unit") {
                if let u = Units.lookup(sym), u.dimension == dim {
                    unit = u.symbol; factor = u.factor; offset = u.offset
                } else {
                    bag.error(un.location, "'\(sym)' is not a unit of \(dim) for '\(id).unit'")
                }
            }
            trends.append(TrendSpec(id: id, title: title, value: value, unit: unit, unitFactor: factor, unitOffset: offset,
                                    memoryBase: allocateMemory(value)))
        }
        return trends
    }

    /// With `veto: end`, every vetoed hazard and accident ends the attempt in the core.
    func applyVetoEnd(_ rubric: Rubric, hazards: inout HazardTable, accidents: inout AccidentPolicy) {
        guard case .end = rubric.vetoEffect else { return }
        for h in 0..<hazards.count where rubric.hazardRules[h] == .veto { hazards.endsScenario[h] = true }
        for c in Consequence.allCases where rubric.accidentRules[Int(c.rawValue)] == .veto && !accidents.ending.contains(c) {
            accidents.ending.append(c)
        }
    }
}
