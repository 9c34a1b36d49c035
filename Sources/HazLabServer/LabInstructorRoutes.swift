import Foundation
import HazLabLab
import HazLabRecords
import Hummingbird
import NIOCore

/// The routes the teacher station builds on (Docs/lab.md, "Instructor routes"): tasks, attempts
/// graded or in progress, the live mirror, publishing exam results.
extension LabServer {
    /// Instructor of `klass`, or administrator (with `read`, the auditor too).
    func mayManage(klass: String, _ user: LabUser, read: Bool = false) throws {
        switch user.role {
        case .administrator: return
        case .auditor: if read { return }
        case .instructor: if try accounts.teaches(instructor: user.id, klass: klass) { return }
        case .student: break
        }
        throw LabHTTPError(.forbidden, "you do not manage class '\(klass)'")
    }

    /// Instructor of a class of `student`, or administrator (with `read`, the auditor too).
    func mayManage(student: String, _ user: LabUser, read: Bool = false) throws {
        switch user.role {
        case .administrator: return
        case .auditor: if read { return }
        case .instructor: if try accounts.teachesStudent(instructor: user.id, student: student) { return }
        case .student: break
        }
        throw LabHTTPError(.forbidden, "you do not teach this attempt's student")
    }

    /// An optional ISO 8601 time field, normalised to UTC with milliseconds.
    static func time(_ o: JSONText.Value, _ key: String) throws -> String? {
        guard let text = try LabJSON.optionalString(o, key, max: 64) else { return nil }
        guard let ms = ExportTime.parseISO8601(text) else {
            throw LabHTTPError.badRequest("field '\(key)' must be an ISO 8601 time such as 2026-12-07T08:00:00Z")
        }
        return ExportTime.iso8601(millis: ms)
    }

    func taskRoutes(_ router: LabRoutes) {
        router.get("/api/classes/{class}/tasks", use: handle { req, ctx in
            let s = try self.authorise(req, ctx)
            let klass = pathParameter(ctx.parameters.get("class"))
            try self.mayManage(klass: klass, s.user, read: true)
            guard try self.accounts.classExists(klass) else { throw LabHTTPError(.notFound, "no class '\(klass)'") }
            return LabJSON.response(.ok, ["class": klass, "tasks": try self.accounts.tasks(of: klass).map(\.json)])
        })
        router.post("/api/classes/{class}/tasks", use: handle { req, ctx in
            let s = try self.authorise(req, ctx, state: true)
            let klass = pathParameter(ctx.parameters.get("class"))
            try self.mayManage(klass: klass, s.user)
            guard try self.accounts.classExists(klass) else { throw LabHTTPError(.notFound, "no class '\(klass)'") }
            let o = try await LabJSON.object(req, ctx)
            let scenario = try LabJSON.string(o, "scenario", max: 128)
            _ = try self.scenarioFile(scenario)
            guard let mode = LabMode(rawValue: try LabJSON.string(o, "mode", max: 16)) else {
                throw LabHTTPError.badRequest("field 'mode' must be one of teaching, practice, exam")
            }
            let title = try LabJSON.optionalString(o, "title", max: 200) ?? ""
            guard title.unicodeScalars.allSatisfy({ !CharacterSet.controlCharacters.contains($0) }) else {
                throw LabHTTPError.badRequest("field 'title' must not hold control characters")
            }
            let opens = try Self.time(o, "opens"), closes = try Self.time(o, "closes")
            if let opens, let closes, closes <= opens { throw LabHTTPError.badRequest("field 'closes' must be after 'opens'") }
            let t = try self.accounts.createTask(klass: klass, scenario: scenario, title: title, mode: mode, opens: opens, closes: closes,
                                                 actor: s.user.id)
            return LabJSON.response(.created, t.json)
        })
        for (verb, open) in [("open", true), ("close", false)] {
            router.post("/api/tasks/{task}/\(verb)", use: handle { req, ctx in
                let s = try self.authorise(req, ctx, state: true)
                let id = pathParameter(ctx.parameters.get("task"))
                guard let t = try self.accounts.task(id) else { throw LabHTTPError(.notFound, "no task '\(id)'") }
                try self.mayManage(klass: t.klass, s.user)
                try self.accounts.setTaskState(id, open: open, actor: s.user.id)
                return LabJSON.response(.ok, try self.accounts.task(id)?.json ?? .object([]))
            })
        }
    }

