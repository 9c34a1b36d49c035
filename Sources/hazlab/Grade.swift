import ArgumentParser
import Foundation
import HazLabCore
import HazLabRecords
import HazLabRunner
import HazLabScenario

struct Grade: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Check and grade journals in batch, in parallel; write results.json, results.csv and errors.json.",
        discussion: """
        Every journal is checked before it is replayed: it must parse (a torn line
        is reported with its line and column), name a scenario from --scenarios with
        the same source hash, use a mode the scenario allows, use only known verbs,
        ask hints only for procedure steps and never in exam mode, end with a
        trailer (unless --allow-incomplete), and not repeat an attempt id (the later
        one, in path order, is bad). With --keys REGISTRY, every journal must be
        format 2 with an intact hash chain (bad-chain) and, when finished, a
        trailer signed by a registered key that was not revoked before the
        attempt started (bad-signature, unknown-key, revoked-key, unsigned);
        --check-chains checks the chain alone (Docs/journals.md). With --plan, the
        student must be in the plan and the seed must be the plan's. The header's
        `started` must be an ISO 8601 time and its ids free of control characters
        (invalid). A journal over --max-journal-bytes or --max-actions is too-large
        (Docs/journals.md, "Limits"). A bad journal is reported as
        "path:line:col: error: message" (stderr, errors.json; text from journals is
        escaped on stderr); the batch goes on. A journal whose engine version or
        final state hash disagrees with the replay gets a warning on stderr.

        Scores come from the replay alone. Outputs in --out (byte-identical for any
        --jobs):
          results.json   one attempt record per line, sorted by attempt id
          results.csv    UTF-8 with BOM, one row per attempt; step:<id> scores
                         when all are of one scenario (Tools/deploy/README.md)
          errors.json    bad journals: journal, line, column, code, message, attempt
          manifest.json  shard, batch fingerprint and counts (used by `hazlab merge`)

        --shard i/N grades only the attempts whose SHA-256 of the attempt id falls
        in shard i of N; `hazlab merge` then combines the shard folders into exactly
        the unsharded output.

        With --store FILE every graded attempt is also recorded in the results store
        (Docs/store.md): once per attempt id. The same result again changes nothing;
        a different result for a stored attempt is refused (exit 1) unless --regrade.

        Progress: a one-line bar on stderr when it is a terminal, nothing otherwise.
        A summary goes to stdout at the end.

        Exit status: 0 when every journal was good, 1 when any journal was bad (the
        others are still graded and written) or the scenarios do not compile, 64 for
        usage errors.

        Examples:
          hazlab grade --scenarios Scenarios --out results/ submissions/
          hazlab grade --scenarios Scenarios --jobs 2 --out out/ \\
            --plan exam-plan.json runs/*.jsonl
          hazlab grade --scenarios Scenarios --shard 1/3 --out out/shard-1 subs/
          hazlab grade --scenarios Scenarios --out out/ --store results.sqlite subs/
          hazlab grade --keys Tools/demo-keys/keys.json --scenarios Scenarios \\
            --out out/ Scenarios/*/runs
        """)

    @Option(name: .customLong("scenarios"), help: ArgumentHelp("Scenario folder (or file); repeat for more.", valueName: "DIR"))
    var scenarios: [String] = []

    @Argument(help: ArgumentHelp("Journal files, or folders searched for *.jsonl.", valueName: "JOURNAL|DIR"))
    var journals: [String] = []

    @Option(help: "Worker threads (default: the number of CPUs).")
    var jobs: Int = ProcessInfo.processInfo.activeProcessorCount

    @Option(help: ArgumentHelp("Output folder (created if missing).", valueName: "DIR"))
    var out: String

    @Option(help: ArgumentHelp("Also record every graded attempt in this results store (created with mode 0600 if missing; see `hazlab store`).", valueName: "FILE"))
    var store: String?

    @Flag(help: "With --store: replace stored results that differ (the old ones stay in the store's history).")
    var regrade = false

    @Option(help: ArgumentHelp("With --store: who is grading, for the audit log (default: $USER).", valueName: "NAME"))
    var actor: String?

    @Option(help: ArgumentHelp("Grade only shard i of N (1-based).", valueName: "i/N"))
    var shard: String?

    @Option(help: ArgumentHelp("Exam plan (from `hazlab exam plan`): students and their seeds.", valueName: "FILE"))
    var plan: String?

    @Flag(help: "Grade journals without a trailer (the workstation stopped) and with a torn last line.")
    var allowIncomplete = false

    @Option(help: ArgumentHelp("Workstation key registry (`hazlab keys`): require valid hash chains and trailer signatures by unrevoked keys.", valueName: "REGISTRY"))
    var keys: String?

    @Flag(inversion: .prefixedNo, help: "Without --keys: require an intact hash chain in format-2 journals (the default).")
    var checkChains = true

    @OptionGroup var limits: JournalLimitOptions

    func validate() throws {
        if scenarios.isEmpty { throw ValidationError("give the scenarios with --scenarios DIR") }
        if journals.isEmpty { throw ValidationError("give at least one journal file or folder") }
        if jobs < 1 { throw ValidationError("--jobs must be at least 1") }
        if let s = shard, Shard(s) == nil { throw ValidationError("--shard must be i/N with 1 ≤ i ≤ N, e.g. 2/8") }
    }

    func run() throws {
        let started = monotonicSeconds()
        let compiled = ScenarioSet.compile(scenarios)
        guard let set = compiled.set else {
            for e in compiled.errors { printError(TerminalText.escape(e)) }
            throw ExitCode(ExitStatus.failed)
        }
        var examPlan: ExamPlan?
        var planBytes: [UInt8]?
        if let plan {
            guard let data = FileManager.default.contents(atPath: plan) else {
                printError("\(plan): error: cannot read the plan"); throw ExitCode(ExitStatus.failed)
            }
            do { examPlan = try ExamPlan.read(bytes: [UInt8](data)) } catch {
                printError(TerminalText.escape("\(plan): error: \(error)")); throw ExitCode(ExitStatus.failed)
            }
            planBytes = [UInt8](data)
            guard let m = set[examPlan!.scenario] else {
                printError(TerminalText.escape("\(plan): error: the plan is for scenario '\(examPlan!.scenario)', which is not in --scenarios"))
                throw ExitCode(ExitStatus.failed)
            }
            if m.sourceSHA256 != examPlan!.scenarioSHA256 {
                printError("\(plan): error: the plan was made for another source of scenario '\(m.id)' (SHA-256 differs)")
                throw ExitCode(ExitStatus.failed)
            }
        }
        var signatures: any JournalSignatureVerifier = checkChains ? ChainedJournals() : UnsignedJournals()
        if let keys {
            do { signatures = RegistrySignatures(registry: try KeyRegistry.load(path: keys)) } catch {
                printError("\(error)"); throw ExitCode(ExitStatus.failed)
            }
        }
        let grader = Grader(scenarios: set, jobs: jobs, shard: shard.flatMap(Shard.init) ?? .all,
                            allowIncomplete: allowIncomplete, plan: examPlan, planBytes: planBytes, signatures: signatures,
                            limits: limits.limits)
        let paths = Grader.journalPaths(journals)
        if paths.isEmpty {
            printError("error: no journals: \(journals.joined(separator: " ")) hold no *.jsonl files")
            throw ExitCode(ExitStatus.failed)
        }
        let bar = isatty(STDERR_FILENO) == 1 ? ProgressBar(started: started) : nil
        var progress: Grader.Progress? = nil
        if let bar { progress = { done, total in bar.update(done, total) } }
        let output = grader.run(journals: paths, progress: progress)
        bar?.finish()
        do { try output.write(to: out) } catch {
            printError("\(out): error: cannot write results: \(error)")
            throw ExitCode(ExitStatus.failed)
        }
        let stored = try recordInStore(output)
        // Paths and messages quote journal text: escaped, so it cannot drive the terminal.
        for w in output.warnings { printError(TerminalText.escape(w.description)) }
        for e in output.errors { printError(TerminalText.escape(e.description)) }
        let elapsed = monotonicSeconds() - started
        let m = output.manifest
        let rate = elapsed > 0 ? Double(m.attempts) / elapsed : 0
        let shardNote = m.shard.count > 1 ? "shard \(m.shard): " : ""
        print("\(shardNote)graded \(m.attempts) attempt(s), \(m.passed) passed; \(m.badJournals) bad journal(s) of \(m.journals); "
              + "\(String(format: "%.2f", elapsed)) s, \(String(format: "%.1f", rate)) attempts/s, \(grader.jobs) job(s)")
        print("wrote \(out)/\(GradeOutput.resultsFile), \(GradeOutput.csvFile), \(GradeOutput.errorsFile), \(GradeOutput.manifestFile)")
        if let stored { print(stored.line) }
        if m.badJournals > 0 || stored?.refused == true { throw ExitCode(ExitStatus.failed) }
    }

    /// With --store: records the batch in the results store (one transaction, audited) and
    /// returns the summary line; prints one error per refused attempt. Nil without --store.
    func recordInStore(_ output: GradeOutput) throws -> (line: String, refused: Bool)? {
        guard let path = store else { return nil }
        let who = ResultsStore.defaultActor(actor)
        let m = output.manifest
        let summary = try storeCall(path) {
            let db = try ResultsStore(path: path, create: true)
            return try db.record(output.records.map(\.json), actor: who, regrade: regrade,
                                 batch: "batch \(m.inputsSHA256.prefix(12)) shard \(m.shard): \(m.attempts) attempt(s) to \(out)")
        }
        for a in summary.refused { printError(TerminalText.escape("\(path): " + StoreError.conflict(attempt: a).description)) }
        return ("stored in \(path): \(summary.inserted) new, \(summary.unchanged) unchanged, \(summary.regraded) regraded, "
                + "\(summary.refused.count) refused", !summary.refused.isEmpty)
    }
}

