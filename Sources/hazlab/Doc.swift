import ArgumentParser
import Foundation
import HazLabCore
import HazLabReport

struct Doc: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Write the instructor sheet of a scenario: procedure, rubric, faults, hazards, entities and a plan view.",
        discussion: """
        One self-contained HTML page (inline CSS and SVG, no scripts or network) for an
        instructor to read or print before a lesson: the header (discipline, modes, time limit,
        seed, version, SHA-256), the procedure with its scoring rules and a step dependency
        diagram, the rubric (grades, deductions, quality windows, safety rules, vetoes), faults
        and their triggers, hazards, the entity table and a top-down plan of the layout. The same
        scenario always gives the same bytes.

        Exit status: 0 when the sheet was written, 1 for a bad scenario or output path.

        Examples:
          hazlab doc Scenarios/tank-filling --out sheet.html
          hazlab doc Scenarios/tank-filling --out sheet-en.html --lang en
          hazlab doc Scenarios/tank-filling --out - > sheet.html
        """)

    @Argument(help: "Scenario file or folder.")
    var scenario: String

    @Option(help: "Output HTML file ('-' for stdout).")
    var out: String

    @Option(help: "Sheet language: zh-CN or en.")
    var lang: ReportLanguage = .zhCN

    func run() throws {
        let model = try loadModel(scenario)
        let html = InstructorSheet(model: model).html(language: lang)
        if out == "-" {
            FileHandle.standardOutput.write(Data(html.utf8))
            return
        }
        do {
            try Data(html.utf8).write(to: URL(fileURLWithPath: out), options: .atomic)
        } catch {
            printError("\(out): error: cannot write the instructor sheet: \(error.localizedDescription)")
            throw ExitCode(ExitStatus.failed)
        }
    }
}
