import ArgumentParser
import Foundation
import HazLabLab
import HazLabRecords
import HazLabScenario
import HazLabServer

/// `hazlab lab exam create|start|end|results|publish`: exam sessions (考核) for an administrator
/// without a browser, on the store like `hazlab lab task` (Docs/lab.md, "Exam sessions (考核)").
struct LabExamCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "exam",
        abstract: "Exam sessions: create one (scenarios to draw from, roster, workstations, window), start, end, results, publish.",
        discussion: """
        Every change is audited as the operating-system account that ran the command.
        Examples:
          hazlab lab exam create --config lab.yaml --class 2026-1 --scenario tank-filling --scenario pump-lockout-tagout --title 期末考核
          hazlab lab exam create --config lab.yaml --class 2026-1 --scenario tank-filling --student s001 --student s002 --workstation ws-01 \\
              --opens 2026-12-07T08:00:00Z --closes 2026-12-07T10:00:00Z
          hazlab lab exam start --config lab.yaml --exam t-0123456789abcdef
          hazlab lab exam end --config lab.yaml --exam t-0123456789abcdef
          hazlab lab exam results --config lab.yaml --exam t-0123456789abcdef
          hazlab lab exam publish --config lab.yaml --exam t-0123456789abcdef                       # every graded, unflagged result
          hazlab lab exam publish --config lab.yaml --exam t-0123456789abcdef --attempt a-0123456789abcdef   # a flagged one, reviewed
        """,
        subcommands: [LabExamCreate.self, LabExamStart.self, LabExamEnd.self, LabExamResults.self, LabExamPublish.self])
}

/// Runs `body`; an error is printed as "hazlab lab exam: error: …" (exit status 1).
private func examAttempt(_ body: () throws -> Void) throws {
    do { try body() } catch let e as ExitCode { throw e } catch {
        printTextError(oneErrorPrefix("hazlab lab exam", error))
        throw ExitCode(ExitStatus.failed)
    }
}

private func examConfig(_ path: String) throws -> LabConfig {
    do { return try LabConfig.load(path: path) } catch { printTextError("\(error)"); throw ExitCode(ExitStatus.failed) }
}

/// One line per exam: id, class, state, scenarios, roster size, window.
private func showExam(_ e: LabExam) {
    let t = e.task
    let window = [t.opens.map { "opens \($0)" }, t.closes.map { "closes \($0)" }].compactMap { $0 }.joined(separator: ", ")
    print("\(TerminalText.escape(t.task))  \(TerminalText.escape(t.klass))  \(t.state)  scenarios \(e.scenarios.map(TerminalText.escape).joined(separator: ","))"
          + "  \(e.students.count) student(s)  workstations \(e.workstations.isEmpty ? "any" : e.workstations.map(TerminalText.escape).joined(separator: ","))"
          + (t.title.isEmpty ? "" : "  \(TerminalText.escape(t.title))") + (window.isEmpty ? "" : "  (\(window))"))
}

private func examOrFail(_ accounts: LabAccounts, _ id: String) throws -> LabExam {
    guard let e = try accounts.exam(id) else { throw LabAccountError("no exam '\(id)'", kind: .notFound) }
    return e
}

struct LabExamCreate: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "create", abstract: "Create an exam session (closed until started); prints each student's draw.")
    @OptionGroup var options: LabOptions
    @Option(name: .customLong("class"), help: "The class.") var klass: String
    @Option(help: "A scenario folder to draw from (repeat for a set).") var scenario: [String] = []
    @Option(help: "A student on the roster (repeat; default: every student of the class).") var student: [String] = []
    @Option(help: "A workstation allowed (repeat; default: any registered one).") var workstation: [String] = []
    @Option(help: "The title students see.") var title: String = ""
    @Option(help: "ISO 8601 time from which students may start.") var opens: String?
    @Option(help: "ISO 8601 time after which students may no longer start.") var closes: String?

    func run() throws {
        let config = try examConfig(options.config)
        let accounts = try options.accounts()
        try examAttempt {
            var scenarios: [(folder: String, id: String)] = []
            for name in scenario {
                guard LabAccounts.validId(name), !name.contains("..") else { throw LabAccountError("--scenario: bad scenario name '\(name)' (one folder name, no paths)") }
                let path = config.scenarios + "/" + name + "/scenario.yaml"
                guard let data = FileManager.default.contents(atPath: path) else { throw LabAccountError("--scenario: no scenario '\(name)' in \(config.scenarios)") }
                guard let model = ScenarioCompiler.compile(bytes: [UInt8](data), path: path).model else {
                    throw LabAccountError("--scenario: scenario '\(name)' does not compile (hazlab check \(path))")
                }
                scenarios.append((name, model.id))
            }
            func time(_ s: String?, _ flag: String) throws -> String? {
                guard let s else { return nil }
                guard let ms = ExportTime.parseISO8601(s) else { throw LabAccountError("\(flag) must be an ISO 8601 time such as 2026-12-07T08:00:00Z") }
                return ExportTime.iso8601(millis: ms)
            }
            guard !title.unicodeScalars.contains(where: { CharacterSet.controlCharacters.contains($0) }) else {
                throw LabAccountError("--title must not hold control characters")
            }
            let e: LabExam
            do {
                e = try accounts.createExam(klass: klass, title: title, scenarios: scenarios, students: student.isEmpty ? nil : student,
                                            workstations: workstation, opens: try time(opens, "--opens"), closes: try time(closes, "--closes"),
                                            actor: LabServe.osUser())
            } catch let err as LabAccountError {
                // The store names JSON fields; on the command line they are options.
                var m = err.message
                for (field, flag) in [("field 'scenarios'", "--scenario"), ("field 'students'", "--student"), ("field 'workstations'", "--workstation"),
                                      ("field 'closes' must be after 'opens'", "--closes must be after --opens")] {
                    m = m.replacingOccurrences(of: field, with: flag)
                }
                throw LabAccountError(m, kind: err.kind)
            }
            showExam(e)
            print("exam seed \(e.seed.map { String($0) } ?? "-"); draws:")
            for d in e.draws { print("  \(TerminalText.escape(d.student))  \(TerminalText.escape(d.scenario))  seed \(d.seed)") }
        }
    }
}