struct Merge: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Merge the output folders of `hazlab grade --shard i/N` into one unsharded result.",
        discussion: """
        Writes results.json, results.csv, errors.json and manifest.json into --out,
        byte for byte what one unsharded `hazlab grade` of the same batch writes.
        Refuses (writes nothing) when a shard is missing or given twice, when the
        folders are of different batches, or when an attempt id appears in two
        shards.

        Exit status: 0 when merged and no journal was bad; 1 when merged with bad
        journals (as the unsharded grade would exit) or when the merge was refused;
        64 for usage errors.

        Examples:
          hazlab merge --out results/ results/shard-1 results/shard-2 results/shard-3
        """)

    @Option(help: ArgumentHelp("Output folder (created if missing).", valueName: "DIR"))
    var out: String

    @Argument(help: ArgumentHelp("Shard output folders.", valueName: "SHARD_DIR"))
    var shards: [String] = []

    func validate() throws {
        if shards.isEmpty { throw ValidationError("give the shard output folders to merge") }
    }

    func run() throws {
        let output: GradeOutput
        do { output = try GradeOutput.merge(folders: shards) } catch {
            printError("error: merge refused: \(error)")
            throw ExitCode(ExitStatus.failed)
        }
        do { try output.write(to: out) } catch {
            printError("\(out): error: cannot write results: \(error)")
            throw ExitCode(ExitStatus.failed)
        }
        let m = output.manifest
        print("merged \(shards.count) shard(s): \(m.attempts) attempt(s), \(m.passed) passed; \(m.badJournals) bad journal(s) of \(m.journals)")
        print("wrote \(out)/\(GradeOutput.resultsFile), \(GradeOutput.csvFile), \(GradeOutput.errorsFile), \(GradeOutput.manifestFile)")
        if m.badJournals > 0 { throw ExitCode(ExitStatus.failed) }
    }
}

