import Foundation
import HazLabCore
import HazLabRecords

/// One graded attempt as read back from the grader's results file (`AttemptRecord.render`).
public struct ClassRecord: Sendable, Hashable {
    public struct Step: Sendable, Hashable {
        public var seq: Int
        public var id: String
        public var title: LocalizedText
        public var completed: Bool
        /// Seconds from the step's start to its completion; nil when not completed.
        public var timeUsed: Double?
        public var expectedSeconds: Double
        public var maxScore: Double
        public var score: Double
        public var outOfOrder: Int
        public var hintUsed: Bool
    }
    public struct Quality: Sendable, Hashable {
        public var id: String
        public var title: LocalizedText
        public var fractionInBand: Double
        public var excursions: Int
        public var maxScore: Double
        public var score: Double
        public var judged: Bool
    }
    public struct Deduction: Sendable, Hashable {
        public var seconds: Double
        public var cause: String
        public var subject: String
        public var detail: String
        /// What it is about, in words (the rule, hazard message, step or equipment name).
        public var title: LocalizedText = .empty
        public var points: Double
        public var veto: Bool
    }

    public var attempt: String
    public var student: String
    public var workstation: String
    public var mode: String
    /// When the attempt was taken (the journal header's `started`), UTC milliseconds; nil when unknown.
    public var started: Int64? = nil
    public var scenario: String
    public var scenarioTitle: LocalizedText
    public var scenarioSHA256: String
    public var durationSeconds: Double
    public var endReason: String
    /// Whether the workstation's claimed state hash matches the replay; nil when it claimed none.
    public var workstationAgrees: Bool?
    public var total: Double
    public var max: Double
    public var passScore: Double
    public var passed: Bool
    /// "excellent", "good", "pass" or "fail".
    public var evaluation: String
    public var veto: String?
    public var steps: [Step]
    public var quality: [Quality]
    public var deductions: [Deduction]
}

/// A results file that cannot be read.
public struct ReportInputError: Error, CustomStringConvertible, Sendable {
    public var message: String
    public var description: String { message }
    public init(_ message: String) { self.message = message }
}

extension ClassRecord {
    /// Reads the grader's results: a JSON array of attempt records (or an object holding one
    /// under "attempts"/"results"/"records", or JSON Lines with one record per line).
    public static func parse(_ data: Data, path: String = "results.json") throws -> [ClassRecord] {
        let objects: [JSONText.Value]
        if let top = try? JSONText.parse([UInt8](data)) {
            if let a = top.array {
                objects = a
            } else if case .object = top {
                if let a = (top["attempts"] ?? top["results"] ?? top["records"])?.array {
                    objects = a
                } else if top["scenario"] != nil {
                    objects = [top]
                } else {
                    throw ReportInputError("\(path): error: expected a JSON array of attempt records")
                }
            } else {
                throw ReportInputError("\(path): error: expected a JSON array of attempt records")
            }
        } else {
            // JSON Lines.
            var lines: [JSONText.Value] = []
            let text = String(decoding: data, as: UTF8.self)
            for (n, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
                let t = line.trimmingCharacters(in: .whitespacesAndNewlines)
                if t.isEmpty { continue }
                guard let o = try? JSONText.parse(Array(t.utf8)) else {
                    throw ReportInputError("\(path):\(n + 1):1: error: invalid JSON")
                }
                lines.append(o)
            }
            objects = lines
        }
        var out: [ClassRecord] = []
        for (i, o) in objects.enumerated() {
            guard case .object = o else { throw ReportInputError("\(path): error: record \(i + 1) is not a JSON object") }
            out.append(try record(o, "\(path): error: record \(i + 1)"))
        }
        return out
    }

    static func num(_ x: JSONText.Value?) -> Double? { x?.double }

    static func bool(_ x: JSONText.Value?) -> Bool? { x?.bool }

    static func text(_ x: JSONText.Value?) -> LocalizedText {
        if let s = x?.string { return LocalizedText(zh: s, en: s) }
        guard let d = x, case .object = d else { return .empty }
        return LocalizedText(zh: d["zh"]?.string ?? "", en: d["en"]?.string ?? "")
    }

