import ArgumentParser
import Foundation
import HazLabLab
import HazLabRecords
import HazLabServer
import Logging

/// Runs an async body from a synchronous command (the root command is synchronous).
private func blocking(_ body: @escaping @Sendable () async throws -> Void) throws {
    final class Outcome: @unchecked Sendable { var error: (any Error)? }
    let outcome = Outcome(), done = DispatchSemaphore(value: 0)
    Task {
        do { try await body() } catch { outcome.error = error }
        done.signal()
    }
    done.wait()
    if let e = outcome.error { throw e }
}

/// "COMMAND: error: MESSAGE", unless the message already names its own item ("FILE: error: …"):
/// then the message alone, never "hazlab serve: error: /x.sqlite: error: …".
func oneErrorPrefix(_ command: String, _ error: any Error) -> String {
    let text = "\(error)"
    return text.contains(": error: ") ? text : "\(command): error: \(text)"
}

private func loadConfig(_ path: String) throws -> LabConfig {
    do { return try LabConfig.load(path: path) } catch { printTextError("\(error)"); throw ExitCode(ExitStatus.failed) }
}

struct Serve: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run the school lab server (accounts, roles, workstation streams; Docs/lab.md).",
        discussion: """
        Examples:
          hazlab lab init --config lab.yaml --admin admin
          hazlab serve --config lab.yaml
        Stops cleanly on SIGTERM or SIGINT.
        """)

    @Option(help: ArgumentHelp("The server's configuration (YAML).", valueName: "FILE")) var config: String = "lab.yaml"
    @Option(help: "Log level: trace, debug, info, notice, warning, error, critical.") var logLevel: String = "info"

    func run() throws {
        let c = try loadConfig(config)
        do { try c.checkScenarios() } catch { printTextError("\(error)"); throw ExitCode(ExitStatus.failed) }
        guard let level = Logger.Level(rawValue: logLevel) else { throw ValidationError("--log-level: unknown level '\(logLevel)'") }
        LoggingSystem.bootstrap { StreamLogHandler.standardError(label: $0) }
        do { try blocking { try await LabServe.run(config: c, logLevel: level) } }
        catch { printTextError(oneErrorPrefix("hazlab serve", error)); throw ExitCode(ExitStatus.failed) }
    }
}

struct Lab: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Administer the lab server's store offline: first administrator, users, classes, rosters, workstation keys, tasks.",
        discussion: """
        Every change is audited as the operating-system account that ran the command.
        Examples:
          hazlab lab init --config lab.yaml --admin admin            # prints a random password
          hazlab lab user --config lab.yaml --id t01 --role instructor --name 王老师
          hazlab lab roster --config lab.yaml --class 2026-1 roster.csv
          hazlab lab enrol --config lab.yaml --class 2026-1 --user t01
          hazlab lab workstation --config lab.yaml --public ws-01.pub
          hazlab lab revoke --config lab.yaml --id ws-01
          hazlab lab unlock --config lab.yaml --user s001            # after too many wrong passwords
          hazlab lab task --config lab.yaml --class 2026-1 --scenario tank-filling --mode exam   # then --open TASK
          hazlab lab backup --config lab.yaml                        # one backup now, into backup.dir
        """,
        subcommands: [LabInit.self, LabUserAdd.self, LabRoster.self, LabEnrol.self, LabWorkstation.self, LabRevoke.self, LabUnlock.self, LabTaskCommand.self,
                      LabExamCommand.self, LabDemo.self, LabBackup.self])
}

struct LabOptions: ParsableArguments {
    @Option(help: ArgumentHelp("The server's configuration (YAML).", valueName: "FILE")) var config: String = "lab.yaml"

