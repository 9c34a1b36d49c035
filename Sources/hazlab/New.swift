import ArgumentParser
import Foundation
import HazLabScenario

struct New: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Write a commented starter scenario for a discipline.",
        discussion: """
        The starter is valid as written (it passes `hazlab check --werror`): a control room and
        a field zone, PPE, a few equipment items of the discipline, a seeded fault, a hazard,
        a short procedure and a rubric, with comments on what to change.

        Examples:
          hazlab new --discipline electrical --id bay-switching
          hazlab new --discipline gas --id boiler-leak --out /tmp/scenarios
        """)

    @Option(help: "One of: \(ScenarioTemplates.disciplines.joined(separator: ", ")).")
    var discipline: String

    @Option(help: "Scenario id: letters, digits, '-' and '_'; also the folder name.")
    var id: String

    @Option(help: "Folder to create the scenario folder in.")
    var out: String = "Scenarios"

    func validate() throws {
        guard ScenarioTemplates.disciplines.contains(discipline) else {
            throw ValidationError("unknown discipline '\(discipline)'; use one of: \(ScenarioTemplates.disciplines.joined(separator: ", "))")
        }
        guard ScenarioCompiler.isValidId(id) else {
            throw ValidationError("'\(id)' is not a valid scenario id: use letters, digits, '-' and '_', starting with a letter or digit")
        }
    }

    func run() throws {
        let folder = (out as NSString).appendingPathComponent(id)
        let file = (folder as NSString).appendingPathComponent("scenario.yaml")
        if FileManager.default.fileExists(atPath: file) {
            printError("\(file): already exists; not overwritten")
            throw ExitCode(ExitStatus.failed)
        }
        let text = ScenarioTemplates.text(discipline: discipline, id: id)!
        try FileManager.default.createDirectory(atPath: (folder as NSString).appendingPathComponent("runs"), withIntermediateDirectories: true)
        try text.write(toFile: file, atomically: true, encoding: .utf8)
        print("wrote \(file)")
        print("next: edit it, then `hazlab check --werror \(folder)` and record golden runs in \(folder)/runs/")
    }
}
