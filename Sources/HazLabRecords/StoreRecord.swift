import Crypto
import Foundation

/// One grader record (`AttemptRecord.render`) read for the store: the columns, the rows of its
/// child tables, and its identity hash.
struct StoredAttempt {
    struct Step { var seq: Int64; var id: String; var completed: Bool; var score, maxScore: Double; var seconds: Double?
                  var evaluation: String; var outOfOrder, hintUsed: Bool }
    struct Ded { var tick: Int64; var seconds: Double; var cause, subject, detail: String; var points: Double; var veto: Bool }
    struct Quality { var id: String; var score, maxScore, fractionInBand: Double; var excursions: Int64 }

    var attempt, student, workstation, scenario, scenarioSHA256, engine, seed, mode, evaluation, stateHash: String
    var journal, journalSHA256: String
    var total, max, duration: Double
    var passed: Bool
    var record: String
    var recordSHA256: String
    var steps: [Step] = []
    var deductions: [Ded] = []
    var quality: [Quality] = []

    init(json: String) throws {
        let v: JSONText.Value
        do { v = try JSONText.parse(Array(json.utf8)) } catch let e as JSONText.SyntaxError {
            throw StoreError.badRecord("\(e.message) at byte \(e.offset)")
        }
        func str(_ x: JSONText.Value?, _ name: String) throws -> String {
            guard let s = x?.string else { throw StoreError.badRecord("'\(name)' must be a string") }
            return s
        }
        func num(_ x: JSONText.Value?, _ name: String) throws -> Double {
            guard let t = x?.numberText, let d = Double(t) else { throw StoreError.badRecord("'\(name)' must be a number") }
            return d
        }
        func int(_ x: JSONText.Value?, _ name: String) throws -> Int64 {
            guard let t = x?.numberText, let d = Int64(t) else { throw StoreError.badRecord("'\(name)' must be an integer") }
            return d
        }
        func optNum(_ x: JSONText.Value?) -> Double? { x?.numberText.flatMap(Double.init) }
        attempt = try str(v["attempt"], "attempt")
        guard !attempt.isEmpty else { throw StoreError.badRecord("empty attempt id") }
        student = try str(v["student"], "student")
        workstation = try str(v["workstation"], "workstation")
        scenario = try str(v["scenario"], "scenario")
        scenarioSHA256 = try str(v["scenarioSHA256"], "scenarioSHA256")
        engine = try str(v["engine"], "engine")
        guard let seedText = v["seed"]?.numberText, UInt64(seedText) != nil else { throw StoreError.badRecord("'seed' must be a 64-bit unsigned integer") }
        seed = seedText
        mode = try str(v["mode"], "mode")
        stateHash = try str(v["stateHash"], "stateHash")
        journal = try str(v["journal"], "journal")
        journalSHA256 = try str(v["journalSHA256"], "journalSHA256")
        duration = try num(v["durationSeconds"], "durationSeconds")
        guard let score = v["score"] else { throw StoreError.badRecord("'score' missing") }
        total = try num(score["total"], "score.total")
        max = try num(score["max"], "score.max")
        guard let p = score["passed"]?.bool else { throw StoreError.badRecord("'score.passed' must be true or false") }
        passed = p
        evaluation = try str(score["evaluation"], "score.evaluation")
        for s in v["steps"]?.array ?? [] {
            steps.append(Step(seq: try int(s["seq"], "steps.seq"), id: try str(s["id"], "steps.id"),
                              completed: s["completed"]?.bool ?? false, score: try num(s["score"], "steps.score"),
                              maxScore: try num(s["maxScore"], "steps.maxScore"), seconds: optNum(s["seconds"]),
                              evaluation: try str(s["evaluation"], "steps.evaluation"),
                              outOfOrder: s["outOfOrder"]?.bool ?? false, hintUsed: s["hintUsed"]?.bool ?? false))
        }
        for d in v["deductions"]?.array ?? [] {
            deductions.append(Ded(tick: try int(d["tick"], "deductions.tick"), seconds: try num(d["seconds"], "deductions.seconds"),
                                  cause: try str(d["cause"], "deductions.cause"), subject: try str(d["subject"], "deductions.subject"),
                                  detail: d["detail"]?.string ?? "", points: optNum(d["points"]) ?? 0, veto: d["veto"]?.bool ?? false))
        }
        for q in v["quality"]?.array ?? [] {
            quality.append(Quality(id: try str(q["id"], "quality.id"), score: try num(q["score"], "quality.score"),
                                   maxScore: try num(q["maxScore"], "quality.maxScore"),
                                   fractionInBand: optNum(q["fractionInBand"]) ?? 0, excursions: (try? int(q["excursions"], "")) ?? 0))
        }
        record = json
        recordSHA256 = StoredAttempt.identity(of: v)
    }

    /// The identity of a result: SHA-256 of the record in canonical form without `journal`
    /// (the path it was graded from). The same journal graded again — from another folder,
    /// by another grader process — is the same result; any other difference is a new result.
    static func identity(of v: JSONText.Value) -> String {
        var text = ""
        if case .object(let ms) = v {
            JSONText.Value.object(ms.filter { $0.key != "journal" }).write(to: &text)
        } else {
            v.write(to: &text)
        }
        return SHA256.hash(data: Array(text.utf8)).map { String(format: "%02x", $0) }.joined()
    }
}

extension ResultsStore {
    /// The identity of a grader record (see `StoredAttempt.identity`): equal for the same
    /// result graded from any folder.
    public static func recordIdentity(json: String) throws -> String {
        try StoredAttempt(json: json).recordSHA256
    }

    /// Where two grader records differ, ignoring `journal` (the path graded from): dotted field
    /// names with both values, e.g. `score.total: 100 (replay: 43.12)`. Objects are compared
    /// field by field two levels deep; arrays as a whole. Empty when they are the same result.
    public static func recordDifferences(_ given: String, replay: String) -> [String] {
        guard let a = try? JSONText.parse(Array(given.utf8)) else { return ["the record is not JSON"] }
        guard let b = try? JSONText.parse(Array(replay.utf8)) else { return ["the replayed record is not JSON"] }
        var out: [String] = []
        func text(_ v: JSONText.Value?) -> String {
            guard let s = v?.text() else { return "(missing)" }
            return s.count > 60 ? String(s.prefix(57)) + "…" : s
        }
        func diff(_ x: JSONText.Value?, _ y: JSONText.Value?, _ name: String, depth: Int) {
            if case .object(let xs)? = x, case .object(let ys)? = y, depth < 2 {
                var keys: [String] = xs.map(\.key)
                for m in ys where !keys.contains(m.key) { keys.append(m.key) }
                for k in keys where !(depth == 0 && k == "journal") {
                    diff(xs.first { $0.key == k }?.value, ys.first { $0.key == k }?.value, name.isEmpty ? k : name + "." + k, depth: depth + 1)
                }
                return
            }
            let sx = x?.text() ?? "", sy = y?.text() ?? ""
            if x == nil || y == nil || sx != sy { out.append("\(name): \(text(x)) (replay: \(text(y)))") }
        }
        diff(a, b, "", depth: 0)
        return out
    }
}
