import ArgumentParser
import Foundation
import HazLabCore
import HazLabRecords
import HazLabRunner
import HazLabScenario
import HazLabScoring

@main
struct HazLab: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "hazlab",
        abstract: "HazLab headless runner: check, run, test and grade hazardous-operation training scenarios.",
        discussion: """
        Examples:
          hazlab check Scenarios/*/scenario.yaml
          hazlab run Scenarios/tank-filling --journal Scenarios/tank-filling/runs/perfect.jsonl --json
          hazlab run Scenarios/tank-filling --seed 7 --trace 100
          hazlab test Scenarios
          hazlab schema > hazlab-scenario.schema.json
        """,
        version: HazLabVersion.engine,
        subcommands: [Check.self, Run.self, Test.self, New.self, Grade.self, Merge.self, Exam.self, Report.self, Doc.self, Schema.self, JournalCommand.self, Keys.self, Store.self, Export.self, Serve.self, Lab.self]
    )
}

/// Exit codes shared by every subcommand.
enum ExitStatus {
    /// Everything valid / passed.
    static let ok: Int32 = 0
    /// Invalid input or a failed comparison: the user must fix something.
    static let failed: Int32 = 1
    /// Usage errors are reported by ArgumentParser with 64.
}

func printError(_ s: String) {
    FileHandle.standardError.write((s + "\n").data(using: .utf8)!)
}

/// Prints a line that quotes outside text (a journal, a scenario, a record): control
/// characters escaped, so it cannot move the cursor, clear the screen or start a forged line.
func printText(_ s: String) { print(TerminalText.escape(s)) }

/// `printError` for a line that quotes outside text.
func printTextError(_ s: String) { printError(TerminalText.escape(s)) }

/// --max-journal-bytes and --max-actions: the `JournalLimits` a command reads journals under.
struct JournalLimitOptions: ParsableArguments {
    @Option(help: ArgumentHelp("Refuse a journal larger than this, unread (Docs/journals.md, \"Limits\").", valueName: "BYTES"))
    var maxJournalBytes: Int = JournalLimits.defaultMaxBytes

    @Option(help: ArgumentHelp("Refuse a journal with more actions than this.", valueName: "N"))
    var maxActions: Int = JournalLimits.defaultMaxActions

    func validate() throws {
        if maxJournalBytes < 1 { throw ValidationError("--max-journal-bytes must be at least 1") }
        if maxActions < 1 { throw ValidationError("--max-actions must be at least 1") }
    }

    var limits: JournalLimits { JournalLimits(maxBytes: maxJournalBytes, maxActions: maxActions) }
}

struct Check: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Check scenario files and print every problem as path:line:col.",
        discussion: """
        Exit status: 0 when every file is valid (warnings allowed), 1 when any has an error.

        Examples:
          hazlab check Scenarios/tank-filling/scenario.yaml
          hazlab check Scenarios            # every Scenarios/<id>/scenario.yaml
          hazlab check --werror Scenarios   # warnings fail too
        """)

    @Argument(help: "Scenario files or folders.")
    var paths: [String]

    @Flag(help: "Treat warnings as errors.")
    var werror = false

    @Flag(help: "Print nothing for valid files.")
    var quiet = false

    func run() throws {
        var failed = false
        var files: [String] = []
        for p in paths {
            let found = ScenarioLocator.scenarioFiles(in: p)
            if found.isEmpty { files.append(p) } else { files.append(contentsOf: found) }
        }
        for file in files {
            let result = ScenarioCompiler.compile(path: file)
            for d in result.diagnostics { printText(d.description) }
            let bad = !result.errors.isEmpty || (werror && !result.warnings.isEmpty)
            if bad { failed = true } else if !quiet { printText("\(file): ok") }
        }
        if failed { throw ExitCode(ExitStatus.failed) }
    }
}

func loadModel(_ path: String) throws -> Model {
    let file = ScenarioLocator.resolveScenario(path)
    let result = ScenarioCompiler.compile(path: file)
    for d in result.diagnostics where d.severity == .error { printTextError(d.description) }
    guard let model = result.model else { throw ExitCode(ExitStatus.failed) }
    return model
}

