import HazLabCore

/// Teaching diagnosis across terms or classes: which steps a cohort fails (no credit) more now
/// than in the comparison results. Exam attempts are compared when a side has any, as in the
/// class statistics.
public enum TeachingDiagnosis {
    public struct StepChange: Sendable {
        public var id: String
        public var seq: Int
        public var title: LocalizedText
        public var now: Double
        public var nowAttempts: Int
        /// nil when the comparison has no attempt with this step.
        public var before: Double?
        public var beforeAttempts: Int
        /// Percentage points (now − before); nil without a comparison.
        public var change: Double? { before.map { (now - $0) * 100 } }
    }
    public struct Comparison: Sendable {
        public var scenario: String
        public var title: LocalizedText
        public var hasPrevious: Bool
        /// Largest increase first; steps new in this term after them.
        public var steps: [StepChange]
    }

    public static func compare(current: [ClassRecord], previous: [ClassRecord]) -> [Comparison] {
        let before = Dictionary(ClassReport.stats(previous).map { ($0.scenario, $0) }, uniquingKeysWith: { a, _ in a })
        return ClassReport.stats(current).map { g in
            let p = before[g.scenario]
            let steps = g.steps.map { s -> StepChange in
                let old = p?.steps.first { $0.id == s.id }
                return StepChange(id: s.id, seq: s.seq, title: s.title, now: s.failureRate, nowAttempts: s.attempts,
                                  before: old.map(\.failureRate), beforeAttempts: old?.attempts ?? 0)
            }
            let ranked = steps.enumerated().sorted { a, b in
                switch (a.element.change, b.element.change) {
                case let (x?, y?) where x != y: return x > y
                case (_?, nil): return true
                case (nil, _?): return false
                default: return a.offset < b.offset
                }
            }.map(\.element)
            return Comparison(scenario: g.scenario, title: g.title, hasPrevious: p != nil, steps: ranked)
        }
    }

    static func section(_ page: inout Page, _ comparisons: [Comparison], currentLabel: String, previousLabel: String) {
        let lang = page.lang
        page.m.open("section", [("class", "diagnosis"), ("id", "diagnosis")])
        page.h(2, lang(PL.diagnosis), id: "diagnosis-title")
        page.note(lang(PL.diagnosisNote))
        for (k, cmp) in comparisons.enumerated() {
            page.h(3, "\(lang.text(cmp.title)) (\(cmp.scenario))")
            guard cmp.hasPrevious else { page.note(lang(PL.notInPrevious)); continue }
            let rows = cmp.steps.map { s in
                RateComparisonPlot.Row(id: s.id, label: "\(s.seq). \(lang.text(s.title))", before: s.before, now: s.now,
                                       tooltip: "\(previousLabel) \(s.before.map { Fmt.percent($0) } ?? "—") → \(currentLabel) \(Fmt.percent(s.now))")
            }
            var plot = RateComparisonPlot(title: lang(PL.diagnosis), xLabel: L.failureRate(lang) + " (%)",
                                          beforeName: previousLabel, nowName: currentLabel, rows: rows)
            plot.cssClass = "chart rate-comparison diagnosis"
            page.chart(plot.svg())
            page.table(id: "diagnosis-\(k + 1)", cls: "diagnosis-steps",
                       headers: [L.seq(lang), L.step(lang), "\(previousLabel) \(L.failureRate(lang))", "\(currentLabel) \(L.failureRate(lang))",
                                 lang(PL.change)],
                       numeric: [0, 2, 3, 4], rows: cmp.steps.map { s in
                           let ch = s.change
                           return Page.Row([.num(String(s.seq)), Page.Cell(lang.text(s.title), "title"),
                                            .num(s.before.map { "\(Fmt.percent($0)) (n=\(s.beforeAttempts))" } ?? "—"),
                                            .num("\(Fmt.percent(s.now)) (n=\(s.nowAttempts))"),
                                            Page.Cell(ch.map { ($0 > 0 ? "+" : "") + Fmt.number($0, maxDigits: 1) } ?? "—",
                                                      ch.map { $0 > 0 ? "num change worse" : "num change" } ?? "num change")],
                                           cls: "diagnosis-step",
                                           attrs: [("data-step", s.id), ("data-change", ch.map { Fmt.number($0, maxDigits: 2) } ?? "")])
                       })
        }
        page.m.close()
    }
}
