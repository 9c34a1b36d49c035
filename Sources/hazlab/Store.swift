import ArgumentParser
import Foundation
import HazLabRecords

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
        """,
        subcommands: [StoreBackup.self, StoreRestore.self, StoreImport.self, StoreAttempts.self, StoreAudit.self, StoreDelete.self])
}

struct StoreBackup: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "backup",
        abstract: "Copy the live store to a new file (SQLite online backup; graders may keep writing).",
        discussion: """
        The copy is one consistent snapshot in a single file, created with mode 0600. An
        existing FILE is refused. The backup is recorded in the audit log.

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
        version this hazlab knows; otherwise nothing changes. The store as it was is first
        kept as STORE.before-restore (mode 0600). The restored store is migrated to the
        current schema and the restore is recorded in its audit log. A missing store is
        created; a store too damaged to open is moved aside to STORE.before-restore
        (never deleted) and rebuilt from FILE.

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
        if r.damaged { printError("\(options.path): warning: the store could not be opened; the damaged file was kept as \(r.kept)") }
        print("restored \(try storeCall(options.path) { try r.store.count("attempts") }) attempt(s) from \(file) into \(options.path); previous store kept as \(r.kept)")
    }
}

struct StoreAttempts: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "attempts",
        abstract: "List the stored attempts (tab-separated: attempt, student, workstation, scenario, score, max, passed, evaluation, graded at).")

    @OptionGroup var options: StoreOptions

    @Option(help: ArgumentHelp("Only attempts of this scenario.", valueName: "ID"))
    var scenario: String?

    func run() throws {
        let store = try options.open()
        for a in try storeCall(options.path, { try store.attempts(scenario: scenario) }) {
            print([a.attempt, a.student, a.workstation, a.scenario, JSON.number(a.total), JSON.number(a.max),
                   a.passed ? "passed" : "failed", a.evaluation, a.gradedAt].joined(separator: "\t"))
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
        abstract: "Record the results of `hazlab grade` or `hazlab merge` output folders in the store.",
        discussion: """
        For graders that ran without --store, e.g. the shards of a sharded batch on
        other machines: each OUT folder's results.json (or the file itself) is
        recorded exactly as `hazlab grade --store` would, under the same rule: the
        same result again changes nothing, a different one is refused unless
        --regrade. Each folder is one transaction and one audit row.

        Exit status: 0 when all recorded, 1 when a file is unreadable or an attempt
        was refused.

        Example:
          hazlab store import --store results.sqlite out/shard-1 out/shard-2
        """)

    @OptionGroup var options: StoreOptions

    @Flag(help: "Replace stored results that differ (the old ones stay in the store's history).")
    var regrade = false

    @Argument(help: ArgumentHelp("Grader output folders or results.json files.", valueName: "OUT|FILE"))
    var inputs: [String] = []

    func validate() throws {
        if inputs.isEmpty { throw ValidationError("give at least one output folder or results.json") }
    }

    func run() throws {
        // Read everything first: a bad file changes nothing.
        var batches: [(String, [String])] = []
        for input in inputs {
            var isDir: ObjCBool = false
            let file = FileManager.default.fileExists(atPath: input, isDirectory: &isDir) && isDir.boolValue
                ? (input as NSString).appendingPathComponent("results.json") : input
            guard let data = FileManager.default.contents(atPath: file) else {
                printError("\(file): error: cannot read"); throw ExitCode(ExitStatus.failed)
            }
            batches.append((file, try storeCall(file) { try ResultsStore.records(resultsJSON: String(decoding: data, as: UTF8.self), file: file) }))
        }
        let store = try options.open(create: true)
        var refused = false
        for (file, records) in batches {
            let s = try storeCall(options.path) { try store.record(records, actor: options.who, regrade: regrade, batch: "import \(file)") }
            for a in s.refused { printTextError("\(options.path): " + StoreError.conflict(attempt: a).description) }
            refused = refused || !s.refused.isEmpty
            print("\(file): \(s.inserted) new, \(s.unchanged) unchanged, \(s.regraded) regraded, \(s.refused.count) refused")
        }
        if refused { throw ExitCode(ExitStatus.failed) }
    }
}