    /// The members of an object (nil for any other value).
    static func object(_ x: JSONText.Value?) -> JSONText.Value? {
        guard let x, case .object = x else { return nil }
        return x
    }

    static func record(_ d: JSONText.Value, _ where_: String) throws -> ClassRecord {
        guard let scenario = d["scenario"]?.string else { throw ReportInputError("\(where_): missing \"scenario\"") }
        guard let score = object(d["score"]), let total = num(score["total"]), let max = num(score["max"]) else {
            throw ReportInputError("\(where_): missing \"score\" with \"total\" and \"max\"")
        }
        var steps: [Step] = []
        for (k, s) in (d["steps"]?.array ?? []).enumerated() {
            guard let s = object(s) else { continue }
            steps.append(Step(seq: Int(num(s["seq"]) ?? Double(k + 1)), id: s["id"]?.string ?? "step\(k + 1)", title: text(s["title"]),
                              completed: bool(s["completed"]) ?? false, timeUsed: num(s["timeUsed"]),
                              expectedSeconds: num(s["expectedSeconds"]) ?? 0, maxScore: num(s["maxScore"]) ?? 0,
                              score: num(s["score"]) ?? 0, outOfOrder: Int(num(s["outOfOrder"]) ?? 0), hintUsed: bool(s["hintUsed"]) ?? false))
        }
        var quality: [Quality] = []
        for q in d["quality"]?.array ?? [] {
            guard let q = object(q) else { continue }
            quality.append(Quality(id: q["id"]?.string ?? "", title: text(q["title"]), fractionInBand: num(q["fractionInBand"]) ?? 0,
                                   excursions: Int(num(q["excursions"]) ?? 0), maxScore: num(q["maxScore"]) ?? 0,
                                   score: num(q["score"]) ?? 0, judged: num(q["judgedSeconds"]).map { $0 > 0 } ?? true))
        }
        var deductions: [Deduction] = []
        for x in d["deductions"]?.array ?? [] {
            guard let x = object(x) else { continue }
            deductions.append(Deduction(seconds: num(x["seconds"]) ?? 0, cause: x["cause"]?.string ?? "",
                                        subject: x["subject"]?.string ?? "", detail: x["detail"]?.string ?? "",
                                        title: text(x["title"]), points: num(x["points"]) ?? 0, veto: bool(x["veto"]) ?? false))
        }
        let passScore = num(score["passScore"]) ?? 0
        // A start time in another form counts as unknown: the attempt is still reported.
        let started = (d["started"]?.string).flatMap(ExportTime.parseISO8601)
        var r = ClassRecord(
            attempt: d["attempt"]?.string ?? "", student: d["student"]?.string ?? "",
            workstation: d["workstation"]?.string ?? "", mode: (score["mode"]?.string) ?? (d["mode"]?.string ?? ""),
            scenario: scenario, scenarioTitle: text(d["scenarioTitle"]), scenarioSHA256: d["scenarioSHA256"]?.string ?? "",
            durationSeconds: num(d["durationSeconds"]) ?? 0, endReason: d["endReason"]?.string ?? "",
            workstationAgrees: (d["workstationStateHash"]?.string) == "" ? nil : bool(d["workstationAgrees"]), total: total, max: max, passScore: passScore,
            passed: bool(score["passed"]) ?? (total >= passScore), evaluation: score["evaluation"]?.string ?? "fail",
            veto: score["veto"]?.string, steps: steps, quality: quality, deductions: deductions)
        r.started = started
        return r
    }
}

