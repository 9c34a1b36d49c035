import Crypto
import Foundation
import HazLabCore
import HazLabRecords
import HazLabScenario
import HazLabScoring

/// The batch grader behind `hazlab grade`: checks every journal, replays the good ones on
/// `jobs` threads (one compiled `Model` per scenario, shared), and collects byte-stable
/// outputs. The outputs do not depend on `jobs`, on timing, or on the order of the inputs.
public struct Grader: Sendable {
    public var scenarios: ScenarioSet
    public var checker: JournalChecker
    public var jobs: Int
    public var shard: Shard
    /// The plan file's bytes, for the batch fingerprint (nil without --plan).
    public var planBytes: [UInt8]?

    public init(scenarios: ScenarioSet, jobs: Int = 1, shard: Shard = .all, allowIncomplete: Bool = false,
                plan: ExamPlan? = nil, planBytes: [UInt8]? = nil, signatures: any JournalSignatureVerifier = UnsignedJournals(),
                limits: JournalLimits = .standard) {
        self.scenarios = scenarios
        self.checker = JournalChecker(scenarios: scenarios, allowIncomplete: allowIncomplete, plan: plan, signatures: signatures,
                                      limits: limits)
        self.jobs = max(1, jobs); self.shard = shard; self.planBytes = planBytes
    }

    /// Journal files from the command line: files as given, folders searched (recursively) for
    /// `*.jsonl`. Sorted by path (bytes) with repeats removed.
    public static func journalPaths(_ arguments: [String]) -> [String] {
        var out: [String] = []
        for a in arguments {
            var isDir: ObjCBool = false
            if FileManager.default.fileExists(atPath: a, isDirectory: &isDir), isDir.boolValue {
                let base = a.hasSuffix("/") ? String(a.dropLast()) : a
                let walker = FileManager.default.enumerator(atPath: a)
                while let rel = walker?.nextObject() as? String {
                    guard rel.hasSuffix(".jsonl") else { continue }
                    let full = base == "." ? rel : base + "/" + rel
                    var d: ObjCBool = false
                    if FileManager.default.fileExists(atPath: full, isDirectory: &d), !d.boolValue { out.append(full) }
                }
            } else {
                out.append(a)
            }
        }
        return Array(Set(out)).sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
    }

    /// Fingerprint of the batch: the same for every shard of one batch.
    public func inputsSHA256(journals: [String]) -> String {
        var s = "hazlab-grade-inputs-v1\n"
        for m in scenarios.models { s += "scenario \(JSON.string(m.id)) \(m.sourceSHA256)\n" }
        for p in journals { s += "journal \(JSON.string(p))\n" }
        s += "allowIncomplete \(checker.allowIncomplete)\n"
        s += "plan \(planBytes.map { SHA256.hex($0) } ?? "none")\n"
        // Limits decide which journals are graded; the defaults add nothing (fingerprints stay as they were).
        if checker.limits != .standard { s += "limits \(checker.limits.maxBytes) \(checker.limits.maxActions)\n" }
        return SHA256.hex(Array(s.utf8))
    }

    /// Progress: (attempts finished, attempts to replay in this shard).
    public typealias Progress = @Sendable (_ done: Int, _ total: Int) -> Void

    /// Grades `journals` (sorted paths, see `journalPaths`). `progress` is called from the
    /// calling thread about every `progressInterval` seconds while replays run, and once at the end.
    public func run(journals: [String], progressInterval: Double = 0.1, progress: Progress? = nil) -> GradeOutput {
        let paths = journals
        // 1. Read, route and check every journal (in parallel). Only this shard's are checked.
        let checker = self.checker, shard = self.shard
        let prepared: [Prepared] = Parallel.map(count: paths.count, jobs: jobs) { i, _ in
            Self.prepare(path: paths[i], checker: checker, shard: shard)
        }
        // 2. Sort out the bad and the duplicates.
        let (errors, toReplay) = Self.pickReplays(prepared, paths: paths)
        // 3. Replay the good ones.
        let graded = replay(toReplay, prepared: prepared, paths: paths, progressInterval: progressInterval, progress: progress)
        progress?(toReplay.count, toReplay.count)
        return collect(graded, errors: errors, prepared: prepared, replayed: toReplay, paths: paths)
    }