    func accounts() throws -> LabAccounts {
        let c = try loadConfig(config)
        do {
            let store = try ResultsStore(path: c.store, create: true)
            return LabAccounts(store: store, bcryptCost: c.bcryptCost, lockoutFailures: c.lockoutFailures,
                               lockoutMinutes: c.lockoutMinutes, sessionHours: c.sessionHours)
        } catch { printTextError("\(error)"); throw ExitCode(ExitStatus.failed) }
    }
}

private func attempt(_ body: () throws -> Void) throws {
    do { try body() } catch let e as ExitCode { throw e } catch { printTextError(oneErrorPrefix("hazlab lab", error)); throw ExitCode(ExitStatus.failed) }
}

/// A password from stdin (first line) with --password-stdin, else nil (a random one is made and printed).
private func stdinPassword(_ flag: Bool) -> String? {
    guard flag else { return nil }
    return readLine(strippingNewline: true)
}

struct LabInit: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "init", abstract: "Create the store and the first administrator.")
    @OptionGroup var options: LabOptions
    @Option(help: "The administrator's user id.") var admin: String
    @Option(help: "Display name.") var name: String = ""
    @Flag(help: "Read the password from stdin (first line) instead of printing a random one.") var passwordStdin = false

    func run() throws {
        let accounts = try options.accounts()
        try attempt {
            if try accounts.users().contains(where: { $0.role == .administrator }) {
                throw LabAccountError("the store already has an administrator; add users with 'hazlab lab user'")
            }
            let pw = try accounts.createUser(id: admin, name: name, role: .administrator, password: stdinPassword(passwordStdin),
                                             actor: LabServe.osUser())
            print("created administrator \(TerminalText.escape(admin)) in \(TerminalText.escape(accounts.store.path))")
            if !passwordStdin { print("password: \(pw)") }
        }
    }
}

struct LabUserAdd: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "user", abstract: "Add a user (student, instructor, administrator, auditor).")
    @OptionGroup var options: LabOptions
    @Option(help: "User id.") var id: String
    @Option(help: "student, instructor, administrator or auditor.") var role: String
    @Option(help: "Display name.") var name: String = ""
    @Flag(help: "Read the password from stdin (first line) instead of printing a random one.") var passwordStdin = false

    func run() throws {
        guard let r = LabRole(rawValue: role) else { throw ValidationError("--role must be student, instructor, administrator or auditor") }
        let accounts = try options.accounts()
        try attempt {
            let pw = try accounts.createUser(id: id, name: name, role: r, password: stdinPassword(passwordStdin), actor: LabServe.osUser())
            print("created \(r.rawValue) \(TerminalText.escape(id))")
            if !passwordStdin { print("password: \(pw)") }
        }
    }
}

struct LabRoster: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "roster", abstract: "Import a class roster (CSV: id,name[,password]; UTF-8, BOM optional).")
    @OptionGroup var options: LabOptions
    @Option(name: .customLong("class"), help: "Class id (created if missing).") var klass: String
    @Argument(help: "The roster CSV file.") var file: String

    func run() throws {
        let accounts = try options.accounts()
        try attempt {
            guard let data = FileManager.default.contents(atPath: file) else { throw LabAccountError("\(file): cannot read") }
            guard let text = String(data: data, encoding: .utf8) else { throw LabAccountError("\(file): not UTF-8 text") }
            let made: [(id: String, password: String?)]
            do { made = try accounts.importRoster(csv: text, klass: klass, actor: LabServe.osUser()) }
            catch { throw LabAccountError("\(file): \(error)") }
            print("imported \(made.count) new students into \(TerminalText.escape(klass))")
            for m in made { if let p = m.password { print("\(TerminalText.escape(m.id)),\(p)") } }
        }
    }
}

struct LabEnrol: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "enrol", abstract: "Put a student or an instructor in a class (created if missing).")
    @OptionGroup var options: LabOptions
    @Option(name: .customLong("class"), help: "Class id.") var klass: String
    @Option(help: "User id.") var user: String

    func run() throws {
        let accounts = try options.accounts()
        try attempt {
            try accounts.createClass(id: klass, name: klass, actor: LabServe.osUser())
            try accounts.enrol(user: user, in: klass, actor: LabServe.osUser())
            print("enrolled \(TerminalText.escape(user)) in \(TerminalText.escape(klass))")
        }
    }
}