/// Statistics for one scenario's attempts, as the class report shows them.
public struct ScenarioStats: Sendable {
    public struct StepStats: Sendable {
        public var id: String
        public var seq: Int
        public var title: LocalizedText
        public var attempts: Int
        public var full: Int
        public var partial: Int
        /// Scored 0 (not completed, or no credit left).
        public var noCredit: Int
        public var notCompleted: Int
        public var outOfOrder: Int
        public var hints: Int
        public var meanScore: Double
        public var maxScore: Double
        public var expectedSeconds: Double
        /// Time used by the attempts that completed the step, in record order.
        public var times: [Double]
        public var failureRate: Double { attempts > 0 ? Double(noCredit) / Double(attempts) : 0 }
        public var partialRate: Double { attempts > 0 ? Double(partial) / Double(attempts) : 0 }
    }
    public struct QualityStats: Sendable {
        public var id: String
        public var title: LocalizedText
        public var attempts: Int
        public var meanFraction: Double
        public var meanScore: Double
        public var maxScore: Double
        public var withExcursions: Int
    }
    public struct DeductionStats: Sendable {
        public var cause: String
        public var subject: String
        public var detail: String
        public var title: LocalizedText = .empty
        public var occurrences: Int
        public var attempts: Int
        public var points: Double
        public var vetoes: Int
    }

    public var scenario: String
    public var title: LocalizedText
    /// The attempts the statistics count: the exam attempts, or every attempt when the scenario
    /// has no exam attempt (then `basisIsExam` is false).
    public var records: [ClassRecord]
    /// Every attempt of the scenario, exam and practice.
    public var allRecords: [ClassRecord]
    public var basisIsExam = false
    public var versions: Int
    public var students: Int
    public var mean: Double, median: Double, min: Double, max: Double
    public var passed: Int
    /// Students with at least one passed attempt among `records`.
    public var passedStudents: Int
    /// Counts of excellent, good, pass, fail.
    public var grades: [Int]
    public var steps: [StepStats]
    public var quality: [QualityStats]
    public var deductions: [DeductionStats]

    public var passRate: Double { records.isEmpty ? 0 : Double(passed) / Double(records.count) }
    public var passRateByStudent: Double { students > 0 ? Double(passedStudents) / Double(students) : 0 }

    /// Statistics of one scenario's attempts: over its exam attempts when it has any.
    public init(scenario: String, all: [ClassRecord]) {
        let exams = all.filter(\.isExam)
        self.init(scenario: scenario, records: exams.isEmpty ? all : exams)
        allRecords = all
        basisIsExam = !exams.isEmpty
    }

    /// Statistics over exactly `records`.
    public init(scenario: String, records: [ClassRecord]) {
        self.scenario = scenario
        self.records = records
        allRecords = records
        title = records.first(where: { !$0.scenarioTitle.zh.isEmpty || !$0.scenarioTitle.en.isEmpty })?.scenarioTitle
            ?? LocalizedText(zh: scenario, en: scenario)
        versions = Set(records.map(\.scenarioSHA256)).count
        students = Set(records.map(\.student)).count
        let totals = records.map(\.total).sorted()
        mean = totals.isEmpty ? 0 : totals.reduce(0, +) / Double(totals.count)
        median = totals.isEmpty ? 0 : Quantile.of(totals, 0.5)
        min = totals.first ?? 0
        max = totals.last ?? 0
        passed = records.filter(\.passed).count
        passedStudents = Set(records.filter(\.passed).map(\.student)).count
        let order = ["excellent", "good", "pass", "fail"]
        grades = order.map { g in records.filter { $0.evaluation == g }.count }

        steps = Self.stepStats(records)
        quality = Self.qualityStats(records)
        deductions = Self.deductionStats(records)
    }

