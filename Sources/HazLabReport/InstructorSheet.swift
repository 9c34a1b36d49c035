import HazLabCore
import HazLabRecords
import HazLabScoring

/// The instructor sheet (`hazlab doc`): everything an instructor reads or prints before a
/// lesson, straight from the compiled scenario — the header, the procedure with its scoring
/// rules and a dependency diagram, the rubric, faults, hazards, the entity table and a plan
/// view of the layout.
///
/// Like the reports, the page is self-contained XHTML (inline CSS and SVG, no scripts or
/// network), byte-stable (fixed number formatting, declaration order, sorted maps) and
/// well-formed XML. Shapes and rows carry `data-*` attributes (`data-step`, `data-entity`,
/// `data-x-m`, …) so tests and tools can read facts back.
public struct InstructorSheet: Sendable {
    public let model: Model

    public init(model: Model) { self.model = model }

    public static func html(model: Model, language: ReportLanguage = .zhCN) -> String {
        InstructorSheet(model: model).html(language: language)
    }

    static let css = """
    .sheet td.cond, .sheet span.cond { font-family: "DejaVu Sans Mono", Menlo, Consolas, monospace; font-size: 12px; word-break: break-word; }
    .sheet td.cond { max-width: 280px; }
    .sheet td.id { font-family: "DejaVu Sans Mono", Menlo, Consolas, monospace; font-size: 12px; white-space: nowrap; }
    .sheet span.sub { display: block; color: #666; font-size: 11px; }
    .sheet td.text { min-width: 160px; max-width: 320px; }
    .sheet td.small { font-size: 12px; }
    .sheet table.procedure td { font-size: 12px; }
    .sheet ul.not-placed, .sheet ul.off-plan { margin: 4px 0 12px; padding-left: 20px; font-size: 13px; columns: 2; }
    .sheet p.description { max-width: 900px; }
    @media print { .sheet table { font-size: 11px; } .sheet .chart-box { overflow: visible; } }
    """

    public func html(language lang: ReportLanguage = .zhCN) -> String {
        let title = lang.text(model.text.title)
        var page = Page(lang: lang, title: "\(title) — \(SL.sheet(lang))", generator: "hazlab doc", extraCSS: Self.css)
        page.m.open("div", [("class", "sheet"), ("data-scenario", model.id)])
        page.m.open("header")
        page.h(1, "\(title) — \(SL.sheet(lang))")
        page.m.element("p", [("class", "subtitle")], "\(model.id) v\(model.version)")
        page.m.close()
        let score = Scorer(model: model).result
        overview(&page, maxScore: score.max)
        procedure(&page, score)
        page.operatingTicket(model, progress: nil)
        rubric(&page, score)
        exposure(&page)
        faults(&page)
        hazards(&page)
        entities(&page)
        plan(&page)
        page.m.close()
        return page.finish(engine: HazLabVersion.engine, generatedBy: SL.generatedBy(lang))
    }

    // MARK: - Names and numbers

    func seconds(_ ticks: Int64) -> String { Fmt.seconds(model.seconds(ticks: ticks)) }

    func entityName(_ row: Int, _ lang: ReportLanguage) -> String {
        row >= 0 && row < model.text.entityNames.count ? lang.text(model.text.entityNames[row]) : ""
    }

    /// "ID（name）" / "ID (name)", or the id alone.
    func entity(_ row: Int, _ lang: ReportLanguage) -> String {
        guard row >= 0, row < model.entities.count else { return "?" }
        let id = model.entities.ids[row]
        let name = entityName(row, lang)
        if name.isEmpty || name == id { return id }
        return lang == .en ? "\(id) (\(name))" : "\(id)（\(name)）"
    }

    func stepLabel(_ row: Int, _ lang: ReportLanguage) -> String {
        guard row >= 0, row < model.procedure.count else { return "?" }
        return "\(row + 1). \(lang.text(model.procedure[row].title))"
    }

    func source(_ key: String) -> String? { model.text.sources[key] }

    static func points(_ x: Double) -> String { Fmt.number(x, maxDigits: 2) }

    static func length(_ x: Double) -> String { Fmt.number(x, maxDigits: 2) }

    func rule(_ r: HazardRule, _ lang: ReportLanguage) -> String {
        switch r {
        case .none: return SL.noDeduction(lang)
        case .deduct(let x): return x == 0 ? SL.noDeduction(lang) : Self.points(x)
        case .veto: return SL.vetoWord(lang)
        }
    }

