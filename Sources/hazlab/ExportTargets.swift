import ArgumentParser
import Foundation
import HazLabRecords

// The export targets of `hazlab export --to xapi|ilabx|csv`. The Export command (Export.swift)
// holds `@OptionGroup var targets: ExportTargetOptions` and calls
// `try runExportTarget(to, targets, store: options)` for --to.
//
// Records come from a grader output (`--results DIR|results.json`), else from the results
// store. Without --results, xAPI statements go through the store's outbox (so an interrupted
// export resumes where it stopped); with --results, through an in-memory outbox (re-running
// re-sends everything, which the LRS answers as already stored).

struct ExportTargetOptions: ParsableArguments {
    @Option(help: ArgumentHelp("Grader output folder or results.json to export (default: the results store).", valueName: "DIR|FILE"))
    var results: String?

    @Option(help: ArgumentHelp("Output folder (ilabx: one JSON per attempt; csv: attempts.csv and steps.csv).", valueName: "DIR"))
    var out: String?

    @Option(help: ArgumentHelp("Attempt start (ISO 8601 UTC) for records without the journal's `started`.", valueName: "TIME"))
    var started: String?

    @Option(help: ArgumentHelp("xAPI: the LRS endpoint, e.g. https://lrs.example/xAPI/ (with --user and --password-env).", valueName: "URL"))
    var endpoint: String?

    @Option(help: ArgumentHelp("xAPI: the LRS user name.", valueName: "NAME"))
    var user: String?

    @Option(help: ArgumentHelp("xAPI: the environment variable holding the LRS password (never a password on the command line).", valueName: "VAR"))
    var passwordEnv: String?

    @Option(help: ArgumentHelp("LRS credentials file, JSON {endpoint, username, password}, mode 0600 (default: $HAZLAB_LRS_* variables).", valueName: "FILE"))
    var lrsConfig: String?

    @Option(help: ArgumentHelp("xAPI: statements per POST (1: one PUT per statement).", valueName: "N"))
    var batch: Int = 500

    @Option(help: ArgumentHelp("xAPI: seconds to wait for the LRS per request.", valueName: "SECONDS"))
    var timeout: Double = 30

    @Option(help: ArgumentHelp("xAPI: tries per request before the export stops (the rest stays queued).", valueName: "N"))
    var tries: Int = 6

    @Option(help: ArgumentHelp("account.homePage of the students in xAPI statements.", valueName: "IRL"))
    var homePage: String?

    @Option(help: ArgumentHelp("ilab-x appid (default: $HAZLAB_ILABX_APPID or the ilab-x config file).", valueName: "ID"))
    var appid: String?

    @Option(help: ArgumentHelp("ilab-x credentials file, JSON {appid, secret, url}, mode 0600 (default: $HAZLAB_ILABX_*).", valueName: "FILE"))
    var ilabxConfig: String?

    @Option(help: ArgumentHelp("ilab-x upload: the ticket from the launch (with --upload).", valueName: "TICKET"))
    var ticket: String?

    @Flag(help: "ilab-x: also upload each record (token exchange, then data_upload).")
    var upload = false

    @Option(help: ArgumentHelp("csv: column headings in zh-CN (default) or en (the English keys).", valueName: "LANG"))
    var csvLang: String = "zh-CN"

    @Option(help: ArgumentHelp("csv: write times in this zone, with its offset (default +08:00, Beijing).", valueName: "OFFSET"))
    var utcOffset: String = "+08:00"
}

struct ExportTargetError: Error, CustomStringConvertible { var description: String }

/// Runs one `--to` target; prints one summary line; exit 1 on any failure.
func runExportTarget(_ to: String, _ t: ExportTargetOptions, store: StoreOptions) throws {
    do {
        switch to {
        case "xapi", "lrs": try exportXAPI(t, store: store)
        case "ilabx", "ilab-x": try exportILabX(t, store: store)
        case "csv": try exportCSV(t, store: store)
        default: throw ExportTargetError(description: "unknown export target '\(to)' (xapi, ilabx, csv)")
        }
    } catch let e as ExitCode {
        throw e
    } catch {
        printTextError("error: \(error)")
        throw ExitCode(ExitStatus.failed)
    }
}

/// Attempts read for an export: the readable ones with their start time, and the ones that
/// could not be read (named by attempt id), which are reported and skipped.
struct ExportInput {
    var attempts: [(ExportAttempt, Date)] = []
    var unreadable: [(attempt: String, reason: String)] = []

    /// Prints one line per unreadable attempt (outside text escaped).
    func report(_ target: String) {
        for u in unreadable {
            printError("\(target): attempt \(TerminalText.field(u.attempt)) skipped: \(TerminalText.escape(u.reason))")
        }
    }
}

