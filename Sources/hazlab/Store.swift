import ArgumentParser
import Crypto
import Foundation
import HazLabRecords
import HazLabRunner
import HazLabScenario

/// `--store FILE` and `--actor NAME`, shared by the store commands.
struct StoreOptions: ParsableArguments {
    @Option(help: ArgumentHelp("Results store (default: $HAZLAB_STORE, else ./hazlab-results.sqlite).", valueName: "FILE"))
    var store: String?

    @Option(help: ArgumentHelp("Who is acting, for the audit log (default: $USER).", valueName: "NAME"))
    var actor: String?

    var path: String { store ?? ResultsStore.defaultPath() }
    var who: String { ResultsStore.defaultActor(actor) }

    /// Opens the store or prints one line and exits 1.
    func open(create: Bool = false) throws -> ResultsStore {
        do { return try ResultsStore(path: path, create: create) } catch {
            printError(storeMessage(error, path))
            throw ExitCode(ExitStatus.failed)
        }
    }
}

/// One line for any store error.
func storeMessage(_ error: Error, _ path: String) -> String {
    if let e = error as? StoreError { return e.description }
    if let e = error as? SQLiteError, e.code & 0xff == 5 {   // SQLITE_BUSY
        return StoreError.busy(path: path, seconds: ResultsStore.defaultBusyWaitSeconds).description
    }
    return "\(path): error: \(error)"
}

/// Runs `body`, turning a store error into one line on stderr and exit status 1.
func storeCall<T>(_ path: String, _ body: () throws -> T) throws -> T {
    do { return try body() } catch let e as ExitCode { throw e } catch {
        printError(storeMessage(error, path))
        throw ExitCode(ExitStatus.failed)
    }
}

struct Store: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "The results store: back up, restore, list attempts, read the audit log.",
        discussion: """
        The results store is one SQLite file (WAL mode) holding every graded
        attempt once, its step results and deductions, the export status per
        destination and an append-only audit log. `hazlab grade --store FILE`
        fills it. The file must be readable and writable by its owner only (mode
        0600; hazlab creates it so and refuses a wider one).
        Default path: $HAZLAB_STORE, else ./hazlab-results.sqlite.
        See Docs/store.md.

        Examples:
          hazlab store backup --store results.sqlite backups/2026-06-30.sqlite
          hazlab store restore --store results.sqlite backups/2026-06-30.sqlite
          hazlab store attempts --scenario tank-filling
          hazlab store audit --limit 20
          hazlab store verify
        """,
        subcommands: [StoreBackup.self, StoreRestore.self, StoreImport.self, StoreAttempts.self, StoreAudit.self, StoreDelete.self,
                      StoreVerify.self])
}

struct StoreBackup: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "backup",
        abstract: "Copy the live store to a new file (SQLite online backup; graders may keep writing).",
        discussion: """
        The copy is one consistent snapshot in a single file, created with mode 0600. An
        existing FILE is refused. The copy is written as FILE.partial-PID and renamed to
        FILE only when complete. The audit log records backup-started (inside the copy),
        then backup (with the copy's SHA-256) or backup-failed.

        Exit status: 0 when written, 1 when the store cannot be read or FILE cannot be written.
        """)

    @OptionGroup var options: StoreOptions

    @Argument(help: ArgumentHelp("The backup file to write (must not exist).", valueName: "FILE"))
    var file: String

    func run() throws {
        let store = try options.open()
        try storeCall(file) { try store.backup(to: file, actor: options.who) }
        print("backed up \(try storeCall(options.path) { try store.count("attempts") }) attempt(s) from \(options.path) to \(file)")
    }
}

