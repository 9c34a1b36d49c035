import Foundation
import HazLabCore
import HazLabLab
import HazLabRecords
import HazLabReport
import HazLabRunner
import HazLabScoring
import HTTPTypes
import Hummingbird
import NIOCore

/// Which attempts have an open stream now, and when each last sent a frame: the teacher
/// station's connection state (`live | reconnecting | offline | submitted`). Updated by the
/// `/api/stream` handler; thread-safe.
public final class LabPresence: @unchecked Sendable {
    private let lock = NSLock()
    private var byConnection: [Int: String] = [:]
    private var open: [String: Int] = [:]
    private var lastSeen: [String: Date] = [:]
    private var changes: UInt64 = 0
    /// How long after its stream closed a station counts as `reconnecting` (then `offline`).
    public var reconnectWindow: TimeInterval = 60

    public init() {}

    /// A frame arrived on connection `id`, which streams `attempt` (after its welcome).
    public func line(connection id: Int, attempt: String, at now: Date = Date()) {
        lock.lock(); defer { lock.unlock() }
        if byConnection[id] != attempt {
            if let old = byConnection[id] { open[old, default: 1] -= 1; if open[old] == 0 { open[old] = nil } }
            byConnection[id] = attempt
            open[attempt, default: 0] += 1
            changes &+= 1
        }
        lastSeen[attempt] = now
    }

    /// Connection `id` closed.
    public func closed(connection id: Int, at now: Date = Date()) {
        lock.lock(); defer { lock.unlock() }
        guard let a = byConnection.removeValue(forKey: id) else { return }
        open[a, default: 1] -= 1
        if open[a] == 0 { open[a] = nil }
        lastSeen[a] = now
        changes &+= 1
    }

    public var version: UInt64 { lock.lock(); defer { lock.unlock() }; return changes }

    /// The connection state of `attempt`: `submitted` once finished, `live` with an open stream,
    /// `reconnecting` within `reconnectWindow` of its last frame, else `offline`.
    public func connection(_ attempt: String, finished: Bool, now: Date = Date()) -> String {
        if finished { return "submitted" }
        lock.lock(); defer { lock.unlock() }
        if open[attempt, default: 0] > 0 { return "live" }
        if let t = lastSeen[attempt], now.timeIntervalSince(t) < reconnectWindow { return "reconnecting" }
        return "offline"
    }
}

/// The open live feeds (server-sent events), so that a shutdown ends them (an endless response
/// would hold the graceful shutdown).
final class LabLiveFeeds: @unchecked Sendable {
    private let lock = NSLock()
    private var stopping = false
    private var count = 0
    /// At most this many feeds at once (each polls every 250 ms); more get 503.
    static let limit = 256
    var stopped: Bool { lock.lock(); defer { lock.unlock() }; return stopping }
    func stop() { lock.lock(); stopping = true; lock.unlock() }
    func enter() -> Bool { lock.lock(); defer { lock.unlock() }; guard !stopping, count < Self.limit else { return false }; count += 1; return true }
    func leave() { lock.lock(); count -= 1; lock.unlock() }
    var hasRoom: Bool { lock.lock(); defer { lock.unlock() }; return !stopping && count < Self.limit }
}

/// One station of a class's live grid: the attempt and who is at it.
struct LabStationRow {
    var attempt: String, student: String, studentName: String, workstation: String, scenario: String, mode: String, task: String?
    var state: String
}

/// The teacher station's JSON routes (contract §3): the class's live feed, the extended live
/// snapshot and the debrief's state at a tick.
extension LabServer {
    /// How far back a class's grid looks for its stations' attempts.
    static let gridHours = 12.0