/// The attempts to export, each with its start time; one unreadable record or start time
/// never stops the others.
func exportAttempts(_ t: ExportTargetOptions, store: StoreOptions) throws -> ExportInput {
    var fallback: Date?
    if let s = t.started {
        guard let ms = ExportTime.parseISO8601(s) else { throw ExportTargetError(description: "--started: not an ISO 8601 time: \(s)") }
        fallback = Date(timeIntervalSince1970: Double(ms) / 1000)
    }
    var read: [(name: String, attempt: Result<ExportAttempt, ExportAttempt.ReadError>)] = []
    if let r = t.results {
        read = try ExportAttempt.readEach(path: r)
    } else {
        let db = try store.open()
        for row in try storeCall(store.path, { try db.attempts() }) {
            guard let text = try storeCall(store.path, { try db.record(attempt: row.attempt) }) else { continue }
            do {
                read.append((row.attempt, .success(try ExportAttempt(record: JSONText.parse(Array(text.utf8))))))
            } catch {
                read.append((row.attempt, .failure(ExportAttempt.ReadError(description: "\(error)"))))
            }
        }
    }
    var input = ExportInput()
    for (name, r) in read {
        switch r {
        case .success(let a):
            do { input.attempts.append((a, try a.startTime(fallback: fallback))) } catch {
                input.unreadable.append((name, "\(error)"))
            }
        case .failure(let e): input.unreadable.append((name, e.description))
        }
    }
    return input
}

/// Whether an http:// endpoint sends the password across a network (anything but loopback).
func sendsPasswordInClear(_ url: URL) -> Bool {
    guard url.scheme?.lowercased() == "http" else { return false }
    let host = (url.host ?? "").lowercased()
    return !(host == "localhost" || host == "::1" || host == "[::1]" || host.hasPrefix("127."))
}

func exportXAPI(_ t: ExportTargetOptions, store: StoreOptions) throws {
    let env = ProcessInfo.processInfo.environment
    let creds: LRSCredentials
    if t.endpoint != nil || t.user != nil || t.passwordEnv != nil {
        guard let e = t.endpoint, let u = t.user, let v = t.passwordEnv else {
            throw ExportTargetError(description: "--endpoint, --user and --password-env go together")
        }
        guard let url = URL(string: e), url.scheme == "http" || url.scheme == "https" else {
            throw ExportTargetError(description: "--endpoint is not an http(s) URL")
        }
        guard let password = env[v], !password.isEmpty else {
            throw ExportTargetError(description: "the environment variable \(v) (--password-env) is not set")
        }
        creds = LRSCredentials(endpoint: url, username: u, password: password)
    } else {
        creds = try LRSCredentials.resolve(environment: env, configPath: t.lrsConfig)
    }
    guard t.timeout > 0, t.timeout.isFinite else { throw ExportTargetError(description: "--timeout must be a positive number of seconds") }
    guard t.batch >= 1, t.batch <= 1000 else { throw ExportTargetError(description: "--batch must be 1…1000") }
    guard t.tries >= 1 else { throw ExportTargetError(description: "--tries must be at least 1") }
    if sendsPasswordInClear(creds.endpoint) {
        printError("warning: \(URLSessionTransport.redacted(creds.endpoint)) is plain http: the LRS password crosses the network unencrypted; use https")
    }
    let builder = t.homePage.map { XAPIStatementBuilder(accountHomePage: $0) } ?? XAPIStatementBuilder()
    let input = try exportAttempts(t, store: store)
    input.report("xapi")
    let outbox: any ExportOutbox
    var storeDB: ResultsStore?
    if t.results == nil {
        let db = try store.open()
        outbox = StoreOutbox(store: db, actor: store.who)
        storeDB = db
    } else {
        outbox = InMemoryOutbox()
    }
    var quarantined: [String] = []
    var voided = 0
    var validated = Set<String>()
    // Unreadable attempts of the store are quarantined (shown by --status); the rest go on.
    if t.results == nil {
        for u in input.unreadable {
            try outbox.quarantine(target: XAPIExporter.target, attempt: u.attempt, reason: "cannot be read for export: \(u.reason)")
        }
    }
    // Queued 200 attempts to a store transaction: one commit each, not one per attempt.
    var next = input.attempts.startIndex
    while next < input.attempts.endIndex {
        let chunk = input.attempts[next..<min(next + 200, input.attempts.endIndex)]
        next = chunk.endIndex
        let queue = {
            for (a, started) in chunk {
                let e = try XAPIExporter.enqueue(attempt: a.attempt, builder.statements(for: a, started: started), into: outbox)
                if let q = e.quarantined {
                    quarantined.append(a.attempt)
                    printError("xapi: attempt \(TerminalText.field(a.attempt)) quarantined: \(TerminalText.escape(q))")
                }
                voided += e.voided
                validated.formUnion(e.validatedIds)
            }
        }
        if let db = storeDB { try storeCall(store.path) { try db.db.transaction(queue) } } else { try queue() }
    }
    let exporter = XAPIExporter(client: XAPIClient(credentials: creds, timeout: t.timeout),
                                backoff: Backoff(maxTries: t.tries), log: { printError("xapi: \(TerminalText.escape(creds.scrub($0)))") })
    let r = try exporter.drain(outbox, batch: t.batch, validated: validated)
    let left = try outbox.pending(target: XAPIExporter.target, limit: 1_000_000).count
    let held = quarantined.count + r.quarantined.count + input.unreadable.count
    try auditExport(t, store: store, destination: "xapi",
                    detail: "\(r.delivered) delivered, \(r.alreadyStored) already stored, \(voided) voided, \(held) attempt(s) held back, \(left) left queued")
    print("xapi: \(r.delivered) delivered, \(r.alreadyStored) already stored, \(voided) voided, \(held) attempt(s) held back, \(r.requests) request(s)")
    if let stop = r.stoppedOn {
        printError("error: the LRS did not answer; the rest stays queued: \(creds.scrub(stop))")
        throw ExitCode(ExitStatus.failed)
    }
    if held > 0 {
        printError("error: \(held) attempt(s) held back (see hazlab export --status); the others were delivered")
        throw ExitCode(ExitStatus.failed)
    }
}