    func ruleClass(_ r: HazardRule) -> String { r == .veto ? "num veto" : "num" }

    /// The role word of a motor or switch, for the type column.
    func role(_ row: Int) -> String? {
        let local = Int(model.entities.local[row])
        switch model.entities.kinds[row] {
        case .motor where local < model.motors.count: return model.motors.role[local].name
        case .switchgear where local < model.switches.count: return model.switches.role[local].name
        default: return nil
        }
    }

    // MARK: - Tables with rich cells

    /// A cell of one or more lines; each line may carry its own span class.
    struct Cell {
        var lines: [(text: String, cls: String?)]
        var cls: String?
        var attrs: Markup.Attributes = []
        init(_ text: String, _ cls: String? = nil, _ attrs: Markup.Attributes = []) { lines = [(text, nil)]; self.cls = cls; self.attrs = attrs }
        init(lines: [(text: String, cls: String?)], _ cls: String? = nil, _ attrs: Markup.Attributes = []) {
            self.lines = lines; self.cls = cls; self.attrs = attrs
        }
        static func num(_ text: String, _ attrs: Markup.Attributes = []) -> Cell { Cell(text, "num", attrs) }
    }

    struct Row {
        var cells: [Cell]
        var cls: String?
        var attrs: Markup.Attributes = []
    }

    func table(_ page: inout Page, id: String, cls: String, headers: [String], numeric: Set<Int> = [], rows: [Row]) {
        page.m.open("table", [("id", id), ("class", cls)])
        page.m.open("thead")
        page.m.open("tr")
        for (i, h) in headers.enumerated() { page.m.element("th", numeric.contains(i) ? [("class", "num")] : [], h) }
        page.m.close()
        page.m.close()
        page.m.open("tbody")
        for r in rows {
            var ra: Markup.Attributes = []
            if let c = r.cls { ra.append(("class", c)) }
            ra.append(contentsOf: r.attrs)
            page.m.open("tr", ra)
            for c in r.cells {
                var ca: Markup.Attributes = []
                if let k = c.cls { ca.append(("class", k)) }
                ca.append(contentsOf: c.attrs)
                page.m.open("td", ca)
                for (i, line) in c.lines.enumerated() {
                    if let lc = line.cls {
                        page.m.element("span", [("class", lc)], line.text)
                    } else {
                        if i > 0 { page.m.leaf("br") }
                        page.m.content(line.text)
                    }
                }
                page.m.close()
            }
            page.m.close()
        }
        page.m.close()
        page.m.close()
        page.m.newline()
    }

    // MARK: - Overview

    func overview(_ page: inout Page, maxScore: Double) {
        let lang = page.lang
        let desc = lang.text(model.text.description)
        if !desc.isEmpty { page.m.element("p", [("class", "description")], desc) }
        page.h(2, SL.overview(lang), id: "overview")
        let limit = model.seconds(ticks: model.timeLimitTicks)
        var limitText = Fmt.seconds(limit)
        if limit >= 60 {
            let minutes = limit / 60
            limitText = "\(Fmt.number(minutes, maxDigits: 2)) min (\(limitText))"
        }
        let modes = model.text.modes.map { lang.text(CodeText.mode($0)) }.joined(separator: lang == .en ? ", " : "、")
        var pairs: [(String, String, String?)] = [
            (SL.scenarioId(lang), model.id, "mono scenario-id"),
            (L.scenario(lang), lang.text(model.text.title), nil),
            (SL.discipline(lang), lang.text(CodeText.discipline(model.text.discipline)), "discipline"),
            (SL.modes(lang), modes, "modes"),
            (SL.timeLimit(lang), limitText, "time-limit"),
            (SL.tickRate(lang), "\(model.tickRate) Hz", "tick-rate"),
            (SL.defaultSeed(lang), String(model.defaultSeed), "mono seed"),
            (SL.version(lang), String(model.version), "version"),
            (L.scenarioSHA(lang), model.sourceSHA256, "mono sha"),
            (SL.maxTotal(lang), Self.points(maxScore), "max-score"),
            (L.passScore(lang), Self.points(model.rubric.passScore), "pass-score"),
        ]
        if let gas = model.gas {
            let s = gas.spec
            let size = [Double(s.nx), Double(s.ny), Double(s.nz)].map { Self.length($0 * s.cellSize) }.joined(separator: " × ")
            let species = s.species.map(\.name).joined(separator: ", ")
            pairs.append((SL.gasGrid(lang), "\(size) m, \(Self.length(s.cellSize)) m · \(species)", "gas-grid"))
        }
        page.meta(id: "overview-table", pairs)
    }

