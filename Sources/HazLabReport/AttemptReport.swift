import HazLabCore
import HazLabRecords
import HazLabRunner
import HazLabScenario
import HazLabScoring

/// The per-attempt report: the journal replayed through the deterministic core, the score
/// breakdown, trend plots of the key variables and a timeline of what happened.
///
/// Nothing the workstation claims is used for the score: it comes from the replay alone.
public struct AttemptReport: Sendable {
    /// One plotted variable, sampled on every tick from 0 to the end, in its display unit.
    public struct Trace: Sendable {
        public var id: String
        public var title: LocalizedText
        public var unit: String
        public var seconds: [Double]
        public var values: [Double]
    }

    public let model: Model
    public let journal: Journal
    public let outcome: RunOutcome
    /// `report.trends` first, then each quality window's variable unless a trend already plots it.
    public let traces: [Trace]
    /// For each quality window, the index of the trace that plots its variable.
    public let qualityTrace: [Int]
    /// Exposure accidents with their gas, rule, dose and place, keyed by the event they explain.
    public let exposureAccidents: [ExposureRecord]

    /// An exposure accident event (tick, consequence, cause) and what it was.
    public struct ExposureRecord: Sendable {
        public var tick: Int64
        public var code: Int32
        public var detail: Int32
        public var accident: ExposureAccident
    }

    /// Replays `journal` against `model`, sampling every trend and quality-window variable on every tick,
    /// and the instructor's `plots` (`hazlab report attempt --plot`) after them.
    public init(model: Model, journal: Journal, plots: [ProbeField] = []) {
        struct Def {
            var id: String, title: LocalizedText, unit: String, program: Program, base: Int
            var factor: Double, offset: Double
            /// Its memory is in `plotMemory` (the probe's own), not the rubric's.
            var plotted = false
        }
        var defs: [Def] = []
        for t in model.rubric.trends {
            defs.append(Def(id: t.id, title: t.title, unit: t.unit, program: t.value, base: Int(t.memoryBase),
                            factor: t.unitFactor, offset: t.unitOffset))
        }
        var qualityTrace: [Int] = []
        for w in model.rubric.quality {
            if let i = defs.firstIndex(where: { $0.program == w.value && $0.unit == w.unit && $0.factor == w.unitFactor && $0.offset == w.unitOffset }) {
                qualityTrace.append(i)
            } else {
                defs.append(Def(id: w.id, title: w.title, unit: w.unit, program: w.value, base: Int(w.valueMemoryBase),
                                factor: w.unitFactor, offset: w.unitOffset))
                qualityTrace.append(defs.count - 1)
            }
        }
        var plotMemory = ContiguousArray<Double>()
        for f in plots {
            defs.append(Def(id: "plot-\(defs.count)", title: LocalizedText(zh: f.expression, en: f.expression), unit: f.unit,
                            program: f.program, base: plotMemory.count, factor: f.factor, offset: f.offset, plotted: true))
            plotMemory.append(contentsOf: f.program.initialMemory())
        }
        func display(_ d: Def, _ si: Double) -> Double { d.factor == 1 && d.offset == 0 ? si : (si - d.offset) / d.factor }

        // The scorer's memory layout; our own copy, so temporal predicates see every tick.
        var memory = model.rubric.initialMemory
        var seconds: [Double] = []
        var values: [[Double]] = Array(repeating: [], count: defs.count)
        let reserve = Int(min(model.timeLimitTicks, 1_000_000)) + 1
        seconds.reserveCapacity(reserve)
        for i in defs.indices { values[i].reserveCapacity(reserve) }

        // Tick 0: what holds in the initial state, on a scratch copy of the memory (as the scorer does).
        let initial = State(model: model, seed: journal.header.seed)
        var scratch = memory, plotScratch = plotMemory
        seconds.append(model.seconds(ticks: initial.tick))
        for (i, d) in defs.enumerated() {
            let v = d.plotted ? initial.evaluate(d.program, memory: &plotScratch, base: d.base) : initial.evaluate(d.program, memory: &scratch, base: d.base)
            values[i].append(display(d, v))
        }

        var exposures: [ExposureRecord] = []
        let outcome = Runner.replay(model, journal: journal) { state, events in
            for e in events where e.kind == .accident {
                if let a = ExposureAccident.from(e, model: model, state: state) {
                    exposures.append(ExposureRecord(tick: e.tick, code: e.code, detail: e.detail, accident: a))
                }
            }
            seconds.append(model.seconds(ticks: state.tick))
            for (i, d) in defs.enumerated() {
                let v = d.plotted ? state.evaluate(d.program, memory: &plotMemory, base: d.base) : state.evaluate(d.program, memory: &memory, base: d.base)
                values[i].append(display(d, v))
            }
        }
        self.model = model
        self.journal = journal
        self.outcome = outcome
        self.qualityTrace = qualityTrace
        self.exposureAccidents = exposures
        self.traces = defs.enumerated().map { i, d in
            Trace(id: d.id, title: d.title, unit: d.unit, seconds: seconds, values: values[i])
        }
    }