    /// Steps in procedure order; a step id missing from a record (another scenario version) is not counted there.
    static func stepStats(_ records: [ClassRecord]) -> [StepStats] {
        var ids: [(id: String, seq: Int, first: Int)] = []
        var seen: [String: Int] = [:]
        for r in records {
            for s in r.steps where seen[s.id] == nil {
                seen[s.id] = ids.count
                ids.append((s.id, s.seq, ids.count))
            }
        }
        ids.sort { $0.seq != $1.seq ? $0.seq < $1.seq : $0.first < $1.first }
        return ids.map { key in
            var st = StepStats(id: key.id, seq: key.seq, title: .empty, attempts: 0, full: 0, partial: 0, noCredit: 0, notCompleted: 0,
                               outOfOrder: 0, hints: 0, meanScore: 0, maxScore: 0, expectedSeconds: 0, times: [])
            var sum = 0.0
            for r in records {
                guard let s = r.steps.first(where: { $0.id == key.id }) else { continue }
                if st.attempts == 0 { st.title = s.title; st.maxScore = s.maxScore; st.expectedSeconds = s.expectedSeconds }
                st.attempts += 1
                sum += s.score
                if s.score <= 0 { st.noCredit += 1 } else if s.score < s.maxScore - 1e-9 { st.partial += 1 } else { st.full += 1 }
                if !s.completed { st.notCompleted += 1 }
                if s.outOfOrder > 0 { st.outOfOrder += 1 }
                if s.hintUsed { st.hints += 1 }
                if s.completed, let t = s.timeUsed { st.times.append(t) }
            }
            st.meanScore = st.attempts > 0 ? sum / Double(st.attempts) : 0
            return st
        }
    }

    static func qualityStats(_ records: [ClassRecord]) -> [QualityStats] {
        var qids: [String] = []
        for r in records { for q in r.quality where !qids.contains(q.id) { qids.append(q.id) } }
        return qids.map { id in
            var qs = QualityStats(id: id, title: .empty, attempts: 0, meanFraction: 0, meanScore: 0, maxScore: 0, withExcursions: 0)
            var f = 0.0, s = 0.0
            for r in records {
                guard let q = r.quality.first(where: { $0.id == id }) else { continue }
                if qs.attempts == 0 { qs.title = q.title; qs.maxScore = q.maxScore }
                qs.attempts += 1
                f += q.fractionInBand
                s += q.score
                if q.excursions > 0 { qs.withExcursions += 1 }
            }
            qs.meanFraction = qs.attempts > 0 ? f / Double(qs.attempts) : 0
            qs.meanScore = qs.attempts > 0 ? s / Double(qs.attempts) : 0
            return qs
        }
    }

    /// Deductions by (cause, detail, subject): in most attempts first, then most often; ties keep first appearance.
    static func deductionStats(_ records: [ClassRecord]) -> [DeductionStats] {
        var table: [DeductionStats] = []
        var index: [String: Int] = [:]
        for r in records {
            var counted: [Int] = []
            for d in r.deductions {
                let key = d.cause + "\u{1F}" + d.detail + "\u{1F}" + d.subject
                let k: Int
                if let i = index[key] { k = i } else {
                    k = table.count
                    index[key] = k
                    table.append(DeductionStats(cause: d.cause, subject: d.subject, detail: d.detail, occurrences: 0, attempts: 0, points: 0, vetoes: 0))
                }
                if table[k].title.zh.isEmpty && table[k].title.en.isEmpty { table[k].title = d.title }
                table[k].occurrences += 1
                table[k].points += d.points
                if d.veto { table[k].vetoes += 1 }
                if !counted.contains(k) { counted.append(k); table[k].attempts += 1 }
            }
        }
        let ranked = table.enumerated().sorted { a, b in
            if a.element.attempts != b.element.attempts { return a.element.attempts > b.element.attempts }
            if a.element.occurrences != b.element.occurrences { return a.element.occurrences > b.element.occurrences }
            return a.offset < b.offset
        }
        return ranked.map(\.element)
    }

    /// Score histogram: in points when every attempt has the same maximum, else in percent.
    public func histogramBins() -> (bins: [Histogram.Bin], percent: Bool) {
        let maxes = records.map(\.max)
        let common = maxes.first.flatMap { m in maxes.allSatisfy { $0 == m } && m > 0 ? m : nil }
        let top = common ?? 100
        let width = NiceTicks.step(span: top, target: 10)
        let count = Swift.max(1, Int((top / width - 1e-9).rounded(.up)))
        var bins = (0..<count).map { Histogram.Bin(lo: Double($0) * width, hi: Double($0 + 1) * width, count: 0) }
        for r in records {
            let v = common != nil ? r.total : (r.max > 0 ? r.total / r.max * 100 : 0)
            let i = Swift.min(count - 1, Swift.max(0, Int((v / width).rounded(.down))))
            bins[i].count += 1
        }
        return (bins, common == nil)
    }
}