/// `loadModel`, plus the fields of `--probe` / `--plot` compiled against the scenario's names.
func loadModel(_ path: String, probes: String?, option: String) throws -> (Model, [ProbeField]) {
    guard let list = probes else { return (try loadModel(path), []) }
    let compiled = ScenarioCompiler.compile(path: ScenarioLocator.resolveScenario(path), probes: list, option: option)
    for d in compiled.scenario.diagnostics where d.severity == .error { printTextError(d.description) }
    for d in compiled.diagnostics { printTextError(d.description) }
    guard let model = compiled.scenario.model, !compiled.diagnostics.contains(where: { $0.severity == .error }) else {
        throw ExitCode(ExitStatus.failed)
    }
    return (model, compiled.fields)
}

/// Reads the journal at `path` under `limits` and checks it belongs to `model`: the one check of
/// `hazlab run --journal` and `hazlab report attempt`. The journal's own warnings are printed as
/// warnings; a journal of another scenario is an error (exit 1); one recorded against another
/// source of the same scenario (SHA-256 mismatch) a warning.
func readJournal(_ path: String, for model: Model, limits: JournalLimits = .standard) throws -> (journal: Journal, layout: JournalLayout) {
    let j: Journal, layout: JournalLayout
    do { (j, layout) = try Journal.parseWithLayout(bytes: limits.readBytes(path: path), path: path, limits: limits) } catch {
        printTextError("\(error)")
        throw ExitCode(ExitStatus.failed)
    }
    for w in j.warnings { printTextError(w.description.replacingOccurrences(of: ": error: ", with: ": warning: ")) }
    if j.header.scenario != model.id {
        printTextError("\(path):1:1: error: journal is for scenario '\(j.header.scenario)', not '\(model.id)'")
        throw ExitCode(ExitStatus.failed)
    }
    if j.header.scenarioSHA256 != model.sourceSHA256 {
        printTextError("\(path):1:1: warning: journal was recorded against a different scenario source (SHA-256 mismatch)")
    }
    return (j, layout)
}