func exportILabX(_ t: ExportTargetOptions, store: StoreOptions) throws {
    let env = ProcessInfo.processInfo.environment
    let cfg = try t.ilabxConfig.map(LRSCredentials.ownerOnlyJSON)
    guard let appid = t.appid ?? env["HAZLAB_ILABX_APPID"] ?? cfg?["appid"]?.string else {
        throw ExportTargetError(description: "ilab-x needs an appid: --appid, $HAZLAB_ILABX_APPID or the config file")
    }
    guard let out = t.out else { throw ExportTargetError(description: "ilab-x needs --out DIR") }
    let input = try exportAttempts(t, store: store)
    input.report("ilabx")
    let records = try ILabX.records(input.attempts, options: ILabX.Options(appid: appid))
    try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
    for r in records { try Data((r.json.render() + "\n").utf8).write(to: URL(fileURLWithPath: out).appendingPathComponent(r.originId + ".json")) }
    print("ilabx: wrote \(records.count) record(s) to \(out)")
    guard t.upload else {
        try auditExport(t, store: store, destination: "ilabx", detail: "\(records.count) written, \(input.unreadable.count) failed")
        if !input.unreadable.isEmpty { throw ExitCode(ExitStatus.failed) }
        return
    }
    guard let secret = env["HAZLAB_ILABX_SECRET"] ?? cfg?["secret"]?.string,
          let base = (env["HAZLAB_ILABX_URL"] ?? cfg?["url"]?.string).flatMap(URL.init(string:)), let ticket = t.ticket else {
        throw ExportTargetError(description: "ilab-x upload needs the secret and url ($HAZLAB_ILABX_SECRET/URL or the config file) and --ticket")
    }
    let up = ILabXUploader(base: base, appid: appid, secret: secret)
    var uploaded = 0
    do {
        let token = try up.token(ticket: ticket)
        for r in records { try up.upload(record: r.json, token: token); uploaded += 1 }
    } catch {
        try? auditExport(t, store: store, destination: "ilabx",
                         detail: "\(records.count) written, \(uploaded) uploaded, \(records.count - uploaded) failed")
        throw error
    }
    try auditExport(t, store: store, destination: "ilabx", detail: "\(records.count) written, \(uploaded) uploaded, \(input.unreadable.count) failed")
    print("ilabx: uploaded \(records.count) record(s)")
    if !input.unreadable.isEmpty { throw ExitCode(ExitStatus.failed) }
}

func exportCSV(_ t: ExportTargetOptions, store: StoreOptions) throws {
    guard let out = t.out else { throw ExportTargetError(description: "csv needs --out DIR") }
    guard let lang = ExportCSV.Language(rawValue: t.csvLang == "zh" ? "zh-CN" : t.csvLang) else {
        throw ExportTargetError(description: "--csv-lang must be zh-CN or en, not '\(TerminalText.escape(t.csvLang))'")
    }
    guard let zone = UTCOffset(t.utcOffset) else {
        throw ExportTargetError(description: "--utc-offset '\(TerminalText.escape(t.utcOffset))' is not an offset such as +08:00 or UTC")
    }
    let input = try exportAttempts(t, store: store)
    input.report("csv")
    let list = input.attempts
    try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
    let dir = URL(fileURLWithPath: out)
    try Data(ExportCSV.attempts(list, language: lang, offset: zone).utf8).write(to: dir.appendingPathComponent("attempts.csv"))
    try Data(ExportCSV.steps(list, language: lang, offset: zone).utf8).write(to: dir.appendingPathComponent("steps.csv"))
    try auditExport(t, store: store, destination: "csv", detail: "\(list.count) written, \(input.unreadable.count) failed")
    print("csv: wrote \(list.count) attempt(s) to \(out)/attempts.csv and steps.csv")
    if !input.unreadable.isEmpty { throw ExitCode(ExitStatus.failed) }
}

/// With a results store in use (records read from it, or an explicit --store): one audit row
/// for the export run, action `export`, subject the destination, detail the counts.
func auditExport(_ t: ExportTargetOptions, store: StoreOptions, destination: String, detail: String) throws {
    guard t.results == nil || store.store != nil else { return }
    let db = try store.open()
    try storeCall(store.path) { try db.audit(actor: store.who, action: "export", subject: destination, detail: detail) }
}