    /// One journal read, routed to its shard and (in this shard) checked.
    private struct Prepared: Sendable {
        var inShard = false
        var attempt = ""
        var sha = ""
        var journal: Journal?
        var model: Model?
        var errors: [GradeError] = []
        var warnings: [GradeWarning] = []
        var attemptLine = 1, attemptColumn = 1
        var stateHashLine = 0, stateHashColumn = 1
    }

    /// One replayed attempt: its record and CSV row, rendered at once.
    private struct Graded: Sendable { var attempt: String; var json: String; var csv: ResultsCSV.Row; var passed: Bool; var warning: GradeWarning? }

    private static func prepare(path: String, checker: JournalChecker, shard: Shard) -> Prepared {
        var p = Prepared()
        let bytes: [UInt8]
        do { bytes = try checker.limits.readBytes(path: path) } catch {
            // Unread (unreadable, or too large to read): routed by its path.
            p.inShard = shard.contains(key: "path:" + path)
            let issue = error as? JournalIssue
            p.errors = [GradeError(journal: path, line: 1, column: 1, code: issue?.isOverLimit == true ? .tooLarge : .unreadable,
                                   message: issue?.message ?? "cannot read journal")]
            return p
        }
        // Routed by the header's attempt id; a journal without one, by the id its hash gives.
        let header = Journal.parseHeader(bytes: bytes, path: path)
        if let h = header, !h.attempt.isEmpty {
            p.attempt = h.attempt
            p.inShard = shard.contains(key: p.attempt)
            guard p.inShard else { return p }
            p.sha = SHA256.hex(bytes)
        } else {
            p.sha = SHA256.hex(bytes)
            p.attempt = AttemptRecord.attemptId(header: header, journalSHA256: p.sha)
            p.inShard = shard.contains(key: p.attempt)
            guard p.inShard else { return p }
        }
        let c = checker.check(bytes: bytes, path: path, attempt: p.attempt)
        p.journal = c.journal; p.model = c.model; p.errors = c.errors
        p.attemptLine = c.attemptLine; p.attemptColumn = c.attemptColumn
        p.warnings = c.warnings; p.stateHashLine = c.stateHashLine; p.stateHashColumn = c.stateHashColumn
        return p
    }

    /// This shard's errors (sorted) and the journals to replay. Duplicate attempts: among
    /// journals that pass every other check, the first (in path order) is graded and any
    /// later one with the same id is bad.
    private static func pickReplays(_ prepared: [Prepared], paths: [String]) -> (errors: [GradeError], toReplay: [Int]) {
        var errors: [GradeError] = []
        var firstPath: [String: String] = [:]   // looked up, never iterated
        var toReplay: [Int] = []
        for i in prepared.indices where prepared[i].inShard {
            let p = prepared[i]
            if !p.errors.isEmpty { errors.append(contentsOf: p.errors); continue }
            if let first = firstPath[p.attempt] {
                errors.append(GradeError(journal: paths[i], line: p.attemptLine, column: p.attemptColumn, code: .duplicateAttempt,
                                         message: "duplicate attempt '\(p.attempt)' (already graded from \(first))", attempt: p.attempt))
                continue
            }
            firstPath[p.attempt] = paths[i]
            toReplay.append(i)
        }
        errors.sort(by: GradeError.precedes)
        return (errors, toReplay)
    }

    /// Replays `replayList` (indices into `prepared`) on `jobs` threads, in index order.
    private func replay(_ replayList: [Int], prepared: [Prepared], paths: [String], progressInterval: Double,
                        progress: Progress?) -> [Graded] {
        let total = replayList.count
        var report: (@Sendable (Int) -> Void)? = nil
        if let progress { report = { done in progress(done, total) } }
        let scenarios = checker.scenarios
        let replicas = Parallel.PerWorker<[String: Model]>(jobs, [:])
        return Parallel.map(count: total, jobs: jobs, progressInterval: progressInterval, progress: report) { k, worker -> Graded in
            let p = prepared[replayList[k]]
            let shared = p.model!
            // Each thread replays on its own replica of the scenario (see ScenarioSet.replica).
            let model = replicas.with(worker) { cache -> Model in
                if let m = cache[shared.id] { return m }
                let m = scenarios.replica(of: shared)
                cache[shared.id] = m
                return m
            }
            return Self.grade(p, path: paths[replayList[k]], model: model)
        }
    }

