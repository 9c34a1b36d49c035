import ArgumentParser
import Foundation
import HazLabCore
import HazLabRecords

struct JournalCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "journal",
        abstract: "Verify and repair attempt journals (hash chain, signature, torn tail).",
        discussion: "Format, chain, signatures and recovery: Docs/journals.md.",
        subcommands: [JournalVerify.self, JournalRecover.self, JournalSimulate.self])
}

/// The registry to use: --keys, else $HAZLAB_KEYS, else ./keys.json when it exists.
func resolveRegistry(_ option: String?) throws -> (path: String, registry: KeyRegistry)? {
    let path: String
    if let option { path = option } else {
        path = KeyRegistry.defaultPath
        if !FileManager.default.fileExists(atPath: path) { return nil }
    }
    do { return (path, try KeyRegistry.load(path: path)) } catch {
        printError("\(error)"); throw ExitCode(ExitStatus.failed)
    }
}

struct JournalVerify: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Check journals: parse, hash chain, torn tail, trailer and action count, signature.",
        discussion: """
        Each problem is printed as path:line:col: error: reason [code], with code one of
        invalid, bad-chain, torn-line, incomplete, unsigned, legacy, bad-signature,
        unknown-key, revoked-key. The signature is checked against the key registry
        (--keys, else $HAZLAB_KEYS, else ./keys.json when present); with no registry
        only the chain is checked, and the summary says so.

        Exit status: 0 when every journal is good, 1 when any has a problem.

        Examples:
          hazlab journal verify --keys Tools/demo-keys/keys.json Scenarios/*/runs/*.jsonl
          hazlab journal verify attempt.jsonl
        """)

    @Option(help: ArgumentHelp("Key registry (default: $HAZLAB_KEYS, else ./keys.json if present).", valueName: "REGISTRY"))
    var keys: String?

    @Argument(help: "Journal files.")
    var files: [String]

    @OptionGroup var limits: JournalLimitOptions

    func run() throws {
        let reg = try resolveRegistry(keys)
        let verifier = JournalVerifier(registry: reg?.registry)
        var bad = 0
        for f in files {
            let bytes: [UInt8]
            do { bytes = try limits.limits.readBytes(path: f) } catch let issue as JournalIssue {
                printText("\(issue.description) [invalid]"); bad += 1; continue
            }
            let r = verifier.verify(bytes: bytes, path: f, limits: limits.limits)
            if r.ok, let j = r.journal {
                let sig = r.signatureChecked ? "signed by '\(j.header.key)'" : "signature not checked (no key registry)"
                printText("\(f): ok (format \(j.header.format), \(j.actions.count) action(s), complete, \(j.header.format >= 2 ? "chain intact, " : "")\(sig))")
            } else {
                bad += 1
                for p in r.problems { printText(p.description) }
            }
        }
        if files.count > 1 { print("\(files.count - bad) of \(files.count) journal(s) ok") }
        if bad > 0 { throw ExitCode(ExitStatus.failed) }
    }
}

struct JournalRecover: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "recover",
        abstract: "Repair a journal after a crash: keep every whole, chained line; move the torn tail to FILE.torn.",
        discussion: """
        Keeps the longest prefix of newline-terminated lines that parse and whose hash chain
        holds, saves the removed bytes to FILE.torn (fsync'd first) and truncates FILE to the
        prefix. The kept bytes are never rewritten. A journal without a trailer stays
        incomplete: it replays (`hazlab run`) and is graded only with --allow-incomplete.
        Removing whole lines is more than a crash does: that is reported as possible tampering.

        Exit status: 0 when repaired (or intact), 1 when there is no readable header.

        Examples:
          hazlab journal recover attempt.jsonl
        """)

    @Argument(help: "Journal file.")
    var file: String

    func run() throws {
        let r: JournalRecovery.Report
        do { r = try JournalRecovery.recover(path: file) } catch {
            printTextError("\(error)"); throw ExitCode(ExitStatus.failed)
        }
        let state = r.complete ? "complete" : "incomplete (no trailer): replayable; graded only with --allow-incomplete"
        if r.removedBytes == 0 {
            printText("\(file): intact: \(r.keptLines) line(s), \(r.actions) action(s), \(state)")
            return
        }
        printText("\(file): kept \(r.keptLines) line(s), \(r.actions) action(s); removed \(r.removedBytes) byte(s) (\(r.reason)), saved to \(r.tornPath ?? "?"); \(state)")
        if r.removedWholeLines > 0 {
            printTextError("\(file): warning: \(r.removedWholeLines) whole line(s) were removed: more than a crash leaves (possible tampering); see \(r.tornPath ?? "")")
        }
    }
}

/// Hidden: a journal writer for crash tests. Writes a header, then N actions, each fsync'd and
/// acknowledged with "ok <n>" on stdout, then a trailer ("done").
struct JournalSimulate: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "simulate", abstract: "Write a synthetic journal slowly (crash tests).", shouldDisplay: false)

    @Option var out: String
    @Option var actions: Int = 100
    @Option(name: .customLong("interval-ms")) var intervalMs: Int = 10
    @Option(help: "Private key file to sign the trailer with.") var key: String?
    @Option var attempt: String = "simulated"
    @Option(name: .customLong("tear-pause-us"), help: "Write each line in two halves with this pause between (µs).") var tearPauseUs: UInt32 = 0

    func run() throws {
        var signer: WorkstationKey?
        if let key {
            do { signer = try WorkstationKey.load(path: key) } catch { printError("\(error)"); throw ExitCode(ExitStatus.failed) }
        }
        var h = Journal.Header(scenario: "tank-filling", scenarioSHA256: String(repeating: "0", count: 64), seed: 7,
                               mode: "practice", student: "sim", workstation: "ws-sim")
        h.attempt = attempt
        h.started = Timestamp.format(Date())
        h.key = signer?.keyId ?? ""
        let w: JournalWriter
        do { w = try JournalWriter(path: out, header: h) } catch { printError("\(error)"); throw ExitCode(ExitStatus.failed) }
        w.tearTestPauseMicros = tearPauseUs
        let stdout = FileHandle.standardOutput
        for i in 1...max(1, actions) {
            try w.append(Action(tick: Int64(i) * 10, verb: "set", target: "XV101", number: Double(i) / 8))
            stdout.write(Data("ok \(i)\n".utf8))
            if intervalMs > 0 { usleep(useconds_t(intervalMs * 1000)) }
        }
        try w.finish(endTick: Int64(actions) * 10 + 10, stateHash: "0123456789abcdef", signer: signer)
        stdout.write(Data("done\n".utf8))
    }
}