struct Run: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run one scenario, optionally replaying a journal, and print the result.",
        discussion: """
        With no journal the trainee does nothing and the scenario runs to its end. The score is
        computed from the replay alone; nothing a workstation claims is trusted.

        Exit status: 0 after a completed run (pass or fail), 1 for a bad scenario or journal.

        Examples:
          hazlab run Scenarios/tank-filling
          hazlab run Scenarios/tank-filling --journal run.jsonl --json
          hazlab run Scenarios/tank-filling --journal run.jsonl --trace 50   # hash every 50 ticks
          hazlab run Scenarios/tank-filling --probe TK101.level,XV101.opening --every 5s
          hazlab run Scenarios/reactor-cooling-loss --probe "R101.temperature in °C,R101.mtsr in °C" --json

        --probe reads scenario fields (any expression, as in the scenario's conditions) over
        simulated time and prints them instead of the score: CSV (t_s, then one column per
        field with its unit) or, with --json, one document by columns. It only reads the state:
        the run and its state hash are the same with and without it.
        """)

    @Argument(help: "Scenario file or folder.")
    var scenario: String

    @Option(help: "Journal (JSON Lines) to replay.")
    var journal: String?

    @Option(help: "Seed; default: the journal's, else the scenario's.")
    var seed: UInt64?

    @Option(help: "Training mode: teaching, practice or exam; default: the journal's, else practice.")
    var mode: String?

    @Flag(help: "Print one JSON object to stdout.")
    var json = false

    @Option(help: "Print the state hash every N ticks (for bisecting a divergence).")
    var trace: Int64?

    @Option(help: ArgumentHelp("Print these fields over time instead of the score: expressions separated by commas, each optionally followed by 'in UNIT' (e.g. \"R1.temperature in °C,TK101.level\").", valueName: "FIELD,..."))
    var probe: String?

    @Option(help: ArgumentHelp("Sample interval of --probe in simulated time, e.g. 0.5s, 2min (default 1 s; rounded to whole ticks).", valueName: "DT"))
    var every: String?

    @Flag(help: "With --probe: CSV output (the default; --json gives JSON).")
    var csv = false

    @OptionGroup var limits: JournalLimitOptions

    func validate() throws {
        if probe == nil && (every != nil || csv) { throw ValidationError("--every and --csv go with --probe") }
        if probe != nil && trace != nil { throw ValidationError("--probe and --trace cannot be combined; --probe --json prints the state hash") }
        if csv && json { throw ValidationError("--csv and --json cannot be combined") }
        if let e = every { _ = try probeInterval(e) }
        if let t = trace, t <= 0 { throw ValidationError("--trace must be a positive number of ticks") }
        if let m = mode, TrainingMode(rawValue: m) == nil {
            throw ValidationError("--mode must be one of: " + TrainingMode.allCases.map(\.rawValue).joined(separator: ", "))
        }
    }

    func run() throws {
        let (model, probeFields) = try loadModel(scenario, probes: probe, option: "--probe")
        var actions: [Action] = []
        var runSeed = seed
        var runMode = mode.flatMap(TrainingMode.init(rawValue:))
        var replayed: (journal: Journal, layout: JournalLayout)?
        if let path = journal {
            let (j, layout) = try readJournal(path, for: model, limits: limits.limits)
            replayed = (j, layout)
            if j.header.engine != HazLabVersion.engine {
                let hl = layout.headerLine
                let column = j.header.engine.isEmpty ? 1 : layout.column(ofValue: "engine", line: hl)
                printTextError("\(path):\(hl):\(column): warning: " + JournalChecker.engineMismatch(j.header.engine))
            }
            actions = j.actions
            if runSeed == nil { runSeed = j.header.seed }
            if runMode == nil { runMode = TrainingMode(rawValue: j.header.mode) }
        }
        // The workstation's claimed end state, when this replay is the journal's own (its seed and mode).
        func checkClaimedHash(_ outcome: RunOutcome) {
            guard let (j, layout) = replayed, let t = j.trailer, let tl = layout.trailerLine, seed == nil, mode == nil else { return }
            if let w = GradeWarning.claimedHash(t, outcome, journal: layout.path, line: tl,
                                                column: layout.column(ofValue: "stateHash", line: tl)) { printTextError(w.description) }
        }
        if probe != nil {
            let everyTicks = max(1, model.ticks(seconds: try probeInterval(every ?? "1 s")))
            let series = ProbeSeries(model: model, fields: probeFields, everyTicks: everyTicks, seed: runSeed,
                                     mode: runMode ?? .practice, actions: actions)
            checkClaimedHash(series.outcome)
            if json { print(series.json(model: model)) } else { print(series.csv(), terminator: "") }
            return
        }
        let outcome = Runner.replay(model, seed: runSeed, mode: runMode ?? .practice, actions: actions, traceEvery: trace ?? 0)
        checkClaimedHash(outcome)
        if json {
            print(OutcomeJSON.render(outcome, model: model, includeTrace: trace != nil))
            return
        }
        if trace != nil {
            for t in outcome.trace { print("tick \(t.tick) \(t.hash.hex16)") }
        }
        let sc = outcome.score
        func secs(_ t: Int64) -> String { t >= 0 ? JSON.number(model.seconds(ticks: t)) + " s" : "—" }
        printText("\(model.text.title.zh) / \(model.text.title.en)")
        printText("mode \(sc.mode.rawValue)  seed \(outcome.seed)  ticks \(outcome.ticks) (\(secs(outcome.ticks)))  end: \(outcome.endReason.name)  stateHash \(outcome.stateHash.hex16)")
        for st in sc.steps {
            let mark = st.completed ? "✓" : "✗"
            var line = "  \(mark) \(st.seq). \(st.title.zh) / \(st.title.en)  \(JSON.number(st.score))/\(JSON.number(st.maxScore)) \(st.evaluation.title.zh)"
            if st.completed { line += "  at \(secs(st.endTick)), took \(secs(st.usedTicks)) (expected \(secs(st.expectedTicks)))  ops \(st.repeatCount)" }
            if !st.remarks.en.isEmpty { line += "  [\(st.remarks.en)]" }
            printText(line)
        }
        for q in sc.quality {
            let pct = JSON.number((q.fractionInBand * 1000).rounded() / 10)
            printText("  ≈ \(q.title.zh) / \(q.title.en)  \(JSON.number(q.score))/\(JSON.number(q.maxScore))  in band \(pct)%, \(q.excursions) excursion(s)")
        }
        for d in sc.deductions {
            printText("  − \(d.cause.rawValue) \(d.subject) \(d.detail) at \(secs(d.tick)): \(d.veto ? "VETO" : JSON.number(d.points))")
        }
        if let v = sc.veto { printText("  VETO: \(v) at \(secs(sc.vetoTick))") }
        printText("score \(JSON.number(sc.total))/\(JSON.number(sc.max))  \(sc.evaluation.title.zh) \(sc.evaluation.title.en)  \(sc.passed ? "PASSED" : "FAILED")")
    }
}