    /// Replays and renders in one call.
    public static func html(model: Model, journal: Journal, language: ReportLanguage = .zhCN, maxPoints: Int = 600,
                            plots: [ProbeField] = []) -> String {
        AttemptReport(model: model, journal: journal, plots: plots).html(language: language, maxPoints: maxPoints)
    }

    // MARK: - Names

    static let deductionColor = "#d62728", vetoColor = "#8b0000", faultColor = "#b8860b", hazardColor = "#9467bd"
    static let actionColor = "#1f77b4", stepColor = "#2ca02c", alarmColor = "#ff7f0e"

    func seconds(_ tick: Int64) -> Double { model.seconds(ticks: tick) }

    func entity(_ row: Int32, _ lang: ReportLanguage) -> String {
        guard row >= 0, Int(row) < model.entities.count else { return "" }
        let id = model.entities.ids[Int(row)]
        let name = Int(row) < model.text.entityNames.count ? lang.text(model.text.entityNames[Int(row)]) : ""
        return name.isEmpty || name == id ? id : "\(name) (\(id))"
    }

    func entity(id: String, _ lang: ReportLanguage) -> String {
        guard let row = model.entityIndex[id] else { return id }
        return entity(row, lang)
    }

    func hazardMessage(_ row: Int, _ lang: ReportLanguage) -> String {
        row >= 0 && row < model.text.hazardMessages.count ? lang.text(model.text.hazardMessages[row]) : ""
    }

    func faultText(_ row: Int, _ lang: ReportLanguage) -> String {
        row >= 0 && row < model.text.faultDescriptions.count ? lang.text(model.text.faultDescriptions[row]) : ""
    }

    /// A deduction's subject in words: an entity, step, rule or hazard.
    func subject(_ d: Deduction, _ lang: ReportLanguage) -> String {
        switch d.cause {
        case .outOfOrder, .hint:
            if let s = model.procedure.first(where: { $0.id == d.subject }) { return "\(lang.text(s.title)) (\(d.subject))" }
        case .rule:
            if let r = model.rubric.rules.first(where: { $0.id == d.subject }) {
                let t = lang.text(r.title)
                return t.isEmpty ? d.subject : "\(t) (\(d.subject))"
            }
        case .hazard:
            return d.subject
        case .rejectedAction, .violation, .accident:
            return d.subject.isEmpty ? "" : entity(id: d.subject, lang)
        }
        return d.subject
    }

    func detail(_ d: Deduction, _ lang: ReportLanguage) -> String {
        switch d.cause {
        case .rule: return d.detail == d.subject ? "" : lang.text(CodeText.detail(d.detail))
        case .hazard:
            let c = lang.text(CodeText.detail(d.detail))
            if let h = model.hazards.ids.firstIndex(of: d.subject) {
                let msg = hazardMessage(h, lang)
                return msg.isEmpty ? c : "\(c) — \(msg)"
            }
            return c
        case .accident:
            let c = lang.text(CodeText.detail(d.detail))
            if let x = exposureAccidents.first(where: { $0.tick == d.tick && Consequence(rawValue: UInt8(truncatingIfNeeded: $0.code))?.name == d.detail }) {
                return c + " — " + ExposureText.accident(x.accident, model: model, zone: entity(x.accident.zone, lang), lang)
            }
            return c
        default: return lang.text(CodeText.detail(d.detail))
        }
    }

    func actionText(_ e: Event, _ lang: ReportLanguage) -> String {
        var verb = ""
        if e.ordinal >= 0 && Int(e.ordinal) < journal.actions.count {
            let a = journal.actions[Int(e.ordinal)]
            verb = lang.text(CodeText.verb(a.verb))
            if let x = a.number { verb += " = " + Fmt.number(x, maxDigits: 6) } else if let t = a.text, !t.isEmpty { verb += " “\(t)”" }
        } else {
            let index = e.kind == .actionApplied ? e.code : Int32(e.value)
            if let v = Verb.from(index: index) { verb = lang.text(CodeText.verb(v.rawValue)) }
        }
        if e.person > 0 && Int(e.person) < model.persons.count {
            let p = Int(e.person) < model.text.personNames.count ? lang.text(model.text.personNames[Int(e.person)]) : ""
            verb += " (\(L.by(lang)) \(p.isEmpty ? model.persons[Int(e.person)] : p))"
        }
        return verb
    }

    // MARK: - Timeline rows

    struct TimelineRow {
        var tick: Int64
        var kind: String
        var cls: String
        var subject: String
        var detail: String
        var points: String
    }

