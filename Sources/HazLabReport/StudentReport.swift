import HazLabCore
import HazLabRecords

/// The student report (学生成长档案): one page a class teacher can print for a parent meeting,
/// from `StudentProgress`. Self-contained, byte-stable XHTML like the other reports.
public enum StudentReport {
    public static func html(_ p: StudentProgress, language lang: ReportLanguage = .zhCN, offset: UTCOffset? = nil) -> String {
        let zone = offset ?? .readerDefault(lang)
        let heading = "\(lang(PL.studentReport)) · \(p.student)"
        var page = Page(lang: lang, title: heading, extraCSS: "ol.next li { margin: 4px 0; } td.status-mastered { color: #1a7f37; } td.status-not-yet { color: #c62828; } td.status-improving { color: #b8860b; }")
        page.m.open("header")
        page.h(1, heading)
        let first = p.attempts.compactMap(\.started).min(), last = p.attempts.compactMap(\.started).max()
        page.m.element("p", [("class", "subtitle")],
                       "\(L.attempts(lang)) \(p.attempts.count) · \(L.scenarios(lang)) \(p.scenarios.count)"
                       + (first.map { " · \(zone.date(millis: $0)) – \(zone.date(millis: last ?? $0))" } ?? ""))
        page.m.close()
        guard !p.attempts.isEmpty else {
            page.m.element("p", [("class", "empty")], lang(PL.noAttempts))
            return page.finish(engine: HazLabVersion.engine)
        }

        page.h(2, L.summary(lang), id: "summary")
        let exams = p.attempts.filter(\.isExam).count
        page.meta(id: "student-summary", [
            (L.student(lang), p.student, "student"),
            (L.attempts(lang), "\(p.attempts.count) (\(lang(PL.exam)) \(exams) · \(lang(PL.practice)) \(p.attempts.count - exams))", "attempts"),
            (lang(PL.scenariosPassed), "\(p.scenarios.filter(\.passedExam).count) / \(p.scenarios.count)", "scenarios-passed"),
            (lang(PL.period), first.map { "\(zone.display(millis: $0)) – \(zone.display(millis: last ?? $0))" } ?? "—", "period"),
        ])

        next(&page, p)
        scoreOverTime(&page, p)
        attemptsTable(&page, p, zone: zone)
        scenariosTable(&page, p)
        for (k, s) in p.scenarios.enumerated() { mastery(&page, s, index: k, zone: zone) }
        violations(&page, p, zone: zone)
        return page.finish(engine: HazLabVersion.engine)
    }

    static func next(_ page: inout Page, _ p: StudentProgress) {
        let lang = page.lang
        page.h(2, lang(PL.next), id: "next")
        if p.suggestions.isEmpty {
            page.note(lang(PL.nothingNext))
            return
        }
        page.m.open("ol", [("class", "next"), ("id", "practise-next")])
        for s in p.suggestions.prefix(10) {
            page.m.element("li", [("class", "suggestion " + s.kind), ("data-kind", s.kind), ("data-scenario", s.scenario),
                                  ("data-subject", s.subject)], lang.text(s.text))
        }
        page.m.close()
    }

    private struct ScenarioProgressID { var id: String; var title: String }