/// The per-class report: for each scenario in a results file, the score distribution,
/// per-step outcomes and times, the most common deductions and the pass and grade rates.
public enum ClassReport {
    /// Groups records by scenario, in order of first appearance.
    public static func stats(_ records: [ClassRecord]) -> [ScenarioStats] {
        var order: [String] = []
        var groups: [String: [ClassRecord]] = [:]
        for r in records {
            if groups[r.scenario] == nil { order.append(r.scenario) }
            groups[r.scenario, default: []].append(r)
        }
        return order.map { ScenarioStats(scenario: $0, all: groups[$0]!) }
    }

    static let gradeColors = ["#1a7f37", "#1f77b4", "#b8860b", "#c62828"]
    static let gradeKeys = ["excellent", "good", "pass", "fail"]
    static func gradeTitle(_ i: Int) -> LocalizedText {
        [LocalizedText(zh: "优", en: "Excellent"), LocalizedText(zh: "良", en: "Good"),
         LocalizedText(zh: "中", en: "Pass"), LocalizedText(zh: "差", en: "Fail")][i]
    }

    /// `offset`: the zone times are shown in (default: Beijing for zh-CN, UTC for en).
    /// `previous`: another term's or class's results, for the teaching-diagnosis comparison.
    /// `attemptLink`: where an attempt id in the attempts tables links to (nil: plain text).
    public static func html(_ records: [ClassRecord], language lang: ReportLanguage = .zhCN, title: String? = nil,
                            offset: UTCOffset? = nil, previous: [ClassRecord]? = nil,
                            currentLabel: String? = nil, previousLabel: String? = nil,
                            attemptLink: ((String) -> String?)? = nil) -> String {
        let groups = stats(records)
        let zone = offset ?? .readerDefault(lang)
        let heading = title ?? L.classReport(lang)
        var page = Page(lang: lang, title: heading)
        page.m.open("header")
        page.h(1, heading)
        page.m.element("p", [("class", "subtitle")],
                       "\(L.attempts(lang)) \(records.count) · \(L.scenarios(lang)) \(groups.count)")
        page.m.close()
        if records.isEmpty {
            page.m.element("p", [("class", "empty")], L.noAttempts(lang))
            return page.finish(engine: HazLabVersion.engine)
        }
        if groups.count > 1 {
            page.h(2, L.overview(lang), id: "overview")
            page.table(id: "scenarios", cls: "overview",
                       headers: [L.scenario(lang), L.attempts(lang), L.mean(lang), L.passRate(lang)], numeric: [1, 2, 3],
                       rows: groups.map { g in
                           Page.Row([Page.Cell("\(lang.text(g.title)) (\(g.scenario))"), .num(String(g.records.count)),
                                     .num(Fmt.number(g.mean)), .num(Fmt.percent(g.passRate))])
                       })
        }
        for (k, g) in groups.enumerated() { section(&page, g, index: k, zone: zone, attemptLink: attemptLink) }
        if let previous {
            TeachingDiagnosis.section(&page, TeachingDiagnosis.compare(current: records, previous: previous),
                                      currentLabel: currentLabel ?? lang(PL.thisTerm), previousLabel: previousLabel ?? lang(PL.lastTerm))
        }
        return page.finish(engine: HazLabVersion.engine)
    }

    static func section(_ page: inout Page, _ g: ScenarioStats, index: Int, zone: UTCOffset, attemptLink: ((String) -> String?)? = nil) {
        let lang = page.lang
        page.m.open("section", [("class", "scenario"), ("id", "scenario-\(index + 1)"), ("data-scenario", g.scenario)])
        page.h(2, "\(lang.text(g.title)) (\(g.scenario))")
        if g.versions > 1 { page.note(L.scenarioVersions(lang)) }
        summary(&page, g, index: index)
        basisNote(&page, g)
        modesTable(&page, g, index: index)
        studentsTable(&page, g, index: index, zone: zone)
        helpList(&page, g, index: index)
        stepsPart(&page, g, index: index)
        timesPart(&page, g)
        deductionsPart(&page, g, index: index)
        attemptsPart(&page, g, index: index, zone: zone, attemptLink: attemptLink)
        page.m.close()
    }