    func attemptRoutes(_ router: LabRoutes) {
        router.get("/api/attempts", use: handle { req, ctx in
            let s = try self.authorise(req, ctx)
            return LabJSON.response(.ok, ["attempts": try self.attemptList(for: s.user)])
        })
        router.get("/api/attempts/{attempt}", use: handle { req, ctx in
            let s = try self.authorise(req, ctx)
            return try self.attemptAnswer(pathParameter(ctx.parameters.get("attempt")), for: s.user)
        })
        router.get("/api/attempts/{attempt}/live", use: handle { req, ctx in
            let s = try self.authorise(req, ctx, roles: [.instructor, .administrator, .auditor])
            let attempt = pathParameter(ctx.parameters.get("attempt"))
            guard let a = try self.ledger.assignment(attempt) else { throw LabHTTPError(.notFound, "no lab attempt '\(attempt)'") }
            try self.mayManage(student: a.student, s.user, read: true)
            if self.mirror.snapshot(attempt) == nil { self.mirror.catchUp(attempt: attempt, ledger: self.ledger) }
            guard let m = self.mirror.snapshot(attempt) else {
                throw LabHTTPError(.notFound, "attempt '\(attempt)' has no streamed lines to mirror yet")
            }
            // The snapshot of contract §3 with the station page's detail (LabLiveFeed.swift).
            return LabJSON.response(.ok, self.liveJSON(m, a))
        })
        router.post("/api/attempts/{attempt}/publish", use: handle { req, ctx in
            let s = try self.authorise(req, ctx, state: true, roles: [.instructor, .administrator])
            let attempt = pathParameter(ctx.parameters.get("attempt"))
            guard let a = try self.ledger.assignment(attempt) else { throw LabHTTPError(.notFound, "no lab attempt '\(attempt)'") }
            try self.mayManage(student: a.student, s.user)
            do { try self.ledger.publish(attempt: attempt, actor: s.user.id) } catch let e as LabStreamError {
                throw LabHTTPError(.conflict, e.message)
            }
            return LabJSON.response(.ok, ["attempt": attempt, "published": true])
        })
        // An unfinished attempt whose workstation failed for good (an exam taken again).
        router.post("/api/attempts/{attempt}/void", use: handle { req, ctx in
            let s = try self.authorise(req, ctx, state: true, roles: [.instructor, .administrator])
            let attempt = pathParameter(ctx.parameters.get("attempt"))
            let o = try await LabJSON.object(req, ctx)
            let reason = try LabJSON.string(o, "reason", max: 500)
            guard !reason.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else {
                throw LabHTTPError.badRequest("field 'reason' must say why (it goes into the audit log)")
            }
            guard let a = try self.ledger.assignment(attempt) else { throw LabHTTPError(.notFound, "no lab attempt '\(attempt)'") }
            try self.mayManage(student: a.student, s.user)
            do { try self.ledger.void(attempt: attempt, actor: s.user.id, reason: reason) } catch let e as LabConflict {
                throw LabHTTPError(.conflict, e.message)
            }
            return LabJSON.response(.ok, ["attempt": attempt, "voided": true])
        })
    }

    /// The attempts graded or in progress that `user` may read, newest first (at most 1000):
    /// a student's own (less exam results not yet published), an instructor's classes', all for
    /// an administrator or auditor.
    func attemptList(for user: LabUser) throws -> [JSONText.Value] {
        func filter(_ student: String, _ assignment: String?) -> (String, [any SQLiteBindable]) {
            switch user.role {
            case .administrator, .auditor: return ("1", [])
            // A student's own attempts, less exam results not yet published.
            case .student:
                let unpublished = assignment.map { "\($0).published = 0" }
                    ?? "EXISTS (SELECT 1 FROM lab_assignments l WHERE l.attempt = a.attempt AND l.published = 0)"
                return ("\(student) = ? AND NOT (\(unpublished))", [user.id])
            case .instructor: return ("""
                \(student) IN (SELECT st.user FROM lab_enrolments i JOIN lab_enrolments st ON st.class = i.class
                               WHERE i.user = ? AND i.role = 'instructor' AND st.role = 'student')
                """, [user.id])
            }
        }
        let (f1, a1) = filter("x.student", "x"), (f2, a2) = filter("a.student", nil)
        let rows = try accounts.locked { st in
            try st.db.query("""
                SELECT x.attempt, x.student, x.scenario, x.mode, a.total, a.max, a.passed, coalesce(a.started, x.issued) AS started,
                       CASE WHEN a.attempt IS NOT NULL THEN 'graded' ELSE x.state END, x.acked, x.live, x.flagged, x.published,
                       x.workstation, x.task, x.client_attempt, x.voided
                FROM lab_assignments x LEFT JOIN attempts a ON a.attempt = x.attempt WHERE \(f1)
                UNION ALL
                SELECT a.attempt, a.student, a.scenario, a.mode, a.total, a.max, a.passed, coalesce(a.started, ''),
                       'graded', NULL, NULL, 0, 1, NULL, NULL, NULL, NULL
                FROM attempts a WHERE NOT EXISTS (SELECT 1 FROM lab_assignments x WHERE x.attempt = a.attempt) AND \(f2)
                ORDER BY started DESC, 1 LIMIT 1000
                """, a1 + a2)
        }
        return rows.map(Self.attemptListRow)
    }