    func liveFeedRoutes(_ router: LabRoutes) {
        router.get("/api/classes/{class}/live", use: handle { req, ctx in
            let s = try self.authorise(req, ctx, roles: [.instructor, .administrator])
            let klass = pathParameter(ctx.parameters.get("class"))
            try self.mayManage(klass: klass, s.user)
            guard try self.accounts.classExists(klass) else { throw LabHTTPError(.notFound, "no class '\(klass)'") }
            let task = req.uri.queryParameters["task"].map(String.init)
            if let task, !LabAccounts.validId(task) { throw LabHTTPError.badRequest("query 'task' must be a task id") }
            guard self.liveFeeds.hasRoom else {
                throw LabHTTPError(.serviceUnavailable, "too many live views are open (\(LabLiveFeeds.limit)); close one and try again")
            }
            let token = req.cookie(Self.sessionCookie) ?? ""
            var h = HTTPFields()
            h[.contentType] = "text/event-stream; charset=utf-8"
            h[.cacheControl] = "no-store"
            h[HTTPField.Name("X-Accel-Buffering")!] = "no"
            return Response(status: .ok, headers: h, body: ResponseBody { writer in
                // Counted only while the body is written (a client gone before that holds no slot).
                if self.liveFeeds.enter() {
                    defer { self.liveFeeds.leave() }
                    try await self.feed(klass: klass, task: task, sessionToken: token, writer: &writer)
                }
                try await writer.finish(nil)
            })
        })
        router.get("/api/attempts/{attempt}/at", use: handle { req, ctx in
            let s = try self.authorise(req, ctx, roles: [.instructor, .administrator, .auditor])
            let attempt = pathParameter(ctx.parameters.get("attempt"))
            guard let a = try self.ledger.assignment(attempt) else { throw LabHTTPError(.notFound, "no lab attempt '\(attempt)'") }
            try self.mayManage(student: a.student, s.user, read: true)
            let tick = try Self.tickQuery(req.uri.queryParameters["tick"].map(String.init) ?? "")
            let lines = try self.ledger.lines(attempt)
            guard lines.count > 1, let model = try self.ledger.model(for: attempt) else {
                throw LabHTTPError(.notFound, "attempt '\(attempt)' has no streamed lines to replay yet")
            }
            let mode = TrainingMode(rawValue: a.mode.rawValue) ?? .practice
            var o = try Self.stateAt(tick, model: model, seed: a.seed, mode: mode, lines: lines, what: "attempt '\(attempt)'",
                                     pastEnd: { last, finished in
                                         "tick \(tick) is after the attempt's \(finished ? "end" : "last streamed tick") (tick \(last))"
                                     })
            o["attempt"] = .string(attempt)
            return LabJSON.response(.ok, o)
        })
    }

    /// The last tick of a stored journal: its trailer's end tick, else its last action's tick.
    static func lastTick(_ lines: [String]) -> (tick: Int64, finished: Bool) {
        var last: Int64 = 0
        for text in lines.dropFirst() {
            guard let v = try? JSONText.parse(Array(text.utf8)) else { continue }
            if v["type"]?.string == "trailer", let t = v["endTick"]?.numberText.flatMap({ Int64($0) }) { return (t, true) }
            if let t = v["tick"]?.numberText.flatMap({ Int64($0) }) { last = max(last, t) }
        }
        return (last, false)
    }

    /// The live grid's feed: an event `grid` whenever a station changed (looked at every 50 ms,
    /// coalesced: at most one every 250 ms, and only when the grid's JSON differs from the last sent), `: ping` every
    /// 15 s. A client holds at most one grid in flight: the feed writes and waits; newer changes
    /// made meanwhile are folded into the next grid (latest wins), so a slow client never makes
    /// the server queue. Ends when the client goes (a write fails), when the session ends or its
    /// holder no longer teaches the class, or when the server shuts down.
    func feed(klass: String, task: String?, sessionToken: String, writer: inout any ResponseBodyWriter) async throws {
        var lastSent = "", lastVersion: UInt64 = .max, lastBuilt = Date.distantPast, lastPing = Date()
        try await writer.write(ByteBuffer(string: "retry: 2000\n\n"))
        while !liveFeeds.stopped && !Task.isCancelled {
            let now = Date()
            let version = mirror.version &+ presence.version
            // A change is looked at within 50 ms, but grids go out at most every 250 ms; time alone
            // moves a station from reconnecting to offline, so the grid is also built every 5 s.
            if (version != lastVersion && now.timeIntervalSince(lastBuilt) >= 0.25) || now.timeIntervalSince(lastBuilt) >= 5 {
                lastVersion = version
                lastBuilt = now
                let grid = try gridJSON(klass: klass, task: task)
                if grid != lastSent {
                    try await writer.write(ByteBuffer(string: "event: grid\ndata: \(grid)\n\n"))
                    lastSent = grid
                }
            }
            if now.timeIntervalSince(lastPing) >= 15 {
                lastPing = now
                // The session may have ended (signed out, expired) or lost the class meanwhile.
                guard let s = try accounts.session(token: sessionToken), (try? mayManage(klass: klass, s.user)) != nil else { break }
                try await writer.write(ByteBuffer(string: ": ping\n\n"))
            }
            try await Task.sleep(nanoseconds: 50_000_000)
        }
    }