struct StoreRestore: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "restore",
        abstract: "Replace the store's contents with a backup, after checking it is a HazLab store.",
        discussion: """
        FILE must be a sound SQLite database with the HazLab application id and a schema
        version this hazlab knows; otherwise nothing changes. FILE may not be the store
        itself. The store as it was is first kept as a new STORE.before-restore.N (mode
        0600; earlier copies are never replaced): to undo a restore, restore that copy.
        The restored store is migrated to the current schema and the restore is recorded
        in its audit log. A missing store is created; a store too damaged to open, or
        changed outside hazlab, is moved aside to STORE.before-restore.N (never deleted)
        and rebuilt from FILE.

        Exit status: 0 when restored, 1 when FILE is not a usable backup or the store
        cannot be written.
        """)

    @OptionGroup var options: StoreOptions

    @Argument(help: ArgumentHelp("The backup file to restore from.", valueName: "FILE"))
    var file: String

    func run() throws {
        // Check the backup before touching (or creating) the store.
        _ = try storeCall(file) { try ResultsStore.validateBackup(file) }
        let r = try storeCall(options.path) { try ResultsStore.restore(store: options.path, from: file, actor: options.who) }
        if r.damaged { printError("\(options.path): warning: the store could not be opened, or was changed outside hazlab; the old file was kept as \(r.kept)") }
        print("restored \(try storeCall(options.path) { try r.store.count("attempts") }) attempt(s) from \(file) into \(options.path); "
              + "previous store kept as \(r.kept) (to undo: hazlab store restore --store \(options.path) \(r.kept))")
    }
}

struct StoreAttempts: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "attempts",
        abstract: "List the stored attempts (tab-separated: attempt, student, workstation, scenario, score, max, passed, evaluation, graded at, started).",
        discussion: """
        Oldest start first. `started` is when the attempt was taken (the journal's header), in the
        --utc-offset zone (default +08:00, Beijing), or empty when the journal had none; `graded at`
        stays in UTC. Text fields are escaped (TerminalText), so a tab or newline in a name cannot
        add a column or a row.

        Examples:
          hazlab store attempts --student s001
          hazlab store attempts --scenario tank-filling --since 2026-09-01
          hazlab store attempts --since 2026-09-01T08:00:00+08:00 --utc-offset +00:00
        """)

    @OptionGroup var options: StoreOptions

    @Option(help: ArgumentHelp("Only attempts of this scenario.", valueName: "ID"))
    var scenario: String?

    @Option(help: ArgumentHelp("Only attempts of this student.", valueName: "ID"))
    var student: String?

    @Option(help: ArgumentHelp("Only attempts started on or after this date (YYYY-MM-DD, local midnight) or ISO 8601 time.", valueName: "DATE"))
    var since: String?

    @Option(help: ArgumentHelp("Time zone of --since dates and the started column (e.g. +08:00, UTC).", valueName: "OFFSET"))
    var utcOffset: String = "+08:00"

    func validate() throws {
        guard let zone = UTCOffset(utcOffset) else {
            throw ValidationError("--utc-offset '\(TerminalText.escape(utcOffset))' is not an offset such as +08:00 or UTC")
        }
        if let since, zone.parseDateOrTime(since) == nil {
            throw ValidationError("--since '\(TerminalText.escape(since))' is not a date (YYYY-MM-DD) or an ISO 8601 time")
        }
    }

    func run() throws {
        let zone = UTCOffset(utcOffset) ?? .beijing
        let filter = ResultsStore.AttemptFilter(student: student, scenario: scenario, since: since.flatMap(zone.parseDateOrTime))
        let store = try options.open()
        for a in try storeCall(options.path, { try store.attempts(matching: filter) }) {
            let started = a.startedMillis.map { zone.iso8601(millis: $0) } ?? ""
            print([TerminalText.field(a.attempt), TerminalText.field(a.student), TerminalText.field(a.workstation),
                   TerminalText.field(a.scenario), JSON.number(a.total), JSON.number(a.max),
                   a.passed ? "passed" : "failed", TerminalText.field(a.evaluation), TerminalText.field(a.gradedAt), started]
                .joined(separator: "\t"))
        }
    }
}