struct Exam: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Exam sessions: plan per-student seeds.",
        subcommands: [ExamPlanCommand.self])
}

struct ExamPlanCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "plan",
        abstract: "Give each student of an exam a seed, so that fault times differ between students.",
        discussion: """
        Each seed is derived from (exam id, scenario id, student id) with SHA-256
        and cut to 53 bits, so any JSON reader keeps it exact and the same inputs
        always give the same plan. Writes JSON (exam, scenario, scenarioSHA256,
        students [{student, seed}]), or CSV with a BOM when FILE ends in .csv. Give
        the plan to `hazlab grade --plan FILE` to check that each journal was
        recorded with its student's seed.

        The students file lists one student id per line; blank lines and # comments
        are skipped.

        Examples:
          hazlab exam plan --scenario Scenarios/tank-filling --exam 2026-final \\
            --students class-3.txt --out plan.json
          hazlab exam plan --scenario Scenarios/tank-filling --exam quiz-7 \\
            --student s001 --student s002 --out plan.csv
        """)

    @Option(help: ArgumentHelp("Scenario file or folder.", valueName: "PATH"))
    var scenario: String

    @Option(help: ArgumentHelp("Exam id (any text without control characters).", valueName: "ID"))
    var exam: String

    @Option(help: ArgumentHelp("File of student ids, one per line.", valueName: "FILE"))
    var students: String?

    @Option(name: .customLong("student"), help: ArgumentHelp("A student id; repeat for more.", valueName: "ID"))
    var studentIds: [String] = []

    @Option(help: ArgumentHelp("Plan file to write (.json, or .csv for CSV).", valueName: "FILE"))
    var out: String

    func validate() throws {
        if students == nil && studentIds.isEmpty { throw ValidationError("give --students FILE or --student ID") }
    }

    func run() throws {
        let model = try loadModel(scenario)
        var ids: [String] = []
        if let file = students {
            guard let data = FileManager.default.contents(atPath: file) else {
                printError("\(file): error: cannot read the students file"); throw ExitCode(ExitStatus.failed)
            }
            ids = ExamPlan.readRoster(String(decoding: data, as: UTF8.self))
        }
        ids += studentIds
        if ids.isEmpty { printError("error: no students to plan"); throw ExitCode(ExitStatus.failed) }
        let plan: ExamPlan
        do { plan = try ExamPlan.make(exam: exam, model: model, students: ids) } catch {
            printError("error: \(error)"); throw ExitCode(ExitStatus.failed)
        }
        let text = out.lowercased().hasSuffix(".csv") ? plan.csv() : plan.json()
        do { try Data(text.utf8).write(to: URL(fileURLWithPath: out), options: .atomic) } catch {
            printError("\(out): error: cannot write the plan: \(error)"); throw ExitCode(ExitStatus.failed)
        }
        print("planned \(plan.students.count) student(s) for exam '\(plan.exam)' on \(plan.scenario): \(out)")
    }
}