    /// The class's stations: the latest attempt at each workstation by a student of the class,
    /// issued in the last `gridHours` (of `task`, if given), voided ones left out; by workstation.
    func stationRows(klass: String, task: String?) throws -> [LabStationRow] {
        let since = ExportTime.iso8601(millis: ExportTime.millis(Date().addingTimeInterval(-Self.gridHours * 3600)))
        let rows = try accounts.locked { st in
            try st.db.query("""
                SELECT x.attempt, x.student, coalesce(u.name, ''), x.workstation, x.scenario, x.mode, x.task, x.state, x.issued
                FROM lab_assignments x JOIN lab_enrolments e ON e.user = x.student AND e.class = ? AND e.role = 'student'
                LEFT JOIN lab_users u ON u.id = x.student
                WHERE x.voided IS NULL AND x.issued >= ? AND (? IS NULL OR x.task = ?)
                ORDER BY x.workstation, x.issued DESC, x.attempt
                """, [klass, since, task, task])
        }
        var seen = Set<String>(), out: [LabStationRow] = []
        for r in rows {
            let ws = r[3].string ?? ""
            guard seen.insert(ws).inserted else { continue }
            out.append(LabStationRow(attempt: r[0].string ?? "", student: r[1].string ?? "", studentName: r[2].string ?? "", workstation: ws,
                                     scenario: r[4].string ?? "", mode: r[5].string ?? "", task: r[6].string, state: r[7].string ?? ""))
        }
        return out
    }

    /// The grid event's JSON: `{"class":…,"stations":[Station…]}` (contract §3).
    func gridJSON(klass: String, task: String?) throws -> String {
        let stations = try stationRows(klass: klass, task: task).map { stationJSON($0) }
        return JSONText.object(["class": klass, "stations": stations]).text(sortedKeys: true)
    }

    /// A station: the live snapshot (caught up from the ledger the first time) with who is at it.
    /// Exam stations carry no score (`score` and `maxScore` null): the grid shows none.
    func stationJSON(_ r: LabStationRow) -> JSONText.Value {
        if mirror.snapshot(r.attempt) == nil && r.state != "issued" { mirror.catchUp(attempt: r.attempt, ledger: ledger) }
        let finished = r.state == "finished" || r.state == "graded"
        var snap = mirror.snapshot(r.attempt)
            ?? LabSnapshot(attempt: r.attempt, tick: 0, stateHash: "", actions: 0, score: 0, maxScore: 0, finished: finished, problem: "")
        snap.connection = presence.connection(r.attempt, finished: snap.finished || finished)
        var o = Self.snapshotJSON(snap)
        o["student"] = .string(r.student)
        o["studentName"] = .string(r.studentName)
        o["workstation"] = .string(r.workstation)
        o["scenario"] = .string(r.scenario)
        o["mode"] = .string(r.mode)
        o["task"] = r.task.jsonValue
        if r.mode == "exam" { o["score"] = .null; o["maxScore"] = .null }
        return o
    }

    static func snapshotJSON(_ m: LabSnapshot) -> JSONText.Value {
        JSONText.object(["attempt": m.attempt, "tick": m.tick, "stateHash": m.stateHash, "actions": m.actions, "score": m.score, "maxScore": m.maxScore,
         "finished": m.finished, "problem": m.problem, "simSeconds": m.simSeconds, "stepIndex": m.stepIndex, "stepsDone": m.stepsDone,
         "stepsTotal": m.stepsTotal, "stepTitle": ["zh": m.stepTitle.zh, "en": m.stepTitle.en], "alarms": m.alarms, "hazards": m.hazards,
         "accidents": m.accidents, "frozen": m.frozen, "paused": m.paused, "connection": m.connection])
    }