    // MARK: - Procedure

    func lateRule(_ step: ProcedureStep, _ lang: ReportLanguage) -> String {
        guard step.expectedTicks > 0 else { return SL.lateNotTimed(lang) }
        let floor = Fmt.percent(step.late.floor, digits: 1)
        let win = seconds(step.late.windowTicks)
        switch step.late.shape {
        case .none: return SL.lateNone(lang)
        case .linear:
            if step.late.windowTicks <= 0 { return lang == .en ? "\(floor) once late" : "超时即得 \(floor)" }
            return lang == .en ? "linear: down to \(floor) over \(win)" : "线性：超时后 \(win) 内降至 \(floor)"
        case .step:
            if step.late.windowTicks <= 0 { return lang == .en ? "\(floor) once late" : "超时即得 \(floor)" }
            return lang == .en ? "step: \(win) grace, then \(floor)" : "阶跃：宽限 \(win)，之后 \(floor)"
        }
    }

    func procedure(_ page: inout Page, _ score: ScoreResult) {
        let lang = page.lang
        page.h(2, SL.procedure(lang), id: "procedure")
        let sep = lang == .en ? "; " : "；"
        var rows: [Row] = []
        for (s, step) in model.procedure.enumerated() {
            let after = step.after.map(Int.init)
            let prereq = after.isEmpty ? "—" : after.map { stepLabel($0, lang) }.joined(separator: sep)
            let hint = lang.text(step.hint)
            let modelText = s < score.steps.count ? lang.text(score.steps[s].scoringModel) : ""
            rows.append(Row(cells: [
                .num(String(s + 1)),
                Cell(lines: [(lang.text(step.title), nil), (step.id, "sub mono")], "title"),
                Cell(source("step.\(step.id).done") ?? "", "cond"),
                Cell(prereq, "small prerequisites", [("data-after", after.map { model.procedure[$0].id }.joined(separator: " "))]),
                .num(step.expectedTicks > 0 ? seconds(step.expectedTicks) : "—"),
                Cell(lateRule(step, lang), "small late"),
                Cell(Self.points(step.maxScore), "num score"),
                Cell(hint.isEmpty ? "—" : hint, "text hint"),
                Cell(hint.isEmpty ? "—" : Self.points(step.hintCost), "num hint-cost"),
                Cell(modelText, "text scoring-model"),
            ], cls: "step", attrs: [("data-step", step.id)]))
        }
        let stepTotal = model.procedure.reduce(0.0) { $0 + $1.maxScore }
        rows.append(Row(cells: [Cell(""), Cell(SL.total(lang)), Cell(""), Cell(""), Cell(""), Cell(""),
                                Cell(Self.points(stepTotal), "num score-total"), Cell(""), Cell(""), Cell("")], cls: "total"))
        table(&page, id: "procedure-table", cls: "procedure",
              headers: [L.seq(lang), L.step(lang), SL.doneWhen(lang), SL.prerequisites(lang), L.expected(lang), SL.lateRule(lang),
                        L.maxScore(lang), SL.hint(lang), SL.hintCost(lang), L.scoringModel(lang)],
              numeric: [0, 4, 6, 8], rows: rows)
        if !model.procedure.isEmpty {
            page.h(3, SL.stepGraph(lang))
            page.note(SL.stepGraphNote(lang))
            page.chart(StepGraph(model: model, lang: lang).svg())
        }
        variables(&page)
    }

    func variables(_ page: inout Page) {
        let lang = page.lang
        let keys = model.text.sources.keys.filter { $0.hasPrefix("variable.") }.sorted()
        guard !keys.isEmpty else { return }
        page.h(3, SL.variables(lang))
        table(&page, id: "variables", cls: "variables", headers: [SL.variable(lang), SL.condition(lang)], rows: keys.map { k in
            let name = String(k.dropFirst("variable.".count))
            return Row(cells: [Cell(name, "id"), Cell(model.text.sources[k] ?? "", "cond")], cls: "variable", attrs: [("data-variable", name)])
        })
    }

    // MARK: - Rubric