struct LabWorkstation: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "workstation", abstract: "Register a workstation's public key (from `hazlab keys generate`).")
    @OptionGroup var options: LabOptions
    @Option(name: .customLong("public"), help: "The workstation's .pub file.") var pub: String

    func run() throws {
        let accounts = try options.accounts()
        try attempt {
            let rec = try PublicKeyRecord.load(path: pub)
            try accounts.registerWorkstation(id: rec.id, publicKey: rec.publicKey, actor: LabServe.osUser())
            print("registered workstation \(TerminalText.escape(rec.id))")
        }
    }
}

struct LabUnlock: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "unlock", abstract: "Lift a user's sign-in lockout (after too many wrong passwords) and reset the failures.")
    @OptionGroup var options: LabOptions
    @Option(help: "User id.") var user: String

    func run() throws {
        let accounts = try options.accounts()
        try attempt {
            let until = try accounts.unlock(id: user, actor: LabServe.osUser())
            print(until.isEmpty ? "\(TerminalText.escape(user)) was not locked; failed sign-ins reset"
                                : "unlocked \(TerminalText.escape(user)) (locked until \(until))")
        }
    }
}

struct LabRevoke: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "revoke", abstract: "Revoke a workstation's key: it can no longer get assignments or stream.")
    @OptionGroup var options: LabOptions
    @Option(help: "Workstation id.") var id: String

    func run() throws {
        let accounts = try options.accounts()
        try attempt {
            try accounts.revokeWorkstation(id: id, actor: LabServe.osUser())
            print("revoked workstation \(TerminalText.escape(id))")
        }
    }
}

struct LabTaskCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "task",
        abstract: "Assign a scenario to a class (a task), open or close a task, or list a class's tasks.",
        discussion: """
        Exam tasks start closed: open them when the exam starts. Each student gets one attempt at an
        exam task, with the seed of the exam plan whose exam id is the task id (Docs/lab.md, "Tasks").
        Examples:
          hazlab lab task --config lab.yaml --class 2026-1 --scenario tank-filling --mode exam --title 期末考试
          hazlab lab task --config lab.yaml --open t-0123456789abcdef
          hazlab lab task --config lab.yaml --close t-0123456789abcdef
          hazlab lab task --config lab.yaml --list --class 2026-1
        """)
    @OptionGroup var options: LabOptions
    @Option(name: .customLong("class"), help: "The class (to assign to, or to list).") var klass: String?
    @Option(help: "The scenario's folder name in the server's scenarios folder.") var scenario: String?
    @Option(help: "teaching, practice or exam.") var mode: String = "practice"
    @Option(help: "The title students see (default: the scenario's).") var title: String = ""
    @Option(help: "ISO 8601 time from which students may start it.") var opens: String?
    @Option(help: "ISO 8601 time after which students may no longer start it.") var closes: String?
    @Option(name: .customLong("open"), help: "Open this task.") var openTask: String?
    @Option(name: .customLong("close"), help: "Close this task.") var closeTask: String?
    @Flag(help: "List the class's tasks.") var list = false

    func run() throws {
        let accounts = try options.accounts()
        let config = try loadConfig(options.config)
        try attempt {
            let actor = LabServe.osUser()
            func show(_ t: HazLabServer.LabTask) {
                let window = [t.opens.map { "opens \($0)" }, t.closes.map { "closes \($0)" }].compactMap { $0 }.joined(separator: ", ")
                print("\(TerminalText.escape(t.task))  \(TerminalText.escape(t.klass))  \(TerminalText.escape(t.scenario))  \(t.mode.rawValue)  \(t.state)"
                      + (t.title.isEmpty ? "" : "  \(TerminalText.escape(t.title))") + (window.isEmpty ? "" : "  (\(window))"))
            }
            if let id = openTask ?? closeTask {
                guard (openTask == nil) != (closeTask == nil) else { throw LabAccountError("give one of --open and --close") }
                try accounts.setTaskState(id, open: openTask != nil, actor: actor)
                if let t = try accounts.task(id) { show(t) }
                return
            }
            guard let klass else { throw LabAccountError("--class is required (with --scenario to assign, or with --list)") }
            if list {
                for t in try accounts.tasks(of: klass) { show(t) }
                return
            }
            guard let scenario else { throw LabAccountError("--scenario is required to assign a task (or --list to list the class's tasks)") }
            guard LabAccounts.validId(scenario), !scenario.contains(".."),
                  FileManager.default.fileExists(atPath: config.scenarios + "/" + scenario + "/scenario.yaml") else {
                throw LabAccountError("no scenario '\(scenario)' in \(config.scenarios) (one folder name, no paths)")
            }
            guard let m = LabMode(rawValue: mode) else { throw LabAccountError("--mode must be teaching, practice or exam") }
            func time(_ s: String?, _ flag: String) throws -> String? {
                guard let s else { return nil }
                guard let ms = ExportTime.parseISO8601(s) else { throw LabAccountError("\(flag) must be an ISO 8601 time such as 2026-12-07T08:00:00Z") }
                return ExportTime.iso8601(millis: ms)
            }
            guard try accounts.classExists(klass) else { throw LabAccountError("no class '\(klass)'") }
            show(try accounts.createTask(klass: klass, scenario: scenario, title: title, mode: m,
                                         opens: try time(opens, "--opens"), closes: try time(closes, "--closes"), actor: actor))
        }
    }
}