/// A sample interval such as `0.5 s`, `2min` or `5` (seconds), in seconds.
func probeInterval(_ text: String) throws -> Double {
    let trimmed = text.trimmingCharacters(in: .whitespaces)
    let value: Double
    if let plain = Double(trimmed) {
        value = plain
    } else {
        switch Units.quantity(trimmed, expecting: .time) {
        case .success(let v): value = v
        case .failure(let e): throw ValidationError("--every '\(text)': \(e.message)")
        }
    }
    guard value > 0, value.isFinite else { throw ValidationError("--every must be a positive time, e.g. 0.5s or 2min") }
    return value
}

struct Test: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Replay every scenario's golden runs and compare score and state hash.",
        discussion: """
        Each Scenarios/<id>/runs/<name>.jsonl is replayed and compared with <name>.expected.json.
        A mismatch prints a readable diff and exits 1. --update rewrites the expected results
        (and the journals' scenario fingerprints): do that only for a deliberate change, and say
        why in the commit.

        Examples:
          hazlab test
          hazlab test Scenarios/tank-filling
          hazlab test --update Scenarios/tank-filling
        """)

    @Argument(help: "Scenario folder(s); default: Scenarios.")
    var paths: [String] = ["Scenarios"]

    @Flag(help: "Rewrite expected results from the current engine.")
    var update = false

    func run() throws {
        var failures = 0, passes = 0
        for p in paths {
            let files = ScenarioLocator.scenarioFiles(in: p)
            if files.isEmpty { printTextError("\(p): no scenarios found"); failures += 1 }
            for file in files {
                let result = ScenarioCompiler.compile(path: file)
                guard let model = result.model else {
                    for d in result.errors { printText(d.description) }
                    failures += 1
                    continue
                }
                let cases = GoldenRuns.cases(scenarioFile: file)
                if cases.isEmpty { printText("\(model.id): no golden runs") }
                for c in cases {
                    let r = GoldenRuns.check(c, model: model, update: update)
                    switch r.status {
                    case .pass: passes += 1; printText("PASS \(r.scenario)/\(r.run)")
                    case .updated: passes += 1; printText("UPDATED \(r.scenario)/\(r.run)")
                    case .fail(let diff):
                        failures += 1
                        printText("FAIL \(r.scenario)/\(r.run)")
                        for line in diff { printText("    \(line)") }
                    case .error(let message):
                        failures += 1
                        printText("ERROR \(r.scenario)/\(r.run): \(message)")
                    }
                }
            }
        }
        print("golden runs: \(passes) passed, \(failures) failed")
        if failures > 0 { throw ExitCode(ExitStatus.failed) }
    }
}

struct Schema: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Print the JSON Schema (draft 2020-12) of the scenario format.",
        discussion: """
        Point your editor at it for validation and completion, e.g. in VS Code with the YAML
        extension add to settings.json:
          "yaml.schemas": { "./hazlab-scenario.schema.json": "Scenarios/*/scenario.yaml" }

        Examples:
          hazlab schema > hazlab-scenario.schema.json
        """)

    func run() throws {
        print(ScenarioSchema.json())
    }
}