    func timelineRows(_ lang: ReportLanguage) -> [TimelineRow] {
        var rows: [TimelineRow] = []
        for e in outcome.events {
            switch e.kind {
            case .actionApplied:
                rows.append(TimelineRow(tick: e.tick, kind: L.actionApplied(lang), cls: "action", subject: entity(e.subject, lang),
                                        detail: actionText(e, lang), points: ""))
            case .actionRejected:
                let reason = lang.text(CodeText.detail(RejectReason(rawValue: e.code)?.name ?? "?"))
                rows.append(TimelineRow(tick: e.tick, kind: L.actionRejected(lang), cls: "rejected", subject: entity(e.subject, lang),
                                        detail: "\(actionText(e, lang)) — \(reason)", points: ""))
            case .violation:
                rows.append(TimelineRow(tick: e.tick, kind: L.violation(lang), cls: "violation", subject: entity(e.subject, lang),
                                        detail: lang.text(CodeText.detail(ViolationCode(rawValue: e.code)?.name ?? "?")), points: ""))
            case .faultFired:
                let f = Int(e.subject)
                rows.append(TimelineRow(tick: e.tick, kind: L.fault(lang), cls: "fault",
                                        subject: f >= 0 && f < model.faults.count ? model.faults.ids[f] : "", detail: faultText(f, lang), points: ""))
            case .hazardTriggered:
                let h = Int(e.subject)
                let c = lang.text(CodeText.detail(Consequence(rawValue: UInt8(truncatingIfNeeded: e.code))?.name ?? "?"))
                let msg = hazardMessage(h, lang)
                rows.append(TimelineRow(tick: e.tick, kind: L.hazard(lang), cls: "hazard",
                                        subject: h >= 0 && h < model.hazards.count ? model.hazards.ids[h] : "",
                                        detail: msg.isEmpty ? c : "\(c) — \(msg)", points: ""))
            case .alarmRaised, .alarmAcknowledged, .alarmCleared:
                let kind: L = e.kind == .alarmRaised ? .alarmRaised : (e.kind == .alarmCleared ? .alarmCleared : .alarmAcknowledged)
                var msg = ""
                if e.kind == .alarmRaised, let r = model.alarms.entity.firstIndex(of: e.subject), r < model.text.alarmMessages.count {
                    msg = lang.text(model.text.alarmMessages[r])
                    let name = Int(e.subject) < model.text.entityNames.count ? lang.text(model.text.entityNames[Int(e.subject)]) : ""
                    if msg == name { msg = "" }
                }
                rows.append(TimelineRow(tick: e.tick, kind: kind(lang), cls: "alarm", subject: entity(e.subject, lang), detail: msg, points: ""))
            case .equipmentTripped:
                rows.append(TimelineRow(tick: e.tick, kind: L.trip(lang), cls: "trip", subject: entity(e.subject, lang), detail: "", points: ""))
            case .accident:
                var detail = lang.text(CodeText.detail(Consequence(rawValue: UInt8(truncatingIfNeeded: e.code))?.name ?? "?"))
                if let x = exposureAccidents.first(where: { $0.tick == e.tick && $0.code == e.code && $0.detail == e.detail }) {
                    detail += " — " + ExposureText.accident(x.accident, model: model, zone: entity(x.accident.zone, lang), lang)
                }
                rows.append(TimelineRow(tick: e.tick, kind: L.accident(lang), cls: "accident", subject: entity(e.subject, lang),
                                        detail: detail, points: ""))
            case .scenarioEnded:
                rows.append(TimelineRow(tick: e.tick, kind: L.ended(lang), cls: "end", subject: "",
                                        detail: lang.text(CodeText.endReason(EndReason(rawValue: e.code)?.name ?? "?")), points: ""))
            default:
                break
            }
        }
        // Deductions after the events of the same tick.
        var merged: [(TimelineRow, Int)] = rows.enumerated().map { ($1, $0) }
        let base = merged.count
        for (i, d) in outcome.score.deductions.enumerated() {
            let cause = lang.text(CodeText.cause(d.cause.rawValue))
            let detail = detail(d, lang)
            merged.append((TimelineRow(tick: d.tick, kind: L.deductionEvent(lang), cls: d.veto ? "deduction veto" : "deduction",
                                       subject: subject(d, lang), detail: detail.isEmpty ? cause : "\(cause): \(detail)",
                                       points: d.veto ? L.vetoFlag(lang) : "−" + Fmt.number(d.points)), base + i))
        }
        merged.sort { $0.0.tick != $1.0.tick ? $0.0.tick < $1.0.tick : $0.1 < $1.1 }
        return merged.map(\.0)
    }

    // MARK: - HTML

    /// `offset`: the zone the start time is shown in (default: Beijing for zh-CN, UTC for en).
    public func html(language lang: ReportLanguage = .zhCN, maxPoints: Int = 600, offset: UTCOffset? = nil) -> String {
        let sc = outcome.score
        let title = lang.text(model.text.title)
        var page = Page(lang: lang, title: "\(title) — \(L.attemptReport(lang)) — \(journal.header.student)")
        page.m.open("header")
        page.h(1, "\(title) — \(L.attemptReport(lang))")
        page.m.element("p", [("class", "subtitle")], "\(L.student(lang)) \(journal.header.student.isEmpty ? "—" : journal.header.student) · \(model.id) v\(model.version)")
        page.m.close()
        summary(&page, sc, zone: offset ?? .readerDefault(lang))
        breakdown(&page, sc)
        page.operatingTicket(model, progress: outcome.finalState.ticket)
        trends(&page, sc, maxPoints: maxPoints)
        timeline(&page)
        return page.finish(engine: HazLabVersion.engine)
    }