struct LabDemo: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "FOR DEMOS ONLY: fill an empty store with a demo class, fixed passwords and the public demo workstation key.",
        discussion: """
        Creates administrator `admin`, instructor `teacher`, class `demo-class` with students s001–s003
        (张三, 李四, 王五), all with the password `demo-pass-1`, three tasks for the class (tank-filling
        in teaching and in practice mode, and an open tank-filling exam), and registers the demo workstation key
        (Tools/demo-keys/ws-demo.pub, whose private key is public). Refuses a store that already has users.
        Example (the README's lab demo):
          hazlab lab demo --config lab.yaml && hazlab serve --config lab.yaml
        """)
    @OptionGroup var options: LabOptions
    @Option(name: .customLong("public"), help: "The demo workstation's .pub file (default: Tools/demo-keys/ws-demo.pub in the current folder, beside the config, or in the repository this hazlab was built in).") var pub: String?

    static let defaultPublic = "Tools/demo-keys/ws-demo.pub"

    /// The demo key's file: `--public` as given, else the first of the default path in the current
    /// folder, beside the config, and up from the executable (REPO/.build/debug/hazlab) that exists.
    static func publicKeyPath(given: String?, config: String, executable: String) throws -> String {
        if let given { return given }
        var tried: [String] = []
        var folders = [FileManager.default.currentDirectoryPath, (URL(fileURLWithPath: config).deletingLastPathComponent().path)]
        var up = URL(fileURLWithPath: executable).resolvingSymlinksInPath().deletingLastPathComponent()
        for _ in 0..<6 { folders.append(up.path); up = up.deletingLastPathComponent() }
        for f in folders {
            let candidate = (f as NSString).appendingPathComponent(defaultPublic)
            if tried.contains(candidate) { continue }
            tried.append(candidate)
            if FileManager.default.fileExists(atPath: candidate) { return candidate }
        }
        throw LabAccountError("the demo workstation key \(defaultPublic) is not in the current folder, beside the config, or in the repository of this hazlab: pass --public PATH/TO/ws-demo.pub (it is in the HazLab repository's Tools/demo-keys/)")
    }

    func run() throws {
        let accounts = try options.accounts()
        try attempt {
            // The key first: a missing key must not leave a half-filled store behind.
            let rec = try PublicKeyRecord.load(path: try Self.publicKeyPath(given: pub, config: options.config,
                                                                             executable: Bundle.main.executablePath ?? CommandLine.arguments.first ?? ""))
            guard try accounts.users().isEmpty else { throw LabAccountError("the store \(accounts.store.path) already has users: the demo only fills an empty store (to use it, run only `hazlab serve --config \(options.config)`; to start afresh, delete \(accounts.store.path) and the files beside it that start with its name)") }
            let actor = LabServe.osUser(), pw = "demo-pass-1"
            try accounts.createUser(id: "admin", name: "管理员", role: .administrator, password: pw, actor: actor)
            try accounts.createUser(id: "teacher", name: "王老师", role: .instructor, password: pw, actor: actor)
            try accounts.createClass(id: "demo-class", name: "演示班", actor: actor)
            try accounts.enrol(user: "teacher", in: "demo-class", actor: actor)
            _ = try accounts.importRoster(csv: "id,name,password\ns001,张三,\(pw)\ns002,李四,\(pw)\ns003,王五,\(pw)\n", klass: "demo-class", actor: actor)
            try accounts.registerWorkstation(id: rec.id, publicKey: rec.publicKey, actor: actor)
            // A teaching task (the teacher station may freeze it), a practice task and an open exam,
            // so a workstation signing in has tasks to show.
            try accounts.createTask(klass: "demo-class", scenario: "tank-filling", title: "储罐进料教学", mode: .teaching, actor: actor)
            try accounts.createTask(klass: "demo-class", scenario: "tank-filling", title: "储罐进料练习", mode: .practice, actor: actor)
            let exam = try accounts.createTask(klass: "demo-class", scenario: "tank-filling", title: "演示考试", mode: .exam, actor: actor)
            try accounts.setTaskState(exam.task, open: true, actor: actor)
            print("demo lab in \(TerminalText.escape(accounts.store.path)): admin, teacher, students s001–s003 in demo-class; password \(pw) for all; workstation \(TerminalText.escape(rec.id))")
            print("DEMO ONLY: fixed passwords and a public workstation key. Never use this store for a real class.")
        }
    }
}

