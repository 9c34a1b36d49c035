import Foundation
import HazLabCore
import HazLabRecords
import HazLabScenario
import HazLabScoring

/// Golden runs: `Scenarios/<id>/runs/<name>.jsonl` with `<name>.expected.json` beside it.
/// `hazlab test` replays each one and compares the state hash, tick count, end reason,
/// score and the set of completed steps.
public struct GoldenExpectation: Sendable, Equatable {
    public var stateHash: String
    public var ticks: Int64
    public var endReason: String
    public var total: Double
    public var passed: Bool
    public var veto: String?
    public var completedSteps: [String]
    /// Score of every step and quality window, by id, in rubric order.
    public var itemScores: [(id: String, score: Double)]
    public var deducted: Double
    public var note: String

    public static func == (a: GoldenExpectation, b: GoldenExpectation) -> Bool { a.diff(against: b).isEmpty && a.note == b.note }

    public init(_ o: RunOutcome, note: String = "") {
        stateHash = o.stateHash.hex16
        ticks = o.ticks
        endReason = o.endReason.name
        total = o.score.total
        passed = o.score.passed
        veto = o.score.veto
        completedSteps = o.score.steps.filter(\.completed).map(\.id)
        itemScores = o.score.steps.map { ($0.id, $0.score) } + o.score.quality.map { ($0.id, $0.score) }
        deducted = (o.score.deducted * 100).rounded() / 100
        self.note = note
    }

    /// Reads an `.expected.json` file's text.
    public init(jsonBytes: [UInt8]) throws {
        let json: JSONText.Value
        do { json = try JSONText.parse(jsonBytes) } catch let e as JSONText.SyntaxError {
            throw GoldenError.badExpectation("invalid JSON at byte \(e.offset): \(e.message)")
        }
        guard case .object = json else { throw GoldenError.badExpectation("expected a JSON object") }
        func need<T>(_ k: String, _ read: (JSONText.Value) -> T?) throws -> T {
            guard let v = json[k].flatMap(read) else { throw GoldenError.badExpectation("missing or wrong \"\(k)\"") }
            return v
        }
        stateHash = try need("stateHash") { $0.string }
        ticks = try need("ticks") { $0.int64 }
        endReason = try need("endReason") { $0.string }
        total = try need("total") { $0.double }
        passed = try need("passed") { $0.bool }
        veto = json["veto"]?.string
        completedSteps = try need("completedSteps") { v in
            v.array.flatMap { items in
                let names = items.compactMap(\.string)
                return names.count == items.count ? names : nil
            }
        }
        itemScores = try need("scores") { $0.array }.map { pair in
            guard let p = pair.array, p.count == 2, let id = p[0].string, let x = p[1].double else {
                throw GoldenError.badExpectation("\"scores\" must be a list of [id, points] pairs")
            }
            return (id, x)
        }
        deducted = try need("deducted") { $0.double }
        note = json["note"]?.string ?? ""
    }

    public var json: String {
        var s = "{\n"
        if !note.isEmpty { s += "  \"note\": \(JSON.string(note)),\n" }
        s += "  \"stateHash\": \(JSON.string(stateHash)),\n"
        s += "  \"ticks\": \(ticks),\n"
        s += "  \"endReason\": \(JSON.string(endReason)),\n"
        s += "  \"total\": \(JSON.number(total)),\n"
        s += "  \"passed\": \(passed),\n"
        if let v = veto { s += "  \"veto\": \(JSON.string(v)),\n" }
        s += "  \"completedSteps\": [" + completedSteps.map { JSON.string($0) }.joined(separator: ", ") + "],\n"
        s += "  \"scores\": [" + itemScores.map { "[\(JSON.string($0.id)), \(JSON.number($0.score))]" }.joined(separator: ", ") + "],\n"
        s += "  \"deducted\": \(JSON.number(deducted))\n"
        return s + "}\n"
    }

    /// Human-readable differences, one per line; empty when equal (the note is ignored).
    public func diff(against actual: GoldenExpectation) -> [String] {
        var d: [String] = []
        func cmp(_ name: String, _ e: String, _ a: String) { if e != a { d.append("\(name): expected \(e), got \(a)") } }
        cmp("stateHash", stateHash, actual.stateHash)
        cmp("ticks", String(ticks), String(actual.ticks))
        cmp("endReason", endReason, actual.endReason)
        cmp("score.total", JSON.number(total), JSON.number(actual.total))
        cmp("score.passed", String(passed), String(actual.passed))
        cmp("score.veto", veto ?? "none", actual.veto ?? "none")
        let missing = completedSteps.filter { !actual.completedSteps.contains($0) }
        let extra = actual.completedSteps.filter { !completedSteps.contains($0) }
        if !missing.isEmpty { d.append("steps no longer completed: \(missing.joined(separator: ", "))") }
        if !extra.isEmpty { d.append("steps newly completed: \(extra.joined(separator: ", "))") }
        cmp("score.deducted", JSON.number(deducted), JSON.number(actual.deducted))
        for (id, score) in actual.itemScores {
            guard let e = itemScores.first(where: { $0.id == id }) else { d.append("\(id): new score item (\(JSON.number(score)))"); continue }
            cmp("\(id).score", JSON.number(e.score), JSON.number(score))
        }
        for (id, _) in itemScores where !actual.itemScores.contains(where: { $0.id == id }) { d.append("\(id): score item removed") }
        return d
    }
}

public enum GoldenError: Error, CustomStringConvertible {
    case badExpectation(String)
    public var description: String {
        switch self { case .badExpectation(let m): return m }
    }
}