struct StoreAudit: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "audit",
        abstract: "Print the audit log: who graded, regraded, exported, backed up or restored what, and when.",
        discussion: "Tab-separated: id, time (UTC), actor, action, subject, detail; oldest first. The log is append-only.")

    @OptionGroup var options: StoreOptions

    @Option(help: "Show only the latest N entries.")
    var limit: Int = 100

    func validate() throws {
        if limit < 1 { throw ValidationError("--limit must be at least 1") }
    }

    func run() throws {
        let store = try options.open()
        for e in try storeCall(options.path, { try store.auditLog(limit: limit) }) {
            print([String(e.id), e.at, e.actor, e.action, e.subject, e.detail].map(TerminalText.field).joined(separator: "\t"))
        }
    }
}

struct StoreDelete: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "delete",
        abstract: "Delete one attempt from the store (audited; its record is kept in the store's history).",
        discussion: """
        Removes the attempt's results, export status and queued payloads. The record is
        kept in attempt_history and the deletion, with --reason, in the audit log.
        Payloads already delivered to a data centre are not recalled.

        Exit status: 0 when deleted, 1 when there is no such attempt or the store cannot be written.

        Example:
          hazlab store delete "exam-1/17" --reason "wrong student id, regraded as exam-1/71"
        """)

    @OptionGroup var options: StoreOptions

    @Argument(help: ArgumentHelp("The attempt id.", valueName: "ATTEMPT"))
    var attempt: String

    @Option(help: ArgumentHelp("Why, for the audit log.", valueName: "TEXT"))
    var reason: String

    func validate() throws {
        if reason.trimmingCharacters(in: .whitespaces).isEmpty { throw ValidationError("give a --reason") }
    }

    func run() throws {
        let store = try options.open()
        guard try storeCall(options.path, { try store.delete(attempt: attempt, actor: options.who, reason: reason) }) else {
            printTextError("\(options.path): error: no attempt '\(attempt)' in the store")
            throw ExitCode(ExitStatus.failed)
        }
        printText("deleted attempt '\(attempt)' from \(options.path) (record kept in its history)")
    }
}