struct LabExamStart: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "start", abstract: "Start (open) an exam: rostered students can get their assignment.")
    @OptionGroup var options: LabOptions
    @Option(help: "The exam's task id.") var exam: String

    func run() throws {
        let accounts = try options.accounts()
        try examAttempt {
            _ = try examOrFail(accounts, exam)
            try accounts.setTaskState(exam, open: true, actor: LabServe.osUser())
            showExam(try examOrFail(accounts, exam))
        }
    }
}

struct LabExamEnd: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "end",
        abstract: "End an exam: no more assignments; lists the attempts still running.",
        discussion: """
        Offline, the command cannot reach the workstations: attempts still running keep streaming until
        their students submit. To submit them at once, end the exam on the running server
        (POST /api/exams/TASK/end, or the teacher station's exam page), which may be done after this too.
        """)
    @OptionGroup var options: LabOptions
    @Option(help: "The exam's task id.") var exam: String

    func run() throws {
        let accounts = try options.accounts()
        try examAttempt {
            let again = try accounts.endExam(exam, actor: LabServe.osUser())
            let e = try examOrFail(accounts, exam)
            showExam(e)
            if again { print("(it had ended already)") }
            let running = try accounts.examResults(e).filter { $0.state == "issued" || $0.state == "streaming" }
            if !running.isEmpty {
                print("\(running.count) attempt(s) still running (end the exam on the running server to submit them):")
                for r in running { print("  \(TerminalText.escape(r.attempt ?? ""))  \(TerminalText.escape(r.student))  at \(TerminalText.escape(r.workstation ?? "?"))") }
            }
        }
    }
}

struct LabExamResults: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "results", abstract: "An exam's results, with their flags (offline-upload, reconnected, incident, voided).")
    @OptionGroup var options: LabOptions
    @Option(help: "The exam's task id.") var exam: String

    func run() throws {
        let accounts = try options.accounts()
        try examAttempt {
            let e = try examOrFail(accounts, exam)
            showExam(e)
            func number(_ d: Double?) -> String { d.map { $0 == $0.rounded() ? String(Int($0)) : String(format: "%.1f", $0) } ?? "-" }
            for r in try accounts.examResults(e) {
                print([TerminalText.escape(r.student), TerminalText.escape(r.attempt ?? "-"), TerminalText.escape(r.scenario), r.state,
                       "\(number(r.score))/\(number(r.maxScore))", r.grade.map(TerminalText.escape) ?? "-",
                       r.published ? "published" : "unpublished", r.flags.isEmpty ? "-" : r.flags.map(\.rawValue).joined(separator: ",")]
                    .joined(separator: "  "))
            }
        }
    }
}

struct LabExamPublish: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "publish", abstract: "Publish an exam's results: every graded, unflagged one, or the attempts listed.")
    @OptionGroup var options: LabOptions
    @Option(help: "The exam's task id.") var exam: String
    @Option(help: "An attempt to publish (repeat); flagged ones too, once reviewed. Default: every graded, unflagged attempt.") var attempt: [String] = []

    func run() throws {
        let config = try examConfig(options.config)
        let accounts = try options.accounts()
        try examAttempt {
            let e = try examOrFail(accounts, exam)
            let ledger = try LabLedger(storePath: config.store)
            let r = try accounts.publishExam(e, attempts: attempt.isEmpty ? nil : attempt, ledger: ledger, actor: LabServe.osUser())
            print("published \(r.published.count), skipped \(r.skipped.count)")
            for a in r.published { print("  published \(TerminalText.escape(a))") }
            for s in r.skipped { print("  skipped \(TerminalText.escape(s.attempt)): \(TerminalText.escape(s.reason))") }
        }
    }
}