public struct GoldenCase: Sendable {
    public var scenarioPath: String
    public var journalPath: String
    public var expectedPath: String
    public var name: String { ((journalPath as NSString).lastPathComponent as NSString).deletingPathExtension }
}

public struct GoldenReport: Sendable {
    public enum Status: Sendable { case pass, fail([String]), error(String), updated }
    public var scenario: String
    public var run: String
    public var status: Status
}

public enum GoldenRuns {
    public static func cases(scenarioFile: String) -> [GoldenCase] {
        let runs = ((scenarioFile as NSString).deletingLastPathComponent as NSString).appendingPathComponent("runs")
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: runs)) ?? []).filter { $0.hasSuffix(".jsonl") }.sorted()
        return names.map { n in
            let j = (runs as NSString).appendingPathComponent(n)
            let e = (runs as NSString).appendingPathComponent((n as NSString).deletingPathExtension + ".expected.json")
            return GoldenCase(scenarioPath: scenarioFile, journalPath: j, expectedPath: e)
        }
    }

    /// Runs (or, with `update`, rewrites) one golden case against an already compiled model.
    public static func check(_ c: GoldenCase, model: Model, update: Bool) -> GoldenReport {
        let label = model.id
        do {
            var journal = try Journal.read(path: c.journalPath)
            if journal.header.scenario != model.id {
                return GoldenReport(scenario: label, run: c.name, status: .error("journal is for scenario '\(journal.header.scenario)'"))
            }
            if journal.header.scenarioSHA256 != model.sourceSHA256 && !update {
                return GoldenReport(scenario: label, run: c.name, status: .error(
                    "journal was recorded against another version of the scenario (SHA-256 \(journal.header.scenarioSHA256.prefix(12))…, now \(model.sourceSHA256.prefix(12))…); rerun with --update if the change is deliberate"))
            }
            let outcome = Runner.replay(model, journal: journal)
            if update {
                // Golden journals are format 2, chained and signed with the demo workstation key.
                let signer = try demoSigner(near: c.scenarioPath)
                // Never strip or replace a signature: re-signing needs the key that signed it.
                if !journal.header.key.isEmpty && signer?.keyId != journal.header.key {
                    let found = signer.map { "found key '\($0.keyId)'" } ?? "no key found"
                    return GoldenReport(scenario: label, run: c.name, status: .error(
                        "journal is signed by '\(journal.header.key)' and \(found): refusing to rewrite it unsigned or under another key; set HAZLAB_GOLDEN_KEY to the key file of '\(journal.header.key)' (the demo key is \(demoKeyFile))"))
                }
                let old = (try? loadExpectation(c.expectedPath))?.note ?? ""
                journal.header.scenarioSHA256 = model.sourceSHA256
                journal.header.engine = HazLabVersion.engine
                journal.header.format = Journal.formatVersion
                if journal.header.attempt.isEmpty { journal.header.attempt = "golden-\(model.id)-\(c.name)" }
                if journal.header.started.isEmpty { journal.header.started = goldenStarted }
                journal.header.key = signer?.keyId ?? ""
                journal.trailer = Journal.Trailer(endTick: outcome.ticks, stateHash: outcome.stateHash.hex16, actions: journal.actions.count,
                                                  hashFormat: StateHashFormat.current)
                try journal.jsonl(signedBy: signer).write(toFile: c.journalPath, atomically: true, encoding: .utf8)
                try GoldenExpectation(outcome, note: old).json.write(toFile: c.expectedPath, atomically: true, encoding: .utf8)
                return GoldenReport(scenario: label, run: c.name, status: .updated)
            }
            let expected = try loadExpectation(c.expectedPath)
            let diff = expected.diff(against: GoldenExpectation(outcome))
            return GoldenReport(scenario: label, run: c.name, status: diff.isEmpty ? .pass : .fail(diff))
        } catch {
            return GoldenReport(scenario: label, run: c.name, status: .error("\(error)"))
        }
    }

    /// The fixed start time written into golden journals that lack one (they are not real attempts).
    public static let goldenStarted = "2026-01-01T00:00:00.000Z"
    /// The demo workstation key's file name under Tools/demo-keys/.
    public static let demoKeyFile = "Tools/demo-keys/ws-demo.key"

    /// The key that signs golden journals on `--update`: `$HAZLAB_GOLDEN_KEY`, else the demo key
    /// found in Tools/demo-keys/ above the scenario; nil (unsigned) when there is none. A key file
    /// readable by others is refused (run Tools/setup.sh, which chmods the demo key to 0600).
    static func demoSigner(near scenarioPath: String) throws -> WorkstationKey? {
        if let p = ProcessInfo.processInfo.environment["HAZLAB_GOLDEN_KEY"], !p.isEmpty { return try WorkstationKey.load(path: p) }
        var dir = URL(fileURLWithPath: scenarioPath).standardizedFileURL.deletingLastPathComponent()
        for _ in 0..<6 {
            let candidate = dir.appendingPathComponent(demoKeyFile).path
            if FileManager.default.fileExists(atPath: candidate) { return try WorkstationKey.load(path: candidate) }
            dir = dir.deletingLastPathComponent()
        }
        return nil
    }

    static func loadExpectation(_ path: String) throws -> GoldenExpectation {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw GoldenError.badExpectation("\(path): missing expected result (create it with --update)")
        }
        do { return try GoldenExpectation(jsonBytes: [UInt8](data)) } catch GoldenError.badExpectation(let why) {
            throw GoldenError.badExpectation("\(path): \(why)")
        }
    }
}