struct StoreImport: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Record the results of `hazlab grade` or `hazlab merge` output folders in the store, after replaying them.",
        discussion: """
        For graders that ran without --store, e.g. the shards of a sharded batch on
        other machines: each OUT folder's results.json (or the file itself) is
        recorded as `hazlab grade --store` would, under the same rule: the same
        result again changes nothing, a different one is refused unless --regrade.

        A results.json is not trusted as written: every record is graded again from
        its journal (found by the SHA-256 the record names: in --journals folders,
        else at the record's journal path) with the scenarios of --scenarios, and a
        record whose replay differs is refused, naming the attempt and the fields.
        A record whose journal cannot be found (or without --scenarios) is refused
        unless --trust-unverified, which records it and says so in the audit log.
        Refused records do not stop the others. Each file is one audit row.

        Exit status: 0 when all recorded, 1 when a file is unreadable or a record
        was refused.

        Example:
          hazlab store import --store results.sqlite --scenarios Scenarios \\
              --journals subs/ out/shard-1 out/shard-2
        """)

    @OptionGroup var options: StoreOptions

    @Flag(help: "Replace stored results that differ (the old ones stay in the store's history).")
    var regrade = false

    @Option(help: ArgumentHelp("Scenario files or folders, to replay the records (as for `hazlab grade`).", valueName: "DIR"))
    var scenarios: [String] = []

    @Option(help: ArgumentHelp("Folders searched for the records' journals (*.jsonl, matched by SHA-256).", valueName: "DIR"))
    var journals: [String] = []

    @Flag(help: "Record results whose journal cannot be found, unverified (audited as such). Results that replay differently are refused all the same.")
    var trustUnverified = false

    @Option(help: "Worker threads for the replays (default: the number of CPUs).")
    var jobs: Int = ProcessInfo.processInfo.activeProcessorCount

    @Argument(help: ArgumentHelp("Grader output folders or results.json files.", valueName: "OUT|FILE"))
    var inputs: [String] = []

    func validate() throws {
        if inputs.isEmpty { throw ValidationError("give at least one output folder or results.json") }
        if jobs < 1 { throw ValidationError("--jobs must be at least 1") }
    }

    /// One record of a results.json and what the replay made of it.
    struct Item {
        var file: String
        var line: Int
        var json: String
        var attempt = "?"
        var journalSHA256 = ""
        var journalPath = ""
        var found: String?
        var refusal: String?
    }

    func run() throws {
        // Read everything first: a bad file changes nothing.
        var batches: [(String, [String])] = []
        for input in inputs {
            var isDir: ObjCBool = false
            let file = FileManager.default.fileExists(atPath: input, isDirectory: &isDir) && isDir.boolValue
                ? (input as NSString).appendingPathComponent("results.json") : input
            guard let data = FileManager.default.contents(atPath: file) else {
                printError("\(TerminalText.escape(file)): error: cannot read"); throw ExitCode(ExitStatus.failed)
            }
            batches.append((file, try storeCall(file) { try ResultsStore.records(resultsJSON: String(decoding: data, as: UTF8.self), file: file) }))
        }
        var items: [Item] = []
        for (file, records) in batches {
            for (i, json) in records.enumerated() {
                var item = Item(file: file, line: i + 2, json: json)
                if let v = try? JSONText.parse(Array(json.utf8)) {
                    item.attempt = v["attempt"]?.string ?? "?"
                    item.journalSHA256 = v["journalSHA256"]?.string ?? ""
                    item.journalPath = v["journal"]?.string ?? ""
                }
                items.append(item)
            }
        }
        try replay(&items)

        let store = try options.open(create: true)
        var refused = false
        for (file, _) in batches {
            let mine = items.filter { $0.file == file }
            for r in mine where r.refusal != nil {
                refused = true
                printError("\(TerminalText.escape(file)): record \(r.line - 1) (attempt \(TerminalText.field(r.attempt))): error: \(TerminalText.escape(r.refusal!))")
                try storeCall(options.path) {
                    try store.audit(actor: options.who, action: "import-refused", subject: r.attempt, detail: "\(file): \(r.refusal!)")
                }
            }
            let accepted = mine.filter { $0.refusal == nil }
            let unverified = accepted.filter { $0.found == nil }
            var batch = "import \(file)"
            if !unverified.isEmpty {
                batch += " (\(unverified.count) unverified, --trust-unverified)"
                try storeCall(options.path) {
                    let names = unverified.prefix(100).map(\.attempt).joined(separator: ", ")
                    try store.audit(actor: options.who, action: "import-unverified", subject: file,
                                    detail: "\(unverified.count) record(s) recorded without a replay (--trust-unverified): " + names
                                        + (unverified.count > 100 ? ", and \(unverified.count - 100) more" : ""))
                }
            }
            let s = try storeCall(options.path) { try store.record(accepted.map(\.json), actor: options.who, regrade: regrade, batch: batch) }
            for a in s.refused { printTextError("\(options.path): " + StoreError.conflict(attempt: a).description) }
            refused = refused || !s.refused.isEmpty
            print("\(TerminalText.escape(file)): \(s.inserted) new, \(s.unchanged) unchanged, \(s.regraded) regraded, "
                  + "\(s.refused.count + mine.count - accepted.count) refused"
                  + (unverified.isEmpty ? "" : ", \(unverified.count) recorded unverified"))
        }
        if refused { throw ExitCode(ExitStatus.failed) }
    }

    /// Finds each record's journal and grades it again; sets `found` and `refusal`.
    func replay(_ items: inout [Item]) throws {
        var bySHA: [String: String] = [:]   // looked up, never iterated
        for p in Grader.journalPaths(journals) {
            guard let d = FileManager.default.contents(atPath: p) else { continue }
            let sha = SHA256.hex([UInt8](d))
            if bySHA[sha] == nil { bySHA[sha] = p }
        }
        var shaOfPath: [String: String] = [:]   // each journal path hashed once; looked up, never iterated
        for i in items.indices where !items[i].journalSHA256.isEmpty {
            if let p = bySHA[items[i].journalSHA256] { items[i].found = p; continue }
            let p = items[i].journalPath
            guard journals.isEmpty, !p.isEmpty else { continue }
            if shaOfPath[p] == nil { shaOfPath[p] = FileManager.default.contents(atPath: p).map { SHA256.hex([UInt8]($0)) } ?? "" }
            if shaOfPath[p] == items[i].journalSHA256 { items[i].found = p }
        }
        var set: ScenarioSet?
        if !scenarios.isEmpty {
            let compiled = ScenarioSet.compile(scenarios)
            guard let s = compiled.set else {
                for e in compiled.errors { printError(e) }
                throw ExitCode(ExitStatus.failed)
            }
            set = s
        }
        for i in items.indices where items[i].found == nil || set == nil {
            let why = items[i].found == nil
                ? "its journal (SHA-256 \(items[i].journalSHA256.prefix(12))) was not found" + (journals.isEmpty ? " at \(items[i].journalPath); give --journals DIR" : " in --journals")
                : "no --scenarios to replay it with"
            items[i].found = nil
            if !trustUnverified { items[i].refusal = "cannot verify the result: \(why) (or --trust-unverified to record it unverified)" }
        }
        guard let set else { return }
        let paths = Array(Set(items.compactMap(\.found))).sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
        if paths.isEmpty { return }
        // The same grader as `hazlab grade`; chains and signatures are the grader's business,
        // here only the result is checked, so incomplete journals replay too.
        let grader = Grader(scenarios: set, jobs: jobs, allowIncomplete: true)
        let output = grader.run(journals: paths)
        var byJournal: [String: (attempt: String, json: String)] = [:]   // looked up, never iterated
        for r in output.records {
            if let v = try? JSONText.parse(Array(r.json.utf8)), let j = v["journal"]?.string { byJournal[j] = (r.attempt, r.json) }
        }
        var errorsByJournal: [String: String] = [:]   // looked up, never iterated
        for e in output.errors where errorsByJournal[e.journal] == nil { errorsByJournal[e.journal] = e.description }
        for i in items.indices {
            guard let path = items[i].found else { continue }
            guard let replayed = byJournal[path] else {
                items[i].refusal = "its journal \(path) does not grade: \(errorsByJournal[path] ?? "no result")"
                continue
            }
            let diffs = ResultsStore.recordDifferences(items[i].json, replay: replayed.json)
            if !diffs.isEmpty {
                items[i].refusal = "the result differs from a replay of \(path): " + diffs.prefix(4).joined(separator: "; ")
                    + (diffs.count > 4 ? "; and \(diffs.count - 4) more field(s)" : "")
            }
        }
    }
}

