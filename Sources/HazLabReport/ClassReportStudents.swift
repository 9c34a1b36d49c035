import HazLabCore
import HazLabRecords

/// The class report's per-student sections: which attempts the statistics count, exam and
/// practice apart, one row per student, and who needs help.
extension ClassReport {
    static func basisNote(_ page: inout Page, _ g: ScenarioStats) {
        let lang = page.lang
        let others = g.allRecords.count - g.records.count
        if g.basisIsExam && others > 0 {
            page.note(lang == .en
                      ? "The statistics count the \(g.records.count) exam attempt(s) only; the \(others) practice or teaching attempt(s) are shown apart."
                      : "以上及以下统计只计考试模式的 \(g.records.count) 次尝试；练习/教学模式的 \(others) 次尝试另列。")
        } else if !g.basisIsExam {
            page.note(lang == .en ? "This scenario has no exam attempt: the statistics are of practice and teaching attempts."
                                  : "本场景没有考试模式的尝试，统计的是练习/教学模式的尝试。")
        }
    }

    static func modesTable(_ page: inout Page, _ g: ScenarioStats, index: Int) {
        let lang = page.lang
        let exam = ModeSummary(exam: true, records: g.allRecords.filter(\.isExam))
        let practice = ModeSummary(exam: false, records: g.allRecords.filter { !$0.isExam })
        page.h(3, lang(PL.modes))
        let headers: [String] = [lang(PL.kind), L.attempts(lang), L.students(lang), L.mean(lang), lang(PL.passRateByAttempt),
                                 lang(PL.passRateByStudent)]
        page.table(id: "modes-\(index + 1)", cls: "modes", headers: headers, numeric: [1, 2, 3, 4, 5],
                   rows: [modeRow(exam, lang), modeRow(practice, lang)])
    }

    static func modeRow(_ m: ModeSummary, _ lang: ReportLanguage) -> Page.Row {
        let byAttempt: String = m.attempts > 0 ? "\(Fmt.percent(m.passRateByAttempt)) (\(m.passedAttempts)/\(m.attempts))" : "—"
        let byStudent: String = m.students > 0 ? "\(Fmt.percent(m.passRateByStudent)) (\(m.passedStudents)/\(m.students))" : "—"
        let cells: [Page.Cell] = [Page.Cell(lang(m.exam ? PL.exam : PL.practice)), .num(String(m.attempts)), .num(String(m.students)),
                                  .num(m.attempts > 0 ? Fmt.number(m.mean) : "—"), Page.Cell(byAttempt, "num by-attempt"),
                                  Page.Cell(byStudent, "num by-student")]
        return Page.Row(cells, cls: "mode", attrs: [("data-kind", m.exam ? "exam" : "practice")])
    }

    static func studentsTable(_ page: inout Page, _ g: ScenarioStats, index: Int, zone: UTCOffset) {
        let lang = page.lang
        let rows = StudentSummary.of(g.allRecords)
        page.h(3, lang(PL.studentSummary))
        page.table(id: "students-\(index + 1)", cls: "students",
                   headers: [L.student(lang), lang(PL.examAttempts), lang(PL.practiceAttempts), lang(PL.latest), lang(PL.started),
                             lang(PL.best), L.passed(lang)],
                   numeric: [1, 2, 3, 5], rows: rows.map { s in
                       Page.Row([Page.Cell(s.student, "student"), .num(String(s.examAttempts)), .num(String(s.practiceAttempts)),
                                 Page.Cell("\(Fmt.number(s.latest.total)) / \(Fmt.number(s.latest.max))", "num latest"),
                                 Page.Cell(zone.shown(s.latest.started), "started"),
                                 Page.Cell("\(Fmt.number(s.best.total)) / \(Fmt.number(s.best.max))", "num best"),
                                 Page.Cell(s.passed ? L.yes(lang) : L.no(lang), s.passed ? "pass" : "fail")],
                                cls: "student-row", attrs: [("data-student", s.student), ("data-passed", s.passed ? "true" : "false")])
                   })
    }

    static func helpList(_ page: inout Page, _ g: ScenarioStats, index: Int) {
        let lang = page.lang
        page.h(3, lang(PL.needsHelp))
        let help = HelpEntry.ranked(g.allRecords)
        if help.isEmpty {
            page.note(lang(PL.noneNeedsHelp))
            return
        }
        page.note(lang(PL.needsHelpNote))
        page.table(id: "help-\(index + 1)", cls: "needs-help",
                   headers: [L.seq(lang), L.student(lang), lang(PL.evidence), lang(PL.latest), lang(PL.reasons)],
                   numeric: [0, 2, 3], rows: help.enumerated().map { i, h in
                       Page.Row([.num(String(i + 1)), Page.Cell(h.student, "student"), Page.Cell(Fmt.number(h.evidence), "num evidence"),
                                 .num("\(Fmt.number(h.latest.total)) / \(Fmt.number(h.latest.max))"),
                                 Page.Cell(h.reasons.map { lang.text($0) }.joined(separator: lang == .en ? "; " : "；"), "reasons")],
                                cls: "help", attrs: [("data-student", h.student), ("data-evidence", Fmt.number(h.evidence))])
                   })
    }
}