    func rubric(_ page: inout Page, _ score: ScoreResult) {
        page.h(2, SL.rubric(page.lang), id: "rubric")
        rubricSummary(&page, score)
        deductionRules(&page)
        qualityWindows(&page, score)
        safetyRules(&page)
        accidentRules(&page)
    }

    /// Maximum, pass mark, grade bands and what a veto does.
    func rubricSummary(_ page: inout Page, _ score: ScoreResult) {
        let lang = page.lang
        let r = model.rubric
        let maxScore = score.max
        func band(_ g: Grade, _ pct: Double) -> String {
            let pts = Self.points((maxScore * pct / 100 * 100).rounded() / 100)
            return "\(lang.text(g.title)) ≥ \(Fmt.number(pct))% (≥ \(pts))"
        }
        let grades = [band(.excellent, r.grades.excellent), band(.good, r.grades.good), band(.pass, r.grades.pass),
                      "\(lang.text(Grade.fail.title)) < \(Fmt.number(r.grades.pass))%"].joined(separator: " · ")
        let veto: String
        switch r.vetoEffect {
        case .zero: veto = SL.vetoZero(lang)
        case .cap(let c): veto = "\(SL.vetoCap(lang)) \(Self.points(c))" + (lang == .en ? "" : " 分")
        case .end: veto = SL.vetoEnd(lang)
        }
        page.meta(id: "rubric-summary", [
            (SL.maxTotal(lang), Self.points(maxScore), "max-score"),
            (L.passScore(lang), Self.points(r.passScore), "pass-score"),
            (SL.gradeBands(lang), grades, "grades"),
            (SL.vetoEffect(lang), veto, "veto-effect"),
        ])
    }

    func deductionRules(_ page: inout Page) {
        let lang = page.lang
        let r = model.rubric
        page.h(3, SL.deductionRules(lang))
        var rows: [Row] = []
        rows.append(Row(cells: [Cell(SL.rejectedAction(lang)), Cell(Self.points(r.rejectedActionDeduction), "num")],
                        cls: "deduction-rule", attrs: [("data-item", "rejected-action")]))
        rows.append(Row(cells: [Cell(SL.violationDefault(lang)), Cell(Self.points(r.violationDeduction), "num")],
                        cls: "deduction-rule", attrs: [("data-item", "violation")]))
        for code in ViolationCode.allCases {
            let i = Int(code.rawValue)
            let rr = i < r.violationRules.count ? r.violationRules[i] : .deduct(r.violationDeduction)
            rows.append(Row(cells: [Cell("\(SL.violationCode(lang))\(lang == .en ? ": " : "：")\(lang.text(CodeText.detail(code.name)))"), Cell(rule(rr, lang), ruleClass(rr))],
                            cls: rr == .veto ? "deduction-rule veto" : "deduction-rule", attrs: [("data-item", "violation:\(code.name)")]))
        }
        rows.append(Row(cells: [Cell(SL.outOfOrder(lang)), Cell(Self.points(r.outOfOrderDeduction), "num")],
                        cls: "deduction-rule", attrs: [("data-item", "out-of-order")]))
        let costs = model.procedure.filter { !$0.hint.zh.isEmpty || !$0.hint.en.isEmpty }.map(\.hintCost)
        var hintText = SL.hintPerStep(lang)
        if let first = costs.first, costs.allSatisfy({ $0 == first }) { hintText = Self.points(first) }
        rows.append(Row(cells: [Cell(SL.hintItem(lang) + " — " + SL.hintExamNote(lang)), Cell(hintText, "num")],
                        cls: "deduction-rule", attrs: [("data-item", "hint")]))
        table(&page, id: "deduction-rules", cls: "deduction-rules", headers: [SL.item(lang), SL.rule(lang)], numeric: [1], rows: rows)
    }