    /// The summary figures, the score histogram and the grade distribution.
    static func summary(_ page: inout Page, _ g: ScenarioStats, index: Int) {
        let lang = page.lang
        let n = g.records.count
        page.m.open("div", [("class", "summary")])
        page.meta(id: "summary-\(index + 1)", [
            (L.attempts(lang), String(n), "attempts"),
            (L.students(lang), String(g.students), nil),
            (L.mean(lang), Fmt.number(g.mean), nil),
            (L.median(lang), Fmt.number(g.median), nil),
            (L.minimum(lang), Fmt.number(g.min), nil),
            (L.maximum(lang), Fmt.number(g.max), nil),
            (lang(PL.passRateByAttempt), "\(Fmt.percent(g.passRate)) (\(g.passed)/\(n))", "pass-rate"),
            (lang(PL.passRateByStudent), "\(Fmt.percent(g.passRateByStudent)) (\(g.passedStudents)/\(g.students))", "pass-rate-students"),
        ])
        page.m.open("div", [("class", "charts")])
        let (bins, percent) = g.histogramBins()
        var hist = Histogram(title: L.histogram(lang), xLabel: percent ? L.scorePercentAxis(lang) : L.scoreAxis(lang),
                             yLabel: L.count(lang), bins: bins)
        hist.attributes = [("data-attempts", String(n))]
        let passScores = Set(g.records.map(\.passScore))
        if !percent, passScores.count == 1, let p = passScores.first, p > 0 {
            hist.markers = [LineChart.Marker(x: p, color: "#c62828", dash: "5 3", width: 2, tooltip: "\(L.passScore(lang)) \(Fmt.number(p))",
                                             cssClass: "marker pass-score")]
            hist.markerLegend = [SVGPlot.LegendItem("\(L.passScore(lang)) \(Fmt.number(p))", color: "#c62828", swatch: .line(dash: "5 3"))]
        }
        page.m.raw(hist.svg())
        let bars = BarChart(title: L.gradeDistribution(lang), yLabel: L.count(lang), bars: (0..<4).map { i in
            BarChart.Bar(id: gradeKeys[i], label: lang.text(gradeTitle(i)), value: Double(g.grades[i]), color: gradeColors[i],
                         valueLabel: "\(g.grades[i]) (\(Fmt.percent(n > 0 ? Double(g.grades[i]) / Double(n) : 0, digits: 0)))")
        })
        var gradeChart = bars
        gradeChart.cssClass = "chart bar-chart grades"
        page.m.raw(gradeChart.svg())
        page.m.close()
        page.m.close()
    }

