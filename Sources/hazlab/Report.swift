import ArgumentParser
import Foundation
import HazLabCore
import HazLabRecords
import HazLabReport
import HazLabRunner
import HazLabScenario

struct Report: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Write self-contained HTML reports (inline SVG plots) for one attempt or a class.",
        discussion: """
        Reports open offline in any browser: no scripts, fonts or network. The same inputs always
        give the same bytes. Labels are in zh-CN (default) or English (--lang en); scenario text
        falls back to Chinese where it has no English.

        Examples:
          hazlab report attempt Scenarios/tank-filling --journal run.jsonl --out run.html
          hazlab report attempt Scenarios/tank-filling --journal run.jsonl --out run-en.html --lang en
          hazlab grade --scenarios Scenarios --out graded submissions/
          hazlab report class graded/results.json --out class.html
          hazlab report student s001 --store results.sqlite --out s001.html
        """,
        subcommands: [AttemptCommand.self, ClassCommand.self, StudentCommand.self])
}

extension ReportLanguage: ExpressibleByArgument {
    public init?(argument: String) { self.init(tag: argument) }
    public static var allValueStrings: [String] { ["zh-CN", "en"] }
}

/// `--utc-offset`, checked: the zone report times are shown in.
private func readerZone(_ text: String?, _ lang: ReportLanguage) throws -> UTCOffset {
    guard let text else { return .readerDefault(lang) }
    guard let z = UTCOffset(text) else {
        throw ValidationError("--utc-offset '\(TerminalText.escape(text))' is not an offset such as +08:00 or UTC")
    }
    return z
}

/// Reads the grader's results (a file or the grader's --out folder) as class records.
private func readResults(_ path: String) throws -> [ClassRecord] {
    var results = path
    var isDir: ObjCBool = false
    if FileManager.default.fileExists(atPath: results, isDirectory: &isDir), isDir.boolValue {
        results = (results as NSString).appendingPathComponent("results.json")
    }
    guard let data = FileManager.default.contents(atPath: results) else {
        printError("\(results): error: cannot read results file")
        throw ExitCode(ExitStatus.failed)
    }
    do { return try ClassRecord.parse(data, path: results) } catch {
        printTextError("\(error)")
        throw ExitCode(ExitStatus.failed)
    }
}

/// Writes `text` to `path` ("-" is stdout).
private func writeReport(_ text: String, to path: String) throws {
    if path == "-" {
        FileHandle.standardOutput.write(Data(text.utf8))
        return
    }
    do {
        try Data(text.utf8).write(to: URL(fileURLWithPath: path), options: .atomic)
    } catch {
        printError("\(path): error: cannot write report: \(error.localizedDescription)")
        throw ExitCode(ExitStatus.failed)
    }
}