    func summary(_ page: inout Page, _ sc: ScoreResult, zone: UTCOffset) {
        let lang = page.lang
        page.h(2, L.summary(lang), id: "summary")
        page.m.open("div", [("class", "summary")])
        page.m.open("div", [("class", "badge"), ("id", "score-badge")])
        page.m.open("div", [("class", "big")])
        page.m.element("span", [("class", "total")], Fmt.number(sc.total))
        page.m.element("span", [("class", "max")], " / " + Fmt.number(sc.max))
        page.m.close()
        page.m.open("div")
        page.m.element("span", [("class", sc.passed ? "pass" : "fail")], sc.passed ? "✔ " + L.yes(lang) : "✘ " + L.no(lang))
        page.m.element("span", [("class", "grade grade-\(sc.evaluation.rawValue)")], lang.text(sc.evaluation.title))
        page.m.close()
        page.m.close()

        let h = journal.header
        let o = outcome
        var pairs: [(String, String, String?)] = [
            (L.scenario(lang), "\(lang.text(model.text.title)) (\(model.id))", nil),
            (L.student(lang), h.student.isEmpty ? "—" : h.student, "student"),
            (L.workstation(lang), h.workstation.isEmpty ? "—" : h.workstation, nil),
            (L.mode(lang), lang.text(CodeText.mode(sc.mode.rawValue)), nil),
            (lang(PL.started), ExportTime.parseISO8601(h.started).map { "\(zone.display(millis: $0)) (UTC\(zone))" } ?? "—", "started"),
            (L.seed(lang), String(o.seed), "mono"),
            (L.duration(lang), "\(Fmt.seconds(seconds(o.ticks))) (\(Fmt.clock(seconds(o.ticks))))", nil),
            (L.endReason(lang), lang.text(CodeText.endReason(o.endReason.name)), nil),
            (L.total(lang), "\(Fmt.number(sc.total)) / \(Fmt.number(sc.max))", "total"),
            (L.passScore(lang), Fmt.number(sc.passScore), nil),
            (L.passed(lang), sc.passed ? L.yes(lang) : L.no(lang), sc.passed ? "pass" : "fail"),
            (L.grade(lang), lang.text(sc.evaluation.title), "grade-\(sc.evaluation.rawValue)"),
            (L.earned(lang), Fmt.number(sc.earned), nil),
            (L.deducted(lang), Fmt.number(sc.deducted), nil),
        ]
        if let v = sc.veto {
            pairs.append((L.veto(lang), "\(v) @ \(Fmt.seconds(seconds(sc.vetoTick)))", "veto"))
        }
        if sc.hintsUsed > 0 { pairs.append((L.hintsUsed(lang), String(sc.hintsUsed), nil)) }
        pairs.append((L.stateHash(lang), o.stateHash.hex16, "mono"))
        if let t = journal.trailer {
            let agrees = o.agrees(with: t) ?? false
            pairs.append((L.workstationHash(lang), "\(t.stateHash.isEmpty ? "—" : t.stateHash) (\(agrees ? L.agrees(lang) : L.disagrees(lang)))",
                          agrees ? "mono" : "mono fail"))
        } else {
            pairs.append((L.workstationHash(lang), L.incomplete(lang), "fail"))
        }
        pairs.append((L.engine(lang), HazLabVersion.engine, nil))
        pairs.append((L.journalEngine(lang), h.engine.isEmpty ? "—" : h.engine, nil))
        let shaOK = h.scenarioSHA256 == model.sourceSHA256
        pairs.append((L.scenarioSHA(lang), model.sourceSHA256 + (shaOK ? "" : " ≠ " + h.scenarioSHA256), shaOK ? "mono" : "mono fail"))
        page.meta(id: "attempt-meta", pairs)
        page.m.close()
    }

