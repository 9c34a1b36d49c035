import Foundation
import HazLabCore
import HazLabLab
import HazLabRecords
import HazLabRunner
import HazLabScoring

/// The debrief's second column (issue 15, "Debrief"): a scenario's model runs (the golden
/// journals in `Scenarios/<id>/runs/<run>.jsonl`) scrubbed like an attempt, and the finished
/// attempts of the same scenario an instructor may set beside the one being debriefed.
extension LabServer {
    /// The model runs of a scenario: the `<run>.jsonl` files of its `runs` folder, by name.
    func modelRuns(_ scenario: String) -> [String] {
        guard let file = try? scenarioFile(scenario) else { return [] }
        let dir = (file as NSString).deletingLastPathComponent + "/runs"
        let names = (try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? []
        return names.filter { $0.hasSuffix(".jsonl") }.map { String($0.dropLast(6)) }
            .filter { LabAccounts.validId($0) && !$0.contains("..") }.sorted()
    }

    /// A model run's journal lines. The name is looked up among the folder's runs (never used as
    /// a path as given): an unknown name is 404.
    func modelRunLines(scenario: String, run: String) throws -> (model: Model, lines: [String]) {
        let file = try scenarioFile(scenario)
        guard modelRuns(scenario).contains(run) else { throw LabHTTPError(.notFound, "scenario '\(scenario)' has no model run '\(run)'") }
        let path = (file as NSString).deletingLastPathComponent + "/runs/" + run + ".jsonl"
        guard let data = FileManager.default.contents(atPath: path), data.count <= 64 << 20 else {
            throw LabHTTPError(.notFound, "scenario '\(scenario)': cannot read model run '\(run)'")
        }
        let lines = String(decoding: data, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: true).map(String.init)
        let model = try ledger.compiled(path: file).model
        return (model, lines)
    }

    /// The finished attempts (of students the user may manage) of `scenario`, newest first, less `except`.
    func finishedAttempts(scenario: String, except: String, user: LabUser) throws -> [(attempt: String, student: String, name: String, mode: String)] {
        let rows = try accounts.locked { st in
            try st.db.query("""
                SELECT x.attempt, x.student, coalesce(u.name, ''), x.mode FROM lab_assignments x LEFT JOIN lab_users u ON u.id = x.student
                WHERE x.scenario = ? AND x.attempt <> ? AND x.voided IS NULL
                  AND (x.state IN ('finished', 'graded') OR EXISTS (SELECT 1 FROM attempts a WHERE a.attempt = x.attempt))
                ORDER BY x.issued DESC, x.attempt LIMIT 500
                """, [scenario, except])
        }
        return rows.compactMap { r in
            let student = r[1].string ?? ""
            guard (try? mayManage(student: student, user, read: true)) != nil else { return nil }
            return (r[0].string ?? "", student, r[2].string ?? "", r[3].string ?? "")
        }
    }

    func debriefRoutes(_ router: LabRoutes) {
        router.get("/api/scenarios/{scenario}/runs/{run}/at", use: handle { req, ctx in
            _ = try self.authorise(req, ctx, roles: [.instructor, .administrator, .auditor])
            let scenario = pathParameter(ctx.parameters.get("scenario")), run = pathParameter(ctx.parameters.get("run"))
            let tick = try Self.tickQuery(req.uri.queryParameters["tick"].map(String.init) ?? "")
            let (model, lines) = try self.modelRunLines(scenario: scenario, run: run)
            guard let first = lines.first, let header = try? JSONText.parse(Array(first.utf8)), header["type"]?.string == "header",
                  let seed = header["seed"]?.numberText.flatMap({ UInt64($0) }) else {
                throw LabHTTPError(.unprocessableContent, "model run '\(run)' of '\(scenario)': line 1 is not a journal header with a seed")
            }
            let mode = header["mode"]?.string.flatMap { TrainingMode(rawValue: $0) } ?? .practice
            var o = try Self.stateAt(tick, model: model, seed: seed, mode: mode, lines: lines, what: "model run '\(run)'",
                                     pastEnd: { last, _ in "tick \(tick) is after the model run's end (tick \(last))" })
            o["scenario"] = .string(scenario)
            o["run"] = .string(run)
            return LabJSON.response(.ok, o)
        })
    }

    /// The answer of both `/at` routes (a model run here, a lab attempt in LabLiveFeed): the
    /// journal `lines` replayed to `tick` (`stateJSON`, all events) with `requestedTick`, `endTick`
    /// (the trailer's, else the last action's) and `finished`. 400 past the end (`pastEnd(last,
    /// finished)` says so), 422 when the replay fails (`what` names the journal).
    static func stateAt(_ tick: Int64, model: Model, seed: UInt64, mode: TrainingMode, lines: [String], what: String,
                        pastEnd: (_ last: Int64, _ finished: Bool) -> String) throws -> JSONText.Value {
        let (last, finished) = lastTick(lines)
        guard tick <= last else { throw LabHTTPError.badRequest(pastEnd(last, finished)) }
        let (stepper, problem) = LabMirror.replay(model: model, seed: seed, mode: mode, lines: lines, at: tick)
        guard problem.isEmpty else { throw LabHTTPError(.unprocessableContent, "cannot replay \(what): \(problem)") }
        var o = stateJSON(stepper, eventsLimit: nil)
        o["requestedTick"] = .int(tick)
        o["endTick"] = .int(last)
        o["finished"] = .bool(finished)
        return o
    }

    /// An offered backtrack (store migration 13).
    struct LabBacktrackOffer {
        var id: String, parent: String, fromTick: Int64, student: String, scenario: String, seed: UInt64, attempt: String?
    }

    func backtrackOffer(_ id: String) throws -> LabBacktrackOffer? {
        try accounts.locked { st in
            try st.db.query("SELECT id, parent, from_tick, student, scenario, seed, attempt FROM lab_backtracks WHERE id = ?", [id]).first.map {
                LabBacktrackOffer(id: $0[0].string ?? "", parent: $0[1].string ?? "", fromTick: $0[2].int ?? 0, student: $0[3].string ?? "",
                                  scenario: $0[4].string ?? "", seed: $0[5].string.flatMap { UInt64($0) } ?? 0, attempt: $0[6].string)
            }
        }
    }

    /// The backtracks offered to `student` and not yet taken, oldest first (the workstation's task list).
    func openBacktracks(student: String) throws -> [JSONText.Value] {
        let rows = try accounts.locked { st in
            try st.db.query("SELECT id, parent, from_tick, scenario FROM lab_backtracks WHERE student = ? AND attempt IS NULL ORDER BY created, id",
                            [student])
        }
        return rows.map { r in
            let scenario = r[3].string ?? ""
            return JSONText.object(["backtrack": r[0].string ?? "", "from": r[1].string ?? "", "fromTick": r[2].int ?? 0, "scenario": scenario,
                                    "title": scenarioTitle(scenario), "mode": "practice"])
        }
    }

    /// `POST /api/attempts/{a}/backtrack {"tick":T}`: offers the attempt's student a practice
    /// attempt that continues it from tick T (same scenario and seed). Instructor of the class
    /// (or administrator), CSRF, audited `lab-backtrack`. 409: an exam attempt, an unfinished one,
    /// or a scenario changed since.
    func backtrackRoutes(_ router: LabRoutes) {
        router.post("/api/attempts/{attempt}/backtrack", use: handle { req, ctx in
            let s = try self.authorise(req, ctx, state: true, roles: [.instructor, .administrator])
            let attempt = pathParameter(ctx.parameters.get("attempt"))
            guard let a = try self.ledger.assignment(attempt) else { throw LabHTTPError(.notFound, "no lab attempt '\(attempt)'") }
            try self.mayManage(student: a.student, s.user)
            let o = try await LabJSON.object(req, ctx)
            // A whole number (not true/false, not 1.5), read from its digits.
            guard let tick = o["tick"]?.int64, tick >= 0 else {
                throw LabHTTPError.badRequest("field 'tick' must be a whole number of ticks, 0 or more")
            }
            guard a.mode != .exam else { throw LabHTTPError(.conflict, "attempt '\(attempt)' is an exam: an exam is never backtracked") }
            let lines = try self.ledger.lines(attempt)
            let (end, finished) = Self.lastTick(lines)
            guard finished else { throw LabHTTPError(.conflict, "attempt '\(attempt)' has not ended: only a finished attempt is backtracked") }
            guard tick < end else { throw LabHTTPError.badRequest("tick \(tick) is not before the attempt's end (tick \(end))") }
            let file = try self.scenarioFile(a.scenario)
            guard try self.ledger.compiled(path: file).sha256 == a.scenarioSHA256 else {
                throw LabHTTPError(.conflict, "scenario '\(a.scenario)' changed since attempt '\(attempt)' was assigned: it cannot be continued")
            }
            let id = "b-" + LabAccounts.randomToken(bytes: 8)
            let now = ExportTime.iso8601(millis: ExportTime.millis(Date()))
            try self.accounts.locked { st in
                try st.db.transaction {
                    try st.db.run("""
                        INSERT INTO lab_backtracks (id, parent, from_tick, student, scenario, seed, created, created_by)
                        VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                        """, [id, attempt, tick, a.student, a.scenario, String(a.seed), now, s.user.id])
                    try st.audit(actor: s.user.id, action: LabAuditAction.backtrack.rawValue, subject: a.student,
                                 detail: "from \(attempt) tick \(tick) offer \(id)")
                }
            }
            return LabJSON.response(.created, ["backtrack": id, "from": attempt, "fromTick": tick, "student": a.student,
                                               "scenario": a.scenario, "seed": String(a.seed), "mode": "practice"])
        })
    }

    /// The parent's lines a backtrack's workstation copies: its header, then its action lines
    /// stamped before `tick` (a prefix of its journal, so the hash chain still checks).
    func backtrackLines(parent: String, before tick: Int64) throws -> [String] {
        let lines = try ledger.lines(parent)
        guard let header = lines.first else { throw LabHTTPError(.conflict, "attempt '\(parent)' has no stored lines") }
        var out = [header]
        for text in lines.dropFirst() {
            guard let v = try? JSONText.parse(Array(text.utf8)), v["type"]?.string == "action",
                  let t = v["tick"]?.numberText.flatMap({ Int64($0) }), t < tick else { break }
            out.append(text)
        }
        return out
    }

    /// The `tick` query: a whole number, 0 or more (400 naming it otherwise).
    static func tickQuery(_ raw: String) throws -> Int64 {
        guard !raw.isEmpty, raw.count <= 18, raw.allSatisfy({ $0.isASCII && $0.isNumber }), let tick = Int64(raw) else {
            throw LabHTTPError.badRequest("query 'tick' must be a whole number of ticks, 0 or more (got '\(String(raw.prefix(40)))')")
        }
        return tick
    }
}