func monotonicSeconds() -> Double {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return Double(ts.tv_sec) + Double(ts.tv_nsec) * 1e-9
}

/// The one-line progress bar on a terminal's stderr: done/total, attempts/s, ETA. The grader
/// calls `update` about 10 times a second; it never goes to a pipe or a file.
final class ProgressBar: @unchecked Sendable {
    private let started: Double
    private let lock = NSLock()
    private var drawn = false

    init(started: Double) { self.started = started }

    func update(_ done: Int, _ total: Int) {
        lock.lock(); defer { lock.unlock() }
        let elapsed = max(1e-6, monotonicSeconds() - started)
        let rate = Double(done) / elapsed
        let width = 24
        let filled = total > 0 ? min(width, done * width / total) : width
        let bar = String(repeating: "#", count: filled) + String(repeating: "-", count: width - filled)
        var eta = "--:--"
        if rate > 0 && total >= done {
            let s = Int((Double(total - done) / rate).rounded())
            eta = s >= 3600 ? String(format: "%d:%02d:%02d", s / 3600, s / 60 % 60, s % 60) : String(format: "%d:%02d", s / 60, s % 60)
        }
        let line = "\r\u{1B}[2K[\(bar)] \(done)/\(total)  \(String(format: "%.1f", rate)) attempts/s  ETA \(eta)"
        FileHandle.standardError.write(Data(line.utf8))
        drawn = true
    }

    /// Clears the bar so the summary starts on a clean line.
    func finish() {
        lock.lock(); defer { lock.unlock() }
        if drawn { FileHandle.standardError.write(Data("\r\u{1B}[2K".utf8)) }
    }
}