    func breakdown(_ page: inout Page, _ sc: ScoreResult) {
        let lang = page.lang
        page.h(2, L.breakdown(lang), id: "breakdown")
        page.h(3, L.steps(lang))
        var rows: [Page.Row] = []
        for st in sc.steps {
            rows.append(Page.Row([
                .num(String(st.seq)),
                Page.Cell(lang.text(st.title), "title"),
                .num(Fmt.seconds(st.startTick >= 0 ? seconds(st.startTick) : nil)),
                .num(Fmt.seconds(st.endTick >= 0 ? seconds(st.endTick) : nil)),
                .num(Fmt.seconds(st.usedTicks >= 0 ? seconds(st.usedTicks) : nil)),
                .num(st.expectedTicks > 0 ? Fmt.seconds(seconds(st.expectedTicks)) : "—"),
                .num(Fmt.number(st.maxScore)),
                Page.Cell(Fmt.number(st.score), "num score"),
                .num(String(st.repeatCount)),
                Page.Cell(lang.text(st.evaluation.title), "grade-\(st.evaluation.rawValue)"),
                Page.Cell(lang.text(st.scoringModel), "text"),
                Page.Cell(lang.text(st.remarks)),
            ], cls: st.completed ? "step" : "step incomplete", attrs: [("data-step", st.id)]))
        }
        let stepMax = sc.steps.reduce(0) { $0 + $1.maxScore }, stepScore = sc.steps.reduce(0) { $0 + $1.score }
        rows.append(Page.Row([Page.Cell(""), Page.Cell(L.subtotal(lang)), Page.Cell(""), Page.Cell(""), Page.Cell(""), Page.Cell(""),
                              .num(Fmt.number(stepMax)), .num(Fmt.number(stepScore)), Page.Cell(""), Page.Cell(""), Page.Cell(""), Page.Cell("")],
                             cls: "total"))
        page.table(id: "steps", cls: "breakdown", headers: [L.seq(lang), L.step(lang), L.start(lang), L.end(lang), L.timeUsed(lang),
                                                           L.expected(lang), L.maxScore(lang), L.score(lang), L.repeats(lang),
                                                           L.evaluation(lang), L.scoringModel(lang), L.remarks(lang)],
                   numeric: [0, 2, 3, 4, 5, 6, 7, 8], rows: rows)

        page.h(3, L.quality(lang))
        if sc.quality.isEmpty {
            page.note(L.noQuality(lang))
        } else {
            let qrows = sc.quality.map { q -> Page.Row in
                let unit = q.unit.isEmpty ? "" : " " + q.unit
                let judged = q.judgedTicks > 0
                return Page.Row([
                    Page.Cell(lang.text(q.title)),
                    .num("\(Fmt.number(q.low, maxDigits: 4))–\(Fmt.number(q.high, maxDigits: 4))\(unit)"),
                    .num(judged ? "\(Fmt.seconds(seconds(q.phaseStartTick)))–\(Fmt.seconds(seconds(q.phaseEndTick)))" : "—"),
                    .num(judged ? Fmt.percent(q.fractionInBand) : "—"),
                    .num(String(q.excursions)),
                    .num(judged ? "\(Fmt.number(q.minValue, maxDigits: 3))–\(Fmt.number(q.maxValue, maxDigits: 3))\(unit)" : "—"),
                    .num(Fmt.number(q.maxScore)),
                    Page.Cell(Fmt.number(q.score), "num score"),
                    Page.Cell(lang.text(q.evaluation.title), "grade-\(q.evaluation.rawValue)"),
                    Page.Cell(lang.text(q.scoringModel), "text"),
                ], cls: "quality", attrs: [("data-quality", q.id)])
            }
            page.table(id: "quality", cls: "breakdown", headers: [L.quality(lang), L.band(lang), L.phase(lang), L.inBand(lang),
                                                                 L.excursions(lang), L.range(lang), L.maxScore(lang), L.score(lang),
                                                                 L.evaluation(lang), L.scoringModel(lang)],
                       numeric: [1, 2, 3, 4, 5, 6, 7], rows: qrows)
        }

        page.h(3, L.deductions(lang))
        if sc.deductions.isEmpty {
            page.note(L.noDeductions(lang))
        } else {
            var drows = sc.deductions.map { d -> Page.Row in
                Page.Row([
                    .num(Fmt.seconds(seconds(d.tick))),
                    Page.Cell(lang.text(CodeText.cause(d.cause.rawValue))),
                    Page.Cell(subject(d, lang)),
                    Page.Cell(detail(d, lang)),
                    Page.Cell(d.veto ? "—" : Fmt.number(d.points), "num points"),
                    Page.Cell(d.veto ? L.vetoFlag(lang) : "", d.veto ? "veto" : nil),
                ], cls: d.veto ? "deduction veto" : "deduction",
                   attrs: [("data-tick", String(d.tick)), ("data-cause", d.cause.rawValue), ("data-subject", d.subject)])
            }
            drows.append(Page.Row([Page.Cell(""), Page.Cell(L.total(lang)), Page.Cell(""), Page.Cell(""),
                                   .num(Fmt.number(sc.deducted)), Page.Cell("")], cls: "total"))
            page.table(id: "deductions", cls: "breakdown", headers: [L.time(lang), L.cause(lang), L.subject(lang), L.detail(lang),
                                                                    L.points(lang), L.vetoFlag(lang)],
                       numeric: [0, 4], rows: drows)
        }
    }