    /// One row of `attemptList`'s query as the list's JSON (score members null until graded).
    static func attemptListRow(_ r: [SQLiteValue]) -> JSONText.Value {
        let graded = r[4].double != nil
        return JSONText.object([
            "attempt": r[0].string ?? "", "student": r[1].string ?? "", "scenario": r[2].string ?? "", "mode": r[3].string ?? "",
            "total": graded ? r[4].double ?? 0 : Double?.none, "max": graded ? r[5].double ?? 0 : Double?.none,
            "passed": graded ? (r[6].int ?? 0) == 1 : Bool?.none, "started": r[7].string ?? "",
            "state": r[8].string ?? "", "acked": r[9].int, "live": r[10].int.map { $0 == 1 }, "flagged": r[11].int == 1,
            "published": r[12].int != 0, "workstation": r[13].string, "task": r[14].string, "clientAttempt": r[15].string,
            "flag": LabLedger.flagReason(flagged: r[11].int == 1, clientAttempt: r[15].string), "voided": r[16].string])
    }

    /// `GET /api/attempts/{attempt}`: the stored record (graded) with the lab's view of it as
    /// `lab`, or the lab's view alone while in progress. 404 for neither; 403 for a student's
    /// exam result not yet published.
    func attemptAnswer(_ attempt: String, for user: LabUser) throws -> Response {
        let (record, lab) = try attemptRows(attempt)
        guard let student = record?.student ?? lab?["student"]?.string else { throw LabHTTPError(.notFound, "no attempt '\(attempt)'") }
        try mayRead(student: student, user)
        // An exam result reaches the student only once the instructor has published it.
        if user.role == .student, lab?["published"]?.bool == false {
            throw LabHTTPError(.forbidden, "this exam result is not published yet")
        }
        guard var json = record?.json else { return LabJSON.response(.ok, lab ?? .object([])) }
        json = Self.apiRecord(json, student: user.role == .student)
        if let lab, json.hasSuffix("}") {
            json = String(json.dropLast()) + ",\"lab\":" + lab.text(sortedKeys: true) + "}"
        }
        var h = HTTPFields(); h[.contentType] = "application/json; charset=utf-8"; h[.cacheControl] = "no-store"
        return Response(status: .ok, headers: h, body: .init(byteBuffer: ByteBuffer(string: json)))
    }

    /// The graded record (with its student) and the lab's view of the attempt (nil when not a lab attempt).
    func attemptRows(_ attempt: String) throws -> (record: (student: String, json: String)?, lab: JSONText.Value?) {
        try accounts.locked { st in
            let record = try st.db.query("SELECT student, record FROM attempts WHERE attempt = ?", [attempt]).first
                .map { (student: $0[0].string ?? "", json: ($0[1].string ?? "{}").trimmingCharacters(in: .whitespacesAndNewlines)) }
            let lab = try st.db.query("""
                SELECT attempt, student, scenario, mode, state, acked, live, flagged, published, workstation, issued, task, client_attempt, seed,
                       voided
                FROM lab_assignments WHERE attempt = ?
                """, [attempt]).first.map { r in
                JSONText.object([
                    "attempt": r[0].string ?? "", "student": r[1].string ?? "", "scenario": r[2].string ?? "", "mode": r[3].string ?? "",
                    "state": record != nil ? "graded" : r[4].string ?? "", "acked": Int(r[5].int ?? -1), "live": r[6].int.map { $0 == 1 },
                    "flagged": r[7].int == 1, "published": r[8].int != 0, "workstation": r[9].string ?? "", "issued": r[10].string ?? "",
                    "task": r[11].string, "clientAttempt": r[12].string, "seed": r[13].string ?? "",
                    "flag": LabLedger.flagReason(flagged: r[7].int == 1, clientAttempt: r[12].string), "voided": r[14].string])
            }
            return (record, lab)
        }
    }

    /// A stored record as an API answer: its `seed` as a decimal string (a JSON number above 2^53
    /// would lose digits in many readers), and for a student its `journal` (the server's path)
    /// cut to the file's name. The rest of the record stays byte for byte.
    static func apiRecord(_ json: String, student: Bool) -> String {
        var out = json
        // The record's own seed is its first "seed" key (the members before it are strings); a
        // quote inside a string value is escaped, so `"seed":` there is always a key.
        if let r = out.range(of: #""seed":(\d+)"#, options: .regularExpression) {
            let digits = out[r].dropFirst(7)
            out.replaceSubrange(r, with: "\"seed\":\"\(digits)\"")
        }
        if student, let v = try? JSONText.parse(Array(out.utf8)), let path = v["journal"]?.string,
           let r = out.range(of: "\"journal\":" + JSON.string(path)) {
            out.replaceSubrange(r, with: "\"journal\":" + JSON.string((path as NSString).lastPathComponent))
        }
        return out
    }
}