    /// Step outcomes (chart and table) and the quality criteria.
    static func stepsPart(_ page: inout Page, _ g: ScenarioStats, index: Int) {
        let lang = page.lang
        page.h(3, L.stepOutcomes(lang))
        page.note(L.stepOutcomeNote(lang))
        if !g.steps.isEmpty {
            let parts = [StackedBars.Part(id: "full", name: L.full(lang), color: "#2ca02c"),
                         StackedBars.Part(id: "partial", name: L.partial(lang), color: "#e0a020"),
                         StackedBars.Part(id: "none", name: L.noCredit(lang), color: "#d62728")]
            let rows = g.steps.map { s -> StackedBars.Row in
                let a = Double(Swift.max(1, s.attempts))
                return StackedBars.Row(id: s.id, label: "\(s.seq). \(lang.text(s.title))",
                                       fractions: [Double(s.full) / a, Double(s.partial) / a, Double(s.noCredit) / a],
                                       tooltips: [L.full(lang), L.partial(lang), L.noCredit(lang)].enumerated().map { i, name in
                                           let c = [s.full, s.partial, s.noCredit][i]
                                           return "\(name): \(c)/\(s.attempts)"
                                       })
            }
            var chart = StackedBars(title: L.stepOutcomes(lang), xLabel: L.percentAxis(lang), parts: parts, rows: rows)
            chart.cssClass = "chart stacked-bars step-outcomes"
            page.chart(chart.svg())
        }
        page.table(id: "step-stats-\(index + 1)", cls: "step-stats", headers: [
            L.seq(lang), L.step(lang), L.attempts(lang), L.full(lang), L.partial(lang), L.noCredit(lang), L.notCompleted(lang),
            L.failureRate(lang), L.partialRate(lang), L.meanScore(lang), L.maxScore(lang), L.medianTime(lang),
            L.expected(lang), L.outOfOrderCount(lang), L.hintCount(lang),
        ], numeric: Set(2...14).union([0]), rows: g.steps.map { s in
            let med = s.times.isEmpty ? "—" : Fmt.seconds(Quantile.of(s.times.sorted(), 0.5))
            return Page.Row([.num(String(s.seq)), Page.Cell(lang.text(s.title), "title"), .num(String(s.attempts)), .num(String(s.full)),
                             .num(String(s.partial)), .num(String(s.noCredit)), .num(String(s.notCompleted)),
                             Page.Cell(Fmt.percent(s.failureRate), "num failure-rate"), Page.Cell(Fmt.percent(s.partialRate), "num partial-rate"),
                             .num(Fmt.number(s.meanScore)), .num(Fmt.number(s.maxScore)), .num(med),
                             .num(s.expectedSeconds > 0 ? Fmt.seconds(s.expectedSeconds) : "—"), .num(String(s.outOfOrder)), .num(String(s.hints))],
                            cls: "step", attrs: [("data-step", s.id)])
        })

        if !g.quality.isEmpty {
            page.h(3, L.qualityStats(lang))
            page.table(id: "quality-stats-\(index + 1)", cls: "quality-stats",
                       headers: [L.quality(lang), L.attempts(lang), L.meanInBand(lang), L.meanScore(lang), L.maxScore(lang), L.excursions(lang)],
                       numeric: [1, 2, 3, 4, 5], rows: g.quality.map { q in
                           Page.Row([Page.Cell(lang.text(q.title)), .num(String(q.attempts)), .num(Fmt.percent(q.meanFraction)),
                                     .num(Fmt.number(q.meanScore)), .num(Fmt.number(q.maxScore)), .num("\(q.withExcursions)/\(q.attempts)")],
                                    cls: "quality", attrs: [("data-quality", q.id)])
                       })
        }

    }

    /// Time used per step against the expected time.
    static func timesPart(_ page: inout Page, _ g: ScenarioStats) {
        let lang = page.lang
        page.h(3, L.stepTimes(lang))
        page.note(L.stepTimesNote(lang))
        // Each step on its own scale: time used / expected time, so a 20 s step is as readable
        // as a 340 s one; the red line at 1 is the expected time. Steps without one are listed.
        let timed = g.steps.filter { $0.expectedSeconds > 0 }
        if !timed.isEmpty {
            var box = BoxPlot(title: L.stepTimes(lang), xLabel: L.timeRatioAxis(lang), rows: timed.map { s in
                BoxPlot.Row(id: s.id, label: "\(s.seq). \(lang.text(s.title)) (\(Fmt.seconds(s.expectedSeconds)))",
                            values: s.times.map { $0 / s.expectedSeconds }, reference: 1,
                            attributes: [("data-expected", Fmt.number(s.expectedSeconds, maxDigits: 4))],
                            valueTitles: s.times.map { "\(Fmt.seconds($0)) = \(Fmt.number($0 / s.expectedSeconds, maxDigits: 2))×" })
            }, referenceName: L.expectedTime(lang), valuesName: L.timeValues(lang))
            box.cssClass = "chart box-plot step-times"
            box.xCap = 4
            page.chart(box.svg())
        }
        let untimed = g.steps.filter { $0.expectedSeconds <= 0 }
        if !untimed.isEmpty {
            page.note(L.untimedSteps(lang) + untimed.map { "\($0.seq). \(lang.text($0.title))" }.joined(separator: lang == .en ? ", " : "、"))
        }

    }