struct LabBackup: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "backup",
        abstract: "Take one online backup of the lab store now (while the server runs or not), into backup.dir.",
        discussion: """
        Writes DIR/<store>-YYYYMMDDTHHMMSSZ.sqlite (a consistent snapshot; the server may keep
        writing) and DIR/<that>.journals/ (the finished journals), then keeps the newest backup.keep.
        Audited as the operating-system account that ran it. --dir overrides backup.dir.
        Restore on a new machine (Docs/lab.md, "Backup and disaster recovery"):
          hazlab store restore --store lab.sqlite BACKUP && cp -a BACKUP.journals lab.sqlite.journals
        Exit status: 0 when the backup is complete, 1 otherwise (nothing under a backup name).
        """)
    @OptionGroup var options: LabOptions
    @Option(help: ArgumentHelp("The backup folder (default: backup.dir in the config).", valueName: "DIR")) var dir: String?

    func run() throws {
        let c = try loadConfig(options.config)
        guard let folder = dir ?? c.backupDir else {
            printTextError("\(options.config): error: key 'backup.dir': not set; add backup: { dir: PATH } or give --dir")
            throw ExitCode(ExitStatus.failed)
        }
        let accounts = try options.accounts()
        try attempt {
            let r = try LabBackups.take(store: accounts.store, dir: folder, keep: c.backupKeep, actor: LabServe.osUser())
            print("backed up \(TerminalText.escape(accounts.store.path)) to \(TerminalText.escape(r.file)) (\(r.journals) journal(s))")
            for d in r.deleted { print("deleted old backup \(TerminalText.escape(d))") }
        }
    }
}
