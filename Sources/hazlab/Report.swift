import ArgumentParser
import Foundation
import HazLabCore
import HazLabRecords
import HazLabReport
import HazLabRunner

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
        """,
        subcommands: [AttemptCommand.self, ClassCommand.self])
}

extension ReportLanguage: ExpressibleByArgument {
    public init?(argument: String) { self.init(tag: argument) }
    public static var allValueStrings: [String] { ["zh-CN", "en"] }
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

        func validate() throws {
            if maxPoints < 10 { throw ValidationError("--max-points must be at least 10") }
        }

        func run() throws {
            let model = try loadModel(scenario)
            let j: Journal
            do { j = try Journal.read(path: journal) } catch {
                printTextError("\(error)")
                throw ExitCode(ExitStatus.failed)
            }
            for w in j.warnings { printTextError(w.description.replacingOccurrences(of: ": error: ", with: ": warning: ")) }
            if j.header.scenario != model.id {
                printTextError("\(journal):1:1: error: journal is for scenario '\(j.header.scenario)', not '\(model.id)'")
                throw ExitCode(ExitStatus.failed)
            }
            if j.header.scenarioSHA256 != model.sourceSHA256 {
                printError("\(journal):1:1: warning: journal was recorded against a different scenario source (SHA-256 mismatch)")
            }
            let html = AttemptReport(model: model, journal: j).html(language: lang, maxPoints: maxPoints)
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

        func run() throws {
            // The grader's --out folder works too.
            var results = self.results
            var isDir: ObjCBool = false
            if FileManager.default.fileExists(atPath: results, isDirectory: &isDir), isDir.boolValue {
                results = (results as NSString).appendingPathComponent("results.json")
            }
            guard let data = FileManager.default.contents(atPath: results) else {
                printError("\(results): error: cannot read results file")
                throw ExitCode(ExitStatus.failed)
            }
            let records: [ClassRecord]
            do { records = try ClassRecord.parse(data, path: results) } catch {
                printTextError("\(error)")
                throw ExitCode(ExitStatus.failed)
            }
            try writeReport(ClassReport.html(records, language: lang, title: title), to: out)
        }
    }
}