    /// The most common deductions.
    static func deductionsPart(_ page: inout Page, _ g: ScenarioStats, index: Int) {
        let lang = page.lang
        let n = g.records.count
        page.h(3, L.commonDeductions(lang))
        if g.deductions.isEmpty {
            page.note(L.noDeductions(lang))
        } else {
            page.table(id: "deductions-\(index + 1)", cls: "common-deductions",
                       headers: [lang(PL.what), L.cause(lang), L.detail(lang), L.subject(lang), L.occurrences(lang), L.attemptsAffected(lang),
                                 L.share(lang), L.totalPoints(lang)],
                       numeric: [4, 5, 6, 7], rows: g.deductions.prefix(20).map { d in
                           let what = lang.text(d.title)
                           return Page.Row([Page.Cell(what.isEmpty ? d.subject : what, "what"), Page.Cell(lang.text(CodeText.cause(d.cause))),
                                     Page.Cell(d.detail == d.subject ? "" : lang.text(CodeText.detail(d.detail))),
                                     Page.Cell(d.subject), .num(String(d.occurrences)), .num(String(d.attempts)),
                                     Page.Cell(Fmt.percent(n > 0 ? Double(d.attempts) / Double(n) : 0), "num share"),
                                     .num(d.vetoes > 0 ? L.vetoFlag(lang) + (d.points > 0 ? " + " + Fmt.number(d.points) : "") : Fmt.number(d.points))],
                                    cls: d.vetoes > 0 ? "deduction veto" : "deduction",
                                    attrs: [("data-cause", d.cause), ("data-subject", d.subject), ("data-detail", d.detail)])
                       })
        }

    }

    /// Every attempt, in time order (`attemptLink`: where an attempt id links to).
    static func attemptsPart(_ page: inout Page, _ g: ScenarioStats, index: Int, zone: UTCOffset, attemptLink: ((String) -> String?)?) {
        let lang = page.lang
        page.h(3, L.attemptList(lang))
        page.note(zone.note(lang))
        page.table(id: "attempts-\(index + 1)", cls: "attempts",
                   headers: [L.student(lang), L.attempt(lang), lang(PL.started), L.workstation(lang), L.mode(lang), L.total(lang), L.grade(lang),
                             L.passed(lang), L.veto(lang), L.duration(lang), L.workstationHash(lang)],
                   numeric: [5, 9], rows: chronological(g.allRecords).map { r in
                       let gi = gradeKeys.firstIndex(of: r.evaluation)
                       let agrees: String
                       switch r.workstationAgrees {
                       case true?: agrees = L.agrees(lang)
                       case false?: agrees = L.disagrees(lang)
                       case nil: agrees = "—"
                       }
                       return Page.Row([Page.Cell(r.student, "student"), Page.Cell(r.attempt, "mono", href: attemptLink?(r.attempt)),
                                        Page.Cell(zone.shown(r.started), "started", r.started.map { [("data-started", ExportTime.iso8601(millis: $0))] } ?? []),
                                        Page.Cell(r.workstation),
                                        Page.Cell(lang.text(CodeText.mode(r.mode))),
                                        Page.Cell("\(Fmt.number(r.total)) / \(Fmt.number(r.max))", "num score"),
                                        Page.Cell(gi.map { lang.text(gradeTitle($0)) } ?? r.evaluation, "grade-\(r.evaluation)"),
                                        Page.Cell(r.passed ? L.yes(lang) : L.no(lang), r.passed ? "pass" : "fail"),
                                        Page.Cell(r.veto ?? "", r.veto == nil ? nil : "veto"),
                                        .num(Fmt.seconds(r.durationSeconds)),
                                        Page.Cell(agrees, r.workstationAgrees == false ? "fail" : nil)],
                                       cls: "attempt", attrs: [("data-attempt", r.attempt), ("data-mode", r.mode)])
                   })
    }
}