    func qualityWindows(_ page: inout Page, _ score: ScoreResult) {
        let lang = page.lang
        let r = model.rubric
        page.h(3, SL.qualityWindows(lang))
        if r.quality.isEmpty {
            page.note(L.noQuality(lang))
        } else {
            table(&page, id: "quality-windows", cls: "quality-windows",
                  headers: [L.quality(lang), SL.variable(lang), SL.band(lang), SL.phaseFrom(lang), SL.phaseTo(lang), SL.during(lang),
                            SL.grace(lang), L.maxScore(lang), SL.perExcursion(lang), L.scoringModel(lang)],
                  numeric: [6, 7, 8], rows: r.quality.enumerated().map { q, w in
                      let unit = w.unit.isEmpty ? "" : " \(w.unit)"
                      let bandText = "[\(Fmt.number(w.display(w.low), maxDigits: 4)), \(Fmt.number(w.display(w.high), maxDigits: 4))]\(unit)"
                      let modelText = q < score.quality.count ? lang.text(score.quality[q].scoringModel) : ""
                      return Row(cells: [
                          Cell(lines: [(lang.text(w.title), nil), (w.id, "sub mono")], "title"),
                          Cell(source("quality.\(w.id).value") ?? "", "cond"),
                          Cell(bandText, "band"),
                          Cell(w.fromStep >= 0 ? stepLabel(Int(w.fromStep), lang) : SL.attemptStart(lang), "small from"),
                          Cell(w.toStep >= 0 ? stepLabel(Int(w.toStep), lang) : SL.attemptEnd(lang), "small to"),
                          Cell(w.during == nil ? "—" : (source("quality.\(w.id).during") ?? ""), "cond"),
                          .num(w.graceTicks > 0 ? seconds(w.graceTicks) : "—"),
                          Cell(Self.points(w.maxScore), "num score"),
                          Cell(Self.points(w.excursionCost), "num excursion"),
                          Cell(modelText, "text scoring-model"),
                      ], cls: "quality", attrs: [("data-quality", w.id)])
                  })
        }
    }

    func safetyRules(_ page: inout Page) {
        let lang = page.lang
        let r = model.rubric
        page.h(3, SL.safetyRules(lang))
        if r.rules.isEmpty {
            page.note(SL.noRules(lang))
        } else {
            table(&page, id: "safety-rules", cls: "safety-rules", headers: [SL.item(lang), SL.condition(lang), SL.rule(lang)], numeric: [2],
                  rows: r.rules.map { sr in
                      Row(cells: [Cell(lines: [(lang.text(sr.title), nil), (sr.id, "sub mono")], "title"),
                                  Cell(source("rule.\(sr.id).when") ?? "", "cond"), Cell(Self.points(sr.points), "num points")],
                          cls: "rule", attrs: [("data-rule", sr.id)])
                  })
        }
    }

    /// Accidents judged by the physics (only where some physics can hurt the trainee).
    func accidentRules(_ page: inout Page) {
        let lang = page.lang
        let r = model.rubric
        guard model.gas != nil || model.electrical != nil || model.isolation != nil || model.reactors != nil else { return }
        page.h(3, SL.accidentRules(lang))
        page.note(SL.accidentNote(lang))
        let rows = Consequence.allCases.filter { $0 != .alarm }.map { c -> Row in
            let i = Int(c.rawValue)
            let rr = i < r.accidentRules.count ? r.accidentRules[i] : .none
            let ends = model.accidents.ending.contains(c)
            return Row(cells: [Cell(lang.text(CodeText.detail(c.name))), Cell(ends ? SL.yes(lang) : SL.no(lang)), Cell(rule(rr, lang), ruleClass(rr))],
                       cls: rr == .veto ? "accident veto" : "accident", attrs: [("data-consequence", c.name)])
        }
        table(&page, id: "accident-rules", cls: "accident-rules", headers: [SL.consequence(lang), SL.endsScenario(lang), SL.inRubric(lang)],
              numeric: [2], rows: rows)
    }

    // MARK: - Faults