extension Report {
    struct AttemptCommand: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "attempt",
            abstract: "Report on one attempt: header, score breakdown, trend plots and timeline.",
            discussion: """
            The journal is replayed through the deterministic core; the score comes only from the
            replay. Trend plots show the scenario's `report.trends` and every quality-window
            variable, with the quality bands shaded and deduction, hazard and fault markers.

            Exit status: 0 when the report was written, 1 for a bad scenario, journal or output path.

            Examples:
              hazlab report attempt Scenarios/tank-filling --journal Scenarios/tank-filling/runs/mistakes.jsonl --out mistakes.html
              hazlab report attempt Scenarios/tank-filling --journal run.jsonl --out - --lang en > run.html
              hazlab report attempt Scenarios/tank-filling --journal run.jsonl --out run.html --plot "TK101.inflow in m3/h,XV101.opening"

            --plot adds fields of your choice to the trend plots (the same list as `hazlab run --probe`).
            """)

        @Argument(help: "Scenario file or folder.")
        var scenario: String

        @Option(help: "Journal (JSON Lines) to replay.")
        var journal: String

        @Option(help: "Output HTML file ('-' for stdout).")
        var out: String

        @Option(help: "Report language: zh-CN or en.")
        var lang: ReportLanguage = .zhCN

        @Option(help: "Most points per trend line (min/max per bucket keeps spikes).")
        var maxPoints: Int = 600

        @Option(help: ArgumentHelp("Show the start time in this zone (default: +08:00 for zh-CN, UTC for en).", valueName: "OFFSET"))
        var utcOffset: String?

        @Option(help: ArgumentHelp("Also plot these fields over time: expressions separated by commas, each optionally followed by 'in UNIT' (as for `hazlab run --probe`).", valueName: "FIELD,..."))
        var plot: String?

        func validate() throws {
            if maxPoints < 10 { throw ValidationError("--max-points must be at least 10") }
            _ = try readerZone(utcOffset, lang)
        }

        func run() throws {
            let (model, plots) = try loadModel(scenario, probes: plot, option: "--plot")
            let j = try readJournal(journal, for: model).journal
            let html = AttemptReport(model: model, journal: j, plots: plots).html(language: lang, maxPoints: maxPoints, offset: try readerZone(utcOffset, lang))
            try writeReport(html, to: out)
        }
    }

    struct ClassCommand: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "class",
            abstract: "Report on a class from the grader's results.json: distributions, step outcomes, common mistakes.",
            discussion: """
            RESULTS is the JSON array `hazlab grade` writes (one attempt record per element). Each
            scenario in it gets its own section: score histogram, pass rate and 优/良/中/差
            distribution, no-credit and partial-credit rates per step, time used per step against
            the expected time, and the most common deductions.

            Exit status: 0 when the report was written, 1 for an unreadable results file or output path.

            Examples:
              hazlab report class results.json --out class.html
              hazlab report class results.json --out class-en.html --lang en --title "Class 2026-3"
            """)

        @Argument(help: "The grader's results.json (a JSON array of attempt records), or the folder holding it.")
        var results: String

        @Option(help: "Output HTML file ('-' for stdout).")
        var out: String

        @Option(help: "Report language: zh-CN or en.")
        var lang: ReportLanguage = .zhCN

        @Option(help: "Report title (default: \"班级成绩分析报告\" / \"Class report\").")
        var title: String?

        @Option(help: ArgumentHelp("Show times in this zone (default: +08:00 for zh-CN, UTC for en).", valueName: "OFFSET"))
        var utcOffset: String?

        @Option(help: ArgumentHelp("Another term's or class's results, for the teaching diagnosis (which steps fail more now).", valueName: "RESULTS"))
        var previous: String?

        @Option(help: ArgumentHelp("Name of RESULTS in the diagnosis (default: 本学期 / This term).", valueName: "TEXT"))
        var label: String?

        @Option(help: ArgumentHelp("Name of --previous in the diagnosis (default: 上学期 / Last term).", valueName: "TEXT"))
        var previousLabel: String?

        func validate() throws { _ = try readerZone(utcOffset, lang) }

        func run() throws {
            let records = try readResults(results)
            let before = try previous.map(readResults)
            try writeReport(ClassReport.html(records, language: lang, title: title, offset: try readerZone(utcOffset, lang),
                                             previous: before, currentLabel: label, previousLabel: previousLabel), to: out)
        }
    }

    struct StudentCommand: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "student",
            abstract: "A student's growth record: every attempt over time, score plot, step mastery, recurring violations, what to practise next.",
            discussion: """
            Reads the student's attempts from the results store (or from a grader's results.json with
            --results). One printable page for a class teacher (a parent meeting), or --format json
            with the same data for other systems. Times are when each attempt was taken (the
            journal's `started`), shown in Beijing time for zh-CN and UTC for en unless --utc-offset.
            With --scenarios (a folder of scenario folders, or one scenario) the scenario files give each
            scenario's discipline.

            Exit status: 0 when written (a student with no attempts gets a short page), 1 for an
            unreadable store, results file or output path.

            Examples:
              hazlab report student s001 --store results.sqlite --out s001.html
              hazlab report student s001 --store results.sqlite --since 2026-09-01 --format json --out -
              hazlab report student s001 --results graded/ --out s001-en.html --lang en --scenarios Scenarios
            """)

        @Argument(help: ArgumentHelp("The student id.", valueName: "ID"))
        var student: String

        @OptionGroup var store: StoreOptions

        @Option(help: ArgumentHelp("Read a grader's results.json (or its folder) instead of the store.", valueName: "RESULTS"))
        var results: String?

        @Option(help: ArgumentHelp("Only attempts started on or after this date (YYYY-MM-DD in the report's zone) or ISO 8601 time.", valueName: "DATE"))
        var since: String?

        @Option(help: ArgumentHelp("Scenario folder, for each scenario's discipline.", valueName: "DIR"))
        var scenarios: String?

        @Option(help: "Output file ('-' for stdout).")
        var out: String

        @Option(help: "html or json.")
        var format: String = "html"

        @Option(help: "Report language: zh-CN or en.")
        var lang: ReportLanguage = .zhCN

        @Option(help: ArgumentHelp("Show times in this zone (default: +08:00 for zh-CN, UTC for en).", valueName: "OFFSET"))
        var utcOffset: String?

        func validate() throws {
            let zone = try readerZone(utcOffset, lang)
            if format != "html" && format != "json" { throw ValidationError("--format must be html or json") }
            if let since, zone.parseDateOrTime(since) == nil {
                throw ValidationError("--since '\(TerminalText.escape(since))' is not a date (YYYY-MM-DD) or an ISO 8601 time")
            }
        }

        func run() throws {
            let zone = try readerZone(utcOffset, lang)
            let sinceMs = since.flatMap(zone.parseDateOrTime)
            var records: [ClassRecord]
            if let results {
                records = try readResults(results).filter { $0.student == student }
                if let sinceMs { records = records.filter { ($0.started ?? Int64.max) >= sinceMs } }
            } else {
                let db = try store.open()
                let rows = try storeCall(store.path) {
                    try db.records(matching: ResultsStore.AttemptFilter(student: student, since: sinceMs))
                }
                records = []
                for (i, row) in rows.enumerated() {
                    // One unreadable stored record is reported and skipped, not fatal.
                    do { records += try ClassRecord.parse(Data(row.utf8), path: "\(store.path) (\(student) record \(i + 1))") } catch {
                        printTextError("\(error)")
                    }
                }
            }
            var disciplines: [String: String] = [:]
            if let scenarios {
                // DIR/<scenario id>, or DIR itself when it is that scenario.
                for id in Set(records.map(\.scenario)).sorted() {
                    for dir in [(scenarios as NSString).appendingPathComponent(id), scenarios] where FileManager.default.fileExists(atPath: dir) {
                        if let m = ScenarioCompiler.compile(path: ScenarioLocator.resolveScenario(dir)).model, m.id == id {
                            disciplines[id] = m.text.discipline
                            break
                        }
                    }
                }
            }
            let progress = StudentProgress(student: student, records: records, disciplines: disciplines)
            let text = format == "json" ? progress.json(offset: zone).render() + "\n"
                                        : StudentReport.html(progress, language: lang, offset: zone)
            try writeReport(text, to: out)
        }
    }
}