    /// The `/live` answer: the snapshot, who is at it, its connection, and the station page's
    /// detail (equipment, gauges, checklist, the latest events).
    func liveJSON(_ m: LabSnapshot, _ a: LabAssignment) -> JSONText.Value {
        var snap = m
        let stored = (try? ledger.status(a.attempt))?.flatMap { $0 }?.state ?? ""
        snap.connection = presence.connection(a.attempt, finished: m.finished || stored == "finished" || stored == "graded")
        var o = Self.snapshotJSON(snap)
        o["student"] = .string(a.student)
        o["workstation"] = .string(a.workstation)
        o["mode"] = .string(a.mode.rawValue)
        o["scenario"] = .string(a.scenario)
        if let stepper = mirror.stepper(a.attempt) {
            let detail = Self.stateJSON(stepper, eventsLimit: 40)
            for k in ["equipment", "gauges", "checklist", "deductions", "events", "endReason"] { o[k] = detail[k] }
        }
        return o
    }

    /// A stepper's state as JSON (the debrief and the station page): tick, hash, equipment
    /// states, gauges (sensors and detectors, SI), the checklist (procedure steps), deductions
    /// so far, and the events (all, or the latest `eventsLimit`; measurements left out).
    static func stateJSON(_ stepper: AttemptStepper, eventsLimit: Int?) -> JSONText.Value {
        let model = stepper.model, state = stepper.state, r = stepper.scorer.result
        let e = model.entities
        func name(_ row: Int) -> [String: String] {
            let t = row < model.text.entityNames.count ? model.text.entityNames[row] : .empty
            return ["zh": t.zh, "en": t.en]
        }
        let equipment = LivePlan.states(model: model, state: state).map { s in
            JSONText.object(["id": s.id, "kind": s.kind, "state": s.state, "value": s.value, "label": ["zh": s.label(.zhCN), "en": s.label(.en)]])
        }
        var gauges: [JSONText.Value] = []
        for i in 0..<model.sensors.count {
            let row = Int(model.sensors.entity[i])
            gauges.append(JSONText.object(["id": e.ids[row], "name": name(row), "value": state.sensorValue[i],
                                           "unit": model.sensors.dimension[i].description, "failed": state.sensorFailure[i] != 0]))
        }
        if let gas = model.gas {
            for (d, row) in gas.detectorEntities.enumerated() where d < state.detectorValue.count {
                gauges.append(JSONText.object(["id": e.ids[Int(row)], "name": name(Int(row)), "value": state.detectorValue[d], "unit": "", "failed": false]))
            }
        }
        let checklist = r.steps.map { s in
            JSONText.object(["seq": s.seq, "id": s.id, "title": ["zh": s.title.zh, "en": s.title.en], "done": s.completed, "started": s.startTick >= 0,
                             "doneTick": s.endTick, "score": s.score, "max": s.maxScore, "hint": s.hintUsed])
        }
        let deductions = r.deductions.map { d in
            JSONText.object(["tick": d.tick, "cause": d.cause.rawValue, "subject": d.subject, "detail": d.detail, "points": d.points, "veto": d.veto])
        }
        var shown = stepper.events.filter { $0.kind != .measurement }
        if let eventsLimit, shown.count > eventsLimit { shown = Array(shown.suffix(eventsLimit)) }
        let events = shown.map { ev -> JSONText.Value in
            let sub = Int(ev.subject)
            let subject: String
            switch ev.kind {
            case .faultFired: subject = sub >= 0 && sub < model.faults.count ? model.faults.ids[sub] : ""
            case .hazardTriggered, .hazardCleared: subject = sub >= 0 && sub < model.hazards.count ? model.hazards.ids[sub] : ""
            default: subject = sub >= 0 && sub < e.count ? e.ids[sub] : ""
            }
            return JSONText.object(["tick": ev.tick, "kind": ev.kind.name, "subject": subject, "code": Int(ev.code)])
        }
        return JSONText.object(["tick": state.tick, "simSeconds": state.seconds, "stateHash": state.hash.hex16, "ended": state.ended,
                "endReason": state.endReason.name, "equipment": equipment, "gauges": gauges, "checklist": checklist,
                "deductions": deductions, "events": events, "score": r.total, "maxScore": r.max,
                "alarms": (0..<model.alarms.count).filter { state.alarmActive[$0] != 0 }.map { e.ids[Int(model.alarms.entity[$0])] },
                "hazards": (0..<model.hazards.count).filter { state.hazardActive[$0] != 0 }.map { model.hazards.ids[$0] }])
    }
}