    func effect(_ e: FaultEffect, _ lang: ReportLanguage) -> String {
        let en = lang == .en
        func row(_ table: [Int32], _ local: Int32) -> Int { local >= 0 && Int(local) < table.count ? Int(table[Int(local)]) : -1 }
        func rate(_ r: Double) -> String { Fmt.number(r * 3600, maxDigits: 4) + " m³/h" }
        switch e {
        case .tripMotor(let m):
            return (en ? "trip: " : "跳闸：") + entity(row(model.motors.entity, m), lang)
        case .tripSwitch(let s):
            return (en ? "trip: " : "跳闸：") + entity(row(model.switches.entity, s), lang)
        case .stickValve(let v):
            return (en ? "valve sticks: " : "阀门卡死：") + entity(row(model.valves.entity, v), lang)
        case .failSensor(let s, let mode):
            let how = lang.text(CodeText.sensorFailure(mode))
            return (en ? "sensor fails (\(how)): " : "传感器故障（\(how)）：") + entity(row(model.sensors.entity, s), lang)
        case .leak(let t, let r):
            return (en ? "tank leak \(rate(r)): " : "储罐泄漏 \(rate(r))：") + entity(row(model.tanks.entity, t), lang)
        case .gasLeak(let l, let r):
            let target = entity(row(model.gas?.leakEntities ?? [], l), lang)
            if r == 0 { return (en ? "leak stops: " : "泄漏停止：") + target }
            return (en ? "gas release \(rate(r)): " : "气体释放 \(rate(r))：") + target
        case .ignite(let e):
            return (en ? "ignition source at " : "点火源：") + entity(Int(e), lang)
        case .act(let input):
            let who: String
            if input.person >= 0, Int(input.person) < model.persons.count {
                let p = Int(input.person)
                let name = p < model.text.personNames.count ? lang.text(model.text.personNames[p]) : ""
                who = name.isEmpty ? model.persons[p] : name
            } else {
                who = "?"
            }
            let verb = input.verb.map { lang.text(CodeText.verb($0.rawValue)) } ?? "?"
            let value = input.hasNumber ? " = \(Fmt.number(input.number, maxDigits: 4))" : ""
            return en ? "\(who) acts: \(verb) \(entity(Int(input.entity), lang))\(value)"
                      : "\(who) 操作：\(verb) \(entity(Int(input.entity), lang))\(value)"
        }
    }

    func faults(_ page: inout Page) {
        let lang = page.lang
        page.h(2, SL.faults(lang), id: "faults")
        let f = model.faults
        guard f.count > 0 else { page.note(SL.noFaults(lang)); return }
        let drawn = State(model: model).faultTick
        var rows: [Row] = []
        for i in 0..<f.count {
            var trigger: [(text: String, cls: String?)] = []
            var attrs: Markup.Attributes = [("data-fault", f.ids[i])]
            switch f.trigger[i] {
            case .atTick(let t):
                let s = model.seconds(ticks: max(1, t))
                trigger.append((lang == .en ? "at \(Fmt.seconds(s))" : "第 \(Fmt.seconds(s)) 时", nil))
                attrs += [("data-trigger", "at"), ("data-at-s", Fmt.number(s, maxDigits: 3))]
            case .window(let lo, let hi):
                let a = model.seconds(ticks: lo), b = model.seconds(ticks: hi)
                let window = "[\(Fmt.seconds(a)), \(Fmt.seconds(b))]"
                trigger.append((lang == .en ? "at a seeded random time in \(window)" : "\(window) 内随机时刻（由随机种子决定）", nil))
                if i < drawn.count, drawn[i] >= 0 {
                    trigger.append(("\(SL.seededDraw(lang)) (\(model.defaultSeed)): \(seconds(drawn[i]))", "sub seeded"))
                }
                attrs += [("data-trigger", "window"), ("data-from-s", Fmt.number(a, maxDigits: 3)), ("data-to-s", Fmt.number(b, maxDigits: 3))]
            case .when:
                trigger.append((lang == .en ? "when" : "条件成立时", nil))
                if let src = source("fault.\(f.ids[i]).when") { trigger.append((src, "sub cond")) }
                attrs.append(("data-trigger", "when"))
            }
            let effects = f.effects[i].map { (effect($0, lang), String?.none) }
            let desc = i < model.text.faultDescriptions.count ? lang.text(model.text.faultDescriptions[i]) : ""
            rows.append(Row(cells: [Cell(f.ids[i], "id"), Cell(lines: trigger, "trigger"),
                                    Cell(lines: effects.isEmpty ? [("—", nil)] : effects, "effects"),
                                    Cell(desc.isEmpty ? "—" : desc, "text description")], cls: "fault", attrs: attrs))
        }
        table(&page, id: "faults-table", cls: "faults", headers: ["ID", SL.trigger(lang), SL.effects(lang), SL.description(lang)], rows: rows)
    }

    // MARK: - Hazards