struct StoreVerify: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Check the store for changes made outside hazlab: the audit chain and every attempt against its record.",
        discussion: """
        Walks the whole audit chain (each row's SHA-256 over the row before it), checks
        its head against the store's own copy and the sidecar STORE.audit-head, checks
        that the append-only triggers are there, and compares every attempt's columns,
        step results, deductions, quality windows and events with its verbatim record
        and identity hash. Every open makes a cheaper check (the head and the last rows)
        and refuses a store that fails it; verify opens without refusing, to list all.
        What is and is not detected: Docs/store.md.

        Exit status: 0 when everything agrees, 1 when a problem was found (one line each).
        """)

    @OptionGroup var options: StoreOptions

    func run() throws {
        let store: ResultsStore
        do { store = try ResultsStore(path: options.path, checkAudit: false) } catch {
            printError(storeMessage(error, options.path)); throw ExitCode(ExitStatus.failed)
        }
        let v = try storeCall(options.path) { try store.verify() }
        for p in v.problems { printError("\(TerminalText.escape(options.path)): tampered: \(TerminalText.escape(p))") }
        if !v.ok {
            printError("\(TerminalText.escape(options.path)): \(v.problems.count) problem(s); restore a backup (`hazlab store restore`) after finding out what happened")
            throw ExitCode(ExitStatus.failed)
        }
        print("\(TerminalText.escape(options.path)): verified: \(v.auditRows) audit row(s) chained to head \(v.head.map { "\($0.id) \($0.hash.prefix(16))" } ?? "-")"
              + " (audit head file \(v.sidecar)); \(v.attempts) attempt(s) agree with their records")
    }
}