    /// Score in percent of the maximum against the attempt's place in time, one line per scenario.
    static func scoreOverTime(_ page: inout Page, _ p: StudentProgress) {
        let lang = page.lang
        page.h(2, lang(PL.scoreOverTime), id: "score-over-time")
        let n = p.attempts.count
        var chart = LineChart(title: lang(PL.scoreOverTime), xLabel: lang(PL.attemptAxis), yLabel: lang(PL.scorePercentAxis),
                              xDomain: (1, Double(Swift.max(2, n))), frame: PlotFrame(width: 900, height: 320))
        chart.yDomain = (0, 100)
        chart.xMinStep = 1
        chart.cssClass = "chart line-chart score-over-time"
        chart.attributes = [("data-attempts", String(n))]
        let index = Dictionary(p.attempts.enumerated().map { ($0.element.attempt, $0.offset + 1) }, uniquingKeysWith: { a, _ in a })
        // Dots, so a scenario attempted once still shows; one pass line when every scenario shares it.
        var passLines: [(pass: Double, scenario: ScenarioProgressID, color: String)] = []
        for (k, s) in p.scenarios.enumerated() {
            let color = SVGPlot.palette[k % SVGPlot.palette.count]
            chart.series.append(LineChart.Series(id: s.scenario, name: lang.text(s.title), color: color,
                                                 xs: s.attempts.map { Double(index[$0.attempt] ?? 0) },
                                                 ys: s.attempts.map { $0.fraction * 100 }, dots: true))
            let passes = Set(s.attempts.map { $0.max > 0 ? $0.passScore / $0.max * 100 : 0 })
            if passes.count == 1, let pass = passes.first, pass > 0 {
                passLines.append((pass, ScenarioProgressID(id: s.scenario, title: lang.text(s.title)), color))
            }
        }
        let xEnd = Double(Swift.max(2, n))
        if Set(passLines.map(\.pass)).count == 1, let pass = passLines.first?.pass {
            chart.series.append(LineChart.Series(id: "pass", name: lang(PL.passLine), color: "#555555",
                                                 xs: [1, xEnd], ys: [pass, pass], dash: "5 4"))
        } else {
            for l in passLines {
                chart.series.append(LineChart.Series(id: l.scenario.id + ":pass", name: "\(lang(PL.passLine)) (\(l.scenario.title))",
                                                     color: l.color, xs: [1, xEnd], ys: [l.pass, l.pass], dash: "5 4"))
            }
        }
        // Each attempt as a marker you can hover: when, which scenario, the score.
        chart.markers = p.attempts.enumerated().map { i, r in
            LineChart.Marker(x: Double(i + 1), color: r.passed ? "#bfe3c6" : "#f3c2c2", dash: "2 3", width: 1,
                             tooltip: "\(i + 1). \(r.scenario) \(lang.text(CodeText.mode(r.mode))) \(Fmt.number(r.total))/\(Fmt.number(r.max))",
                             cssClass: "marker attempt", attributes: [("data-attempt", r.attempt)])
        }
        page.chart(chart.svg())
    }

    static func attemptsTable(_ page: inout Page, _ p: StudentProgress, zone: UTCOffset) {
        let lang = page.lang
        page.h(2, lang(PL.attemptsOverTime), id: "attempts")
        page.note(zone.note(lang))
        let gradeKeys = ClassReport.gradeKeys
        page.table(id: "student-attempts", cls: "attempts",
                   headers: [L.seq(lang), lang(PL.started), L.scenario(lang), L.mode(lang), L.total(lang), L.grade(lang), L.passed(lang),
                             L.veto(lang), L.duration(lang)],
                   numeric: [0, 4, 8], rows: p.attempts.enumerated().map { i, r in
                       let gi = gradeKeys.firstIndex(of: r.evaluation)
                       return Page.Row([.num(String(i + 1)),
                                        Page.Cell(zone.shown(r.started), "started", r.started.map { [("data-started", ExportTime.iso8601(millis: $0))] } ?? []),
                                        Page.Cell(lang.text(r.scenarioTitle).isEmpty ? r.scenario : lang.text(r.scenarioTitle)),
                                        Page.Cell(lang.text(CodeText.mode(r.mode))),
                                        Page.Cell("\(Fmt.number(r.total)) / \(Fmt.number(r.max))", "num score"),
                                        Page.Cell(gi.map { lang.text(ClassReport.gradeTitle($0)) } ?? r.evaluation, "grade-\(r.evaluation)"),
                                        Page.Cell(r.passed ? L.yes(lang) : L.no(lang), r.passed ? "pass" : "fail"),
                                        Page.Cell(r.veto ?? "", r.veto == nil ? nil : "veto"),
                                        .num(Fmt.seconds(r.durationSeconds))],
                                       cls: "attempt", attrs: [("data-attempt", r.attempt), ("data-scenario", r.scenario), ("data-mode", r.mode)])
                   })
    }

    static func scenariosTable(_ page: inout Page, _ p: StudentProgress) {
        let lang = page.lang
        page.h(2, lang(PL.byScenario) + " · " + lang(PL.practiceVsExam), id: "scenarios")
        page.table(id: "student-scenarios", cls: "scenarios",
                   headers: [L.scenario(lang), lang(PL.discipline), lang(PL.examAttempts), "\(lang(PL.exam)) \(L.mean(lang))",
                             lang(PL.practiceAttempts), "\(lang(PL.practice)) \(L.mean(lang))", lang(PL.best), lang(PL.latest), L.passed(lang)],
                   numeric: [2, 3, 4, 5, 6, 7], rows: p.scenarios.map { s in
                       Page.Row([Page.Cell("\(lang.text(s.title)) (\(s.scenario))"),
                                 Page.Cell(s.discipline.map { lang.text(CodeText.discipline($0)) } ?? "—"),
                                 .num(String(s.exam.attempts)), .num(s.exam.attempts > 0 ? Fmt.number(s.exam.mean) : "—"),
                                 .num(String(s.practice.attempts)), .num(s.practice.attempts > 0 ? Fmt.number(s.practice.mean) : "—"),
                                 .num("\(Fmt.number(s.best.total)) / \(Fmt.number(s.best.max))"),
                                 .num("\(Fmt.number(s.latest.total)) / \(Fmt.number(s.latest.max))"),
                                 Page.Cell(s.passedExam ? L.yes(lang) : L.no(lang), s.passedExam ? "pass" : "fail")],
                                cls: "scenario-row", attrs: [("data-scenario", s.scenario), ("data-passed-exam", s.passedExam ? "true" : "false")])
                   })
    }

