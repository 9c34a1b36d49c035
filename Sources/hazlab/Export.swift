import ArgumentParser
import Foundation
import HazLabRecords

/// `hazlab export`: the state of delivery to each destination, and (extension point) the
/// drains that deliver the outbox. A drain for a destination kind reads
/// `ResultsStore.pending(destination:limit:)` and reports each item with `markDelivered`,
/// `markFailed` or `markConflict` (Sources/HazLabRecords/Outbox.swift).
struct Export: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Export results to data centres; --status shows what is pending, delivered and failed.",
        discussion: """
        --status prints, per destination, how many attempts are pending, delivered,
        failed, in conflict or quarantined (held back alone: an invalid statement, a
        record that cannot be read, or one the receiver refused), how many queued
        items are not yet delivered, and the latest errors with the reason. It reads the results store (--store FILE, default:
        $HAZLAB_STORE, else ./hazlab-results.sqlite) and changes nothing.

        Exit status: 0, or 1 when the store cannot be read, or when an export held
        back an attempt (the others are delivered) or stopped on an unreachable LRS.

        --to xapi|ilabx|csv exports the attempts of --results (a grader output) or of
        the store: see Docs/xapi-profile.md and Docs/ilabx.md.

        Examples:
          hazlab export --status --store results.sqlite
          hazlab export --to xapi --results graded/ --lrs-config lrs.json
          hazlab export --to xapi --store S.sqlite --lrs-config lrs.json --batch 500 --timeout 10
          hazlab export --to ilabx --results graded/ --appid 100400 --out ilabx/
          hazlab export --to csv --results graded/ --out csv/
        """)

    @OptionGroup var options: StoreOptions

    @OptionGroup var targets: ExportTargetOptions

    @Flag(help: "Show the export status per destination.")
    var status = false

    @Option(help: ArgumentHelp("Deliver queued results to this destination.", valueName: "DESTINATION"))
    var to: String?

    func validate() throws {
        if !status && to == nil { throw ValidationError("give --status, or --to DESTINATION") }
    }

    func run() throws {
        if status { try printStatus() }
        if let to {
            // The xAPI (cmi5 LRS), ilab-x and CSV targets: ExportTargets.swift.
            try runExportTarget(to, targets, store: options)
        }
    }

    func printStatus() throws {
        let store = try options.open()
        let summaries = try storeCall(options.path) { try store.exportStatus(errors: 50) }
        if summaries.isEmpty {
            print("no exports recorded in \(options.path)")
            return
        }
        print("destination\tpending\tdelivered\tfailed\tconflict\tquarantined\tqueued items")
        for s in summaries {
            print([s.destination, "\(s.pending)", "\(s.delivered)", "\(s.failed)", "\(s.conflict)", "\(s.quarantined)", "\(s.queuedItems)"]
                .map(TerminalText.field).joined(separator: "\t"))
        }
        for s in summaries {
            for e in s.lastErrors {
                printText("  \(s.destination): \(e.status) \(e.attempt) at \(e.at): \(e.error)")
            }
        }
    }
}