    func hazards(_ page: inout Page) {
        let lang = page.lang
        page.h(2, SL.hazards(lang), id: "hazards")
        let h = model.hazards
        guard h.count > 0 else { page.note(SL.noHazards(lang)); return }
        table(&page, id: "hazards-table", cls: "hazards",
              headers: ["ID", SL.condition(lang), SL.consequence(lang), SL.endsScenario(lang), SL.inRubric(lang), SL.message(lang)],
              numeric: [4], rows: (0..<h.count).map { i in
                  let rr = i < model.rubric.hazardRules.count ? model.rubric.hazardRules[i] : .none
                  let msg = i < model.text.hazardMessages.count ? lang.text(model.text.hazardMessages[i]) : ""
                  return Row(cells: [Cell(h.ids[i], "id"), Cell(source("hazard.\(h.ids[i]).when") ?? "", "cond"),
                                     Cell(lang.text(CodeText.detail(h.consequence[i].name)), "consequence"),
                                     Cell(h.endsScenario[i] ? SL.yes(lang) : SL.no(lang), "ends"),
                                     Cell(rule(rr, lang), ruleClass(rr) + " rubric-rule"), Cell(msg.isEmpty ? "—" : msg, "text message")],
                             cls: rr == .veto ? "hazard veto" : "hazard", attrs: [("data-hazard", h.ids[i])])
              })
    }

    // MARK: - Entities

    func entities(_ page: inout Page) {
        let lang = page.lang
        let e = model.entities
        page.h(2, SL.entities(lang), id: "entities")
        table(&page, id: "entities-table", cls: "entities",
              headers: ["ID", SL.type(lang), SL.nameZh(lang), SL.nameEn(lang), SL.zone(lang), SL.position(lang), SL.size(lang)],
              numeric: [5, 6], rows: (0..<e.count).map { i in
                  let names = i < model.text.entityNames.count ? model.text.entityNames[i] : .empty
                  let z = Int(e.zone[i])
                  let placed = i < e.hasPosition.count && e.hasPosition[i]
                  let sized = i < e.hasSize.count && e.hasSize[i]
                  let p = e.position[i], s = e.size[i]
                  return Row(cells: [
                      Cell(e.ids[i], "id"), Cell(lang.text(CodeText.entityType(e.kinds[i], role: role(i))), "type"),
                      Cell(names.zh), Cell(names.en),
                      Cell(z >= 0 && z < e.count ? e.ids[z] : "—", "mono zone"),
                      .num(placed ? [p.x, p.y, p.z].map(Self.length).joined(separator: ", ") : "—"),
                      .num(sized ? [s.x, s.y, s.z].map(Self.length).joined(separator: " × ") : "—"),
                  ], cls: placed ? "entity placed" : "entity unplaced", attrs: [("data-entity", e.ids[i]), ("data-kind", e.kinds[i].name)])
              })
        // Persons: the trainee moves; others may work in a fixed zone.
        page.h(3, SL.persons(lang))
        table(&page, id: "persons", cls: "persons", headers: ["ID", L.student(lang) + " / " + SL.persons(lang), SL.fixedZone(lang)],
              rows: model.persons.enumerated().map { p, id in
                  let name = p < model.text.personNames.count ? lang.text(model.text.personNames[p]) : ""
                  let z = p < model.personZones.count ? Int(model.personZones[p]) : -1
                  return Row(cells: [Cell(id, "id"), Cell(name.isEmpty ? "—" : name),
                                     Cell(p == 0 ? SL.moves(lang) : (z >= 0 ? entity(z, lang) : "—"))],
                             cls: "person", attrs: [("data-person", id)])
              })
    }

    // MARK: - Plan

    func plan(_ page: inout Page) {
        let lang = page.lang
        page.h(2, SL.plan(lang), id: "plan")
        let view = PlanView(model: model, lang: lang)
        if let svg = view.svg() {
            page.note(SL.planNote(lang))
            page.chart(svg)
        } else {
            page.note(SL.noPositions(lang))
        }
        if !view.offPlan.isEmpty {
            page.h(3, SL.offPlan(lang))
            page.m.open("ul", [("class", "off-plan"), ("id", "off-plan")])
            for row in view.offPlan {
                let p = model.entities.position[row]
                page.m.element("li", [("data-entity", model.entities.ids[row])],
                               "\(entity(row, lang)) — (\([p.x, p.y].map(Self.length).joined(separator: ", "))) m")
            }
            page.m.close()
            page.m.newline()
        }
        if !view.notPlaced.isEmpty {
            page.h(3, SL.notPlaced(lang))
            page.m.open("ul", [("class", "not-placed"), ("id", "not-placed")])
            for row in view.notPlaced {
                page.m.element("li", [("data-entity", model.entities.ids[row])],
                               "\(entity(row, lang)) · \(lang.text(CodeText.entityType(model.entities.kinds[row], role: role(row))))")
            }
            page.m.close()
            page.m.newline()
        }
    }
}