    /// The vertical event markers every trend plot shares.
    func markers(_ lang: ReportLanguage) -> (markers: [LineChart.Marker], legend: [SVGPlot.LegendItem]) {
        var out: [LineChart.Marker] = []
        var hasFault = false, hasHazard = false, hasDeduction = false, hasVeto = false
        let deductions = outcome.score.deductions
        for e in outcome.events {
            switch e.kind {
            case .faultFired:
                let f = Int(e.subject)
                let id = f >= 0 && f < model.faults.count ? model.faults.ids[f] : "?"
                let text = faultText(f, lang)
                out.append(LineChart.Marker(x: seconds(e.tick), color: Self.faultColor, dash: "6 4",
                                            tooltip: "\(L.fault(lang)) \(id) @ \(Fmt.seconds(seconds(e.tick)))" + (text.isEmpty ? "" : ": \(text)"),
                                            cssClass: "marker fault", attributes: [("data-tick", String(e.tick)), ("data-fault", id)]))
                hasFault = true
            case .hazardTriggered:
                let h = Int(e.subject)
                let id = h >= 0 && h < model.hazards.count ? model.hazards.ids[h] : "?"
                // A hazard that was scored is drawn as its deduction.
                if deductions.contains(where: { $0.cause == .hazard && $0.subject == id && $0.tick == e.tick }) { continue }
                out.append(LineChart.Marker(x: seconds(e.tick), color: Self.hazardColor, dash: "2 3",
                                            tooltip: "\(L.hazard(lang)) \(id) @ \(Fmt.seconds(seconds(e.tick))): \(hazardMessage(h, lang))",
                                            cssClass: "marker hazard", attributes: [("data-tick", String(e.tick)), ("data-hazard", id)]))
                hasHazard = true
            default: break
            }
        }
        for d in deductions {
            let cause = lang.text(CodeText.cause(d.cause.rawValue))
            let detail = detail(d, lang)
            let pts = d.veto ? L.vetoFlag(lang) : "−" + Fmt.number(d.points)
            out.append(LineChart.Marker(x: seconds(d.tick), color: d.veto ? Self.vetoColor : Self.deductionColor, dash: nil,
                                        width: d.veto ? 3 : 1.5,
                                        tooltip: "\(cause) @ \(Fmt.seconds(seconds(d.tick))): \(subject(d, lang))" + (detail.isEmpty ? "" : " — \(detail)") + " (\(pts))",
                                        cssClass: d.veto ? "marker deduction veto" : "marker deduction",
                                        attributes: [("data-tick", String(d.tick)), ("data-cause", d.cause.rawValue), ("data-subject", d.subject)]))
            if d.veto { hasVeto = true } else { hasDeduction = true }
        }
        var legend: [SVGPlot.LegendItem] = []
        if hasDeduction { legend.append(SVGPlot.LegendItem(L.markerDeduction(lang), color: Self.deductionColor, swatch: .line(dash: nil))) }
        if hasVeto { legend.append(SVGPlot.LegendItem(L.markerVeto(lang), color: Self.vetoColor, swatch: .line(dash: nil))) }
        if hasFault { legend.append(SVGPlot.LegendItem(L.markerFault(lang), color: Self.faultColor, swatch: .line(dash: "6 4"))) }
        if hasHazard { legend.append(SVGPlot.LegendItem(L.markerHazard(lang), color: Self.hazardColor, swatch: .line(dash: "2 3"))) }
        return (out, legend)
    }

    static let plotLeft = 96.0

    /// One chart per display unit: every variable in that unit, with the quality bands on it.
    public func trendCharts(language lang: ReportLanguage, maxPoints: Int = 600) -> [LineChart] {
        var units: [String] = []
        for t in traces where !units.contains(t.unit) { units.append(t.unit) }
        let sc = outcome.score
        let end = seconds(outcome.ticks)
        let (marks, markLegend) = markers(lang)
        var charts: [LineChart] = []
        for unit in units {
            let members = traces.indices.filter { traces[$0].unit == unit }
            let names = members.map { lang.text(traces[$0].title) }
            var chart = LineChart(title: names.joined(separator: lang == .en ? " / " : "／"), xLabel: L.timeAxis(lang),
                                  yLabel: unit, xDomain: (0, Swift.max(end, seconds(1))),
                                  frame: PlotFrame(width: 960, height: 290, left: Self.plotLeft, right: 16, top: 30, bottom: 40))
            chart.cssClass = "chart line-chart trend"
            chart.attributes = [("data-unit", unit)]
            for i in members {
                let t = traces[i]
                let (xs, ys) = Downsample.minMax(xs: t.seconds, ys: t.values, maxPoints: maxPoints)
                chart.series.append(LineChart.Series(id: t.id, name: lang.text(t.title) + (unit.isEmpty ? "" : " (\(unit))"),
                                                     color: SVGPlot.palette[i % SVGPlot.palette.count], xs: xs, ys: ys))
            }
            for (q, w) in model.rubric.quality.enumerated() where members.contains(qualityTrace[q]) {
                let r = q < sc.quality.count ? sc.quality[q] : nil
                let judged = (r?.judgedTicks ?? 0) > 0
                let x0 = judged ? seconds(r!.phaseStartTick) : 0, x1 = judged ? seconds(r!.phaseEndTick) : end
                let band = "\(Fmt.number(w.display(w.low), maxDigits: 4))–\(Fmt.number(w.display(w.high), maxDigits: 4))\(unit.isEmpty ? "" : " " + unit)"
                chart.bands.append(LineChart.Band(id: w.id, name: "\(lang.text(w.title)) [\(band)]", x0: x0, x1: x1,
                                                  y0: w.display(w.low), y1: w.display(w.high),
                                                  opacity: judged ? 0.14 : 0.05))
            }
            chart.markers = marks
            chart.extraLegend = markLegend
            charts.append(chart)
        }
        return charts
    }

    func trends(_ page: inout Page, _ sc: ScoreResult, maxPoints: Int) {
        let lang = page.lang
        page.h(2, L.trends(lang), id: "trends")
        let charts = trendCharts(language: lang, maxPoints: maxPoints)
        if charts.isEmpty { page.note(L.noTrends(lang)); return }
        for c in charts { page.chart(c.svg()) }
        gasLimits(&page)
    }