    /// Replays one checked journal and renders its record and CSV row.
    private static func grade(_ p: Prepared, path: String, model: Model) -> Graded {
        let journal = p.journal!
        let outcome = Runner.replay(model, journal: journal)
        let (json, summaryEnd) = AttemptRecord.renderMarked(outcome, model: model, journal: journal, journalPath: path,
                                                            journalSHA256: p.sha, attempt: p.attempt)
        // The CSV row is read back from the record, exactly as `merge` will read it; from its
        // summary alone (everything before the deductions and events, which rows do not
        // use): a parsed tree of a long attempt's lists takes many times the record's size.
        let row = try! ResultsCSV.row(record: JSONText.parse(Array(json.utf8.prefix(summaryEnd)) + [UInt8(ascii: "}")]))
        let warning = journal.trailer.flatMap {
            GradeWarning.claimedHash($0, outcome, journal: path, line: p.stateHashLine, column: p.stateHashColumn)
        }
        return Graded(attempt: p.attempt, json: json, csv: row, passed: outcome.score.passed, warning: warning)
    }

    /// The output: records in attempt order, warnings in journal order, and the manifest.
    private func collect(_ graded: [Graded], errors: [GradeError], prepared: [Prepared], replayed: [Int], paths: [String]) -> GradeOutput {
        var warnings = replayed.flatMap { prepared[$0].warnings } + graded.compactMap(\.warning)
        warnings.sort { ($0.journal.utf8.lexicographicallyPrecedes($1.journal.utf8)) || ($0.journal == $1.journal && $0.line < $1.line) }
        let records = graded.sorted { $0.attempt.utf8.lexicographicallyPrecedes($1.attempt.utf8) }
        let manifest = GradeOutput.Manifest(inputsSHA256: inputsSHA256(journals: paths), shard: shard,
                                            journals: prepared.filter(\.inShard).count, attempts: records.count,
                                            passed: records.filter(\.passed).count, badJournals: Set(errors.map(\.journal)).count)
        var output = GradeOutput(records: records.map { ($0.attempt, $0.json, $0.csv) }, errors: errors, manifest: manifest)
        output.warnings = warnings
        return output
    }
}

/// A fixed pool of `jobs` threads working through indices 0..<count; results in index order.
enum Parallel {
    final class Counter: @unchecked Sendable {
        private var next = 0, finished = 0
        private let lock = NSLock()
        func take() -> Int { lock.lock(); defer { lock.unlock() }; let v = next; next += 1; return v }
        func finish() { lock.lock(); finished += 1; lock.unlock() }
        var done: Int { lock.lock(); defer { lock.unlock() }; return finished }
    }

    final class Slots<T>: @unchecked Sendable {
        private var values: [T?]
        private let lock = NSLock()
        init(_ n: Int) { values = Array(repeating: nil, count: n) }
        func set(_ i: Int, _ v: T) { lock.lock(); values[i] = v; lock.unlock() }
        func all() -> [T] { lock.lock(); defer { lock.unlock() }; return values.map { $0! } }
    }

    /// One value per worker thread; worker `w` alone touches slot `w`.
    final class PerWorker<V>: @unchecked Sendable {
        final class Box { var value: V; init(_ v: V) { value = v } }
        private let boxes: [Box]   // never mutated; each box belongs to one worker
        init(_ workers: Int, _ initial: V) { boxes = (0..<max(1, workers)).map { _ in Box(initial) } }
        func with<R>(_ worker: Int, _ body: (inout V) -> R) -> R { body(&boxes[worker].value) }
    }

    /// `body(index, worker)`: worker is 0..<min(jobs, count), fixed for the thread.
    static func map<T: Sendable>(count: Int, jobs: Int, counter: Counter = Counter(), progressInterval: Double = 0.1,
                                 progress: (@Sendable (Int) -> Void)? = nil, _ body: @escaping @Sendable (Int, Int) -> T) -> [T] {
        guard count > 0 else { return [] }
        let slots = Slots<T>(count)
        let n = max(1, min(jobs, count))
        let group = DispatchGroup()
        for worker in 0..<n {
            group.enter()
            let t = Thread {
                while true {
                    let i = counter.take()
                    if i >= count { break }
                    slots.set(i, body(i, worker))
                    counter.finish()
                }
                group.leave()
            }
            t.stackSize = 8 << 20
            t.start()
        }
        while group.wait(timeout: .now() + max(0.01, progressInterval)) == .timedOut {
            progress?(counter.done)
        }
        return slots.all()
    }
}
