import ArgumentParser
import Foundation
import HazLabRecords

struct Keys: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Workstation signing keys (Ed25519) and the registry the grader trusts.",
        discussion: """
        The registry is a JSON file: --registry, else $HAZLAB_KEYS, else ./keys.json.
        It is rewritten atomically. Private key files must have mode 0600 or narrower.
        Details: Docs/journals.md.
        """,
        subcommands: [KeysGenerate.self, KeysAdd.self, KeysList.self, KeysRevoke.self])
}

struct KeysGenerate: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "generate",
        abstract: "Make a workstation key pair: DIR/ID.key (private, 0600) and DIR/ID.pub.",
        discussion: """
        Examples:
          hazlab keys generate --id ws-01 --out /etc/hazlab
          hazlab keys add /etc/hazlab/ws-01.pub --registry keys.json
        """)

    @Option(help: "Key id (letters, digits, '.', '_', '-').") var id: String
    @Option(help: ArgumentHelp("Folder to write the key files into.", valueName: "DIR")) var out: String = "."

    func validate() throws {
        if !WorkstationKey.validId(id) { throw ValidationError("--id must be 1-64 of letters, digits, '.', '_' or '-'") }
    }

    func run() throws {
        do {
            try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
            let files = try WorkstationKey(id: id).write(to: out)
            print("wrote \(files.key) (private, 0600) and \(files.pub)")
        } catch { printTextError("\(error)"); throw ExitCode(ExitStatus.failed) }
    }
}

struct KeysAdd: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "add", abstract: "Register a workstation public key (ID.pub).",
        discussion: "Example: hazlab keys add ws-01.pub --registry keys.json")

    @Argument(help: "Public key file.") var pubfile: String
    @Option(help: ArgumentHelp("Key registry (default: $HAZLAB_KEYS, else ./keys.json).", valueName: "FILE")) var registry: String?

    func run() throws {
        let path = registry ?? KeyRegistry.defaultPath
        do {
            let k = try PublicKeyRecord.load(path: pubfile)
            var r = try KeyRegistry.loadOrEmpty(path: path)
            try r.add(k)
            try r.save(path: path)
            printText("added key '\(k.id)' to \(path)")
        } catch { printTextError("\(error)"); throw ExitCode(ExitStatus.failed) }
    }
}

struct KeysList: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "List the registered keys: id, added, revoked, public key.")

    @Option(help: ArgumentHelp("Key registry (default: $HAZLAB_KEYS, else ./keys.json).", valueName: "FILE")) var registry: String?

    func run() throws {
        let path = registry ?? KeyRegistry.defaultPath
        do {
            let r = try KeyRegistry.load(path: path)
            for k in r.keys {
                print([k.id, "added " + (k.added.isEmpty ? "-" : k.added), k.revoked.isEmpty ? "active" : "revoked " + k.revoked, k.publicKey]
                    .map(TerminalText.field).joined(separator: "\t"))
            }
            if r.keys.isEmpty { print("no keys in \(path)") }
        } catch { printTextError("\(error)"); throw ExitCode(ExitStatus.failed) }
    }
}

struct KeysRevoke: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "revoke", abstract: "Revoke a key: journals that started at or after the revocation time are rejected.",
        discussion: """
        The key stays in the registry with its revocation time (ISO 8601 UTC). A journal signed
        with it is rejected when its header's "started" is at or after that time. "started" is
        signed, but its holder could backdate it: for a stolen key, give --at the earliest time
        it may have leaked, or --all to reject every journal it ever signed.

        Examples:
          hazlab keys revoke ws-01
          hazlab keys revoke ws-01 --at 2026-11-20T00:00:00.000Z
          hazlab keys revoke ws-01 --all
        """)

    @Argument(help: "Key id.") var id: String
    @Option(help: ArgumentHelp("Key registry (default: $HAZLAB_KEYS, else ./keys.json).", valueName: "FILE")) var registry: String?
    @Option(help: ArgumentHelp("Revocation time (default: now).", valueName: "ISO8601")) var at: String?
    @Flag(help: "Reject every journal the key signed.") var all = false

    func validate() throws {
        if let at, Timestamp.parse(at) == nil { throw ValidationError("--at must be ISO 8601 UTC, e.g. 2026-11-20T08:00:00.000Z") }
        if all && at != nil { throw ValidationError("give --at or --all, not both") }
    }

    func run() throws {
        let path = registry ?? KeyRegistry.defaultPath
        let when = all ? Date(timeIntervalSince1970: 0) : at.flatMap(Timestamp.parse) ?? Date()
        do {
            var r = try KeyRegistry.load(path: path)
            try r.revoke(id: id, at: when)
            try r.save(path: path)
            printText("revoked key '\(id)' at \(Timestamp.format(when)) in \(path)")
        } catch { printTextError("\(error)"); throw ExitCode(ExitStatus.failed) }
    }
}