    /// Under the gas trends: each gas's limits and bands, the legend of every reading (Docs/exposure.md).
    func gasLimits(_ page: inout Page) {
        guard let net = model.gas else { return }
        let lang = page.lang
        page.h(3, lang.text(ExposureText.limitsTitle), id: "gas-limits-title")
        let rows = ExposureText.rows(net.spec).map { cells in
            Page.Row(cells.enumerated().map { k, c in k >= 2 && k <= 5 ? Page.Cell.num(c) : Page.Cell(c) }, cls: "gas-limit", attrs: [("data-gas", cells[0])])
        }
        page.table(id: "gas-limits", cls: "gas-limits", headers: ExposureText.headers.map { lang.text($0) }, numeric: [2, 3, 4, 5], rows: rows)
        page.note(lang.text(ExposureText.oxygenRow) + " · " + GasDisplay.oxygenBands)
    }

    public func timelineStrip(language lang: ReportLanguage) -> EventStrip {
        let end = seconds(outcome.ticks)
        let events = timelineEventLanes(lang, end: end)
        var strip = EventStrip(title: L.timeline(lang), xLabel: L.timeAxis(lang), xDomain: (0, Swift.max(end, seconds(1))), lanes: [
            EventStrip.Lane(id: "steps", label: L.laneSteps(lang), items: timelineStepItems(lang)),
            EventStrip.Lane(id: "actions", label: L.laneActions(lang), items: events.actions),
            EventStrip.Lane(id: "faults", label: L.laneFaults(lang), items: events.faults),
            EventStrip.Lane(id: "alarms", label: L.laneAlarms(lang), items: events.alarms),
            EventStrip.Lane(id: "hazards", label: L.laneHazards(lang), items: events.hazards),
            EventStrip.Lane(id: "deductions", label: L.laneDeductions(lang), items: timelineDeductionItems(lang)),
        ])
        strip.width = 960
        strip.left = Self.plotLeft
        strip.legend = Self.timelineLegend(strip, lang)
        return strip
    }

    /// A timeline tooltip: what, when, and about what.
    func timelineTip(_ kind: String, _ tick: Int64, _ rest: String) -> String { "\(kind) @ \(Fmt.seconds(seconds(tick))): \(rest)" }

    func timelineStepItems(_ lang: ReportLanguage) -> [EventStrip.Item] {
        outcome.score.steps.filter { $0.endTick >= 0 }.map { st in
            EventStrip.Item(x: seconds(st.endTick), shape: .square, color: Self.stepColor,
                            tooltip: "\(st.seq). \(lang.text(st.title)) @ \(Fmt.seconds(seconds(st.endTick)))",
                            cssClass: "item step", attributes: [("data-tick", String(st.endTick)), ("data-step", st.id)])
        }
    }

    /// The lanes drawn from the events. An alarm is a bar from raised to cleared, or to the
    /// end of the attempt when it never cleared.
    func timelineEventLanes(_ lang: ReportLanguage, end: Double)
        -> (actions: [EventStrip.Item], faults: [EventStrip.Item], alarms: [EventStrip.Item], hazards: [EventStrip.Item]) {
        var actions: [EventStrip.Item] = [], faults: [EventStrip.Item] = [], alarms: [EventStrip.Item] = [], hazards: [EventStrip.Item] = []
        var alarmOpen: [(row: Int32, tick: Int64)] = []
        for e in outcome.events {
            let at = [("data-tick", String(e.tick))]
            switch e.kind {
            case .actionApplied, .actionRejected:
                actions.append(timelineActionItem(e, lang))
            case .faultFired:
                let f = Int(e.subject)
                faults.append(EventStrip.Item(x: seconds(e.tick), shape: .triangle, color: Self.faultColor,
                                              tooltip: timelineTip(L.fault(lang), e.tick, "\(f < model.faults.count ? model.faults.ids[f] : "?") \(faultText(f, lang))"),
                                              cssClass: "item fault", attributes: at))
            case .equipmentTripped:
                faults.append(EventStrip.Item(x: seconds(e.tick), shape: .bar, color: Self.faultColor,
                                              tooltip: timelineTip(L.trip(lang), e.tick, entity(e.subject, lang)), cssClass: "item trip", attributes: at))
            case .alarmRaised:
                alarmOpen.append((e.subject, e.tick))
            case .alarmCleared:
                if let i = alarmOpen.firstIndex(where: { $0.row == e.subject }) {
                    let o = alarmOpen.remove(at: i)
                    alarms.append(EventStrip.Item(x: seconds(o.tick), x1: seconds(e.tick), shape: .bar, color: Self.alarmColor,
                                                  tooltip: timelineTip(L.alarmRaised(lang), o.tick, "\(entity(e.subject, lang)) → \(Fmt.seconds(seconds(e.tick)))"),
                                                  cssClass: "item alarm", attributes: [("data-tick", String(o.tick))]))
                }
            case .alarmAcknowledged:
                alarms.append(EventStrip.Item(x: seconds(e.tick), shape: .bar, color: "#555555",
                                              tooltip: timelineTip(L.alarmAcknowledged(lang), e.tick, entity(e.subject, lang)), cssClass: "item alarm-ack", attributes: at))
            case .hazardTriggered, .violation, .accident:
                hazards.append(timelineHazardItem(e, lang))
            default: break
            }
        }
        for o in alarmOpen {
            alarms.append(EventStrip.Item(x: seconds(o.tick), x1: end, shape: .bar, color: Self.alarmColor,
                                          tooltip: timelineTip(L.alarmRaised(lang), o.tick, entity(o.row, lang)), cssClass: "item alarm",
                                          attributes: [("data-tick", String(o.tick))]))
        }
        return (actions, faults, alarms, hazards)
    }