    static func mastery(_ page: inout Page, _ s: StudentProgress.ScenarioProgress, index: Int, zone: UTCOffset) {
        let lang = page.lang
        page.m.open("section", [("class", "mastery"), ("id", "mastery-\(index + 1)"), ("data-scenario", s.scenario)])
        page.h(2, "\(lang(PL.mastery)) · \(lang.text(s.title))")
        page.note(lang(PL.masteryNote))
        let names = (L.full(lang), L.partial(lang), L.noCredit(lang))
        let rows = s.steps.map { st in
            MasteryGrid.Row(id: st.id, label: "\(st.seq). \(lang.text(st.title))", cells: st.credits,
                            tooltips: st.credits.enumerated().map { k, c in
                                let r = s.attempts[k]
                                let score = r.steps.first { $0.id == st.id }.map { "\(Fmt.number($0.score))/\(Fmt.number($0.maxScore))" } ?? "—"
                                return "\(k + 1). \(zone.shown(r.started)) \(lang.text(CodeText.mode(r.mode))): \(score) (\(c.rawValue))"
                            })
        }
        let grid = MasteryGrid(title: lang(PL.mastery), columns: s.attempts.enumerated().map { (String($0.offset + 1), $0.element.attempt) },
                               rows: rows, names: names)
        page.chart(grid.svg())
        page.table(id: "mastery-table-\(index + 1)", cls: "mastery-steps",
                   headers: [L.seq(lang), L.step(lang), lang(PL.status), lang(PL.firstSuccess), lang(PL.failures), lang(PL.recurringFailure)],
                   numeric: [0, 4], rows: s.steps.map { st in
                       let first = st.firstFull.map { "\(lang(PL.attemptsLabel)) \($0 + 1) · \(zone.shown(s.attempts[$0].started))" } ?? "—"
                       return Page.Row([.num(String(st.seq)), Page.Cell(lang.text(st.title), "title"),
                                        Page.Cell(lang.text(st.status.label), "status-\(st.status.rawValue)"),
                                        Page.Cell(first, "first-full"), .num(String(st.failures)),
                                        Page.Cell(st.recurringFailure ? (lang == .en ? "yes" : "是") : "", st.recurringFailure ? "recurring fail" : nil)],
                                       cls: "mastery-step", attrs: [("data-step", st.id), ("data-status", st.status.rawValue),
                                                                    ("data-failures", String(st.failures))])
                   })
        page.m.close()
    }

    static func violations(_ page: inout Page, _ p: StudentProgress, zone: UTCOffset) {
        let lang = page.lang
        page.h(2, lang(PL.violations), id: "violations")
        guard !p.violations.isEmpty else { page.note(lang(PL.noViolations)); return }
        page.table(id: "recurring-violations", cls: "violations",
                   headers: [lang(PL.what), L.cause(lang), L.subject(lang), L.attemptsAffected(lang), L.totalPoints(lang), lang(PL.lastSeen)],
                   numeric: [3, 4], rows: p.violations.map { v in
                       let what = lang.text(v.title)
                       return Page.Row([Page.Cell(what.isEmpty ? v.subject : what, "what"), Page.Cell(lang.text(CodeText.cause(v.cause))),
                                        Page.Cell(v.subject), .num(String(v.attempts)),
                                        .num(v.vetoes > 0 ? L.vetoFlag(lang) + (v.points > 0 ? " + " + Fmt.number(v.points) : "") : Fmt.number(v.points)),
                                        Page.Cell(zone.shown(v.lastSeen))],
                                       cls: v.vetoes > 0 ? "violation veto" : "violation",
                                       attrs: [("data-cause", v.cause), ("data-subject", v.subject), ("data-attempts", String(v.attempts))])
                   })
    }
}