    /// An applied action, or a rejected one with its reason.
    func timelineActionItem(_ e: Event, _ lang: ReportLanguage) -> EventStrip.Item {
        let at = [("data-tick", String(e.tick))]
        guard e.kind == .actionRejected else {
            return EventStrip.Item(x: seconds(e.tick), shape: .circle, color: Self.actionColor,
                                   tooltip: timelineTip(L.actionApplied(lang), e.tick, "\(actionText(e, lang)) \(entity(e.subject, lang))"),
                                   cssClass: "item action", attributes: at)
        }
        let reason = lang.text(CodeText.detail(RejectReason(rawValue: e.code)?.name ?? "?"))
        return EventStrip.Item(x: seconds(e.tick), shape: .cross, color: Self.deductionColor,
                               tooltip: timelineTip(L.actionRejected(lang), e.tick, "\(actionText(e, lang)) \(entity(e.subject, lang)) — \(reason)"),
                               cssClass: "item rejected", attributes: at)
    }

    /// A hazard, a violation or an accident.
    func timelineHazardItem(_ e: Event, _ lang: ReportLanguage) -> EventStrip.Item {
        let h = Int(e.subject)
        let text: String, kind: String
        switch e.kind {
        case .hazardTriggered:
            kind = L.hazard(lang)
            text = "\(h < model.hazards.count ? model.hazards.ids[h] : "?") \(hazardMessage(h, lang))"
        case .violation:
            kind = L.violation(lang)
            text = "\(entity(e.subject, lang)) \(lang.text(CodeText.detail(ViolationCode(rawValue: e.code)?.name ?? "?")))"
        default:
            kind = L.accident(lang)
            text = "\(entity(e.subject, lang)) \(lang.text(CodeText.detail(Consequence(rawValue: UInt8(truncatingIfNeeded: e.code))?.name ?? "?")))"
        }
        return EventStrip.Item(x: seconds(e.tick), shape: e.kind == .violation ? .cross : .diamond,
                               color: e.kind == .accident ? Self.vetoColor : Self.hazardColor,
                               tooltip: timelineTip(kind, e.tick, text), cssClass: "item \(e.kind.name)", attributes: [("data-tick", String(e.tick))])
    }

    func timelineDeductionItems(_ lang: ReportLanguage) -> [EventStrip.Item] {
        outcome.score.deductions.map { d in
            let pts = d.veto ? L.vetoFlag(lang) : "−" + Fmt.number(d.points)
            return EventStrip.Item(x: seconds(d.tick), shape: .bar, color: d.veto ? Self.vetoColor : Self.deductionColor,
                                   tooltip: timelineTip(lang.text(CodeText.cause(d.cause.rawValue)), d.tick, "\(subject(d, lang)) (\(pts))"),
                                   cssClass: "item deduction",
                                   attributes: [("data-tick", String(d.tick)), ("data-cause", d.cause.rawValue)])
        }
    }

    /// A legend entry for each kind of mark that appears.
    static func timelineLegend(_ strip: EventStrip, _ lang: ReportLanguage) -> [SVGPlot.LegendItem] {
        let all = strip.lanes.flatMap(\.items).map(\.cssClass)
        let kinds: [(String, L, String, SVGPlot.Swatch)] = [
            ("item step", .stepDone, Self.stepColor, .square),
            ("item action", .actionApplied, Self.actionColor, .dot),
            ("item rejected", .actionRejected, Self.deductionColor, .cross),
            ("item fault", .fault, Self.faultColor, .triangle),
            ("item trip", .trip, Self.faultColor, .bar),
            ("item alarm", .alarmRaised, Self.alarmColor, .rect(opacity: 0.55)),
            ("item alarm-ack", .alarmAcknowledged, "#555555", .bar),
            ("item hazard", .hazard, Self.hazardColor, .diamond),
            ("item violation", .violation, Self.hazardColor, .cross),
            ("item accident", .accident, Self.vetoColor, .diamond),
            ("item deduction", .deductionEvent, Self.deductionColor, .bar),
        ]
        return kinds.filter { all.contains($0.0) }.map { SVGPlot.LegendItem($0.1(lang), color: $0.2, swatch: $0.3) }
    }

    func timeline(_ page: inout Page) {
        let lang = page.lang
        page.h(2, L.timeline(lang), id: "timeline")
        page.chart(timelineStrip(language: lang).svg())
        page.h(3, L.events(lang))
        let rows = timelineRows(lang)
        if rows.isEmpty { page.note(L.noEvents(lang)); return }
        page.table(id: "events", cls: "timeline", headers: [L.time(lang), L.kind(lang), L.subject(lang), L.detail(lang), L.points(lang)],
                   numeric: [0, 4], rows: rows.map { r in
                       Page.Row([.num(Fmt.seconds(seconds(r.tick))), Page.Cell(r.kind), Page.Cell(r.subject), Page.Cell(r.detail),
                                 .num(r.points)], cls: r.cls, attrs: [("data-tick", String(r.tick))])
                   })
    }
}
